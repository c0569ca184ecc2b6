"""Every Engine API v1.41 operation in aiodock's scope is implemented by a
method that records its operationId (see aiodock/_operation.py).

The scope is every tag of the specification for which some collection of a
``Docker`` client implements at least one operation: a resource that is
started is finished. The collections are found by walking the client.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aiodock import Docker
from aiodock._operation import collections_of, handles_of, methods_of, operations_of

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
    for attr, collection in collections_of(docker).items():
        for op, method in operations_of(collection).items():
            found.setdefault(op, f"docker.{attr}.{method}")
    return found


def spec_operations() -> list[tuple[str, str]]:
    """(operationId, tag) for every operation of the specification."""
    rows = [line.split("\t") for line in endpoints_file().read_text().splitlines() if line]
    return [(op, tag) for _method, _path, op, tag in rows]


def test_every_operation_in_scope_is_implemented() -> None:
    found = implemented()
    in_scope = {tag for op, tag in spec_operations() if op in found}
    wanted = {op for op, tag in spec_operations() if tag in in_scope and op not in NOT_IMPLEMENTED}
    missing = sorted(wanted - set(found))
    assert not missing, f"operations without a method: {missing}"


def test_the_walk_finds_every_collection_and_handle() -> None:
    docker = Docker("unix:///nonexistent.sock", env={})
    collections = collections_of(docker)
    found = list(collections)
    # The walk finds (at least) these, in the order the client sets them.
    known = ["system", "containers", "images", "networks", "volumes", "execs", "distribution"]
    assert [attr for attr in found if attr in known] == known
    assert set(implemented()) >= {"ContainerStart", "ImageCreate", "SystemPing"}
    handles = {cls.__name__ for c in collections.values() for cls in handles_of(c)}
    assert "Container" in handles
    # A handle records the same operations as its collection's methods.
    container_methods = methods_of(handles_of(docker.containers)[0])
    assert container_methods["start"] == ("ContainerStart",)
    assert container_methods["stats"] == ("ContainerStats",)


def test_recorded_operations_exist_in_the_spec() -> None:
    known = {line.split("\t")[2] for line in endpoints_file().read_text().splitlines()}
    unknown = sorted(set(implemented()) - known)
    assert not unknown, f"methods record operationIds the spec lacks: {unknown}"
