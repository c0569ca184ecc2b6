"""What aiodock makes of Podman's differences, on a fake engine that answers
as Podman 4.3's Docker-compatible service does (the integration suite runs
the same against a real Podman: docs/engines.md)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from aiodock import APIVersionError, InvalidResponse, NotFound, UnsupportedOperation
from aiodock._labels import label_match, needs_client_side, split_label_filters
from aiodock._podman import image_id, image_name, top
from aiodock.models import ContainerTop
from tests.fakes import FakeEngine

PODMAN_PING = {"Libpod-Api-Version": "4.3.1", "Server": "Libpod/4.3.1 (linux)"}
DIGEST = "104abe2c" * 8


def podman(routes: dict[Any, Any]) -> FakeEngine:
    return FakeEngine(routes, ping_headers=PODMAN_PING)


def volume(name: str, **labels: str) -> dict[str, Any]:
    return {"Name": name, "Driver": "local", "Mountpoint": f"/v/{name}", "Labels": labels}


# -- label filters ----------------------------------------------------------


def test_label_filters_are_anded_here() -> None:
    match = label_match({"label": ["a", "b=1"], "label!": ["old"]})
    assert match({"a": "", "b": "1"})
    assert not match({"a": "", "b": "2"}) and not match({"b": "1"}) and not match(None)
    assert not match({"a": "", "b": "1", "old": "yes"})
    assert not needs_client_side({"label": "a"}) and not needs_client_side(None)
    assert needs_client_side({"label": ["a", "b"]}) and needs_client_side(
        {"label": "a", "label!": "b"}
    )
    sent, _ = split_label_filters({"label": ["a", "b"], "label!": "c", "dangling": "true"})
    assert sent == {"label": ["a"], "dangling": "true"}


async def test_volume_prune_with_two_labels_removes_only_what_has_both() -> None:
    listed = [volume("both", a="1", b="1"), volume("only-a", a="1")]
    engine = podman(
        {
            ("GET", "/v1.41/volumes"): httpx.Response(200, json={"Volumes": listed}),
            ("DELETE", "/v1.41/volumes/both"): httpx.Response(204),
        }
    )
    async with engine.client() as docker:
        report = await docker.volumes.prune(filters={"label": ["a=1", "b=1"]})
    assert report.volumes_deleted == ["both"]
    sent = [(r.method, r.url.path) for r in engine.requests]
    assert sent == [("GET", "/v1.41/volumes"), ("DELETE", "/v1.41/volumes/both")]
    # one label sent (the engine would OR two), and only unused volumes
    assert json.loads(engine.requests[0].url.params["filters"]) == {
        "label": ["a=1"],
        "dangling": ["true"],
    }


async def test_one_label_is_left_to_podman_and_dockerd_gets_them_all() -> None:
    prune = httpx.Response(200, json={"VolumesDeleted": ["x"], "SpaceReclaimed": 1})
    engine = podman({("POST", "/v1.41/volumes/prune"): prune})
    async with engine.client() as docker:
        await docker.volumes.prune(filters={"label": "a=1"})
    assert [r.url.path for r in engine.requests] == ["/v1.41/volumes/prune"]
    dockerd = FakeEngine({("POST", "/v1.41/volumes/prune"): prune})
    async with dockerd.client() as docker:
        await docker.volumes.prune(filters={"label": ["a=1", "b=1"]})
    assert json.loads(dockerd.requests[0].url.params["filters"]) == {"label": ["a=1", "b=1"]}


async def test_image_list_and_prune_with_two_labels() -> None:
    images = [
        {"Id": f"sha256:{'a' * 64}", "RepoTags": None, "Labels": {"x": "1", "y": "1"}, "Size": 5},
        {"Id": f"sha256:{'b' * 64}", "RepoTags": None, "Labels": {"x": "1"}, "Size": 7},
    ]
    engine = podman(
        {
            ("GET", "/v1.41/images/json"): httpx.Response(200, json=images),
            ("DELETE", f"/v1.41/images/sha256:{'a' * 64}"): httpx.Response(
                200, json=[{"Deleted": f"sha256:{'a' * 64}"}]
            ),
        }
    )
    async with engine.client() as docker:
        listed = await docker.images.list(filters={"label": ["x=1", "y=1"]})
        assert [image.id for image in listed] == [f"sha256:{'a' * 64}"]
        report = await docker.images.prune(filters={"label": ["x=1", "y=1"]})
    assert [item.deleted for item in report.images_deleted] == [f"sha256:{'a' * 64}"]
    assert report.space_reclaimed == 5
    prune_listing = engine.requests[1]
    assert json.loads(prune_listing.url.params["filters"]) == {
        "label": ["x=1"],
        "dangling": ["true"],
    }


# -- errors -----------------------------------------------------------------


async def test_a_missing_route_is_unsupported_not_a_missing_object() -> None:
    plain = httpx.Response(404, text="Not Found", headers={"Content-Type": "text/plain"})
    missing = httpx.Response(404, json={"message": "No such container: web"})
    engine = podman({"/v1.41/containers/web/update": plain, "/v1.41/containers/web/json": missing})
    async with engine.client() as docker:
        with pytest.raises(
            UnsupportedOperation, match="does not implement POST /containers/web/update"
        ):
            await docker.containers.update("web", memory=1 << 26)
        with pytest.raises(NotFound, match="No such container") as info:
            await docker.containers.inspect("web")
    assert not isinstance(info.value, UnsupportedOperation)
    assert isinstance(UnsupportedOperation(404, "x"), NotImplementedError)


async def test_a_pinned_version_newer_than_the_engines_is_refused() -> None:
    answers = httpx.Response(200, json={"Version": "4.3.1"}, headers={"Api-Version": "1.41"})
    engine = podman({"/v1.44/version": answers, "/v1.44/info": answers})
    async with engine.client(api_version="1.44") as docker:
        with pytest.raises(APIVersionError, match=r"1\.44 .* is newer than the engine's 1\.41"):
            await docker.system.version()
        with pytest.raises(APIVersionError, match="is newer"):  # refused before sending
            await docker.system.info()
    assert [r.url.path for r in engine.requests] == ["/v1.44/version"]


async def test_a_pinned_client_pings_before_a_prune_that_depends_on_the_engine() -> None:
    engine = podman({("GET", "/v1.41/volumes"): httpx.Response(200, json={"Volumes": []})})
    async with engine.client(api_version="1.41") as docker:
        await docker.volumes.prune(filters={"label": ["a", "b"]})
    assert engine.seen["/_ping"] == 1
    assert [r.url.path for r in engine.requests] == ["/v1.41/volumes"]


# -- shapes -----------------------------------------------------------------


def test_names_and_ids_in_dockerds_form() -> None:
    assert image_name("docker.io/library/busybox:1") == "busybox:1"
    assert image_name("docker.io/me/app@sha256:" + DIGEST) == "me/app@sha256:" + DIGEST
    assert image_name("localhost/app:1") == "localhost/app:1"
    assert (
        image_id(DIGEST) == f"sha256:{DIGEST}"
        and image_id(f"sha256:{DIGEST}") == f"sha256:{DIGEST}"
    )


def test_top_rows_are_split_into_columns() -> None:
    answer = ContainerTop(Titles=["PID   USER     COMMAND"], Processes=[["1 root     sleep 30 x"]])
    assert top(answer).rows() == [{"PID": "1", "USER": "root", "COMMAND": "sleep 30 x"}]


async def test_images_df_and_stats_come_out_as_dockerd_sends_them() -> None:
    summary = {
        "Id": f"sha256:{DIGEST}",
        "RepoTags": ["docker.io/probe/bb:1"],
        "RepoDigests": [f"docker.io/probe/bb@sha256:{DIGEST}"],
    }
    df = {"LayersSize": 0, "Images": [{"Id": DIGEST, "RepoTags": ["1"], "RepoDigests": None}]}
    stats = {"read": "2026-12-07T00:00:00Z", "name": "web", "memory_stats": {}}
    inspect = {"Id": "c" * 64, "Name": "/web"}
    engine = podman(
        {
            ("GET", "/v1.41/images/json"): httpx.Response(200, json=[summary]),
            ("GET", "/v1.41/system/df"): httpx.Response(200, json=df),
            ("GET", "/v1.41/containers/web/stats"): httpx.Response(200, json=stats),
            ("GET", "/v1.41/containers/web/json"): httpx.Response(200, json=inspect),
        }
    )
    async with engine.client() as docker:
        (image,) = await docker.images.list()
        assert image.repo_tags == ["probe/bb:1"]
        assert image.repo_digests == [f"probe/bb@sha256:{DIGEST}"]
        usage = await docker.system.df()
        assert usage.images is not None
        assert (usage.images[0].id, usage.images[0].repo_tags) == (
            f"sha256:{DIGEST}",
            ["probe/bb:1"],
        )
        sample = await docker.containers.stats("web", stream=False)
        assert (sample.id, sample.name) == ("c" * 64, "/web")


async def test_default_ps_asks_podman_for_paused_containers_too() -> None:
    engine = podman({("GET", "/v1.41/containers/json"): httpx.Response(200, json=[])})
    async with engine.client() as docker:
        await docker.containers.list()
        await docker.containers.list(filters={"status": "exited"})
    first, second = engine.requests
    assert first.url.params["all"] == "1"
    assert json.loads(first.url.params["filters"]) == {"status": ["running", "paused"]}
    assert second.url.params["all"] == "0"


async def test_refusals_before_anything_is_sent() -> None:
    engine = podman({})
    async with engine.client() as docker:
        with pytest.raises(UnsupportedOperation, match="configuration-only"):
            await docker.networks.create("cfg", config_only=True)
        with pytest.raises(UnsupportedOperation, match="every tag at once"):
            await docker.images.push("127.0.0.1:5000/app", all_tags=True)
        with pytest.raises(UnsupportedOperation, match="every tag at once"):
            await docker.images.pull("127.0.0.1:5000/app", all_tags=True)
    assert engine.requests == []


async def test_never_kill_is_sent_as_a_long_wait() -> None:
    engine = podman({("POST", "/v1.41/containers/web/stop"): httpx.Response(204)})
    async with engine.client() as docker:
        await docker.containers.stop("web", timeout=-1)
    assert engine.requests[0].url.params["t"] == str(2**31 - 1)


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (500, "container state improper", "Conflict"),
        (500, '"podman" has associated containers: network is being used', "Conflict"),
        (500, "default network podman cannot be removed", "Forbidden"),
        (404, "Path /v1.41/plugins is not supported", "UnsupportedOperation"),
        (404, "no such container", "NotFound"),
    ],
)
async def test_podmans_answers_get_dockerds_error_kinds(
    status: int, message: str, kind: str
) -> None:
    answer = httpx.Response(status, json={"message": message})
    engine = podman({"/v1.41/networks/x": answer})
    async with engine.client() as docker:
        with pytest.raises(Exception) as info:
            await docker.networks.remove("x")
    assert type(info.value).__name__ == kind


async def test_a_log_follow_opens_at_the_first_read() -> None:
    frame = b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n"
    engine = podman(
        {
            ("GET", "/v1.41/containers/web/logs"): httpx.Response(
                200, content=frame, headers={"Content-Type": "application/vnd.docker.raw-stream"}
            ),
            ("GET", "/v1.41/containers/web/json"): httpx.Response(
                200, json={"Id": "c" * 64, "Config": {"Tty": False}}
            ),
        }
    )
    async with engine.client() as docker, docker.containers.logs("web", follow=True) as logs:
        assert engine.requests == []  # nothing sent yet: Podman would not answer
        chunks = [chunk async for chunk in logs]
    assert [(c.stream, c.data) for c in chunks] == [("stdout", b"hi\n")]


async def test_podmans_transient_answers_are_asked_again() -> None:
    answers = iter(
        [
            httpx.Response(500, json={"message": "route ip+net: no such network interface"}),
            httpx.Response(201, json={"Id": "n" * 64}),
        ]
    )
    tops = iter(
        [
            httpx.Response(200, content=b""),
            httpx.Response(200, json={"Titles": ["PID CMD"], "Processes": [["1 sleep"]]}),
        ]
    )
    inspected = {"Id": "n" * 64, "Name": "net"}
    engine = podman(
        {
            ("POST", "/v1.41/networks/create"): lambda _: next(answers),
            ("GET", f"/v1.41/networks/{'n' * 64}"): httpx.Response(200, json=inspected),
            ("GET", "/v1.41/containers/web/top"): lambda _: next(tops),
        }
    )
    async with engine.client() as docker:
        assert (await docker.networks.create("net")).id == "n" * 64
        assert (await docker.containers.top("web")).rows() == [{"PID": "1", "CMD": "sleep"}]
    dockerd = FakeEngine({("GET", "/v1.41/containers/web/top"): httpx.Response(200, content=b"")})
    async with dockerd.client() as docker:
        with pytest.raises(InvalidResponse):  # asked once: dockerd does not do that
            await docker.containers.top("web")
    assert len(dockerd.requests) == 1
