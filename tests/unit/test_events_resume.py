"""events(resume=True) against a scripted engine (httpx.MockTransport):
reconnects with since= the last event's timeNano, drops duplicates, retries
with a bounded backoff while the engine is away, and gives up after
resume_for seconds. (The real thing, across a real dockerd restart, is
tests/integration/test_engine_restart.py.)"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import anyio
import httpx
import pytest

from aiodock import Docker
from aiodock.errors import ConnectionLost, EngineUnavailable
from tests.fakes import client

Handler = Callable[[httpx.Request], httpx.Response]


def event(nano: int, name: str) -> bytes:
    return (
        json.dumps(
            {
                "Type": "volume",
                "Action": "create",
                "Actor": {"ID": name, "Attributes": {}},
                "scope": "local",
                "time": nano // 10**9,
                "timeNano": nano,
            }
        ).encode()
        + b"\n"
    )


class Broken(httpx.AsyncByteStream):
    """A body that delivers ``lines`` and then breaks (or ends, if ``end``)."""

    def __init__(self, lines: list[bytes], *, end: bool = False) -> None:
        self.lines = lines
        self.end = end

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for line in self.lines:
            yield line
        if not self.end:
            raise httpx.ReadError("connection reset by peer")


def engine(
    script: list[Callable[[httpx.Request], httpx.Response]], seen: list[httpx.Request]
) -> Docker:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/_ping":
            return httpx.Response(200, headers={"Api-Version": "1.41"}, text="OK")
        seen.append(request)
        return script.pop(0)(request)

    return client(handle)


def answer(lines: list[bytes], *, end: bool = False) -> Handler:
    return lambda request: httpx.Response(200, stream=Broken(lines, end=end))


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused")


T = 1_795_800_000 * 10**9


async def test_resume_reconnects_from_the_last_event_without_duplicates() -> None:
    seen: list[httpx.Request] = []
    script = [
        answer([event(T + 1, "a"), event(T + 5, "b"), event(T + 5, "c")]),
        refuse,
        refuse,
        # the engine replays from since= (inclusive): b and c again, then new ones
        answer([event(T + 5, "b"), event(T + 5, "c"), event(T + 5, "d"), event(T + 9, "e")]),
        answer([event(T + 9, "e"), event(T + 12, "f")], end=True),
        answer([], end=True),
    ]
    async with engine(script, seen) as docker:
        got: list[str] = []
        stream = docker.system.events(resume=True, resume_for=10)
        with anyio.fail_after(10):
            async for item in stream:
                assert item.actor is not None
                got.append(item.actor.id or "")
                if item.actor.id == "f":
                    break
    assert got == ["a", "b", "c", "d", "e", "f"]
    sinces = [r.url.params.get("since") for r in seen]
    assert sinces == [
        None,
        f"{T // 10**9}.000000005",
        f"{T // 10**9}.000000005",
        f"{T // 10**9}.000000005",
        f"{T // 10**9}.000000009",
    ]
    assert stream.reconnects == 2


async def test_without_resume_a_break_or_an_end_is_connection_lost() -> None:
    seen: list[httpx.Request] = []
    async with engine([answer([event(T, "a")])], seen) as docker:
        with pytest.raises(ConnectionLost):
            async for _ in docker.system.events():
                pass
    async with engine([answer([event(T, "a")], end=True)], seen) as docker:
        with pytest.raises(ConnectionLost, match="ended the events stream"):
            async for _ in docker.system.events():
                pass
    # with until=, the engine ending the stream is the normal end
    async with engine([answer([event(T, "a")], end=True)], seen) as docker:
        assert len(await docker.system.events(since=0, until=1)) == 1


async def test_resume_gives_up_after_resume_for() -> None:
    seen: list[httpx.Request] = []
    script: list[Handler] = [answer([event(T, "a")]), *[refuse] * 50]
    async with engine(script, seen) as docker:
        got = []
        started = anyio.current_time()
        with anyio.fail_after(10), pytest.raises(EngineUnavailable):
            async for item in docker.system.events(resume=True, resume_for=1.0):
                got.append(item)
        assert len(got) == 1
        assert anyio.current_time() - started < 2.0
        # 0.1 + 0.2 + 0.4 s of backoff fit in one second; the next (0.8 s) does not
        assert 2 <= len(seen) - 1 <= 4
