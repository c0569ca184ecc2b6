"""docker-py 7.2: the workloads with threads (``ThreadPoolExecutor``).

Uses the low-level ``APIClient`` (one request per operation, like the other
clients; the high-level ``containers.create`` adds an inspect), with its
connection pool sized to the concurrency. Long streams each hold a thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docker  # type: ignore[import-untyped]

from ..measure import Meter, rss_bytes
from ..workloads import LABEL_KEY, WORKER_LABEL_KEY, Workload
from ._async_runner import (
    EVENT_ACTIONS,
    EVENTS_GRACE,
    SHORT_REQUEST_TIMEOUT,
    STREAMS_OPEN_TIMEOUT,
    events_missing,
)


class _Runner:
    def __init__(self, w: Workload, spec: dict[str, Any], meter: Meter) -> None:
        self.w = w
        self.spec = spec
        self.meter = meter
        p = w.params
        self.conc = int(p.get("concurrency", 1))
        pool = max(10, self.conc, int(p.get("streams", 0)) + 60)
        # ssh-*: docker-py's own ssh:// support (paramiko, dial-stdio per connection)
        base_url = spec.get("ssh_url") or f"unix://{spec['socket']}"
        self.api = docker.APIClient(base_url=base_url, version="auto", max_pool_size=pool)
        self.image = spec["image"]
        self.labels = {LABEL_KEY: spec["run_id"], WORKER_LABEL_KEY: spec["worker_id"]}
        self.idle: list[str] = spec.get("idle", [])
        self.host_config = self.api.create_host_config(network_mode="none")

    # -- one operation ---------------------------------------------------------

    def create(self) -> str:
        return str(
            self.api.create_container(
                self.image, ["sleep", "600"], labels=self.labels, host_config=self.host_config
            )["Id"]
        )

    def lifecycle(self, _i: int = 0) -> None:
        cid = self.create()
        self.api.start(cid)
        self.api.kill(cid)
        self.api.wait(cid)
        self.api.remove_container(cid, force=True)

    def exec_true(self, i: int) -> int:
        exec_id = self.api.exec_create(self.idle[i % len(self.idle)], ["true"])["Id"]
        self.api.exec_start(exec_id)
        delay = 0.005
        while True:
            info = self.api.exec_inspect(exec_id)
            if not info["Running"] and info["ExitCode"] is not None:
                return int(info["ExitCode"])
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def filters(self) -> dict[str, list[str]]:
        return {"type": ["container"], "label": [f"{WORKER_LABEL_KEY}={self.spec['worker_id']}"]}

    # -- workloads -------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        w, p = self.w, self.w.params
        threads = max(self.conc, 1)
        extra: dict[str, Any] = {"transport": "requests/urllib3 (threads)"}
        with ThreadPoolExecutor(max_workers=threads) as pool:
            # warm up: start the threads, open the connections, negotiate
            list(pool.map(lambda _: self.api.ping(), range(threads)))
            if self.idle:
                self.api.inspect_container(self.idle[0])
            if w.kind == "lifecycle":
                self.meter.start()
                list(pool.map(self.lifecycle, range(p["containers"])))
                self.meter.stop()
            elif w.kind in ("ping", "list", "inspect"):
                label = f"{LABEL_KEY}={self.spec['run_id']}"
                call: Callable[[int], Any] = {
                    "ping": lambda i: self.api.ping(),
                    "list": lambda i: self.api.containers(all=True, filters={"label": label}),
                    "inspect": lambda i: self.api.inspect_container(self.idle[i % len(self.idle)]),
                }[w.kind]
                if w.kind == "list":
                    extra["listed"] = len(call(0))
                self.meter.start()
                list(pool.map(call, range(p["requests"])))
                self.meter.stop()
            elif w.kind == "exec":
                self.meter.start()
                codes = list(pool.map(self.exec_true, range(p["execs"])))
                self.meter.stop()
                bad = [c for c in codes if c != 0]
                if bad:
                    raise RuntimeError(f"{len(bad)} execs of `true` exited non-zero")
            elif w.kind == "logs":
                self.meter.start()
                out = err = 0
                for frame in self.api.logs(self.spec["logs"], stream=True, follow=False):
                    out += len(frame)
                self.meter.stop()
                extra["bytes"] = out + err
                if out + err != p["bytes"]:
                    raise RuntimeError(f"read {out + err} bytes of logs, expected {p['bytes']}")
            elif w.kind == "events":
                extra.update(self.events(pool))
            elif w.kind in ("mem_events", "mem_logs"):
                extra.update(self.memory())
            else:
                raise KeyError(w.kind)
        return extra

    def events(self, pool: ThreadPoolExecutor) -> dict[str, Any]:
        n = self.w.params["containers"]
        expected = n * len(EVENT_ACTIONS)
        seen: set[tuple[str, str]] = set()
        received = 0
        all_in = threading.Event()
        since = int(time.time()) - 1
        self.meter.start()
        stream = self.api.events(since=since, filters=self.filters(), decode=True)

        def consume() -> None:
            nonlocal received
            try:
                for event in stream:
                    received += 1
                    if event.get("Action") in EVENT_ACTIONS:
                        seen.add((event.get("Actor", {}).get("ID", ""), event["Action"]))
                    if len(seen) >= expected:
                        all_in.set()
                        return
            except Exception:  # closed under it
                return

        reader = threading.Thread(target=consume, daemon=True)
        reader.start()
        missing = ""
        try:
            list(pool.map(self.lifecycle, range(n)))
            if not all_in.wait(EVENTS_GRACE):
                missing = events_missing(len(seen), expected)
        finally:
            stream.close()
            reader.join(10)
        self.meter.stop()
        return {
            "events": received,
            "events_expected": expected,
            **({"check_failed": missing} if missing else {}),
        }

    def memory(self) -> dict[str, Any]:
        n = self.w.params["streams"]
        got = [False] * n
        streams: list[Any] = [None] * n
        lock = threading.Lock()
        since = int(time.time()) - 1
        is_events = self.w.kind == "mem_events"

        def hold(i: int) -> None:
            try:
                if is_events:
                    s = self.api.events(since=since, filters=self.filters(), decode=True)
                else:
                    s = self.api.logs(self.idle[i % len(self.idle)], stream=True, follow=True)
                with lock:
                    streams[i] = s
                for _ in s:
                    got[i] = True
            except Exception:  # closed at the end
                return

        rss0 = rss_bytes()
        self.meter.start()
        threads = [threading.Thread(target=hold, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        trigger = ""
        try:
            if is_events:
                time.sleep(0.5)
                trigger = self.create()
            deadline = time.monotonic() + STREAMS_OPEN_TIMEOUT
            while sum(got) < n:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"only {sum(got)} of {n} streams delivered data within"
                        f" {STREAMS_OPEN_TIMEOUT:.0f} s"
                    )
                time.sleep(0.05)
            rss1 = rss_bytes()
            short = self.short_requests(trigger or self.idle[0])
            rss2 = rss_bytes()
        finally:
            with lock:
                for s in streams:
                    if s is not None:
                        s.close()
            for t in threads:
                t.join(10)
            if trigger:
                self.api.remove_container(trigger, force=True)
        self.meter.stop()
        return {"rss_before": rss0, "rss_added": max(rss1, rss2) - rss0, **short}

    def short_requests(self, container_id: str) -> dict[str, Any]:
        total = self.w.params["short_requests"]
        latencies: list[float] = []
        failures: list[str] = []
        short_api = self.api

        def one(i: int) -> None:
            t0 = time.perf_counter()
            try:
                if i % 2:
                    short_api.inspect_container(container_id)
                else:
                    short_api.ping()
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}"[:200])
            else:
                latencies.append(time.perf_counter() - t0)

        with ThreadPoolExecutor(max_workers=total) as pool:
            futures = [pool.submit(one, i) for i in range(total)]
            for f in futures:
                f.result(timeout=SHORT_REQUEST_TIMEOUT)
        return {
            "short_ok": len(latencies),
            "short_total": total,
            "short_max_s": max(latencies) if latencies else None,
            "short_errors": failures[:3],
        }


def run(w: Workload, spec: dict[str, Any], meter: Meter) -> dict[str, Any]:
    runner = _Runner(w, spec, meter)
    try:
        return runner.run()
    finally:
        runner.api.close()
