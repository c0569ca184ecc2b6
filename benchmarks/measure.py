"""What a worker measures about itself: CPU, wall time, memory.

Stdlib only, so importing it costs a worker nothing that would show up in
its figures.

Example:
    >>> meter = Meter()
    >>> meter.start(); sum(range(1000)); meter.stop()  # doctest: +SKIP
    >>> meter.result()["cpu_s"] >= 0  # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import resource
import time
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """The process's resident set size now (from /proc/self/statm)."""
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * _PAGE


def max_rss_bytes() -> int:
    """The process's peak resident set size so far (VmHWM: ``ru_maxrss``
    would carry the parent's peak over fork and exec)."""
    with open("/proc/self/status", "rb") as f:
        for line in f:
            if line.startswith(b"VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Meter:
    """User+sys CPU and wall time of this process (all its threads) between
    :meth:`start` and :meth:`stop`; an optional cProfile (timed in process
    CPU time) around the same span."""

    def __init__(self, *, profile: bool = False, profile_timer: str = "cpu") -> None:
        self._profile = None
        if profile:
            import cProfile

            # CPU time by default: waiting for the engine is not the client's
            # cost (but reading the CPU clock per call slows the profile more)
            timer = time.process_time if profile_timer == "cpu" else time.perf_counter
            self._profile = cProfile.Profile(timer)
        self._t0 = self._t1 = 0.0
        self._r0: Any = None
        self._r1: Any = None

    def start(self) -> None:
        if self._profile is not None:
            self._profile.enable()
        self._r0 = resource.getrusage(resource.RUSAGE_SELF)
        self._t0 = time.perf_counter()

    def stop(self) -> None:
        self._t1 = time.perf_counter()
        self._r1 = resource.getrusage(resource.RUSAGE_SELF)
        if self._profile is not None:
            self._profile.disable()

    @property
    def profile(self) -> Any:
        return self._profile

    def result(self) -> dict[str, float]:
        if self._r0 is None or self._r1 is None:
            raise RuntimeError("the meter was not started and stopped")
        user = self._r1.ru_utime - self._r0.ru_utime
        system = self._r1.ru_stime - self._r0.ru_stime
        return {
            "wall_s": self._t1 - self._t0,
            "cpu_user_s": user,
            "cpu_sys_s": system,
            "cpu_s": user + system,
        }
