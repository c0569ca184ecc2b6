"""Load: 1,000 lifecycle operations while 100 long-lived streams are open.

100 containers each go through create, start, inspect, top, logs, kill,
wait, inspect, remove and a list: ten operations, with ten
containers in flight at a time, on one shared client that at the same time
follows 50 log streams and 50 event subscriptions. Nothing may deadlock or
wait for a pooled connection until it times out, every container must be
gone at the end, the streams must still be alive and have seen the work,
and the process's file descriptors and resident memory must come back to
within 10% of where they started.
"""

from __future__ import annotations

import gc
import os
import time
import uuid

import anyio
import pytest

from aiodock import Docker
from tests.helpers import LABEL_KEY, LABELS

CONTAINERS = 100
IN_FLIGHT = 10
LOG_STREAMS = 50
EVENT_STREAMS = 50
TICKERS = 5
TICKER = "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.5; done"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


@pytest.mark.slow
async def test_lifecycle_load_with_long_streams(engine: str, test_image: str) -> None:
    # The default transport (AIODOCK_TRANSPORT picks it: CI runs this on both).
    transport = os.environ.get("AIODOCK_TRANSPORT") or "aiodock"
    batch = uuid.uuid4().hex[:8]
    labels = {**LABELS, "aiodock.load": batch}
    batch_filter = {"label": [f"aiodock.load={batch}"]}
    operations = 0
    seen_events = [0] * EVENT_STREAMS
    seen_logs = [0] * LOG_STREAMS

    async with Docker(
        f"unix://{engine}",
        transport=transport,  # type: ignore[arg-type]
        env={},
    ) as docker:
        tickers = [
            await docker.containers.create(test_image, ["sh", "-c", TICKER], labels=labels)
            for _ in range(TICKERS)
        ]
        try:
            for t in tickers:
                await t.start()
            # warm-up (the pool's keep-alive connections at IN_FLIGHT calls at
            # once, lazy imports, model adapters), then the baseline
            async with anyio.create_task_group() as warm:
                for _ in range(IN_FLIGHT):
                    warm.start_soon(lifecycle, docker, test_image, labels)
            gc.collect()
            start_fds, start_rss = open_fds(), rss_bytes()

            async def follow_events(index: int, ready: anyio.Event) -> None:
                async with docker.system.events(filters=batch_filter) as stream:
                    ready.set()
                    async for _ in stream:
                        seen_events[index] += 1

            async def follow_logs(index: int, ready: anyio.Event) -> None:
                ticker = tickers[index % TICKERS]
                async with docker.containers.logs(
                    ticker.id, follow=True, tail=1, tty=False
                ) as stream:
                    ready.set()
                    async for _ in stream:
                        seen_logs[index] += 1

            async def one_container(limiter: anyio.CapacityLimiter) -> None:
                nonlocal operations
                async with limiter:
                    done = await lifecycle(docker, test_image, labels)
                operations += done

            started = time.monotonic()
            with anyio.fail_after(240):
                async with anyio.create_task_group() as streams:
                    for index in range(EVENT_STREAMS):
                        ready = anyio.Event()
                        streams.start_soon(follow_events, index, ready)
                        await ready.wait()
                    for index in range(LOG_STREAMS):
                        ready = anyio.Event()
                        streams.start_soon(follow_logs, index, ready)
                        await ready.wait()
                    limiter = anyio.CapacityLimiter(IN_FLIGHT)
                    async with anyio.create_task_group() as work:
                        for _ in range(CONTAINERS):
                            work.start_soon(one_container, limiter)
                    await anyio.sleep(1.0)  # the last events reach every subscriber
                    streams.cancel_scope.cancel()
            elapsed = time.monotonic() - started

            assert operations == CONTAINERS * 10
            left = await docker.containers.list(all=True, filters=batch_filter)
            assert [c.id for c in left if c.id not in {t.id for t in tickers}] == []
            # every subscriber saw every container's create and destroy
            assert min(seen_events) >= 2 * CONTAINERS, seen_events
            assert min(seen_logs) >= 1, seen_logs
            print(
                f"\n{transport}: {operations} operations + {EVENT_STREAMS + LOG_STREAMS}"
                f" streams in {elapsed:.1f}s"
            )
        finally:
            for t in tickers:
                await docker.containers.remove(t.id, force=True)

        for _ in range(40):
            gc.collect()
            if open_fds() <= start_fds * 1.1:
                break
            await anyio.sleep(0.05)
        end_fds, end_rss = open_fds(), rss_bytes()
        print(f"fds {start_fds} -> {end_fds}, RSS {start_rss >> 20} -> {end_rss >> 20} MiB")
        assert end_fds <= start_fds * 1.1
        assert end_rss <= start_rss * 1.1
        assert (await docker.system.version()).api_version


async def lifecycle(docker: Docker, image: str, labels: dict[str, str]) -> int:
    """Ten operations on one new container; returns how many were made."""
    c = await docker.containers.create(image, ["sleep", "600"], labels=labels)
    try:
        await c.start()
        assert (await c.inspect()).state.running  # type: ignore[union-attr]
        assert (await c.top()).processes
        assert await c.logs() is not None
        await c.kill()
        await c.wait()
        assert not (await c.inspect()).state.running  # type: ignore[union-attr]
    finally:
        await docker.containers.remove(c.id, force=True)
    listed = await docker.containers.list(all=True, filters={"id": [c.id]})
    assert listed == []
    assert LABEL_KEY in labels
    return 10


@pytest.mark.parametrize("transport", ["aiodock", "httpx"])
async def test_streams_beyond_max_connections_do_not_starve_short_calls(
    engine: str, transport: str
) -> None:
    """Streams do not count against max_connections: with a pool of two,
    ten open follows leave room for short calls, which still run two at a
    time without waiting out their timeout."""
    nothing = {"label": ["aiodock.test.never=matches"]}
    async with Docker(
        f"unix://{engine}",
        transport=transport,  # type: ignore[arg-type]
        max_connections=2,
        timeout=10.0,
        env={},
    ) as docker:
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                for _ in range(10):
                    ready = anyio.Event()

                    async def follow(ready: anyio.Event = ready) -> None:
                        async with docker.system.events(filters=nothing) as stream:
                            ready.set()
                            async for _ in stream:
                                pass

                    tg.start_soon(follow)
                    await ready.wait()
                async with anyio.create_task_group() as short:
                    for _ in range(20):
                        short.start_soon(docker.system.version)
                tg.cancel_scope.cancel()
        assert (await docker.system.version()).api_version
