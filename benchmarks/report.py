"""From a results file to the tables, the chart and the block in docs/performance.md.

A results file (JSON) holds the machine description and one entry per
measured run (``workload``, ``client``, ``repeat``, ``result``). Everything
here is a pure function of it, so a report can be regenerated without
rerunning anything: ``python -m benchmarks --report results.json``.

Example:
    >>> summary = summarize(results)  # doctest: +SKIP
    >>> print(markdown(results, summary))  # doctest: +SKIP
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .workloads import CLIENT_TITLES, CLIENTS, WORKLOADS, Workload

DOC_START = "<!-- benchmark results: start (written by python -m benchmarks) -->"
DOC_END = "<!-- benchmark results: end -->"
MIB = 1024 * 1024


@dataclass
class Cell:
    """One client on one workload: medians over the repeats that succeeded."""

    cpu_per_op: float | None = None
    """ms per operation; for logs, CPU seconds per 100 MiB."""
    throughput: float | None = None
    """operations (or MiB) per second."""
    cpu_ratio: float | None = None
    """median of the per-repeat ratios of cpu_per_op to raw's."""
    throughput_ratio: float | None = None
    peak_rss_mib: float | None = None
    rss_added_mib: float | None = None
    short_ok: str | None = None
    ok_runs: int = 0
    errors: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    """Runs that completed but failed a check (events missing): their CPU
    counts, their throughput does not."""
    cpu_ratios: list[float] = field(default_factory=list)


def cpu_per_op(w: Workload, r: dict[str, Any]) -> float:
    """CPU per operation in the unit the tables show."""
    if w.kind == "logs":
        return float(r["cpu_s"] / (r["bytes"] / MIB) * 100)  # CPU s per 100 MiB
    return float(r["cpu_s"] / r["ops"] * 1000)  # ms


def throughput(w: Workload, r: dict[str, Any]) -> float:
    if w.kind == "logs":
        return float(r["bytes"] / MIB / r["wall_s"])
    return float(r["ops"] / r["wall_s"])


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarize(results: dict[str, Any]) -> dict[str, dict[str, Cell]]:
    """``{workload: {client: Cell}}`` for the workloads and clients in the file."""
    runs: dict[tuple[str, str, int], dict[str, Any]] = {}
    for run in results["runs"]:
        runs[(run["workload"], run["client"], run["repeat"])] = run["result"]
    out: dict[str, dict[str, Cell]] = {}
    for name in workload_names(results):
        w = WORKLOADS[name]
        cells: dict[str, Cell] = {}
        for client in client_names(results):
            cell = Cell()
            cpu: list[float] = []
            tput: list[float] = []
            rss: list[float] = []
            added: list[float] = []
            short: list[str] = []
            tput_ratios: list[float] = []
            for rep in range(results["repeats"]):
                r = runs.get((name, client, rep))
                if r is None:
                    continue
                if "error" in r:
                    cell.errors.append(r["error"])
                    continue
                cell.ok_runs += 1
                cpu.append(cpu_per_op(w, r))
                if "check_failed" in r:
                    cell.checks.append(r["check_failed"])
                else:
                    tput.append(throughput(w, r))
                rss.append(r["max_rss"] / MIB)
                if "rss_added" in r:
                    added.append(r["rss_added"] / MIB)
                if "short_ok" in r:
                    short.append(f"{r['short_ok']}/{r['short_total']}")
                raw = runs.get((name, "raw", rep))
                if raw is not None and "error" not in raw:
                    cell.cpu_ratios.append(cpu_per_op(w, r) / cpu_per_op(w, raw))
                    if "check_failed" not in r and "check_failed" not in raw:
                        tput_ratios.append(throughput(w, r) / throughput(w, raw))
            cell.cpu_per_op = _median(cpu)
            cell.throughput = _median(tput)
            cell.peak_rss_mib = _median(rss)
            cell.rss_added_mib = _median(added)
            cell.short_ok = ", ".join(short) if short else None
            cell.cpu_ratio = _median(cell.cpu_ratios)
            cell.throughput_ratio = _median(tput_ratios)
            cells[client] = cell
        out[name] = cells
    return out


def workload_names(results: dict[str, Any]) -> list[str]:
    seen = {run["workload"] for run in results["runs"]}
    return [name for name in WORKLOADS if name in seen]


def client_names(results: dict[str, Any]) -> list[str]:
    seen = {run["client"] for run in results["runs"]}
    return [c for c in CLIENTS if c in seen]


# -- formatting ------------------------------------------------------------------


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def _cell(value: float | None, ratio: float | None, client: str, cell: Cell) -> str:
    if cell.ok_runs == 0:
        return "failed" if cell.errors else "-"
    text = _num(value)
    if client != "raw":
        text += f" ({_ratio(ratio)})"
    if cell.errors:
        text += f" [{len(cell.errors)} failed]"
    if cell.checks:
        text += f" [{len(cell.checks)} check failed]"
    return text


def _cpu_unit(w: Workload) -> str:
    return "CPU s / 100 MiB" if w.kind == "logs" else f"CPU ms / {w.unit}"


def _tput_unit(w: Workload) -> str:
    return "MiB/s" if w.kind == "logs" else f"{w.unit}s/s"


def _pair_ratio(results: dict[str, Any], name: str, a: str, b: str) -> float | None:
    """Median over repeats of client a's CPU per op divided by client b's."""
    w = WORKLOADS[name]
    runs = {
        (r["client"], r["repeat"]): r["result"] for r in results["runs"] if r["workload"] == name
    }
    ratios = []
    for rep in range(results["repeats"]):
        ra, rb = runs.get((a, rep)), runs.get((b, rep))
        if ra and rb and "error" not in ra and "error" not in rb:
            ratios.append(cpu_per_op(w, ra) / cpu_per_op(w, rb))
    return _median(ratios)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(results: dict[str, Any], summary: dict[str, dict[str, Cell]]) -> str:
    """The tables (CPU, throughput, memory, peak RSS) and the list of failures."""
    clients = client_names(results)
    titles = [CLIENT_TITLES[c] for c in clients]
    pair = "aiodock" in clients and "aiodocker" in clients
    parts: list[str] = []

    header = ["workload", "unit", *titles] + (["aiodock / aiodocker"] if pair else [])
    rows = []
    for name, cells in summary.items():
        w = WORKLOADS[name]
        row = [f"`{name}`", _cpu_unit(w)]
        row += [_cell(cells[c].cpu_per_op, cells[c].cpu_ratio, c, cells[c]) for c in clients]
        if pair:
            row.append(_ratio(_pair_ratio(results, name, "aiodock", "aiodocker")))
        rows.append(row)
    parts.append(
        "**Client CPU per operation** (user+sys of the client process, median;"
        " in brackets the median of the per-repeat ratios to raw; lower is better)\n\n"
        + _table(header, rows)
    )

    header = ["workload", "unit", *titles]
    rows = []
    for name, cells in summary.items():
        w = WORKLOADS[name]
        if w.memory:
            continue
        row = [f"`{name}`", _tput_unit(w)]
        row += [_cell(cells[c].throughput, cells[c].throughput_ratio, c, cells[c]) for c in clients]
        rows.append(row)
    if rows:
        parts.append(
            "**Throughput** (median; in brackets the ratio to raw; higher is better)"
            "\n\n" + _table(header, rows)
        )

    mem = [n for n in summary if WORKLOADS[n].memory]
    if mem:
        rows = []
        for name in mem:
            for label, attr in (
                ("RSS added, MiB", "rss_added_mib"),
                ("short requests completed", "short_ok"),
            ):
                row = [f"`{name}`", label]
                for c in clients:
                    cell = summary[name][c]
                    value = getattr(cell, attr)
                    if cell.ok_runs == 0:
                        row.append("failed" if cell.errors else "-")
                    else:
                        row.append(value if isinstance(value, str) else _num(value))
                rows.append(row)
        parts.append(
            "**Memory** (RSS added while the streams are open, median; short"
            " requests (pings and inspects) made meanwhile, per repeat)\n\n"
            + _table(["workload", "figure", *titles], rows)
        )

    rows = [
        [f"`{name}`", *(_num(cells[c].peak_rss_mib) for c in clients)]
        for name, cells in summary.items()
    ]
    parts.append(
        "**Peak RSS of the worker process, MiB** (VmHWM at the end of the run, median)\n\n"
        + _table(["workload", *titles], rows)
    )

    failures = [
        f"- `{name}`, {CLIENT_TITLES[c]}: {len(cell.errors)} of {results['repeats']}"
        f" repeats failed: {cell.errors[0]}"
        for name, cells in summary.items()
        for c, cell in cells.items()
        if cell.errors
    ]
    if failures:
        parts.append("**Failed runs**\n\n" + "\n".join(failures))
    checks = [
        f"- `{name}`, {CLIENT_TITLES[c]}: {len(cell.checks)} of {results['repeats']}"
        f" repeats failed a check: {cell.checks[0]}"
        for name, cells in summary.items()
        for c, cell in cells.items()
        if cell.checks
    ]
    if checks:
        parts.append(
            "**Failed checks** (the run completed; its CPU is counted above, its"
            " throughput is not)\n\n" + "\n".join(checks)
        )
    return "\n\n".join(parts) + "\n"


def machine_text(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"- date: {results['started']} (UTC), {results['repeats']} repeats,"
        f" {results.get('duration_s', 0) / 60:.1f} minutes",
        f"- machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores,"
        f" {m.get('memory_gib', '?')} GiB, {m.get('kernel', '?')}",
        f"- engine: Docker {m.get('engine', '?')} (API {m.get('api', '?')}),"
        f" {m.get('storage_driver', '?')}, logging driver {m.get('logging_driver', '?')}",
        f"- python {m.get('python', '?')}; "
        + ", ".join(f"{k} {v}" for k, v in m.get("packages", {}).items()),
        f"- aiodock's default transport in this run: {m.get('aiodock_transport', '?')}",
        f"- load average before / after: {m.get('load_before', '?')} / {m.get('load_after', '?')}",
    ]
    if m.get("note"):
        lines.append(f"- note: {m['note']}")
    return "\n".join(lines) + "\n"


def chart(results: dict[str, Any], summary: dict[str, dict[str, Cell]], path: Path) -> None:
    """Ratios to raw per workload (CPU per op above, throughput below), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    clients = [c for c in client_names(results) if c != "raw"]
    names = list(summary)
    tput_names = [n for n in names if not WORKLOADS[n].memory]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(max(10, len(names) * 0.9), 9))
    width = 0.8 / max(len(clients), 1)
    colors = {
        "aiodock": "#1f77b4",
        "aiodock-httpx": "#9ecae1",
        "aiodocker": "#ff7f0e",
        "docker-py": "#7f7f7f",
    }
    for ax, rows, attr, title in (
        (ax1, names, "cpu_ratio", "client CPU per operation, ratio to raw (lower is better)"),
        (ax2, tput_names, "throughput_ratio", "throughput, ratio to raw (higher is better)"),
    ):
        for i, client in enumerate(clients):
            values = [getattr(summary[n][client], attr) or 0.0 for n in rows]
            xs = [j + (i - (len(clients) - 1) / 2) * width for j in range(len(rows))]
            ax.bar(xs, values, width, label=CLIENT_TITLES[client], color=colors.get(client))
        ax.axhline(1.0, color="black", linewidth=1, label="raw = 1.0")
        if attr == "cpu_ratio":
            ax.axhline(1.5, color="green", linestyle="--", linewidth=1, label="target 1.5x raw")
            ax.set_yscale("log")
            top = max([getattr(summary[n][c], attr) or 1.0 for n in rows for c in clients] + [2.0])
            ticks = [t for t in (0.5, 1, 1.5, 2, 3, 5, 10, 20, 50, 100, 200) if t <= top * 1.2]
            ax.set_yticks(ticks)
            ax.set_yticklabels([f"{t:g}x" for t in ticks])
            ax.minorticks_off()
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels(rows, rotation=30, ha="right")
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
    ax1.legend(fontsize=8, ncol=3)
    fig.suptitle(
        f"aiodock benchmarks, {results['started'][:10]}, median of {results['repeats']} repeats"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def doc_block(
    results: dict[str, Any], summary: dict[str, dict[str, Cell]], chart_ref: str | None
) -> str:
    """The generated part of docs/performance.md (between the markers)."""
    body = ["### The run\n", machine_text(results), "", markdown(results, summary)]
    if chart_ref:
        body.append(f"\n![ratios to raw per workload]({chart_ref})\n")
    return DOC_START + "\n\n" + "\n".join(body) + "\n" + DOC_END


def update_doc(doc: Path, block: str) -> None:
    """Replace the generated block in ``doc`` (or append it when there is none)."""
    text = doc.read_text() if doc.exists() else ""
    pattern = re.compile(re.escape(DOC_START) + ".*?" + re.escape(DOC_END), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text)
