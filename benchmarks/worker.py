"""One measured run, in its own process: ``python -m benchmarks.worker SPEC_JSON``.

Imports only the driver of the client it runs, so the figures (CPU, peak
RSS) are that client's. Prints one line ``RESULT {json}`` on stdout; with
``"profile": true`` in the spec it also prints the cProfile top functions
of the measured span and saves the stats next to the results.

Example:
    >>> # python -m benchmarks.worker '{"client": "raw", "workload": "ping@1", ...}'
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from typing import Any

from .measure import Meter, max_rss_bytes
from .workloads import WORKLOADS

DRIVERS = {
    "raw": "raw",
    "aiodock": "aiodock_driver",
    "aiodock-httpx": "aiodock_driver",
    "aiodocker": "aiodocker_driver",
    "docker-py": "dockerpy_driver",
}

PROFILE_TOP = 30


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the workload the spec names with the client it names."""
    workload = WORKLOADS[spec["workload"]]
    client = spec["client"]
    if client == "aiodock-httpx":
        spec = {**spec, "transport": "httpx"}
    if spec.get("ssh_home"):
        # the ssh:// workloads: each client reads ~/.ssh (config, known_hosts) from here
        os.environ["HOME"] = spec["ssh_home"]
    meter = Meter(profile=bool(spec.get("profile")), profile_timer=spec.get("profile_timer", "cpu"))
    driver = importlib.import_module(f"benchmarks.drivers.{DRIVERS[client]}")
    extra = driver.run(workload, spec, meter)
    result: dict[str, Any] = {**meter.result(), **extra}
    result["ops"] = workload.ops
    result["max_rss"] = max_rss_bytes()
    if meter.profile is not None:
        _print_profile(meter.profile, spec)
    return result


def _print_profile(profile: Any, spec: dict[str, Any]) -> None:
    import pstats

    path = spec.get("profile_out")
    if path:
        profile.dump_stats(path)
    for key in ("tottime", "cumulative"):
        print(
            f"\n=== {spec['client']} {spec['workload']}: top {PROFILE_TOP} by {key} ===",
            file=sys.stderr,
        )
        stats = pstats.Stats(profile, stream=sys.stderr)
        stats.sort_stats(key).print_stats(PROFILE_TOP)
    if path:
        print(f"(stats saved to {path}: python -m pstats {path}, or snakeviz)", file=sys.stderr)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m benchmarks.worker SPEC_JSON", file=sys.stderr)
        return 2
    spec = json.loads(argv[0])
    try:
        result = run(spec)
    except BaseException as exc:  # reported to the orchestrator as a failed run
        traceback.print_exc(file=sys.stderr)
        result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
