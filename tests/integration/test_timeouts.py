"""Timeouts: short calls have a default bound, streams have none unless asked,
and the caller's own deadlines (anyio.fail_after, asyncio.timeout) work
anywhere and leave the client usable. On both transports; the tests marked
``anyio`` also on both backends (asyncio and trio).

The clients here have ``max_connections=1``: a call that left its
connection (or its pool slot) behind would make the next call wait for a
free connection and fail, so "the next call works" also proves nothing
leaked.
"""

from __future__ import annotations

import asyncio
import time

import anyio
import pytest

from aiodock import Docker
from aiodock.errors import DockerTimeout
from tests.faults import Fault, fault_proxy
from tests.helpers import LABELS, own_client

TRANSPORTS = ["aiodock", "httpx"]


def client(path: str, transport: str, timeout: float | None) -> Docker:
    return Docker(
        f"unix://{path}",
        transport=transport,  # type: ignore[arg-type]
        timeout=timeout,
        max_connections=1,
        env={},
    )


@pytest.mark.anyio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_short_calls_have_a_default_timeout(engine: str, transport: str) -> None:
    async with fault_proxy(engine) as proxy, client(proxy.path, transport, 1.0) as docker:
        proxy.inject(Fault.DELAY, path="/version", delay=4.0)
        started = time.monotonic()
        with anyio.fail_after(5), pytest.raises(DockerTimeout, match="did not answer"):
            await docker.system.version()
        assert time.monotonic() - started < 3.0
        assert (await docker.system.version()).api_version


@pytest.mark.anyio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_streams_and_long_operations_have_no_timeout(
    engine: str, test_image: str, transport: str
) -> None:
    """A log follow, an events follow and a wait, each longer than the
    client's 1 s timeout for short calls, run to their natural end."""
    async with (
        own_client(engine) as setup,
        Docker(
            f"unix://{engine}",
            transport=transport,  # type: ignore[arg-type]
            timeout=1.0,
            env={},
        ) as docker,
    ):
        script = "echo a; sleep 1.5; echo b; sleep 1.5; echo c"
        talker = await setup.containers.create(test_image, ["sh", "-c", script], labels=LABELS)
        sleeper = await setup.containers.create(test_image, ["sleep", "3"], labels=LABELS)
        results: dict[str, object] = {}
        try:

            async def follow_logs() -> None:
                results["logs"] = await docker.containers.logs(talker.id, follow=True, tty=False)

            async def wait() -> None:
                results["wait"] = (await docker.containers.wait(sleeper.id)).status_code

            async def quiet_events() -> None:
                nothing = {"label": ["aiodock.test.never=matches"]}
                with anyio.move_on_after(2.5) as scope:
                    async for _ in docker.system.events(filters=nothing):
                        pass
                results["events"] = scope.cancelled_caught

            with anyio.fail_after(20):
                await talker.start()
                await sleeper.start()  # (through the setup client: start is a short call)
                async with anyio.create_task_group() as tg:
                    tg.start_soon(follow_logs)
                    tg.start_soon(wait)
                    tg.start_soon(quiet_events)
            logs = results["logs"]
            assert getattr(logs, "stdout", None) == b"a\nb\nc\n"
            assert results["wait"] == 0
            assert results["events"] is True  # still following when we left
        finally:
            for c in (talker, sleeper):
                await setup.containers.remove(c.id, force=True)


@pytest.mark.anyio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_idle_timeout_ends_a_quiet_stream(
    engine: str, test_image: str, transport: str
) -> None:
    async with (
        own_client(engine) as setup,
        client(engine, transport, 5.0) as docker,
        setup.containers.running(
            test_image, ["sh", "-c", "echo one; exec sleep 60"], labels=LABELS
        ) as quiet,
    ):
        nothing = {"label": ["aiodock.test.never=matches"]}
        started = time.monotonic()
        with anyio.fail_after(5), pytest.raises(DockerTimeout):
            async for _ in docker.system.events(filters=nothing, idle_timeout=0.3):
                pass
        assert time.monotonic() - started < 2.0
        got: list[bytes] = []
        with anyio.fail_after(5), pytest.raises(DockerTimeout):
            async for chunk in docker.containers.logs(
                quiet.id, follow=True, tty=False, idle_timeout=0.5
            ):
                got.append(chunk.data)
        assert b"".join(got) == b"one\n"  # what came before the silence was delivered
        assert (await docker.system.version()).api_version


async def test_bad_idle_timeouts_are_refused_before_sending(docker: Docker) -> None:
    for bad in (-1, float("nan")):
        with pytest.raises(ValueError, match="idle_timeout"):
            docker.containers.logs("anything", follow=True, idle_timeout=bad)
        with pytest.raises(ValueError, match="resume_for"):
            docker.system.events(resume=True, resume_for=bad)
    with pytest.raises(TypeError, match="resume"):
        docker.system.events(resume="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_caller_deadlines_work_anywhere(
    engine: str, test_image: str, transport: str, docker: Docker
) -> None:
    setup = docker
    async with fault_proxy(engine) as proxy, client(proxy.path, transport, None) as docker:
        # A short call with no timeout of its own, held back by the proxy.
        proxy.inject(Fault.DELAY, path="/info", delay=30.0)
        with pytest.raises(TimeoutError), anyio.fail_after(0.3):
            await docker.system.info()
        assert (await docker.system.version()).api_version

        proxy.inject(Fault.STALL_AFTER_HEADERS, path="/info")
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await docker.system.info()
        assert (await docker.system.version()).api_version

        async with setup.containers.running(test_image, ["sleep", "60"], labels=LABELS) as c:
            # A follow that would never end, stopped by asyncio.timeout and wait_for.
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.3):
                    async for _ in docker.containers.logs(c.id, follow=True, tty=False):
                        pass
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(docker.containers.wait(c.id), 0.3)
            with anyio.move_on_after(0.3):
                async with docker.execs.session(c.id, ["sleep", "30"]) as session:
                    await session.communicate()
            for _ in range(3):
                assert (await docker.containers.inspect(c.id)).state is not None
