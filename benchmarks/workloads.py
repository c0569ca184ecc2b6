"""The workloads and the clients, as data (stdlib only).

A workload has a kind (which driver function runs it), its parameters, what
one operation is (``unit``), and which fixtures it needs from the
orchestrator. Every client driver implements every kind.

Example:
    >>> WORKLOADS["inspect@50"].params
    {'requests': 2000, 'concurrency': 50}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LABEL_KEY = "aiodock.bench"
"""Every container and image the suite creates carries ``aiodock.bench=<run id>``."""
WORKER_LABEL_KEY = "aiodock.bench.worker"
"""And containers made by one worker also carry ``aiodock.bench.worker=<worker id>``."""

IDLE_CONTAINERS = 20
LOG_BYTES = 200 * 1024 * 1024
LOG_LINE = 1024
"""The logs container writes LOG_BYTES in lines of LOG_LINE bytes (one frame each)."""

CLIENTS = ("raw", "aiodock", "aiodock-httpx", "aiodocker", "docker-py")
"""In the order they run (interleaved) and appear in the tables."""
SSH_CLIENTS = ("aiodock", "aiodocker", "docker-py")
"""The clients of the ``ssh-*`` workloads (each with its own ssh support)."""
CLIENT_TITLES = {
    "raw": "raw (floor)",
    "aiodock": "aiodock",
    "aiodock-httpx": "aiodock (httpx transport)",
    "aiodocker": "aiodocker",
    "docker-py": "docker-py (threads)",
}


@dataclass(frozen=True)
class Workload:
    """One measured thing."""

    name: str
    kind: str
    title: str
    params: dict[str, Any]
    unit: str
    """What one operation is: container, request, exec, MiB, stream."""
    needs: tuple[str, ...] = ()
    """Fixtures: ``idle`` (20 running containers), ``logs`` (a stopped container
    holding LOG_BYTES of logs), ``ssh`` (an SSH server in front of the engine)."""
    memory: bool = False
    tags: tuple[str, ...] = field(default=())
    ssh: bool = False
    """Through an SSH server (scripts/sshd-up.sh) to the engine: each
    client's own ssh:// support."""
    clients: tuple[str, ...] = CLIENTS
    """The clients that run it."""

    @property
    def ops(self) -> int:
        """How many operations one run performs (MiB for the logs workload)."""
        p = self.params
        for key in ("containers", "requests", "execs", "streams"):
            if key in p:
                return int(p[key])
        if self.kind == "logs":
            return LOG_BYTES // (1024 * 1024)
        raise KeyError(self.name)


def _all() -> list[Workload]:
    items: list[Workload] = []
    for conc, n in ((1, 8), (10, 20), (30, 60)):
        items.append(
            Workload(
                f"lifecycle@{conc}",
                "lifecycle",
                f"lifecycle (create, start, kill, wait, remove), {n} containers,"
                f" concurrency {conc}",
                {"containers": n, "concurrency": conc},
                "container",
            )
        )
    for kind, path_title, counts in (
        ("list", "GET /containers/json (20 containers)", (200, 1000)),
        ("ping", "GET /_ping", (500, 3000)),
        ("inspect", "container inspect", (300, 2000)),
    ):
        for conc, n in zip((1, 50), counts, strict=True):
            items.append(
                Workload(
                    f"{kind}@{conc}",
                    kind,
                    f"{path_title}, {n} requests, concurrency {conc}",
                    {"requests": n, "concurrency": conc},
                    "request",
                    needs=("idle",),
                )
            )
    for kind, path_title, n in (
        ("ping", "GET /_ping", 1000),
        ("inspect", "container inspect", 1000),
    ):
        items.append(
            Workload(
                f"ssh-{kind}@50",
                kind,
                f"{path_title} over ssh://, {n} requests, concurrency 50",
                {"requests": n, "concurrency": 50},
                "request",
                needs=("idle", "ssh") if kind == "inspect" else ("ssh",),
                ssh=True,
                clients=SSH_CLIENTS,
            )
        )
    items.append(
        Workload(
            "exec@20",
            "exec",
            "300 execs of `true` (create, start, inspect), concurrency 20",
            {"execs": 300, "concurrency": 20},
            "exec",
            needs=("idle",),
        )
    )
    items.append(
        Workload(
            "logs",
            "logs",
            "read 200 MiB of multiplexed logs (1 KiB lines)",
            {"bytes": LOG_BYTES},
            "MiB",
            needs=("logs",),
        )
    )
    items.append(
        Workload(
            "events",
            "events",
            "events subscription during a 30-container lifecycle (concurrency 30)",
            {"containers": 30, "concurrency": 30},
            "container",
        )
    )
    items.append(
        Workload(
            "mem-events",
            "mem_events",
            "1,000 concurrent events subscriptions",
            {"streams": 1000, "short_requests": 40},
            "stream",
            memory=True,
        )
    )
    items.append(
        Workload(
            "mem-logs",
            "mem_logs",
            "200 concurrent logs(follow=True) streams (10 on each of 20)",
            {"streams": 200, "per_container": 10, "short_requests": 40},
            "stream",
            needs=("idle",),
            memory=True,
        )
    )
    return items


WORKLOADS: dict[str, Workload] = {w.name: w for w in _all()}
