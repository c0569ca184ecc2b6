"""Property tests of every parser of what the engine sends (hypothesis).

Random bytes, cut into random pieces, go to the frame demultiplexer, the
JSON-lines decoder, aiodock's own HTTP transport (response heads, chunked
and Content-Length bodies, from a real Unix-socket server in this process),
the ``X-Docker-Container-Path-Stat`` header and the tar unpacker. Each must
give a result or raise a :class:`~aiodock.DockerError`: never another
exception, never a hang. Well-formed input, cut anywhere, must come out
exactly as it went in.
"""

from __future__ import annotations

import base64
import contextlib
import io
import itertools
import json
import os
import tarfile
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.abc
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiodock import ConnectionLost, Docker, DockerError
from aiodock.containers import path_stat
from aiodock.models import PathStat
from aiodock.streams import FrameDemuxer, JSONLinesDecoder, LogChunk, _split_json_values
from tests.fakes import SocketEngine
from tests.helpers import frame, merged

T = TypeVar("T")

FAST = settings(max_examples=150, deadline=None)
"""Pure parsers: cheap, many examples."""
IO_BOUND = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Examples that start a server or unpack to disk: fewer."""

cuts = st.lists(st.integers(min_value=0, max_value=4096), max_size=12)


def cut(data: bytes, positions: list[int]) -> list[bytes]:
    """``data`` split at ``positions`` (any order, out-of-range ones clamp)."""
    points = sorted({min(p, len(data)) for p in positions} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)] or [b""]


def run(fn: Callable[[], Awaitable[T]], limit: float = 20.0) -> T:
    """Run ``fn`` on a fresh event loop; a hang fails the test."""

    async def bounded() -> T:
        with anyio.fail_after(limit):
            return await fn()

    return anyio.run(bounded)


# --------------------------------------------------------------------------
# the multiplexed frame demultiplexer


def demux(pieces: list[bytes]) -> list[LogChunk]:
    demuxer = FrameDemuxer()
    out = [chunk for piece in pieces for chunk in demuxer.feed(piece)]
    demuxer.close()
    return out


@FAST
@given(st.binary(max_size=600), cuts)
def test_demux_random_bytes_give_chunks_or_a_docker_error(
    data: bytes, positions: list[int]
) -> None:
    try:
        chunks = demux(cut(data, positions))
    except DockerError:
        return
    assert all(isinstance(c, LogChunk) and isinstance(c.data, bytes) for c in chunks)
    assert sum(len(c.data) for c in chunks) <= len(data)


frames = st.lists(
    st.tuples(st.integers(min_value=0, max_value=3), st.binary(max_size=300)), max_size=12
)
NAMES = ("stdin", "stdout", "stderr", "system")


@FAST
@given(frames, cuts)
def test_demux_well_formed_frames_cut_anywhere_come_out_whole(
    sent: list[tuple[int, bytes]], positions: list[int]
) -> None:
    data = b"".join(frame(s, p) for s, p in sent)
    expected = merged([LogChunk(NAMES[s], p) for s, p in sent])  # type: ignore[arg-type]
    assert merged(demux(cut(data, positions))) == expected


@FAST
@given(frames, st.integers(min_value=0), st.integers(min_value=0, max_value=255), cuts)
def test_demux_one_corrupted_byte_is_a_result_or_a_docker_error(
    sent: list[tuple[int, bytes]], where: int, value: int, positions: list[int]
) -> None:
    data = bytearray(b"".join(frame(s, p) for s, p in sent) or b"\0")
    data[where % len(data)] = value
    with contextlib.suppress(DockerError):
        demux(cut(bytes(data), positions))


@FAST
@given(frames, st.integers(min_value=1, max_value=7))
def test_demux_truncated_stream_is_a_docker_error(
    sent: list[tuple[int, bytes]], short: int
) -> None:
    data = b"".join(frame(s, p) for s, p in sent) + frame(1, b"tail")
    with pytest.raises(DockerError, match="middle of a frame"):
        demux([data[:-short]])


# --------------------------------------------------------------------------
# JSON lines

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def decode_lines(pieces: list[bytes]) -> list[Any]:
    decoder = JSONLinesDecoder()
    lines = [line for piece in pieces for line in decoder.feed(piece)] + decoder.close()
    return [value for line in lines for value in _split_json_values(line)]


@settings(max_examples=60, deadline=None)  # building nested values is the slow part
@given(
    st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=4), max_size=8),
    st.lists(st.sampled_from([b"\n", b"\r\n", b"\n\n", b"\r\n\r\n"]), min_size=8, max_size=8),
    st.booleans(),
    cuts,
)
def test_json_lines_cut_anywhere_come_out_whole(
    objects: list[dict[str, Any]], endings: list[bytes], final_newline: bool, positions: list[int]
) -> None:
    body = b"".join(json.dumps(o).encode() + end for o, end in zip(objects, endings, strict=False))
    if objects and not final_newline:
        body = body.rstrip(b"\r\n")
    assert decode_lines(cut(body, positions)) == objects


@FAST
@given(st.binary(max_size=600), cuts)
def test_json_lines_random_bytes_give_values_or_a_docker_error(
    data: bytes, positions: list[int]
) -> None:
    with contextlib.suppress(DockerError):
        decode_lines(cut(data, positions))


def json_engine(pieces: list[bytes]) -> Docker:
    """An engine whose events stream sends ``pieces`` as they are."""

    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body(), headers={"Content-Type": "application/json"})

    return Docker(
        "unix:///nonexistent.sock",
        transport=httpx.MockTransport(handle),
        api_version="1.41",
        env={},
    )


async def read_events(pieces: list[bytes]) -> list[Any]:
    async with json_engine(pieces) as docker:
        return [event async for event in docker.system.events(until=1)]


@IO_BOUND
@given(st.binary(max_size=400), cuts)
def test_events_stream_of_random_bytes_gives_events_or_a_docker_error(
    data: bytes, positions: list[int]
) -> None:
    with contextlib.suppress(DockerError):
        run(lambda: read_events(cut(data, positions)))


@pytest.mark.parametrize(
    "line",
    [
        b"[" * 100_000,
        b'{"a":' * 50_000,
        b'{"status": "x"} ' + b"[" * 100_000,
        b'{"error": ' + b"[" * 100_000,
        b"\xff\xfe{}",
        b'{"status": "ok"}{"status"',
    ],
)
def test_hostile_json_lines_are_stream_errors(line: bytes) -> None:
    with pytest.raises(DockerError):
        run(lambda: read_events([line + b"\n"]))


# --------------------------------------------------------------------------
# aiodock's HTTP transport: response heads, chunked and sized bodies


async def against_fake(answers: list[list[bytes]], calls: Callable[[Docker], Awaitable[T]]) -> T:
    with tempfile.TemporaryDirectory(prefix="aiodk-fz") as tmp:
        fake = SocketEngine(os.path.join(tmp, "e.sock"))
        fake.answers = answers
        async with anyio.create_task_group() as tg:
            await tg.start(fake.serve)
            try:
                docker = Docker(
                    f"unix://{fake.path}",
                    api_version="1.41",
                    timeout=5,
                    max_connections=1,
                    transport="aiodock",
                    env={},
                )
                try:
                    return await calls(docker)
                finally:
                    await docker.close()
            finally:
                tg.cancel_scope.cancel()


async def ping_again(docker: Docker) -> object:
    """A ping that must succeed on the same client (``max_connections=1``):
    an answer of any shape never leaks the only pooled connection.

    One :class:`ConnectionLost` is tolerated: when the answer under test
    looked complete and kept the connection alive, the fake engine's close
    right after it can race the reuse of that connection (no retry on a
    stale keep-alive connection yet)."""
    try:
        return await docker.ping()
    except ConnectionLost:
        return await docker.ping()


async def ping_then_ping(docker: Docker) -> object:
    """A ping (the answer under test), then one that must succeed."""
    with contextlib.suppress(DockerError):
        await docker.ping()
    return await ping_again(docker)


async def export_then_ping(docker: Docker) -> object:
    with contextlib.suppress(DockerError):
        async for _ in docker.containers.export("box"):
            pass
    return await ping_again(docker)


STATUS_LINES = [
    b"HTTP/1.1 200 OK",
    b"HTTP/1.1 404 Not Found",
    b"HTTP/1.0 200 OK",
    b"HTTP/1.1 500 Internal Server Error",
    b"HTTP/1.1 204 No Content",
    b"HTTP/1.1 100 Continue",
    b"HTTP/1.1 200",
    b"HTTP/2 200 OK",
    b"HTTP/1.1 abc OK",
    b"HTTP/1.1 0 Zero",
    b"HTTP/1.1 99999 Big",
    b"HTTP/1.1 " + b"2" * 5000,
    b"HTTP/1.1 101 Switching Protocols",
    b"HTTP/1.1 304 Not Modified",
    b"garbage",
    b"",
]
HEADER_LINES = [
    b"Content-Length: 0",
    b"Content-Length: 5",
    b"Content-Length: 99999",
    b"Content-Length: -1",
    b"Content-Length: x",
    b"Content-Length: " + b"9" * 5000,
    b"Content-Length: 1, 1",
    b"Transfer-Encoding: chunked",
    b"Connection: close",
    b"Content-Type: application/json",
    b"Api-Version: 1.41",
    b"X-Docker-Container-Path-Stat: e30=",
    b"no colon",
    b" Leading: space",
    b":",
    b"Name:\xff\xfe",
    b"\x00:\x00",
]


@st.composite
def http_answers(draw: st.DrawFn) -> bytes:
    """Something shaped like an HTTP answer, often malformed."""
    status = draw(st.sampled_from(STATUS_LINES) | st.binary(max_size=40))
    headers = draw(st.lists(st.sampled_from(HEADER_LINES) | st.binary(max_size=30), max_size=5))
    body_kind = draw(st.sampled_from(["raw", "chunked", "bad-chunked"]))
    payload = draw(st.binary(max_size=200))
    if body_kind == "chunked":
        pieces = cut(payload, draw(cuts))
        body = b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in pieces if p) + b"0\r\n\r\n"
    elif body_kind == "bad-chunked":
        size = draw(st.sampled_from([b"zz", b"-1", b"ffffffffffffffffff", b"5;ext", b"", b"10"]))
        body = size + b"\r\n" + payload + draw(st.sampled_from([b"\r\n0\r\n\r\n", b"", b"xx"]))
    else:
        body = payload
    answer = b"\r\n".join([status, *headers]) + b"\r\n\r\n" + body
    if draw(st.booleans()):
        data = bytearray(answer or b"\0")
        data[draw(st.integers(min_value=0)) % len(data)] = draw(st.integers(0, 255))
        answer = bytes(data)
    return answer


@IO_BOUND
@given(st.one_of(st.binary(max_size=300), http_answers()), cuts)
def test_transport_short_call_survives_any_answer(answer: bytes, positions: list[int]) -> None:
    info = run(lambda: against_fake([cut(answer, positions)], ping_then_ping))
    assert info is not None


@IO_BOUND
@given(st.one_of(st.binary(max_size=300), http_answers()), cuts)
def test_transport_stream_survives_any_answer(answer: bytes, positions: list[int]) -> None:
    info = run(lambda: against_fake([cut(answer, positions)], export_then_ping))
    assert info is not None


@IO_BOUND
@given(
    st.lists(st.binary(min_size=1, max_size=300), max_size=8),
    st.lists(st.sampled_from([b"", b";name=value", b" "]), min_size=8, max_size=8),
    st.booleans(),
    cuts,
)
def test_transport_chunked_body_cut_anywhere_comes_out_whole(
    pieces: list[bytes], extensions: list[bytes], upper: bool, positions: list[int]
) -> None:
    body = (
        b"".join(
            (b"%X" if upper else b"%x") % len(p) + ext + b"\r\n" + p + b"\r\n"
            for p, ext in zip(pieces, extensions, strict=False)
        )
        + b"0\r\nX-Trailer: yes\r\n\r\n"
    )
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body

    async def export(docker: Docker) -> bytes:
        return await docker.containers.export("box")

    assert run(lambda: against_fake([cut(answer, positions)], export)) == b"".join(pieces)


@IO_BOUND
@given(st.binary(max_size=2000), cuts)
def test_transport_sized_body_cut_anywhere_comes_out_whole(
    payload: bytes, positions: list[int]
) -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(payload), payload)

    async def export(docker: Docker) -> bytes:
        return await docker.containers.export("box")

    assert run(lambda: against_fake([cut(answer, positions)], export)) == payload


# --------------------------------------------------------------------------
# the path-stat header

STAT = {"name": "hosts", "size": 7, "mode": 420, "mtime": "2026-01-01T00:00:00Z", "linkTarget": ""}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@FAST
@given(
    st.one_of(
        st.text(alphabet=st.characters(max_codepoint=255), max_size=200),
        st.binary(max_size=200).map(b64),
        json_values.map(lambda v: b64(json.dumps(v).encode())),
        st.dictionaries(st.sampled_from(sorted(STAT)), json_values).map(
            lambda d: b64(json.dumps({**STAT, **d}).encode())
        ),
    )
)
def test_path_stat_header_is_a_stat_or_a_docker_error(header: str) -> None:
    try:
        stat = path_stat(header)
    except DockerError as exc:
        assert "X-Docker-Container-Path-Stat" in str(exc)
        return
    assert isinstance(stat, PathStat)


def test_path_stat_header_nested_too_deep_is_a_docker_error() -> None:
    with pytest.raises(DockerError, match="unreadable"):
        path_stat(b64(b"[" * 100_000))


@IO_BOUND
@given(
    st.binary(max_size=120).map(b64)
    | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80)
)
def test_stat_path_through_the_api_is_a_stat_or_a_docker_error(header: str) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"X-Docker-Container-Path-Stat": header})

    async def stat() -> object:
        async with Docker(
            "unix:///nonexistent.sock",
            api_version="1.41",
            env={},
            transport=httpx.MockTransport(handle),
        ) as docker:
            return await docker.containers.stat_path("box", "/etc/hosts")

    with contextlib.suppress(DockerError):
        assert isinstance(run(stat), PathStat)


# --------------------------------------------------------------------------
# the tar unpacker (extract_to)


def tar_engine(pieces: list[bytes]) -> Docker:
    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    return Docker(
        "unix:///nonexistent.sock",
        transport=httpx.MockTransport(handle),
        api_version="1.41",
        env={},
    )


def extract(pieces: list[bytes], target: Path, **options: Any) -> int:
    async def go() -> int:
        async with tar_engine(pieces) as docker:
            return await docker.containers.export("box").extract_to(target, **options)

    return run(go)


def assert_nothing_escaped(base: Path, target: Path) -> None:
    """Nothing but ``target`` in ``base``, and no link under ``target``
    resolving outside it."""
    assert sorted(p.name for p in base.iterdir()) == [target.name]
    root = os.path.realpath(target)
    for directory, dirs, files in os.walk(target):
        for name in dirs + files:
            path = os.path.join(directory, name)
            if os.path.islink(path):
                try:
                    real = os.path.realpath(path, strict=True)
                except OSError:  # a loop or a dangling link: where its text points
                    link = os.readlink(path)
                    assert not link.startswith("/"), (path, link)
                    real = os.path.normpath(os.path.join(os.path.dirname(path), link))
                assert real == root or real.startswith(root + os.sep), (path, real)


@IO_BOUND
@given(st.binary(max_size=3000), cuts)
def test_tar_random_bytes_unpack_or_raise_a_docker_error(data: bytes, positions: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with contextlib.suppress(DockerError):
            extract(cut(data, positions), base / "out")
        assert_nothing_escaped(base, base / "out")


NAME_PARTS = ["a", "b", "..", ".", "", "/", "c.txt"]
names = st.lists(st.sampled_from(NAME_PARTS), min_size=1, max_size=4).map("/".join)
KINDS = [
    tarfile.REGTYPE,
    tarfile.DIRTYPE,
    tarfile.SYMTYPE,
    tarfile.LNKTYPE,
    tarfile.FIFOTYPE,
    tarfile.CHRTYPE,
]


@st.composite
def tar_archives(draw: st.DrawFn) -> bytes:
    """Tars with hostile names and links: ``..``, absolute, links up and out."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for _ in range(draw(st.integers(min_value=1, max_value=6))):
            info = tarfile.TarInfo(draw(names))
            info.type = draw(st.sampled_from(KINDS))
            info.mode = draw(st.sampled_from([0o644, 0o755, 0o4755, 0o000]))
            data = b""
            if info.type in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = draw(
                    names
                    | st.sampled_from(["/etc/passwd", "../../../../etc", "/", "..", "a/../../x"])
                )
            elif info.type == tarfile.REGTYPE:
                data = draw(st.binary(max_size=50))
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()


@IO_BOUND
@given(tar_archives(), cuts, st.sampled_from(["refuse", "rebase", "skip"]))
def test_tar_hostile_entries_never_escape_the_directory(
    archive: bytes, positions: list[int], absolute_links: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        try:
            count = extract(cut(archive, positions), base / "out", absolute_links=absolute_links)
        except DockerError:
            pass
        else:
            assert count >= 0
        assert_nothing_escaped(base, base / "out")
