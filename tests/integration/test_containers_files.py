"""Container state, configuration and files against the real engine: stats,
top, changes, rename, update, resize, export, archives and path stats."""

from __future__ import annotations

import io
import os
import tarfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from aiodock import Conflict, Docker, NotFound, UnsupportedOperation
from aiodock.containers import Container
from tests.helpers import LABELS, own_client

SLEEPER = ["sleep", "300"]


@pytest.fixture
async def sleeper(docker: Docker, test_image: str) -> AsyncIterator[Container]:
    async with docker.containers.running(test_image, SLEEPER, labels=LABELS) as c:
        yield c


def tar_of(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o640
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


async def test_stats_one_shot_and_streaming(sleeper: Container) -> None:
    sample = await sleeper.stats(stream=False, one_shot=True)
    assert sample.memory_stats is not None and (sample.memory_stats.usage or 0) > 0
    assert sample.pids_stats is not None and sample.pids_stats.current == 1
    info = await sleeper.inspect()
    # the container's on every engine (Docker 26 leaves both out of a
    # one-shot sample: aiodock fills them in)
    assert (sample.id, sample.name) == (info.id, info.name)
    full = await sleeper.stats(stream=False)
    assert (full.id, full.name) == (info.id, info.name)
    samples = []
    with anyio.fail_after(20):
        async for sample in sleeper.stats():
            samples.append(sample)
            if len(samples) == 2:
                break
    assert samples[1].cpu_percent is not None and samples[1].cpu_percent >= 0
    assert samples[0].read != samples[1].read
    assert (samples[0].id, samples[0].name) == (info.id, info.name)


async def test_top_lists_the_processes(sleeper: Container, docker: Docker) -> None:
    top = await sleeper.top()
    command = "COMMAND" if docker._api.podman else "CMD"  # each engine's ps titles
    assert top.titles is not None and command in top.titles
    assert [row[command] for row in top.rows()] == ["sleep 300"]
    custom = await docker.containers.top(sleeper.id, ps_args="-o pid,comm")
    assert custom.titles == ["PID", "COMMAND"]


async def test_changes_after_writing_a_file(docker: Docker, test_image: str) -> None:
    result = await docker.containers.run(
        test_image, ["sh", "-c", "echo x > /tmp/new-file"], labels=LABELS, remove=False
    )
    try:
        changes = {
            c.path: c.kind_name for c in await docker.containers.changes(result.container_id)
        }
        assert changes["/tmp/new-file"] == "added"
        assert changes["/tmp"] == "modified"
    finally:
        await docker.containers.remove(result.container_id)


async def test_rename_and_rename_onto_a_taken_name(docker: Docker, test_image: str) -> None:
    first = f"aiodock-test-{uuid.uuid4().hex[:8]}"
    second = f"aiodock-test-{uuid.uuid4().hex[:8]}"
    a = await docker.containers.create(test_image, SLEEPER, name=first, labels=LABELS)
    b = await docker.containers.create(test_image, SLEEPER, labels=LABELS)
    try:
        await a.rename(second)
        assert (await a.inspect()).name == f"/{second}"
        with pytest.raises(NotFound):
            await docker.containers.inspect(first)
        with pytest.raises(Conflict, match=second):
            await b.rename(second)
    finally:
        await a.remove(force=True)
        await b.remove(force=True)


async def test_update_memory_limit_shows_in_inspect(sleeper: Container, docker: Docker) -> None:
    if docker._api.podman:
        with pytest.raises(UnsupportedOperation, match="does not implement POST /containers/"):
            await sleeper.update(memory=64 * 2**20)
        return
    await sleeper.update(memory=64 * 2**20, memory_swap=128 * 2**20, pids_limit=50)
    host = (await sleeper.inspect()).host_config
    assert host is not None
    assert (host.memory, host.memory_swap, host.pids_limit) == (64 * 2**20, 128 * 2**20, 50)
    sample = await sleeper.stats(stream=False, one_shot=True)
    assert sample.memory_stats is not None and sample.memory_stats.limit == 64 * 2**20


async def test_resize_a_tty_container(docker: Docker, test_image: str) -> None:
    async with docker.containers.running(
        test_image,
        ["sh", "-c", "while :; do stty size; sleep 0.1; done"],
        labels=LABELS,
        tty=True,
    ) as c:
        await c.resize(33, 77)
        seen = b""
        with anyio.fail_after(20):
            async for chunk in c.logs(follow=True):
                seen += chunk.data
                if b"33 77" in seen:
                    break


async def test_export_is_a_valid_tar(docker: Docker, test_image: str, tmp_path: Path) -> None:
    result = await docker.containers.run(
        test_image, ["sh", "-c", "echo marked > /marker"], labels=LABELS, remove=False
    )
    try:
        written = await docker.containers.export(result.container_id).to_file(tmp_path / "c.tar")
        assert written == (tmp_path / "c.tar").stat().st_size
        with tarfile.open(tmp_path / "c.tar") as tar:
            names = set(tar.getnames())
            assert {"bin/busybox", "etc/passwd", "marker"} <= names
            marker = tar.extractfile("marker")
            assert marker is not None and marker.read() == b"marked\n"
        count = await docker.containers.export(result.container_id).extract_to(
            tmp_path / "rootfs", absolute_links="rebase"
        )
        assert count == len(names)
        assert (tmp_path / "rootfs/marker").read_bytes() == b"marked\n"
        assert os.readlink(tmp_path / "rootfs/etc/mtab") == "../proc/mounts"
    finally:
        await docker.containers.remove(result.container_id)


async def test_put_then_get_archive_round_trips_20_mib(
    sleeper: Container, tmp_path: Path, docker: Docker
) -> None:
    payload = os.urandom(20 * 2**20)
    archive = tar_of("blob.bin", payload)

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(archive), 1 << 16):
            yield archive[start : start + (1 << 16)]

    await sleeper.put_archive("/tmp", pieces())
    async with sleeper.get_archive("/tmp/blob.bin") as stream:
        assert stream.stat is not None and stream.stat.size == len(payload)
        received = b"".join([chunk async for chunk in stream])
    with tarfile.open(fileobj=io.BytesIO(received)) as tar:
        member = tar.extractfile("blob.bin")
        assert member is not None and member.read() == payload
    # From a path, and unpacked straight to disk.
    (tmp_path / "in.tar").write_bytes(tar_of("again.bin", payload))
    await docker.containers.put_archive(sleeper.id, "/tmp", tmp_path / "in.tar")
    assert await sleeper.get_archive("/tmp/again.bin").extract_to(tmp_path / "out") == 1
    assert (tmp_path / "out/again.bin").read_bytes() == payload
    assert (tmp_path / "out/again.bin").stat().st_mode & 0o777 == 0o640


async def test_get_archive_of_a_directory(sleeper: Container, tmp_path: Path) -> None:
    await sleeper.put_archive("/tmp", tar_of("dir/a.txt", b"a"))
    count = await sleeper.get_archive("/tmp/dir").extract_to(tmp_path)
    assert count == 2 and (tmp_path / "dir/a.txt").read_bytes() == b"a"
    with pytest.raises(NotFound, match="/nowhere"):
        await sleeper.get_archive("/nowhere").to_file(tmp_path / "never.tar")
    assert not (tmp_path / "never.tar").exists()


async def test_stat_path_of_a_file_a_directory_a_link_and_a_missing_path(
    sleeper: Container, docker: Docker
) -> None:
    passwd = await sleeper.stat_path("/etc/passwd")
    assert (passwd.name, passwd.is_dir, passwd.permissions) == ("passwd", False, 0o644)
    async with docker.containers.get_archive(sleeper.id, "/etc/passwd") as stream:
        data = b"".join([chunk async for chunk in stream])
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert passwd.size == tar.getmember("passwd").size > 0
    etc = await sleeper.stat_path("/etc")
    assert etc.is_dir and etc.filemode.startswith("d")
    link = await sleeper.stat_path("/bin/sh")
    assert link.is_symlink and link.link_target == "/bin/busybox"
    with pytest.raises(NotFound, match="/no/such/file"):
        await sleeper.stat_path("/no/such/file")
    with pytest.raises(NotFound):
        await docker.containers.stat_path(f"aiodock-missing-{uuid.uuid4().hex[:8]}", "/etc")


@pytest.mark.anyio
async def test_run_logs_archives_and_running(
    engine: str, test_image: str, tmp_path: Path, anyio_backend: str
) -> None:
    """run, running, archives, logs and a cancelled export, on asyncio and on trio."""
    async with own_client(engine, seconds=60) as docker:
        result = await docker.containers.run(
            test_image, ["echo", f"on {anyio_backend}"], labels=LABELS, stdin=b""
        )
        assert result.stdout == f"on {anyio_backend}\n".encode()
        async with docker.containers.running(test_image, SLEEPER, labels=LABELS) as c:
            await c.put_archive("/tmp", tar_of("t.txt", b"trio"))
            assert await c.get_archive("/tmp/t.txt").extract_to(tmp_path) == 1
            assert (await c.logs()).stdout == b""
            with anyio.move_on_after(0.3):
                await c.export().extract_to(tmp_path / "cancelled", absolute_links="rebase")
            assert (await c.stat_path("/tmp/t.txt")).size == 4
    assert (tmp_path / "t.txt").read_bytes() == b"trio"
