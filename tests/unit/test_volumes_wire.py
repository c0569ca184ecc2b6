"""docker.volumes against httpx.MockTransport: the exact requests sent,
input checks that fail before any request, odd but legal answers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from aiodock import Conflict, NotFound
from aiodock.models import Volume, VolumeList, VolumePruneReport
from tests.fakes import Answer, FakeEngine, Route, client


def no_such_volume(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, json={"message": f"get {request.url.path}: no such volume"})


def Engine(answers: dict[Route, Answer] | None = None) -> FakeEngine:
    """A fake engine that records requests and answers from a table."""
    return FakeEngine(answers, missing=no_such_volume)


VOLUME = {
    "Name": "web-data",
    "Driver": "local",
    "Mountpoint": "/var/lib/docker/volumes/x",
    "Labels": {"app": "web"},
    "Scope": "local",
    "Options": None,
    "CreatedAt": "2026",
}


async def test_create_body_named_and_anonymous() -> None:
    engine = Engine({("POST", "/v1.41/volumes/create"): httpx.Response(201, json=VOLUME)})
    async with client(engine) as docker:
        volume = await docker.volumes.create(
            "web-data", driver_opts={"type": "tmpfs", "device": "tmpfs"}, labels={"app": "web"}
        )
        await docker.volumes.create()
    assert json.loads(engine.requests[0].content) == {
        "Name": "web-data",
        "Driver": "local",
        "DriverOpts": {"type": "tmpfs", "device": "tmpfs"},
        "Labels": {"app": "web"},
    }
    assert json.loads(engine.requests[1].content) == {"Driver": "local"}
    assert isinstance(volume, Volume)
    assert volume.labels == {"app": "web"} and volume.options is None


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda d: d.volumes.create(""), ValueError, "name must not be empty"),
        (lambda d: d.volumes.create(7), TypeError, "name must be a string"),
        (lambda d: d.volumes.create("v", driver=""), ValueError, "driver must not be empty"),
        (lambda d: d.volumes.create("v", labels={"a": None}), TypeError, "labels must map"),
        (
            lambda d: d.volumes.create("v", driver_opts="o=size=1m"),
            TypeError,
            "driver_opts must be a mapping",
        ),
        (lambda d: d.volumes.inspect(""), ValueError, "volume name must not be empty"),
        (lambda d: d.volumes.inspect(Volume()), ValueError, "has no name"),
        (lambda d: d.volumes.remove("v", force="yes"), TypeError, "force must be True or False"),
        (lambda d: d.volumes.list(filters=["label=a"]), TypeError, "filters must be a mapping"),
        (lambda d: d.volumes.prune(filters={"label": 5}), TypeError, "filter 'label'"),
    ],
)
async def test_bad_input_fails_before_sending(
    call: Any, error: type[Exception], words: str
) -> None:
    engine = Engine()
    async with client(engine) as docker:
        with pytest.raises(error, match=words):
            await call(docker)
    assert engine.requests == []


async def test_list_with_nulls_gives_empty_lists() -> None:
    engine = Engine(
        {("GET", "/v1.41/volumes"): httpx.Response(200, json={"Volumes": None, "Warnings": None})}
    )
    async with client(engine) as docker:
        listing = await docker.volumes.list(filters={"label": "app=web", "dangling": "true"})
    assert listing == VolumeList(volumes=[], warnings=[])
    assert json.loads(engine.requests[0].url.params["filters"]) == {
        "label": ["app=web"],
        "dangling": ["true"],
    }


async def test_list_keeps_warnings() -> None:
    engine = Engine(
        {
            ("GET", "/v1.41/volumes"): httpx.Response(
                200, json={"Volumes": [VOLUME], "Warnings": ["driver nfs did not answer"]}
            )
        }
    )
    async with client(engine) as docker:
        listing = await docker.volumes.list()
    assert [v.name for v in listing.volumes] == ["web-data"]
    assert listing.warnings == ["driver nfs did not answer"]
    assert "filters" not in engine.requests[0].url.params


async def test_remove_force_query_and_missing_volume() -> None:
    engine = Engine({("DELETE", "/v1.41/volumes/web-data"): httpx.Response(204)})
    async with client(engine) as docker:
        await docker.volumes.remove("web-data", force=True)
        await docker.volumes.remove(Volume(name="web-data"))
        # An engine that answers 404 even with force: still quiet.
        await docker.volumes.remove("gone", force=True)
        with pytest.raises(NotFound, match="no such volume"):
            await docker.volumes.remove("gone")
    assert [dict(r.url.params) for r in engine.requests[:2]] == [{"force": "1"}, {}]


async def test_remove_in_use_is_a_conflict_even_with_force() -> None:
    message = "remove web-data: volume is in use - [c0ffee]"
    engine = Engine(
        {("DELETE", "/v1.41/volumes/web-data"): httpx.Response(409, json={"message": message})}
    )
    async with client(engine) as docker:
        with pytest.raises(Conflict) as info:
            await docker.volumes.remove("web-data", force=True)
    assert info.value.message == message


async def test_prune_report() -> None:
    engine = Engine(
        {
            ("POST", "/v1.41/volumes/prune"): httpx.Response(
                200, json={"VolumesDeleted": ["a", "b"], "SpaceReclaimed": 8192}
            )
        }
    )
    async with client(engine) as docker:
        report = await docker.volumes.prune(filters={"label": "app=web"})
    assert report == VolumePruneReport(volumes_deleted=["a", "b"], space_reclaimed=8192)
    assert json.loads(engine.requests[0].url.params["filters"]) == {"label": ["app=web"]}


def test_prune_report_with_nulls() -> None:
    report = VolumePruneReport.model_validate({"VolumesDeleted": None, "SpaceReclaimed": None})
    assert report.volumes_deleted == [] and report.space_reclaimed == 0
