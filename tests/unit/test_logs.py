"""LogStream against the fake engine (tests/fakes.py): demultiplexing, TTY, when an
inspect is made, and what ``await`` collects."""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest

from aiodock import ConnectionLost, Docker, LogChunk, StreamError
from tests.fakes import FakeEngine


def frame(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(data)) + data


class LogEngine:
    """The answers of an engine holding one container whose logs are
    ``body`` (sent ``chunk`` bytes at a time), on the fake engine."""

    def __init__(self, body: bytes, *, tty: bool, chunk: int = 5) -> None:
        self.body = body
        self.tty = tty
        self.chunk = chunk
        self.params: list[httpx.QueryParams] = []
        self.engine = FakeEngine(missing=self.answer)

    async def _chunks(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), self.chunk):
            yield self.body[start : start + self.chunk]

    def answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1.41/containers/create":
            return httpx.Response(201, json={"Id": "b" * 64, "Warnings": []})
        if path.endswith("/json"):
            return httpx.Response(200, json={"Id": "b" * 64, "Config": {"Tty": self.tty}})
        if path.endswith("/logs"):
            self.params.append(request.url.params)
            return httpx.Response(
                200,
                content=self._chunks(),
                headers={"Content-Type": "application/vnd.docker.raw-stream"},
            )
        return httpx.Response(404, json={"message": f"no route {path}"})

    def client(self) -> Docker:
        return self.engine.client()

    @property
    def inspects(self) -> int:
        return sum(n for path, n in self.engine.seen.items() if path.endswith("/json"))


MUXED = (
    frame(1, b"out 1\n")
    + frame(2, b"err 1\n")
    + frame(1, b"out 2\n")
    + frame(2, b"err 2\n")
    + frame(1, b"")
)


def merged(chunks: list[LogChunk]) -> list[LogChunk]:
    """Join neighbours of the same stream (a frame may arrive in pieces)."""
    out: list[LogChunk] = []
    for chunk in chunks:
        if out and out[-1].stream == chunk.stream:
            out[-1] = LogChunk(chunk.stream, out[-1].data + chunk.data)
        else:
            out.append(chunk)
    return out


async def test_multiplexed_logs_keep_streams_apart_and_in_order() -> None:
    engine = LogEngine(MUXED, tty=False, chunk=3)
    async with engine.client() as docker:
        chunks = [chunk async for chunk in docker.containers.logs("box")]
    assert all(chunk.data for chunk in chunks)
    assert merged(chunks) == [
        LogChunk("stdout", b"out 1\n"),
        LogChunk("stderr", b"err 1\n"),
        LogChunk("stdout", b"out 2\n"),
        LogChunk("stderr", b"err 2\n"),
    ]
    assert engine.inspects == 1, "the TTY flag was unknown: one inspect"


async def test_await_collects_stdout_and_stderr() -> None:
    async with LogEngine(MUXED, tty=False).client() as docker:
        out = await docker.containers.logs("box")
    assert out.stdout == b"out 1\nout 2\n"
    assert out.stderr == b"err 1\nerr 2\n"


async def test_tty_logs_are_raw_and_all_stdout() -> None:
    raw = b"\x01\x00\x00\x00 not a frame header\r\n"
    engine = LogEngine(raw, tty=True)
    async with engine.client() as docker:
        out = await docker.containers.logs("box")
    assert out.stdout == raw and out.stderr == b""


async def test_a_handle_from_create_knows_its_tty_without_inspect() -> None:
    engine = LogEngine(b"raw\r\n", tty=True)
    async with engine.client() as docker:
        c = await docker.containers.create("img", tty=True)
        assert (await c.logs()).stdout == b"raw\r\n"
        engine.body = MUXED
        engine.tty = False
        plain = await docker.containers.create("img")
        assert (await plain.logs()).stderr == b"err 1\nerr 2\n"
        assert (await docker.containers.logs("box", tty=False)).stdout == b"out 1\nout 2\n"
    assert engine.inspects == 0


async def test_a_lazy_handle_inspects_once() -> None:
    engine = LogEngine(MUXED, tty=False)
    async with engine.client() as docker:
        handle = docker.container("box")
        await handle.logs()
        await handle.inspect()
        await handle.logs()
    assert engine.inspects == 2, "the second logs call reuses the flag inspect() found"


async def test_options_become_query_parameters() -> None:
    engine = LogEngine(MUXED, tty=False)
    async with engine.client() as docker:
        await docker.containers.logs(
            "box",
            stderr=False,
            follow=True,
            since=10,
            until=20.5,
            timestamps=True,
            tail=3,
            tty=False,
        )
        await docker.containers.logs("box", tail="all", tty=False)
    first, second = engine.params
    assert dict(first) == {
        "stdout": "1",
        "stderr": "0",
        "follow": "1",
        "timestamps": "1",
        "since": "10",
        "until": "20.500000000",
        "tail": "3",
    }
    assert second["tail"] == "all"


async def test_a_stream_cut_inside_a_frame_raises() -> None:
    async with LogEngine(MUXED[:-12], tty=False).client() as docker:
        with pytest.raises(ConnectionLost, match="middle of a frame"):
            await docker.containers.logs("box")


async def test_garbage_in_a_multiplexed_stream_raises() -> None:
    async with LogEngine(b"hello world, no frames", tty=False).client() as docker:
        with pytest.raises(StreamError, match="malformed frame header"):
            await docker.containers.logs("box")


@pytest.mark.parametrize(
    ("content_type", "tty", "inspects"),
    [
        ("application/vnd.docker.raw-stream", True, 0),
        ("application/vnd.docker.multiplexed-stream", False, 0),
        (None, False, 1),  # an engine that names neither: ask it
    ],
)
async def test_api_1_42_answers_say_the_framing_without_an_inspect(
    content_type: str | None, tty: bool, inspects: int
) -> None:
    body = b"hi\n" if tty else frame(1, b"hi\n") + frame(2, b"oops\n")
    seen: Counter[str] = Counter()

    def engine(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        seen[path.rsplit("/", 1)[-1]] += 1
        if path.endswith("/json"):
            return httpx.Response(200, json={"Id": "b" * 64, "Config": {"Tty": tty}})
        headers = {"Content-Type": content_type} if content_type else {}
        return httpx.Response(200, content=body, headers=headers)

    async with FakeEngine(missing=engine, api_version="1.44").client() as docker:
        stream = docker.containers.logs("web")
        output = await stream
    assert stream.tty is tty
    assert seen["json"] == inspects and seen["logs"] == 1
    assert (output.stdout, output.stderr) == ((b"hi\n", b"") if tty else (b"hi\n", b"oops\n"))
