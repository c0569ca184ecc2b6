"""The docker-style option parsing and the text formats (no engine)."""

from __future__ import annotations

import pytest

from aiodock.cli.context import UsageError
from aiodock.cli.options import env_entries, filters, mapping, port_binding, volume_bind
from aiodock.cli.output import ago, size, table
from aiodock.cli.progress import TransferSummary, is_layer_status
from aiodock.models import ProgressEvent


@pytest.mark.parametrize(
    ("spec", "key", "ip", "port"),
    [
        ("80", "80/tcp", None, None),
        ("8080:80", "80/tcp", None, "8080"),
        ("127.0.0.1:8080:80", "80/tcp", "127.0.0.1", "8080"),
        ("127.0.0.1::53/udp", "53/udp", "127.0.0.1", None),
        ("[::1]:8080:80", "80/tcp", "::1", "8080"),
    ],
)
def test_port_specs(spec: str, key: str, ip: str | None, port: str | None) -> None:
    found_key, binding = port_binding(spec)
    assert (found_key, binding.host_ip, binding.host_port) == (key, ip, port)


@pytest.mark.parametrize("spec", ["", "1:2:3:4", "80/icmp", "0", "70000", "a:80", "::1:80:80"])
def test_bad_port_specs_name_the_value(spec: str) -> None:
    with pytest.raises(UsageError, match="-p"):
        port_binding(spec)


def test_volumes_env_labels_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    assert volume_bind("data:/data:ro") == "data:/data:ro"
    assert volume_bind("/srv:/srv") == "/srv:/srv"
    monkeypatch.chdir("/tmp")
    assert volume_bind("./x:/x") == "/tmp/x:/x"
    for bad in ("data", "data:relative", ":/x", "a:/b:"):
        with pytest.raises(UsageError):
            volume_bind(bad)
    monkeypatch.setenv("AIODOCK_CLI_FROM_ENV", "yes")
    monkeypatch.delenv("AIODOCK_CLI_UNSET", raising=False)
    assert env_entries(["A=1", "AIODOCK_CLI_FROM_ENV", "AIODOCK_CLI_UNSET"]) == [
        "A=1",
        "AIODOCK_CLI_FROM_ENV=yes",
    ]
    assert mapping("--label", ["a=1", "b="]) == {"a": "1", "b": ""}
    with pytest.raises(UsageError, match="--label"):
        mapping("--label", ["novalue"])
    assert filters(["label=a=1", "label=b", "status=exited"]) == {
        "label": ["a=1", "b"],
        "status": ["exited"],
    }


def test_text_formats() -> None:
    assert table(["A", "LONG HEADER"], [["xyz", "1"]]).splitlines() == [
        "A     LONG HEADER",
        "xyz   1",
    ]
    assert ago(1000, now=1000 + 3 * 3600) == "3 hours ago"
    assert ago(1000, now=1030) == "30 seconds ago"
    assert size(0) == "0B" and size(1_980_000) == "1.98MB"


def test_transfer_summary_counts_layers() -> None:
    summary = TransferSummary()
    for raw in (
        {"status": "Pulling from team/app", "id": "1"},
        {"status": "Already exists", "id": "aaa"},
        {"status": "Pulling fs layer", "id": "bbb"},
        {"status": "Downloading", "id": "bbb", "progressDetail": {"current": 10, "total": 2000}},
        {"status": "Pull complete", "id": "bbb"},
        {"status": "Digest: sha256:abc"},
        {"status": "Status: Downloaded newer image for team/app:1"},
    ):
        summary.record(ProgressEvent.model_validate(raw))
    assert summary.line("Pulled", "team/app:1") == (
        "Pulled team/app:1: 2 layers (1 already present), 2kB, digest sha256:abc,"
        " Downloaded newer image for team/app:1"
    )
    assert not is_layer_status("Pulling from team/app")
