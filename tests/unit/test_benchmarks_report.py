"""The benchmark report from a made-up results set: tables, doc block, chart.

No engine and no timing: the figures are invented, only the arithmetic and
the formatting are checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks import report
from benchmarks.rawhttp import FrameCounter
from benchmarks.workloads import CLIENTS, LOG_BYTES, WORKLOADS

MIB = 1024 * 1024


def _result(workload: str, cpu_s: float, wall_s: float, **more: Any) -> dict[str, Any]:
    w = WORKLOADS[workload]
    r: dict[str, Any] = {
        "cpu_s": cpu_s,
        "cpu_user_s": cpu_s,
        "cpu_sys_s": 0.0,
        "wall_s": wall_s,
        "ops": w.ops,
        "max_rss": 40 * MIB,
    }
    if w.kind == "logs":
        r["bytes"] = LOG_BYTES
    return {**r, **more}


def _fake_results() -> dict[str, Any]:
    factor = {"raw": 1.0, "aiodock": 1.5, "aiodock-httpx": 4.0, "aiodocker": 2.0, "docker-py": 6.0}
    runs = []
    for rep in range(3):
        for client in CLIENTS:
            f = factor[client] * (1 + rep / 10)
            runs.append(
                {
                    "workload": "inspect@50",
                    "client": client,
                    "repeat": rep,
                    "result": _result("inspect@50", 0.1 * f, 1.0),
                }
            )
            runs.append(
                {
                    "workload": "logs",
                    "client": client,
                    "repeat": rep,
                    "result": _result("logs", 2.0 * f, 10.0),
                }
            )
            mem = _result(
                "mem-events", 0.5 * f, 3.0, rss_added=10 * MIB * f, short_ok=40, short_total=40
            )
            runs.append({"workload": "mem-events", "client": client, "repeat": rep, "result": mem})
    runs.append(
        {"workload": "events", "client": "raw", "repeat": 0, "result": _result("events", 0.03, 5.0)}
    )
    runs.append(
        {
            "workload": "events",
            "client": "aiodock",
            "repeat": 0,
            "result": _result("events", 0.06, 15.0, check_failed="only 140 of 150"),
        }
    )
    runs.append(
        {
            "workload": "events",
            "client": "docker-py",
            "repeat": 0,
            "result": {"error": "RuntimeError: boom"},
        }
    )
    return {
        "run_id": "fake",
        "started": "2026-01-01 00:00",
        "repeats": 3,
        "duration_s": 600,
        "machine": {"cpu": "Test CPU", "cores": 2, "engine": "20.10"},
        "runs": runs,
    }


def test_summary_medians_and_ratios() -> None:
    summary = report.summarize(_fake_results())
    inspect = summary["inspect@50"]
    assert inspect["raw"].cpu_per_op == pytest.approx(0.1 * 1.1 / 2000 * 1000)
    assert inspect["aiodock"].cpu_ratio == pytest.approx(1.5)
    assert inspect["docker-py"].cpu_ratio == pytest.approx(6.0)
    assert inspect["raw"].throughput == pytest.approx(2000.0)
    logs = summary["logs"]
    assert logs["raw"].cpu_per_op == pytest.approx(2.0 * 1.1 / 200 * 100)  # CPU s per 100 MiB
    assert logs["raw"].throughput == pytest.approx(20.0)  # MiB/s
    assert summary["mem-events"]["aiodocker"].rss_added_mib == pytest.approx(22.0)


def test_failed_runs_and_checks_are_reported_not_hidden() -> None:
    results = _fake_results()
    summary = report.summarize(results)
    events = summary["events"]
    assert events["docker-py"].ok_runs == 0 and events["docker-py"].errors
    assert events["aiodock"].checks == ["only 140 of 150"]
    assert events["aiodock"].throughput is None  # a failed check has no throughput
    text = report.markdown(results, summary)
    assert "**Failed runs**" in text and "RuntimeError: boom" in text
    assert "**Failed checks**" in text and "only 140 of 150" in text
    assert "| `inspect@50` | CPU ms / request |" in text
    assert "aiodock / aiodocker" in text
    assert "0.75x" in text  # aiodock / aiodocker on inspect@50


def test_doc_block_is_replaced_in_place(tmp_path: Path) -> None:
    results = _fake_results()
    summary = report.summarize(results)
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Title\n\nbefore\n\n{report.DOC_START}\nold\n{report.DOC_END}\n\nafter\n")
    report.update_doc(doc, report.doc_block(results, summary, "img/chart.png"))
    first = doc.read_text()
    report.update_doc(doc, report.doc_block(results, summary, "img/chart.png"))
    assert doc.read_text() == first
    assert first.startswith("# Title\n\nbefore\n") and first.endswith("\nafter\n")
    assert "old" not in first and "Test CPU" in first and "![" in first
    assert first.count(report.DOC_START) == 1


def test_chart_is_written(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the bench extra draws the chart")
    results = _fake_results()
    path = tmp_path / "chart.png"
    report.chart(results, report.summarize(results), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_frame_counter_splits_frames_across_buffers() -> None:
    frames = b"".join(
        bytes([s, 0, 0, 0]) + len(p).to_bytes(4, "big") + p
        for s, p in ((1, b"hello"), (2, b"err"), (1, b"x" * 300))
    )
    counter = FrameCounter()
    for i in range(0, len(frames), 7):
        counter.feed(frames[i : i + 7])
    assert (counter.stdout, counter.stderr, counter.frames) == (305, 3, 3)
