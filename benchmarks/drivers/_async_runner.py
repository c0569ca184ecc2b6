"""The workloads, written once for every asyncio client.

A client supplies an :class:`AsyncAdapter` (the few calls the workloads
make, each done the way that client's users would do it); this module runs
the workloads with the same concurrency, checks and metering for all of them.

Example:
    >>> run_async(adapter, workload, spec, meter)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from ..measure import Meter, rss_bytes
from ..workloads import LABEL_KEY, WORKER_LABEL_KEY, Workload

OnEvent = Callable[[str, str], None]
"""on_event(action, actor_id)"""

SHORT_REQUEST_TIMEOUT = 20.0
STREAMS_OPEN_TIMEOUT = 180.0
EVENT_ACTIONS = ("create", "start", "kill", "die", "destroy")
EVENTS_GRACE = 10.0
"""How long the events workload waits for missing events after the lifecycles."""


class AsyncAdapter(Protocol):
    name: str

    async def open(self, pool_size: int) -> None: ...
    async def close(self) -> None: ...
    def describe(self) -> dict[str, Any]: ...
    async def ping(self) -> None: ...
    async def list_labelled(self, label: str) -> int: ...
    async def inspect(self, container_id: str) -> str: ...
    async def create(self, image: str, labels: dict[str, str]) -> str: ...
    async def start(self, container_id: str) -> None: ...
    async def kill(self, container_id: str) -> None: ...
    async def wait(self, container_id: str) -> None: ...
    async def remove(self, container_id: str) -> None: ...
    async def exec_true(self, container_id: str) -> int: ...
    async def read_logs(self, container_id: str) -> tuple[int, int]: ...
    async def subscribe(
        self, filters: dict[str, list[str]], since: int, on_event: OnEvent
    ) -> None: ...
    async def follow_logs(self, container_id: str, on_data: Callable[[], None]) -> None: ...


async def _pool(n: int, concurrency: int, job: Callable[[int], Awaitable[None]]) -> None:
    """Run job(0..n-1) with ``concurrency`` tasks pulling from one counter."""
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            await job(i)

    await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))


async def _lifecycle(a: AsyncAdapter, image: str, labels: dict[str, str]) -> None:
    cid = await a.create(image, labels)
    await a.start(cid)
    await a.kill(cid)
    await a.wait(cid)
    await a.remove(cid)


async def _short_requests(a: AsyncAdapter, n: int, container_id: str) -> dict[str, Any]:
    """Pings and inspects made while the long streams are open."""
    latencies: list[float] = []
    failures: list[str] = []

    async def one(i: int) -> None:
        t0 = time.perf_counter()
        try:
            call = a.inspect(container_id) if i % 2 else a.ping()
            await asyncio.wait_for(call, SHORT_REQUEST_TIMEOUT)
        except BaseException as exc:  # reported, not raised
            failures.append(f"{type(exc).__name__}: {exc}"[:200])
        else:
            latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(one(i) for i in range(n)))
    return {
        "short_ok": len(latencies),
        "short_total": n,
        "short_max_s": max(latencies) if latencies else None,
        "short_errors": failures[:3],
    }


async def _run(a: AsyncAdapter, w: Workload, spec: dict[str, Any], meter: Meter) -> dict[str, Any]:
    p = w.params
    image = spec["image"]
    labels = {LABEL_KEY: spec["run_id"], WORKER_LABEL_KEY: spec["worker_id"]}
    idle: list[str] = spec.get("idle", [])
    conc = int(p.get("concurrency", 1))
    extra: dict[str, Any] = {}

    # warm up: fill the pool, negotiate the version, load lazily imported code
    await asyncio.gather(*(a.ping() for _ in range(max(conc, 1))))
    if idle:
        await a.inspect(idle[0])

    if w.kind == "lifecycle":
        meter.start()
        await _pool(p["containers"], conc, lambda i: _lifecycle(a, image, labels))
        meter.stop()
    elif w.kind in ("ping", "list", "inspect"):
        label = f"{LABEL_KEY}={spec['run_id']}"
        call: Callable[[int], Awaitable[Any]] = {
            "ping": lambda i: a.ping(),
            "list": lambda i: a.list_labelled(label),
            "inspect": lambda i: a.inspect(idle[i % len(idle)]),
        }[w.kind]
        if w.kind == "list":
            extra["listed"] = await a.list_labelled(label)

        async def req(i: int) -> None:
            await call(i)

        meter.start()
        await _pool(p["requests"], conc, req)
        meter.stop()
    elif w.kind == "exec":
        bad: list[int] = []

        async def ex(i: int) -> None:
            code = await a.exec_true(idle[i % len(idle)])
            if code != 0:
                bad.append(code)

        meter.start()
        await _pool(p["execs"], conc, ex)
        meter.stop()
        if bad:
            raise RuntimeError(f"{len(bad)} execs of `true` exited non-zero: {bad[:5]}")
    elif w.kind == "logs":
        meter.start()
        out, err = await a.read_logs(spec["logs"])
        meter.stop()
        extra["bytes"] = out + err
        if out + err != p["bytes"]:
            raise RuntimeError(f"read {out}+{err} bytes of logs, expected {p['bytes']}")
    elif w.kind == "events":
        extra.update(await _events(a, w, spec, meter, image, labels, conc))
    elif w.kind == "mem_events":
        extra.update(await _mem_events(a, w, spec, meter, image, labels))
    elif w.kind == "mem_logs":
        extra.update(await _mem_logs(a, w, spec, meter, idle))
    else:
        raise KeyError(w.kind)
    return extra


def _worker_filters(spec: dict[str, Any]) -> dict[str, list[str]]:
    return {"type": ["container"], "label": [f"{WORKER_LABEL_KEY}={spec['worker_id']}"]}


async def _events(
    a: AsyncAdapter,
    w: Workload,
    spec: dict[str, Any],
    meter: Meter,
    image: str,
    labels: dict[str, str],
    conc: int,
) -> dict[str, Any]:
    n = w.params["containers"]
    expected = n * len(EVENT_ACTIONS)
    seen: set[tuple[str, str]] = set()
    received = 0
    all_in = asyncio.Event()

    def on_event(action: str, actor: str) -> None:
        nonlocal received
        received += 1
        if action in EVENT_ACTIONS:
            seen.add((actor, action))
        if len(seen) >= expected:
            all_in.set()

    since = int(time.time()) - 1
    missing = ""
    meter.start()
    sub = asyncio.ensure_future(a.subscribe(_worker_filters(spec), since, on_event))
    try:
        await _pool(n, conc, lambda i: _lifecycle(a, image, labels))
        try:
            await asyncio.wait_for(all_in.wait(), EVENTS_GRACE)
        except asyncio.TimeoutError:
            missing = events_missing(len(seen), expected)
    finally:
        sub.cancel()
        await asyncio.gather(sub, return_exceptions=True)
    meter.stop()
    return {
        "events": received,
        "events_expected": expected,
        **({"check_failed": missing} if missing else {}),
    }


def events_missing(seen: int, expected: int) -> str:
    """The check_failed text of an events run that missed some."""
    return (
        f"only {seen} of the {expected} expected events arrived"
        f" (waited {EVENTS_GRACE:.0f} s after the last container was removed)"
    )


async def _wait_ready(
    tasks: Sequence[asyncio.Future[None]], counter: Callable[[], int], n: int, what: str
) -> None:
    deadline = time.monotonic() + STREAMS_OPEN_TIMEOUT
    while counter() < n:
        failed = [t for t in tasks if t.done()]
        if failed:
            exc = failed[0].exception() if not failed[0].cancelled() else None
            raise RuntimeError(f"{what}: {len(failed)} streams ended early ({exc!r})")
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{what}: only {counter()} of {n} streams delivered data"
                f" within {STREAMS_OPEN_TIMEOUT:.0f} s"
            )
        await asyncio.sleep(0.05)


async def _close_streams(tasks: Sequence[asyncio.Future[None]]) -> None:
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _mem_events(
    a: AsyncAdapter,
    w: Workload,
    spec: dict[str, Any],
    meter: Meter,
    image: str,
    labels: dict[str, str],
) -> dict[str, Any]:
    n = w.params["streams"]
    got = [0] * n
    filters = _worker_filters(spec)
    since = int(time.time()) - 1

    def on_event_for(i: int) -> OnEvent:
        def on_event(action: str, actor: str) -> None:
            got[i] += 1

        return on_event

    rss0 = rss_bytes()
    meter.start()
    tasks = [asyncio.ensure_future(a.subscribe(filters, since, on_event_for(i))) for i in range(n)]
    trigger = ""
    try:
        await asyncio.sleep(0.5)
        trigger = await a.create(image, labels)  # every subscriber must see its "create"
        await _wait_ready(tasks, lambda: sum(1 for g in got if g), n, "events subscriptions")
        rss1 = rss_bytes()
        short = await _short_requests(a, w.params["short_requests"], trigger)
        rss2 = rss_bytes()
    finally:
        await _close_streams(tasks)
        if trigger:
            await a.remove(trigger)
    meter.stop()
    return {"rss_before": rss0, "rss_added": max(rss1, rss2) - rss0, **short}


async def _mem_logs(
    a: AsyncAdapter, w: Workload, spec: dict[str, Any], meter: Meter, idle: list[str]
) -> dict[str, Any]:
    n = w.params["streams"]
    got = [False] * n

    def marker(i: int) -> Callable[[], None]:
        def mark() -> None:
            got[i] = True

        return mark

    rss0 = rss_bytes()
    meter.start()
    tasks = [asyncio.ensure_future(a.follow_logs(idle[i % len(idle)], marker(i))) for i in range(n)]
    try:
        await _wait_ready(tasks, lambda: sum(got), n, "logs(follow=True) streams")
        rss1 = rss_bytes()
        short = await _short_requests(a, w.params["short_requests"], idle[0])
        rss2 = rss_bytes()
    finally:
        await _close_streams(tasks)
    meter.stop()
    return {"rss_before": rss0, "rss_added": max(rss1, rss2) - rss0, **short}


def run_async(
    adapter: AsyncAdapter, w: Workload, spec: dict[str, Any], meter: Meter
) -> dict[str, Any]:
    """Run one workload with ``adapter`` on a fresh asyncio loop."""

    async def main() -> dict[str, Any]:
        pool = int(w.params.get("streams", 0)) + 60
        await adapter.open(pool)
        try:
            extra = await _run(adapter, w, spec, meter)
        finally:
            await adapter.close()
        return {**adapter.describe(), **extra}

    return asyncio.run(main())


def filters_json(filters: dict[str, list[str]]) -> str:
    return json.dumps(filters, separators=(",", ":"))
