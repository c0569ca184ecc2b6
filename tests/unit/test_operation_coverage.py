"""Every Engine API v1.41 operation in aiodock's scope is implemented by a
method that records its operationId (see aiodock/_operation.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aiodock import Docker
from aiodock._operation import operations_of

IN_SCOPE_TAGS = {"System", "Container", "Image", "Network", "Volume", "Exec", "Distribution"}
NOT_IMPLEMENTED = {
    # The websocket form of attach: the hijacked HTTP attach covers the same use.
    "ContainerAttachWebsocket",
}


def endpoints_file() -> Path:
    name = "endpoints-v1.41.tsv"
    candidates = [Path(__file__).resolve().parents[3] / "shared" / "engine-api" / name]
    if os.environ.get("AIODOCK_SPEC_DIR"):
        candidates.append(Path(os.environ["AIODOCK_SPEC_DIR"]) / name)
    for path in candidates:
        if path.is_file():
            return path
    pytest.fail(
        f"cannot find {name} (looked in {', '.join(map(str, candidates))}); set AIODOCK_SPEC_DIR"
    )


def implemented() -> dict[str, str]:
    docker = Docker("unix:///nonexistent.sock", env={})
    found: dict[str, str] = {}
    for attr in ("system", "containers", "images", "networks", "volumes", "execs", "distribution"):
        for op, method in operations_of(getattr(docker, attr)).items():
            found.setdefault(op, f"docker.{attr}.{method}")
    return found


def test_every_operation_in_scope_is_implemented() -> None:
    wanted = set()
    for line in endpoints_file().read_text().splitlines():
        _method, _path, op, tag = line.split("\t")
        if tag in IN_SCOPE_TAGS and op not in NOT_IMPLEMENTED:
            wanted.add(op)
    missing = sorted(wanted - set(implemented()))
    assert not missing, f"operations without a method: {missing}"


def test_recorded_operations_exist_in_the_spec() -> None:
    known = {line.split("\t")[2] for line in endpoints_file().read_text().splitlines()}
    unknown = sorted(set(implemented()) - known)
    assert not unknown, f"methods record operationIds the spec lacks: {unknown}"
