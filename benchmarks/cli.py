"""The orchestrator: ``python -m benchmarks`` (or ``bash benchmarks/run.sh``).

Makes the fixtures, runs every (workload, repeat, client) in its own worker
process with the clients interleaved, removes what each worker left, and
writes the results (JSON, markdown, PNG) and the block in
docs/performance.md. ``--profile WORKLOAD`` runs one client (aiodock by
default) alone under cProfile instead.

Example:
    >>> # python -m benchmarks                       # everything, 3 repeats
    >>> # python -m benchmarks -w inspect@50,logs -r 5
    >>> # python -m benchmarks --profile inspect@50
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import anyio

from aiodock import Docker

from . import fixtures, report
from .sshd import SshServer
from .workloads import CLIENTS, LABEL_KEY, WORKER_LABEL_KEY, WORKLOADS

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "performance.md"
DOC_CHART = ROOT / "docs" / "img" / "performance.png"
WORKER_TIMEOUT = 900.0
CREATES_CONTAINERS = ("lifecycle", "events", "mem_events")
"""Kinds whose workers make containers (removed by label after each run)."""


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="aiodock, aiodocker, docker-py and a raw-socket floor, side by side.",
    )
    parser.add_argument(
        "-r", "--repeats", type=int, default=3, help="runs of each (workload, client) (default 3)"
    )
    parser.add_argument(
        "-w", "--workloads", default="", help="comma-separated subset: " + ", ".join(WORKLOADS)
    )
    parser.add_argument(
        "-c", "--clients", default="", help="comma-separated subset: " + ", ".join(CLIENTS)
    )
    parser.add_argument(
        "--profile",
        metavar="WORKLOAD",
        help="run one client alone under cProfile and print its top functions",
    )
    parser.add_argument(
        "--profile-client",
        default="aiodock",
        choices=CLIENTS,
        help="the client --profile runs (default aiodock)",
    )
    parser.add_argument(
        "--profile-timer",
        choices=("cpu", "wall"),
        default="cpu",
        help="what the profile times: process CPU (default; waiting is"
        " not counted) or wall clock (lighter, but includes waiting)",
    )
    parser.add_argument(
        "--doc",
        choices=("auto", "yes", "no"),
        default="auto",
        help="update docs/performance.md: auto = only after a run of every"
        " workload and client (default)",
    )
    parser.add_argument("--note", default="", help="a remark written into the report")
    parser.add_argument(
        "--report",
        metavar="RESULTS_JSON",
        help="only regenerate the tables/chart/doc from a results file",
    )
    parser.add_argument(
        "--host", default=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    )
    args = parser.parse_args(argv)
    for option, known in (("workloads", WORKLOADS), ("clients", CLIENTS)):
        chosen = [x for x in getattr(args, option).split(",") if x]
        unknown = [x for x in chosen if x not in known]
        if unknown:
            parser.error(f"unknown {option}: {', '.join(unknown)} (known: {', '.join(known)})")
        setattr(args, option, chosen or list(known))
    if args.profile and args.profile not in WORKLOADS:
        parser.error(f"unknown workload {args.profile!r} (known: {', '.join(WORKLOADS)})")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if not args.host.startswith("unix://"):
        parser.error(f"the benchmarks need a unix:// engine, not {args.host!r}")
    return args


# -- the engine side --------------------------------------------------------------


def _check_engine(path: str) -> None:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            answer = sock.recv(200)
    except OSError as exc:
        raise SystemExit(
            f"no Docker engine answers at unix://{path} ({exc});"
            " run bash scripts/engine-up.sh (benchmarks/run.sh does)"
        ) from None
    if b" 200 " not in answer.split(b"\r\n", 1)[0]:
        raise SystemExit(f"the engine at {path} answered /_ping with {answer[:100]!r}")


def _in_engine(host: str, fn: Any, *args: Any) -> Any:
    async def main() -> Any:
        async with Docker(host) as docker:
            return await fn(docker, *args)

    return anyio.run(main)


def _host() -> tuple[str, int]:
    """The CPU model and the memory size (KiB) of this machine."""
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return cpu, mem_kib


async def _machine(docker: Docker) -> dict[str, Any]:
    version = await docker.system.version()
    info = await docker.system.info()
    cpu, mem_kib = _host()
    packages = {}
    for name in ("aiodock", "httpx", "aiodocker", "aiohttp", "docker", "requests"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": f"{platform.system()} {platform.release()}",
        "engine": version.version,
        "api": docker.api_version,
        "storage_driver": info.driver,
        "logging_driver": info.logging_driver,
        "python": platform.python_version(),
        "packages": packages,
    }


def _say(*parts: object) -> None:
    """Print progress, never failing: a closed pipe (``| head``) must not stop
    the clean-up that follows."""
    with contextlib.suppress(OSError, ValueError):
        print(*parts, flush=True)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the workers ------------------------------------------------------------------


def _run_worker(spec: dict[str, Any], *, show_stderr: bool = False) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "AIODOCK_TRANSPORT"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.worker", json.dumps(spec)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=None if show_stderr else subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=WORKER_TIMEOUT)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    for line in reversed(out.splitlines()):
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            if "error" in result and err:
                result["stderr_tail"] = err[-2000:]
            return result
    return {
        "error": f"the worker exited with {proc.returncode} and no result",
        "stderr_tail": (err or "")[-2000:],
    }


def _brief(workload: str, result: dict[str, Any]) -> str:
    if "error" in result:
        return f"FAILED: {result['error']}"
    w = WORKLOADS[workload]
    cpu = report.cpu_per_op(w, result)
    tput = report.throughput(w, result)
    text = (
        f"{cpu:8.3f} {'CPU s/100MiB' if w.kind == 'logs' else 'CPU ms/op'}"
        f"  {tput:10.1f} {'MiB/s' if w.kind == 'logs' else 'ops/s'}"
        f"  rss {result['max_rss'] / 2**20:6.1f} MiB"
    )
    if "check_failed" in result:
        text += "  CHECK FAILED: " + result["check_failed"]
    if "rss_added" in result:
        text += (
            f"  added {result['rss_added'] / 2**20:6.1f} MiB"
            f"  short {result['short_ok']}/{result['short_total']}"
        )
    return text


class _Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.host = args.host
        self.socket = args.host.removeprefix("unix://")
        self.run_id = uuid.uuid4().hex[:10]
        self.ssh: SshServer | None = None

    def spec(self, fx: dict[str, Any], workload: str, client: str, **more: Any) -> dict[str, Any]:
        fx = {k: v for k, v in fx.items() if k != "ssh"} | fx.get("ssh", {})
        return {
            "workload": workload,
            "client": client,
            "socket": self.socket,
            "run_id": self.run_id,
            "worker_id": uuid.uuid4().hex[:12],
            **fx,
            **more,
        }

    def clean_worker(self, spec: dict[str, Any]) -> None:
        _in_engine(self.host, fixtures.remove_labelled, f"{WORKER_LABEL_KEY}={spec['worker_id']}")

    def fixtures(self, names: list[str]) -> dict[str, Any]:
        needs = {n for name in names for n in WORKLOADS[name].needs}
        _say(f"run {self.run_id}: making fixtures ({', '.join(sorted(needs)) or 'image'})...")
        t0 = time.perf_counter()
        engine_needs = needs - {"ssh"}
        fx: dict[str, Any] = _in_engine(
            self.host, fixtures.make_fixtures, self.run_id, engine_needs
        )
        if "ssh" in needs:
            self.ssh = SshServer.start(self.run_id, self.socket)
            fx["ssh"] = self.ssh.spec()
        _say(f"  done in {time.perf_counter() - t0:.1f} s")
        return fx

    def cleanup(self) -> None:
        if self.ssh is not None:
            self.ssh.stop()
            self.ssh = None
        _in_engine(self.host, fixtures.remove_everything, self.run_id)
        _say(f"removed everything labelled {LABEL_KEY}={self.run_id}")

    def profile(self) -> int:
        name, client = self.args.profile, self.args.profile_client
        try:
            fx = self.fixtures([name])
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            out = RESULTS_DIR / f"profile-{client}-{name.replace('@', '-')}.prof"
            spec = self.spec(
                fx,
                name,
                client,
                profile=True,
                profile_out=str(out),
                profile_timer=self.args.profile_timer,
            )
            result = _run_worker(spec, show_stderr=True)
            self.clean_worker(spec)
            _say(f"\n{client} {name}: {_brief(name, result)}")
            _say(
                "(CPU under cProfile is inflated; compare the profile's shares, not its"
                " totals, with the benchmark's figures)"
            )
            return 0 if "error" not in result else 1
        finally:
            self.cleanup()

    def measure(self) -> int:
        args = self.args
        started = datetime.now(timezone.utc)
        machine: dict[str, Any] = _in_engine(self.host, _machine)
        machine["load_before"] = _load()
        if args.note:
            machine["note"] = args.note
        results: dict[str, Any] = {
            "run_id": self.run_id,
            "started": started.strftime("%Y-%m-%d %H:%M"),
            "repeats": args.repeats,
            "workloads": args.workloads,
            "clients": args.clients,
            "machine": machine,
            "runs": [],
        }
        t_start = time.perf_counter()
        try:
            fx = self.fixtures(args.workloads)
            total = args.repeats * sum(
                len([c for c in args.clients if c in WORKLOADS[name].clients])
                for name in args.workloads
            )
            done = 0
            for name in args.workloads:
                w = WORKLOADS[name]
                wfx = {k: v for k, v in fx.items() if k == "image" or k in w.needs}
                for rep in range(args.repeats):
                    for client in args.clients:
                        if client not in w.clients:
                            continue
                        spec = self.spec(wfx, name, client)
                        result = _run_worker(spec)
                        if w.kind in CREATES_CONTAINERS or "error" in result:
                            self.clean_worker(spec)
                        done += 1
                        if client == "aiodock" and "transport" in result:
                            machine["aiodock_transport"] = result["transport"]
                        results["runs"].append(
                            {"workload": name, "client": client, "repeat": rep, "result": result}
                        )
                        _say(
                            f"[{done:3}/{total}] {name:12} #{rep + 1} {client:14}"
                            f" {_brief(name, result)}"
                        )
        finally:
            self.cleanup()
        machine["load_after"] = _load()
        results["duration_s"] = round(time.perf_counter() - t_start, 1)
        full = set(args.workloads) == set(WORKLOADS) and set(args.clients) == set(CLIENTS)
        write_doc = args.doc == "yes" or (args.doc == "auto" and full)
        write_outputs(results, write_doc=write_doc)
        return 0


def write_outputs(results: dict[str, Any], *, write_doc: bool) -> None:
    """Save the results file, the markdown, the chart; update the doc if asked."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(" ", "T").replace(":", "")
    raw_path = RESULTS_DIR / f"{stamp}-{results['run_id']}.json"
    raw_path.write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS_DIR / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    summary = report.summarize(results)
    text = report.machine_text(results) + "\n" + report.markdown(results, summary)
    (RESULTS_DIR / "latest.md").write_text(text)
    chart_path = DOC_CHART if write_doc else RESULTS_DIR / "latest.png"
    report.chart(results, summary, chart_path)
    _say("\n" + text)
    _say(f"results: {raw_path}\ntable:   {RESULTS_DIR / 'latest.md'}\nchart:   {chart_path}")
    if write_doc:
        ref = os.path.relpath(DOC_CHART, DOC.parent)
        report.update_doc(DOC, report.doc_block(results, summary, ref))
        _say(f"doc:     {DOC} (generated block replaced)")


def _sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    if args.report:
        results = json.loads(Path(args.report).read_text())
        write_outputs(results, write_doc=args.doc == "yes")
        return 0
    signal.signal(signal.SIGTERM, _sigterm)
    run = _Run(args)
    _check_engine(run.socket)
    return run.profile() if args.profile else run.measure()
