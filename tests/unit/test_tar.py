"""TarStream.extract_to against crafted archives (from tests/fakes.py's FakeEngine):
what a real engine would never send, but a hostile image could."""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
import httpx
import pytest

from aiodock import Docker, NotFound, StreamError
from aiodock._tar import UnsafeArchiveError
from tests.fakes import FakeEngine

Entry = Callable[[tarfile.TarFile], None]


def file(name: str, data: bytes = b"x", mode: int = 0o644) -> Entry:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = mode
        tar.addfile(info, io.BytesIO(data))

    return add


def special(name: str, kind: bytes, linkname: str = "") -> Entry:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = linkname
        info.mode = 0o755
        tar.addfile(info)

    return add


def directory(name: str, mode: int = 0o755) -> Entry:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.type = tarfile.DIRTYPE
        info.mode = mode
        tar.addfile(info)

    return add


def symlink(name: str, target: str) -> Entry:
    return special(name, tarfile.SYMTYPE, target)


def hardlink(name: str, target: str) -> Entry:
    return special(name, tarfile.LNKTYPE, target)


def make_tar(*entries: Entry) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            entry(tar)
    return buf.getvalue()


def engine_sending(body: bytes | Callable[[], AsyncIterator[bytes]], status: int = 200) -> Docker:
    def export(request: httpx.Request) -> httpx.Response:
        if status != 200:
            return httpx.Response(status, json={"message": "No such container: box"})
        content = body if isinstance(body, bytes) else body()
        return httpx.Response(200, content=content)

    def page_not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"message": "page not found"})

    return FakeEngine({"/v1.41/containers/box/export": export}, missing=page_not_found).client()


async def extract(tmp_path: Path, *entries: Entry, **options: str) -> tuple[int, Path]:
    target = tmp_path / "out"
    async with engine_sending(make_tar(*entries)) as docker:
        count = await docker.containers.export("box").extract_to(target, **options)  # type: ignore[arg-type]
    return count, target


async def test_files_directories_and_links_inside_are_unpacked(tmp_path: Path) -> None:
    count, out = await extract(
        tmp_path,
        directory("etc"),
        file("etc/passwd", b"root:x:0:0\n", 0o640),
        file("bin/tool", b"#!/bin/sh\n", 0o4755),  # no directory entry before it
        symlink("bin/sh", "tool"),
        symlink("etc/up", "../bin/tool"),
        hardlink("bin/tool2", "bin/tool"),
        directory("ro", 0o555),
        file("ro/inside", b"in a read-only directory"),
    )
    assert count == 8
    assert (out / "etc/passwd").read_bytes() == b"root:x:0:0\n"
    assert (out / "etc/passwd").stat().st_mode & 0o777 == 0o640
    assert (out / "bin/tool").stat().st_mode & 0o7777 == 0o755, "set-id bits are dropped"
    assert os.readlink(out / "bin/sh") == "tool"
    assert (out / "etc/up").read_bytes() == b"#!/bin/sh\n"
    assert (out / "bin/tool2").stat().st_ino == (out / "bin/tool").stat().st_ino
    assert (out / "ro/inside").read_bytes() == b"in a read-only directory"
    assert (out / "ro").stat().st_mode & 0o777 == 0o555


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        (file("../escape"), "'..'"),
        (file("a/../../escape"), "'..'"),
        (file("/abs/escape"), "absolute path"),
        (symlink("up", "../outside"), "points outside"),
        (symlink("deep/up", "../../outside"), "points outside"),
        (symlink("a", "b/.."), "'..' after a name"),
        (symlink("abs", "/etc/passwd"), "absolute path '/etc/passwd'"),
        (hardlink("h", "../outside"), "'..'"),
        (hardlink("h", "/etc/passwd"), "absolute path"),
        (hardlink("h", "missing"), "not a file unpacked before it"),
        (special("null", tarfile.CHRTYPE), "device file"),
        (special("disk", tarfile.BLKTYPE), "device file"),
        (special("pipe", tarfile.FIFOTYPE), "FIFO"),
    ],
    ids=[
        "dotdot",
        "dotdot-inside",
        "absolute",
        "symlink-up",
        "symlink-deep-up",
        "symlink-dotdot-after-name",
        "symlink-absolute",
        "hardlink-up",
        "hardlink-absolute",
        "hardlink-missing",
        "char-device",
        "block-device",
        "fifo",
    ],
)
async def test_escapes_and_special_files_are_refused(
    tmp_path: Path, entry: Entry, why: str
) -> None:
    with pytest.raises(UnsafeArchiveError, match=why):
        await extract(tmp_path, file("before", b"ok"), entry, file("after", b"never"))
    out = tmp_path / "out"
    assert (out / "before").read_bytes() == b"ok"
    assert not (out / "after").exists(), "nothing is written after a refused entry"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "nothing outside"


async def test_writing_through_a_link_already_on_disk_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "out"
    target.mkdir()
    (target / "sneaky").symlink_to(outside)  # planted before the extraction
    async with engine_sending(make_tar(file("sneaky/owned", b"gotcha"))) as docker:
        with pytest.raises(UnsafeArchiveError, match="resolves outside"):
            await docker.containers.export("box").extract_to(target)
    assert list(outside.iterdir()) == []


async def test_a_file_replaces_an_existing_symlink_instead_of_following_it(
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    count, out = await extract(tmp_path, symlink("x", "y"), file("x", b"new"))
    assert count == 2
    assert (out / "x").read_bytes() == b"new" and not (out / "x").is_symlink()
    assert victim.read_bytes() == b"keep me"


async def test_absolute_links_can_be_rebased_or_skipped(tmp_path: Path) -> None:
    entries = (directory("etc"), symlink("etc/mtab", "/proc/mounts"), symlink("r", "/../x"))
    count, out = await extract(tmp_path / "rebase", *entries, absolute_links="rebase")
    assert count == 3
    assert os.readlink(out / "etc/mtab") == "../proc/mounts"
    assert os.readlink(out / "r") == "x"
    count, out = await extract(tmp_path / "skip", *entries, absolute_links="skip")
    assert count == 1
    assert not os.path.lexists(out / "etc/mtab")


async def test_bad_options_are_refused_before_any_request(tmp_path: Path) -> None:
    async with engine_sending(make_tar(file("a"))) as docker:
        stream = docker.containers.export("box")
        with pytest.raises(ValueError, match="absolute_links"):
            await stream.extract_to(tmp_path, absolute_links="follow")  # type: ignore[arg-type]
        (tmp_path / "plain").write_bytes(b"")
        with pytest.raises(NotADirectoryError):
            await stream.extract_to(tmp_path / "plain")


async def test_an_engine_error_comes_before_touching_the_disk(tmp_path: Path) -> None:
    async with engine_sending(b"", status=404) as docker:
        with pytest.raises(NotFound, match="box"):
            await docker.containers.export("box").extract_to(tmp_path / "out")
    assert not (tmp_path / "out").exists()


async def test_a_truncated_archive_raises(tmp_path: Path) -> None:
    data = make_tar(file("big", b"z" * 100_000))
    async with engine_sending(data[:30_000]) as docker:
        with pytest.raises(StreamError, match="not a readable tar"):
            await docker.containers.export("box").extract_to(tmp_path / "out")


async def test_large_archives_stream_in_small_chunks(tmp_path: Path) -> None:
    payload = os.urandom(3 * 2**20 + 17)
    data = make_tar(file("blob", payload), file("after", b"tail"))
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for start in range(0, len(data), 4093):
            sent += 1
            yield data[start : start + 4093]

    async with engine_sending(chunks) as docker:
        count = await docker.containers.export("box").extract_to(tmp_path)
    assert count == 2
    assert (tmp_path / "blob").read_bytes() == payload
    assert (tmp_path / "after").read_bytes() == b"tail"
    assert sent > 700


async def test_cancelling_an_extraction_does_not_hang(tmp_path: Path) -> None:
    head = make_tar(file("big", b"z" * 10_000_000))[:600_000]
    stalled = anyio.Event()

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        stalled.set()
        await anyio.sleep_forever()

    async with engine_sending(chunks) as docker:
        with anyio.fail_after(10):
            with anyio.move_on_after(0.5) as scope:
                await docker.containers.export("box").extract_to(tmp_path)
            assert scope.cancelled_caught
        assert stalled.is_set()
        # The client still works afterwards.
        assert (await docker.ping()).api_version == "1.41"
