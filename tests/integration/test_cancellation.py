"""Cancellation and early exit from every stream kind, at every point.

Stream kinds: logs follow, events, pull, an exec session, an attach
session, get_archive and export byte streams, stats. Points:

- ``before-headers``: cancelled a few scheduler turns after the call
  started (connecting, sending, or waiting for the answer's head);
- ``mid-body``: cancelled while waiting for more of the body, after the
  first item arrived;
- ``early-exit``: the consumer leaves its loop after the first item;
- ``mid-frame``: through tests/faults.py's proxy relaying three bytes at a
  time, cancelled at a random moment after the first item, so mostly inside
  a multiplexed frame (logs, exec, attach).

200 of them per transport, round robin. Afterwards the process holds no
more file descriptors than after the warm-up (a small allowance for idle
pooled connections), no task is left behind, and the client still works.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio
import anyio.lowlevel
import pytest

from aiodock import Docker
from tests.faults import fault_proxy
from tests.helpers import LABEL_FILTER, LABELS, RUN_ID

TRANSPORTS = ["aiodock", "httpx"]
ROUNDS = 200
FD_ALLOWANCE = 4
"""Idle keep-alive connections a pool may legitimately hold on to."""
TICKER = "i=0; while true; do echo tick $i; echo tock $i >&2; i=$((i+1)); sleep 0.05; done"
EXEC_COMMAND = ["sh", "-c", "i=0; while [ $i -lt 40 ]; do echo x $i; i=$((i+1)); sleep 0.05; done"]


@dataclass(frozen=True)
class Target:
    ticker: str
    pull_ref: str
    since: float


@pytest.fixture(scope="module")
async def target(engine: str, test_image: str) -> AsyncIterator[Target]:
    """A container that keeps printing, and an image in the open registry."""
    async with Docker(f"unix://{engine}") as docker:
        since = time.time() - 1
        repo = f"127.0.0.1:5000/aiodock-test-{RUN_ID}/cancel"
        await docker.images.tag(test_image, repo, tag="1")
        await docker.images.push(f"{repo}:1")
        ticker = await docker.containers.create(test_image, ["sh", "-c", TICKER], labels=LABELS)
        try:
            await ticker.start()
            yield Target(ticker.id, f"{repo}:1", since=since)
        finally:
            await docker.containers.remove(ticker.id, force=True)
            await docker.images.remove(f"{repo}:1")


OnItem = Callable[[], bool]
KEPT: list[object] = []
"""Every stream object made, kept alive until the fds are counted, so that
garbage collection cannot close a connection a stream forgot to close."""
S = TypeVar("S")


def keep(stream: S) -> S:
    KEPT.append(stream)
    return stream


Consume = Callable[[Docker, Target, OnItem], Awaitable[None]]


async def logs_follow(d: Docker, t: Target, on_item: OnItem) -> None:
    async for _ in keep(d.containers.logs(t.ticker, follow=True, tail=5, tty=False)):
        if on_item():
            break


async def events(d: Docker, t: Target, on_item: OnItem) -> None:
    async for _ in keep(d.system.events(since=t.since, filters=LABEL_FILTER)):
        if on_item():
            break


async def pull(d: Docker, t: Target, on_item: OnItem) -> None:
    async for _ in keep(d.images.pull(t.pull_ref)):
        if on_item():
            break


async def exec_session(d: Docker, t: Target, on_item: OnItem) -> None:
    async with d.execs.session(t.ticker, EXEC_COMMAND) as session:
        async for _ in session:
            if on_item():
                break


async def attach_session(d: Docker, t: Target, on_item: OnItem) -> None:
    async with d.containers.attach(t.ticker, tty=False) as session:
        async for _ in session:
            if on_item():
                break


async def get_archive(d: Docker, t: Target, on_item: OnItem) -> None:
    async for _ in keep(d.containers.get_archive(t.ticker, "/bin")):
        if on_item():
            break


async def export(d: Docker, t: Target, on_item: OnItem) -> None:
    async for _ in keep(d.containers.export(t.ticker)):
        if on_item():
            break


async def stats(d: Docker, t: Target, on_item: OnItem) -> None:
    async for _ in keep(d.containers.stats(t.ticker)):
        if on_item():
            break


KINDS: dict[str, Consume] = {
    "logs": logs_follow,
    "events": events,
    "pull": pull,
    "exec": exec_session,
    "attach": attach_session,
    "get_archive": get_archive,
    "export": export,
    "stats": stats,
}
FRAMED = ("logs", "exec", "attach")
PLAN = [
    (kind, point)
    for point in ("before-headers", "mid-body", "early-exit", "mid-frame")
    for kind in KINDS
    if point != "mid-frame" or kind in FRAMED
]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def settle(fd_limit: int, task_limit: int) -> tuple[int, int]:
    """Give closing connections (ours and the proxy's) a moment; return the counts."""
    for _ in range(60):
        fds, tasks = open_fds(), len(asyncio.all_tasks())
        if fds <= fd_limit and tasks <= task_limit:
            break
        await anyio.sleep(0.05)
    return open_fds(), len(asyncio.all_tasks())


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_200_cancellations_leak_nothing(engine: str, target: Target, transport: str) -> None:
    rng = random.Random(f"{RUN_ID}-{transport}")
    hits: Counter[tuple[str, str]] = Counter()
    before_any_item = 0

    async with (
        fault_proxy(engine) as proxy,
        Docker(
            f"unix://{engine}",
            transport=transport,  # type: ignore[arg-type]
            env={},
        ) as direct,
        Docker(
            f"unix://{proxy.path}",
            transport=transport,  # type: ignore[arg-type]
            env={},
        ) as proxied,
    ):
        proxy.dribble = True

        async def keep_events_coming() -> None:
            # The engine keeps only its last events in memory and other tests
            # make many: an exec instance created (never started) is a cheap,
            # labelled event, so "events" always has something to deliver.
            while True:
                await direct.execs.create(target.ticker, ["true"])
                await anyio.sleep(0.1)

        async def one(kind: str, point: str) -> bool:
            """One cancelled (or abandoned) stream; whether an item had arrived."""
            first = anyio.Event()

            def on_item() -> bool:
                first.set()
                return point == "early-exit"

            docker = proxied if point == "mid-frame" else direct
            with anyio.fail_after(20):
                async with anyio.create_task_group() as tg:
                    tg.start_soon(KINDS[kind], docker, target, on_item)
                    if point == "before-headers":
                        for _ in range(rng.randint(0, 4)):
                            await anyio.lowlevel.checkpoint()
                        tg.cancel_scope.cancel()
                    elif point in ("mid-body", "mid-frame"):
                        await first.wait()
                        await anyio.sleep(rng.uniform(0, 0.01))
                        tg.cancel_scope.cancel()
            return first.is_set()

        async with anyio.create_task_group() as background:
            background.start_soon(keep_events_coming)
            for kind, point in PLAN:  # warm-up: pools, lazy imports, the proxy
                await one(kind, point)
            KEPT.clear()
            base_fds, base_tasks = await settle(0, 0)

            for index in range(ROUNDS):
                kind, point = PLAN[index % len(PLAN)]
                had_item = await one(kind, point)
                hits[kind, point] += 1
                if point == "before-headers" and not had_item:
                    before_any_item += 1

            fds, tasks = await settle(base_fds + FD_ALLOWANCE, base_tasks)
            KEPT.clear()
            assert fds <= base_fds + FD_ALLOWANCE, (
                f"{transport}: {fds} open fds after {ROUNDS} cancellations, {base_fds} before"
            )
            assert tasks <= base_tasks, f"{tasks - base_tasks} tasks left behind"
            assert before_any_item > 0, "no cancellation landed before the first item"
            assert len(hits) == len(PLAN)
            # the clients still work, every kind
            for kind in KINDS:
                await one(kind, "early-exit")
            assert (await direct.system.version()).api_version
            assert (await proxied.system.version()).api_version
            background.cancel_scope.cancel()
