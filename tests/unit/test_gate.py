"""The version gate: what the negotiated API version lacks never leaves.

Every request passes one gate (:mod:`aiodock._gate`) built from the
generated table; these tests drive it through the client on a
:class:`~tests.fakes.FakeEngine`, so "refused before anything is sent"
means no request but ``/_ping`` reached the engine.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aiodock import APIVersionError
from aiodock._api_versions import BODY, OPERATIONS, QUERY
from aiodock._gate import LEFT_OUT, SEMANTICS, gate_for
from aiodock.models import HostConfig
from tests.fakes import FakeEngine

pytestmark = pytest.mark.anyio


def answers(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/containers/create"):
        return httpx.Response(201, json={"Id": "c" * 64, "Warnings": []})
    if request.url.path.endswith("/networks/create"):
        return httpx.Response(201, json={"Id": "n" * 64})
    return httpx.Response(200, json={})


def only_ping(fake: FakeEngine) -> None:
    assert fake.requests == []
    assert set(fake.seen) <= {"/_ping"}


async def test_a_newer_body_field_is_refused_before_anything_is_sent() -> None:
    fake = FakeEngine(api_version="1.41", missing=answers)
    docker = fake.client()
    config = HostConfig.model_validate(
        {"Mounts": [{"Type": "volume", "Source": "v", "Target": "/v"}]}
    )
    await docker.containers.create("img", host_config=config)  # fine on 1.41
    sent = len(fake.requests)
    newer = HostConfig.model_validate(
        {
            "Mounts": [
                {"Type": "volume", "Source": "v", "Target": "/v"},
                {
                    "Type": "volume",
                    "Source": "w",
                    "Target": "/w",
                    "VolumeOptions": {"Subpath": "sub"},
                },
            ]
        }
    )
    with pytest.raises(APIVersionError) as caught:
        await docker.containers.create("img", host_config=newer)
    message = str(caught.value)
    assert "host_config.mounts[].volume_options.subpath" in message
    assert "HostConfig.Mounts[].VolumeOptions.Subpath" in message
    assert "1.45" in message and "1.41" in message
    assert len(fake.requests) == sent


@pytest.mark.parametrize(
    ("field", "value", "since"),
    [
        ("HostConfig", {"Annotations": {"a": "b"}}, "1.43"),
        ("Healthcheck", {"Test": ["CMD", "true"], "StartInterval": 1_000_000}, "1.44"),
        ("HostConfig", {"Mounts": [{"Type": "image", "ImageOptions": {"Subpath": "x"}}]}, "1.48"),
    ],
)
async def test_create_body_fields_need_their_version(
    field: str, value: dict[str, Any], since: str
) -> None:
    old = FakeEngine(api_version="1.41", missing=answers)
    from aiodock.models import ContainerCreate

    config = ContainerCreate.model_validate({field: value})
    with pytest.raises(APIVersionError, match=rf"needs API version {since}.*speaks 1\.41"):
        await old.client().containers.create("img", config=config)
    only_ping(old)
    new = FakeEngine(api_version=since, missing=answers)
    await new.client().containers.create("img", config=config)
    assert new.last_body()[field] == value


async def test_a_newer_query_option_is_refused_with_both_versions() -> None:
    old = FakeEngine(api_version="1.41")
    with pytest.raises(APIVersionError, match=r"stop\(signal=...\) needs API version 1\.42"):
        await old.client().containers.stop("box", signal="SIGINT")
    only_ping(old)


def test_check_duplicate_is_left_out_from_1_44() -> None:
    body = {"Name": "n", "CheckDuplicate": True, "Driver": "bridge"}
    _params, sent = gate_for("1.43").check("POST", "/networks/create", None, body)
    assert sent is body
    _params, sent = gate_for("1.44").check("POST", "/networks/create", None, body)
    assert sent == {"Name": "n", "Driver": "bridge"}
    assert body["CheckDuplicate"] is True  # the caller's object is not changed
    assert gate_for("1.55").check("POST", "/networks/create", None, body)[1] == sent


async def test_network_create_sends_no_check_duplicate_to_1_44() -> None:
    for version, expected in (("1.41", True), ("1.44", False)):
        fake = FakeEngine(api_version=version, missing=answers)
        await fake.client().networks.create("n")
        assert ("CheckDuplicate" in fake.body(0)) is expected


def test_a_dropped_field_with_a_meaning_is_refused_not_left_out() -> None:
    gate = gate_for("1.52")
    with pytest.raises(APIVersionError, match=r"keep_storage.*dropped.*after version 1\.51"):
        gate.check("POST", "/build/prune", {"keep-storage": 10}, None)
    # None is "not given": it is never sent, so never refused.
    assert gate.check("POST", "/build/prune", {"keep-storage": None}, None)[0] == {
        "keep-storage": None
    }


def test_dropped_create_fields_the_engine_ignores_are_left_out() -> None:
    body = {"Image": "x", "HostConfig": {"KernelMemory": 1, "Memory": 2}}
    assert gate_for("1.41").check("POST", "/containers/create", None, body)[1] is body
    sent = gate_for("1.42").check("POST", "/containers/create", None, body)[1]
    assert sent == {"Image": "x", "HostConfig": {"Memory": 2}}


def test_maps_and_arrays_are_walked() -> None:
    body = {"NetworkingConfig": {"EndpointsConfig": {"net": {"GwPriority": 5}}}}
    with pytest.raises(APIVersionError, match=r"gw_priority.*1\.48.*speaks 1\.47"):
        gate_for("1.47").check("POST", "/containers/create", None, body)
    assert gate_for("1.48").check("POST", "/containers/create", None, body)[1] is body


def test_several_platforms_on_save_need_1_52() -> None:
    one = {"platform": ['{"os":"linux"}']}
    two = {"platform": ['{"os":"linux"}', '{"os":"windows"}']}
    assert gate_for("1.48").check("GET", "/images/busybox/get", one, None)[0] is one
    with pytest.raises(APIVersionError, match=r"several platforms on save.*1\.52"):
        gate_for("1.51").check("GET", "/images/busybox/get", two, None)
    assert gate_for("1.52").check("GET", "/images/busybox/get", two, None)[0] is two


def test_paths_pick_the_right_operation() -> None:
    gate = gate_for("1.41")
    # platform is fine on POST /images/create (1.41), not on GET /images/{name}/json (1.49)
    assert gate.check("POST", "/images/create", {"platform": "linux"}, None)
    with pytest.raises(APIVersionError, match="ImageInspect"):
        gate.check("GET", "/images/busybox%3A1/json", {"platform": "linux"}, None)
    # /images/json is the list, not the inspect of an image named "json"
    with pytest.raises(APIVersionError, match=r"shared_size.*1\.42"):
        gate.check("GET", "/images/json", {"shared-size": True}, None)
    # an unknown path or an unlisted option passes
    assert gate.check("GET", "/nowhere", {"x": 1}, None) == ({"x": 1}, None)


def test_every_gated_operation_is_found_from_its_path() -> None:
    import re

    checked = set()
    for version in ("1.41", "1.47", "1.55"):
        for method, entry in gate_for(version)._methods.items():
            for op in entry.ops:
                template = OPERATIONS[op.name][1]
                path = re.sub(r"\{[^}]+\}", "some-ref", template)
                found = next(o for o in entry.ops if o.pattern.fullmatch(path))
                assert found.name == op.name, f"{method} {path}: {found.name}, not {op.name}"
                checked.add(op.name)
    assert checked >= set(QUERY) | set(BODY) - {"ImageAttestations"}


def test_left_out_and_semantics_name_known_operations() -> None:
    for op, _key in LEFT_OUT:
        assert op in OPERATIONS
    for op in SEMANTICS:
        assert op in OPERATIONS


def test_the_gate_is_built_once_per_version() -> None:
    assert gate_for("1.41") is gate_for("1.41")
    assert gate_for("1.41") is not gate_for("1.45")


def test_nothing_is_gated_on_the_newest_version_but_what_was_dropped() -> None:
    gate = gate_for("1.55")
    for entry in gate._methods.values():
        for op in entry.ops:
            for rule in op.query.values():
                assert rule.last is not None


def test_an_image_mount_needs_1_48() -> None:
    image = {"HostConfig": {"Mounts": [{"Type": "image", "Source": "app:1", "Target": "/app"}]}}
    volume = {"HostConfig": {"Mounts": [{"Type": "volume", "Source": "v", "Target": "/v"}]}}
    assert gate_for("1.41").check("POST", "/containers/create", None, volume)[1] is volume
    with pytest.raises(APIVersionError, match=r"type 'image'.*1\.48.*speaks 1\.47"):
        gate_for("1.47").check("POST", "/containers/create", None, image)
    assert gate_for("1.48").check("POST", "/containers/create", None, image)[1] is image


async def test_an_image_mount_is_refused_before_anything_is_sent() -> None:
    fake = FakeEngine(api_version="1.45", missing=answers)
    config = HostConfig.model_validate(
        {"Mounts": [{"Type": "image", "Source": "app:1", "Target": "/app"}]}
    )
    with pytest.raises(APIVersionError, match=r"1\.48.*speaks 1\.45"):
        await fake.client().containers.create("img", host_config=config)
    only_ping(fake)
