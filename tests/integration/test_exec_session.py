"""Exec sessions under load and under cancellation, against the real engine,
on asyncio and on trio: a 100 MiB echo read while it is written, a session
cancelled in the middle (no file descriptor left behind), ``wait()``."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import anyio
import httpx
import pytest

from aiodock import Docker
from aiodock._transport import EngineTransport
from aiodock.exec import ExecSession
from aiodock.models import ExecInspect
from tests.helpers import LABELS, own_client

Hold = Callable[[anyio.Event], Coroutine[Any, Any, None]]
SLEEPER = ["sleep", "600"]
ECHO_SIZE = 100 * 1024 * 1024
WRITE_SIZE = 1024 * 1024


async def ended(docker: Docker, exec_id: str) -> ExecInspect:
    """Exec inspect, once the process has ended (polled; 30 s at most)."""
    for _ in range(600):
        info = await docker.execs.inspect(exec_id)
        if not info.running and info.exit_code is not None:
            return info
        await anyio.sleep(0.05)
    raise AssertionError(f"exec {exec_id} still running after 30 s")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# --------------------------------------------------------------------------
# scenarios


async def echo_100_mib_through_cat(docker: Docker, image: str) -> None:
    """Write 100 MiB to ``cat`` from one task while another reads it back:
    neither side may wait for the other to finish."""
    data = random.Random(4).randbytes(ECHO_SIZE)
    received = hashlib.sha256()
    count = 0
    async with (
        docker.containers.running(image, SLEEPER, labels=LABELS) as c,
        docker.execs.session(c.id, ["cat"], stdin=True) as session,
    ):

        async def write_all() -> None:
            view = memoryview(data)
            for start in range(0, len(view), WRITE_SIZE):
                await session.write(view[start : start + WRITE_SIZE])
            await session.close_stdin()

        async with anyio.create_task_group() as tg:
            tg.start_soon(write_all)
            async for chunk in session:
                assert chunk.stream == "stdout"
                received.update(chunk.data)
                count += len(chunk.data)
        assert await session.wait() == 0
    assert count == ECHO_SIZE
    assert received.hexdigest() == hashlib.sha256(data).hexdigest()


async def wait_reads_past_unread_output(docker: Docker, image: str) -> None:
    """``wait()`` without reading: the rest of the output (more than any
    socket buffer) is read and dropped, then the exit code comes."""
    command = ["sh", "-c", "yes aiodock | head -c 5000000; echo bye >&2; exit 3"]
    async with docker.containers.running(image, SLEEPER, labels=LABELS) as c:
        async with docker.execs.session(c.id, command) as session:
            first = await session.__anext__()
            assert first.stream == "stdout" and first.data.startswith(b"aiodock\n")
            with anyio.fail_after(60):
                assert await session.wait() == 3
            assert session.output_ended
            assert [chunk async for chunk in session] == []
            assert await session.wait() == 3  # known now: no second inspect needed
        # the one-shot's stdin is closed at once when there is none to feed
        result = await docker.containers.exec(c.id, ["cat"])
        assert result == (0, b"", b"")


async def cancelled_session_closes_its_connection(
    docker: Docker, image: str, cancel: Callable[..., Awaitable[None]]
) -> None:
    """Cancel a session whose process is waiting for input: its connection
    closes (the process sees end-of-file and ends), no descriptor is left,
    and the client goes on working."""
    async with docker.containers.running(image, SLEEPER, labels=LABELS) as c:
        await docker.ping()  # a pooled connection, as after any request
        before = open_fds()
        sessions: list[ExecSession] = []

        async def hold_a_session(started: anyio.Event) -> None:
            async with docker.execs.session(c.id, ["cat"], stdin=True) as session:
                sessions.append(session)
                await session.write(b"ping\n")
                assert await session.__anext__() == ("stdout", b"ping\n")
                started.set()
                await anyio.sleep_forever()

        await cancel(hold_a_session)
        await docker.ping()
        assert open_fds() == before
        info = await ended(docker, sessions[0].exec_id)
        assert info.exit_code == 0  # cat read end-of-file when the connection closed
        assert (await docker.containers.exec(c.id, ["echo", "still", "fine"])).stdout == (
            b"still fine\n"
        )


async def cancel_with_a_cancel_scope(hold: Hold) -> None:
    started = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(hold, started)
        await started.wait()
        tg.cancel_scope.cancel()


async def cancel_an_asyncio_task(hold: Hold) -> None:
    started = anyio.Event()
    task = asyncio.ensure_future(hold(started))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# --------------------------------------------------------------------------
# on asyncio and on trio (anyio's plugin runs each test on both)


@pytest.mark.anyio
async def test_echo_100_mib_through_cat(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await echo_100_mib_through_cat(docker, test_image)


@pytest.mark.anyio
async def test_wait_reads_past_unread_output(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await wait_reads_past_unread_output(docker, test_image)


@pytest.mark.anyio
@pytest.mark.parametrize("transport", ["httpx", "aiodock"])
async def test_cancelled_session_closes_its_connection(
    engine: str, test_image: str, transport: str, anyio_backend: str
) -> None:
    """Cancelled by a cancel scope on both backends, and as an asyncio task
    on asyncio."""
    chosen: httpx.AsyncBaseTransport | None = (
        EngineTransport(socket_path=engine) if transport == "aiodock" else None
    )
    cancels: list[Callable[[Hold], Awaitable[None]]] = [cancel_with_a_cancel_scope]
    if anyio_backend == "asyncio":
        cancels.insert(0, cancel_an_asyncio_task)
    with anyio.fail_after(120):
        async with Docker(f"unix://{engine}", env={}, transport=chosen) as docker:
            for cancel in cancels:
                await cancelled_session_closes_its_connection(docker, test_image, cancel)
