"""Hand-written container models: what they decode and compute."""

from __future__ import annotations

import base64
import json

import pytest

from aiodock.models import (
    ContainerChange,
    ContainerCreate,
    ContainerInspect,
    ContainerStats,
    ContainerSummary,
    ContainerTop,
    ContainerUpdate,
    HostConfig,
    PathStat,
    PruneReport,
    RunResult,
    WaitResult,
)


def header(value: dict[str, object]) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def test_path_stat_from_the_engine_header() -> None:
    # What dockerd 20.10 sends for /etc (a directory) and /bin/sh (a link).
    directory = PathStat.from_header(
        header(
            {
                "name": "etc",
                "size": 4096,
                "mode": 2147484141,
                "mtime": "2026-01-01T00:00:00Z",
                "linkTarget": "",
            }
        )
    )
    assert directory.is_dir and not directory.is_symlink
    assert directory.permissions == 0o755 and directory.filemode == "drwxr-xr-x"
    link = PathStat.from_header(
        header(
            {
                "name": "sh",
                "size": 7,
                "mode": 134218239,
                "mtime": "2026-01-01T00:00:00Z",
                "linkTarget": "/bin/busybox",
            }
        )
    )
    assert link.is_symlink and link.link_target == "/bin/busybox"
    assert link.filemode == "lrwxrwxrwx"


@pytest.mark.parametrize(
    "value", ["%%%", base64.b64encode(b"not json").decode(), header({"name": "x"})]
)
def test_an_unreadable_path_stat_header_raises(value: str) -> None:
    with pytest.raises(ValueError, match="X-Docker-Container-Path-Stat"):
        PathStat.from_header(value)


def test_inspect_keeps_legacy_network_fields_and_unknown_ones() -> None:
    info = ContainerInspect.model_validate(
        {
            "Id": "abc",
            "State": {"Status": "frozen-by-a-new-engine", "Running": False},
            "NetworkSettings": {
                "IPAddress": "172.17.0.2",
                "Gateway": "172.17.0.1",
                "Networks": {"bridge": {"IPAddress": "172.17.0.2"}},
            },
            "SomethingNew": {"x": 1},
        }
    )
    assert info.state is not None and info.state.status == "frozen-by-a-new-engine"
    assert info.network_settings is not None
    assert info.network_settings.ip_address == "172.17.0.2"
    assert info.network_settings.gateway == "172.17.0.1"
    assert info.model_extra == {"SomethingNew": {"x": 1}}


def test_summary_state_is_any_string() -> None:
    assert ContainerSummary.model_validate({"State": "hibernating"}).state == "hibernating"


def test_stats_cpu_percent_like_docker_stats() -> None:
    sample = ContainerStats.model_validate(
        {
            "cpu_stats": {
                "cpu_usage": {"total_usage": 300},
                "system_cpu_usage": 2000,
                "online_cpus": 2,
            },
            "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
        }
    )
    assert sample.cpu_percent == pytest.approx(40.0)
    first = ContainerStats.model_validate(
        {
            "cpu_stats": {"cpu_usage": {"total_usage": 300}, "system_cpu_usage": 2000},
            "precpu_stats": {"cpu_usage": {}},
        }
    )
    assert first.cpu_percent is None


def test_top_rows_wait_result_change_and_prune_report() -> None:
    top = ContainerTop.model_validate(
        {"Titles": ["PID", "CMD"], "Processes": [["1", "sleep 5"], ["7", "sh"]]}
    )
    assert top.rows() == [{"PID": "1", "CMD": "sleep 5"}, {"PID": "7", "CMD": "sh"}]
    assert WaitResult.model_validate({"StatusCode": 137, "Error": None}).exit_code == 137
    assert [
        ContainerChange.model_validate({"Path": "/x", "Kind": k}).kind_name for k in (0, 1, 2)
    ] == ["modified", "added", "deleted"]
    report = PruneReport.model_validate({"ContainersDeleted": None, "SpaceReclaimed": 0})
    assert report.containers_deleted is None and report.space_reclaimed == 0


def test_create_and_update_bodies_use_engine_keys() -> None:
    body = ContainerCreate(
        image="img",
        tty=True,
        mac_address="02:42:ac:11:00:02",
        host_config=HostConfig(network_mode="none", auto_remove=True),
    )
    assert body.to_engine() == {
        "Tty": True,
        "Image": "img",
        "MacAddress": "02:42:ac:11:00:02",
        "HostConfig": {"NetworkMode": "none", "AutoRemove": True},
    }
    assert ContainerUpdate(nano_cpus=500_000_000).to_engine() == {"NanoCpus": 500_000_000}


def test_run_result_unpacks() -> None:
    container_id, exit_code, stdout, stderr = RunResult("id", 0, b"out", b"")
    assert (container_id, exit_code, stdout, stderr) == ("id", 0, b"out", b"")
