"""What newer engines changed, against fakes of both sides: volume prune's
``all`` (API 1.42) and one-shot stats without ``id``/``name`` (Docker 26)."""

from __future__ import annotations

import json

import httpx
import pytest

from aiodock import APIVersionError
from tests.fakes import FakeEngine, no_requests

PRUNED = httpx.Response(200, json={"VolumesDeleted": ["named"], "SpaceReclaimed": 4096})


def prune_engine(version: str) -> FakeEngine:
    return FakeEngine({("POST", f"/v{version}/volumes/prune"): PRUNED}, api_version=version)


async def test_prune_all_sends_the_all_filter_from_1_42() -> None:
    engine = prune_engine("1.45")
    async with engine.client() as docker:
        report = await docker.volumes.prune(filters={"label": "app=web"}, all=True)
    assert report.volumes_deleted == ["named"]
    sent = json.loads(engine.requests[0].url.params["filters"])
    assert sent == {"label": ["app=web"], "all": ["true"]}


async def test_prune_all_alone_and_default() -> None:
    engine = prune_engine("1.42")
    async with engine.client() as docker:
        await docker.volumes.prune(all=True)
        await docker.volumes.prune()
    assert json.loads(engine.requests[0].url.params["filters"]) == {"all": ["true"]}
    assert "filters" not in engine.requests[1].url.params


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.volumes.prune(all=True),
        lambda d: d.volumes.prune(filters={"label": "a", "all": "true"}),
    ],
)
async def test_prune_all_is_refused_below_1_42_before_sending(call: object) -> None:
    engine = FakeEngine(missing=no_requests, api_version="1.41")
    async with engine.client() as docker:
        with pytest.raises(APIVersionError) as info:
            await call(docker)  # type: ignore[operator]
    message = str(info.value)
    assert "volumes.prune(all=...)" in message
    assert "1.42" in message and "1.41" in message
    assert engine.requests == []


async def test_prune_all_checks() -> None:
    engine = FakeEngine(missing=no_requests, api_version="1.45")
    async with engine.client() as docker:
        with pytest.raises(TypeError, match="all must be True or False"):
            await docker.volumes.prune(all="yes")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="conflicts"):
            await docker.volumes.prune(filters={"all": "false"}, all=True)
    assert engine.requests == []


SAMPLE = {"read": "2026-12-07T11:55:45Z", "memory_stats": {"usage": 4096}, "pids_stats": {}}
INSPECT = {"Id": "c0ffee" * 10 + "abcd", "Name": "/web", "State": {"Running": True}}


async def test_one_shot_stats_without_id_and_name_are_filled_in() -> None:
    engine = FakeEngine(
        {
            ("GET", "/v1.45/containers/web/stats"): httpx.Response(200, json=SAMPLE),
            ("GET", "/v1.45/containers/web/json"): httpx.Response(200, json=INSPECT),
        },
        api_version="1.45",
    )
    async with engine.client() as docker:
        sample = await docker.containers.stats("web", stream=False, one_shot=True)
    assert (sample.id, sample.name) == (INSPECT["Id"], "/web")
    assert sample.memory_stats is not None and sample.memory_stats.usage == 4096
    assert [r.url.path for r in engine.requests] == [
        "/v1.45/containers/web/stats",
        "/v1.45/containers/web/json",
    ]


async def test_stats_that_carry_id_and_name_need_no_inspect() -> None:
    full = {**SAMPLE, "id": "abc", "name": "/web"}
    engine = FakeEngine({("GET", "/v1.41/containers/web/stats"): httpx.Response(200, json=full)})
    async with engine.client() as docker:
        sample = await docker.containers.stats("web", stream=False, one_shot=True)
    assert (sample.id, sample.name) == ("abc", "/web")
    assert len(engine.requests) == 1


async def test_one_shot_stats_of_a_container_gone_since_keep_the_sample() -> None:
    engine = FakeEngine(
        {("GET", "/v1.45/containers/web/stats"): httpx.Response(200, json=SAMPLE)},
        api_version="1.45",
    )
    async with engine.client() as docker:
        sample = await docker.containers.stats("web", stream=False, one_shot=True)
    assert sample.id is None and sample.name is None
    assert sample.memory_stats is not None and sample.memory_stats.usage == 4096
