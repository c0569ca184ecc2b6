"""What newer engines offer, on both sides of the version each needs.

Each option is sent as the engine takes it when the negotiated version has
it, and refused (:class:`APIVersionError`, naming it and both versions)
before anything is sent when it does not.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from aiodock import APIVersionError, Docker
from tests.fakes import FakeEngine

pytestmark = pytest.mark.anyio

PUSHED = {"status": "1: digest: sha256:" + "a" * 64 + " size: 527"}
LOADED = {"stream": "Loaded image: app:1\n"}


def answers(request: httpx.Request) -> httpx.Response:
    path, method = request.url.path, request.method
    if path.endswith("/networks/create"):
        return httpx.Response(201, json={"Id": "n" * 64})
    if path.endswith("/exec"):
        return httpx.Response(201, json={"Id": "e" * 64})
    if path.endswith("/push"):
        return httpx.Response(200, content=json.dumps(PUSHED).encode() + b"\n")
    if path.endswith("/images/load"):
        return httpx.Response(200, content=json.dumps(LOADED).encode() + b"\n")
    if path.endswith("/images/create"):
        lines = [
            {"status": "Pulling from team/app", "id": "1"},
            {"status": "Pulling from team/app", "id": "2"},
            {"status": "sha256:" + "b" * 64},
        ]
        return httpx.Response(200, content=b"".join(json.dumps(x).encode() + b"\n" for x in lines))
    if path.endswith("/get"):
        return httpx.Response(200, content=b"tar bytes")
    if method == "DELETE" or path.endswith(("/history", "/images/json")):
        return httpx.Response(200, json=[])
    if path.endswith(("/stop", "/restart", "/connect")):
        return httpx.Response(204)
    return httpx.Response(200, json={})


def engine(version: str) -> FakeEngine:
    return FakeEngine(api_version=version, missing=answers)


Call = Callable[[Docker], Awaitable[Any]]

LINUX_ARM = '{"os":"linux","architecture":"arm64"}'

# (name, call, first version, the query the engine gets, or the body keys)
QUERY_CASES: list[tuple[str, Call, str, dict[str, list[str]]]] = [
    (
        "list shared_size",
        lambda d: d.images.list(shared_size=True),
        "1.42",
        {"shared-size": ["1"]},
    ),
    ("list manifests", lambda d: d.images.list(manifests=True), "1.47", {"manifests": ["1"]}),
    ("list identity", lambda d: d.images.list(identity=True), "1.54", {"identity": ["1"]}),
    (
        "inspect manifests",
        lambda d: d.images.inspect("app:1", manifests=True),
        "1.48",
        {"manifests": ["1"]},
    ),
    (
        "inspect platform",
        lambda d: d.images.inspect("app:1", platform="linux/arm64"),
        "1.49",
        {"platform": [LINUX_ARM]},
    ),
    (
        "history platform",
        lambda d: d.images.history("127.0.0.1:5000/team/app:1", platform="linux/arm64"),
        "1.48",
        {"platform": [LINUX_ARM]},
    ),
    (
        "save platform",
        lambda d: d.images.save("app:1", platform="linux/arm64"),
        "1.48",
        {"platform": [LINUX_ARM]},
    ),
    (
        "save platforms",
        lambda d: d.images.save("app:1", platform=["linux/arm64", "linux/amd64"]),
        "1.52",
        {"platform": [LINUX_ARM, '{"os":"linux","architecture":"amd64"}']},
    ),
    (
        "load platform",
        lambda d: d.images.load(b"tar", platform="linux/arm64/v8"),
        "1.48",
        {"platform": ['{"os":"linux","architecture":"arm64","variant":"v8"}']},
    ),
    (
        "push platform",
        lambda d: d.images.push("127.0.0.1:5000/team/app:1", platform="linux/arm64"),
        "1.46",
        {"tag": ["1"], "platform": [LINUX_ARM]},
    ),
    (
        "delete platforms",
        lambda d: d.images.remove("app:1", platforms=["linux/arm64"]),
        "1.50",
        {"platforms": [LINUX_ARM]},
    ),
    (
        "build prune reserved_space",
        lambda d: d.images.prune_builds(reserved_space=1, max_used_space=2, min_free_space=3),
        "1.48",
        {"reserved-space": ["1"], "max-used-space": ["2"], "min-free-space": ["3"]},
    ),
    (
        "stop signal",
        lambda d: d.containers.stop("box", signal="SIGINT"),
        "1.42",
        {"signal": ["SIGINT"]},
    ),
]


def older(version: str) -> str:
    major, minor = version.split(".")
    return f"{major}.{int(minor) - 1}"


@pytest.mark.parametrize(
    ("call", "since", "query"),
    [case[1:] for case in QUERY_CASES],
    ids=[case[0] for case in QUERY_CASES],
)
async def test_a_newer_query_option_on_both_sides_of_its_version(
    call: Call, since: str, query: dict[str, list[str]]
) -> None:
    before = engine(older(since))
    with pytest.raises(APIVersionError) as caught:
        await call(before.client())
    assert f"needs API version {since}" in str(caught.value)
    assert f"speaks {older(since)}" in str(caught.value)
    assert before.requests == [] and set(before.seen) == {"/_ping"}

    after = engine(since)
    await call(after.client())
    sent = after.requests[0].url.params
    for key, values in query.items():
        assert sent.get_list(key) == values, key


async def test_defaults_send_none_of_the_newer_options() -> None:
    old = engine("1.41")
    docker = old.client()
    await docker.images.list()
    await docker.images.inspect("app:1")
    await docker.images.history("app:1")
    await docker.images.save("app:1")
    await docker.images.load(b"tar")
    await docker.images.push("127.0.0.1:5000/app:1")
    await docker.images.remove("app:1")
    await docker.images.prune_builds()
    await docker.system.df()
    newer = {"shared-size", "manifests", "identity", "platform", "platforms", "verbose"}
    for request in old.requests:
        assert not newer & set(request.url.params), request.url


async def test_stop_and_restart_never_kill_with_minus_one() -> None:
    fake = engine("1.41")
    docker = fake.client()
    await docker.containers.stop("box", timeout=-1)
    await docker.containers.restart("box", timeout=-1)
    assert [r.url.params["t"] for r in fake.requests] == ["-1", "-1"]
    for bad in (-2, -0.5):
        with pytest.raises(ValueError, match="timeout"):
            await docker.containers.stop("box", timeout=bad)


async def test_network_create_scope_config_only_and_config_from() -> None:
    fake = engine("1.41")
    docker = fake.client()
    await docker.networks.create("cfg", config_only=True, scope="local")
    await docker.networks.create("net", config_from="cfg")
    bodies = [fake.body(i) for i, r in enumerate(fake.requests) if r.method == "POST"]
    assert bodies[0]["ConfigOnly"] is True and bodies[0]["Scope"] == "local"
    assert bodies[1]["ConfigFrom"] == {"Network": "cfg"}
    assert "ConfigOnly" not in bodies[1] and "EnableIPv4" not in bodies[1]
    with pytest.raises(ValueError, match="scope"):
        await docker.networks.create("x", scope="galaxy")


async def test_network_create_enable_ipv4_needs_1_48() -> None:
    # The version history's 1.48, not v1.47.yaml's (CORRECTIONS in the generator)
    before = engine("1.47")
    with pytest.raises(APIVersionError, match=r"enable_ipv4.*1\.48.*speaks 1\.47"):
        await before.client().networks.create("n", enable_ipv4=False)
    assert before.requests == []
    after = engine("1.48")
    await after.client().networks.create("n", enable_ipv4=False)
    assert after.body(0)["EnableIPv4"] is False


async def test_network_connect_gw_priority_needs_1_48() -> None:
    before = engine("1.47")
    with pytest.raises(APIVersionError, match=r"gw_priority.*1\.48.*speaks 1\.47"):
        await before.client().networks.connect("net", "box", gw_priority=10)
    assert before.requests == []
    after = engine("1.48")
    await after.client().networks.connect("net", "box", gw_priority=-5)
    assert after.body(0)["EndpointConfig"] == {"GwPriority": -5}
    with pytest.raises(TypeError, match="gw_priority"):
        await after.client().networks.connect("net", "box", gw_priority=True)


async def test_exec_session_console_size_needs_1_42() -> None:
    before = engine("1.41")
    with pytest.raises(APIVersionError, match=r"console_size.*1\.42.*speaks 1\.41"):
        async with before.client().execs.session("box", ["sh"], tty=True, console_size=(5, 7)):
            pass
    assert before.requests == []


async def test_exec_session_sends_detach_keys_and_console_size() -> None:
    after = engine("1.42")
    async with after.client().execs.session(
        "box", ["sh"], tty=True, detach_keys="ctrl-x", console_size=(5, 7)
    ):
        pass
    body = after.body(0)
    assert body["DetachKeys"] == "ctrl-x" and body["ConsoleSize"] == [5, 7]


async def test_df_asks_for_the_lists_where_the_engine_needs_asking() -> None:
    old = engine("1.51")
    await old.client().system.df()
    assert "verbose" not in old.requests[0].url.params
    new = engine("1.52")
    await new.client().system.df()
    assert new.requests[0].url.params["verbose"] == "1"
    await new.client().system.df(verbose=False)
    assert "verbose" not in new.requests[1].url.params


async def test_df_fills_the_lists_from_the_newer_usage_items() -> None:
    usage = {
        "ImageUsage": {"TotalCount": 1, "Items": [{"Id": "sha256:" + "c" * 64, "Size": 5}]},
        "VolumeUsage": {"TotalCount": 1, "Items": [{"Name": "v", "Driver": "local"}]},
    }
    fake = FakeEngine({"/v1.53/system/df": httpx.Response(200, json=usage)}, api_version="1.53")
    found = await fake.client().system.df()
    assert found.images is not None and found.images[0].size == 5
    assert found.volumes is not None and found.volumes[0].name == "v"
    assert found.containers is None and found.images_usage is not None


async def test_push_and_pull_of_all_tags_send_no_tag() -> None:
    fake = engine("1.41")
    docker = fake.client()
    await docker.images.push("127.0.0.1:5000/team/app", all_tags=True)
    assert "tag" not in fake.requests[-1].url.params
    image = await docker.images.pull("127.0.0.1:5000/team/app", all_tags=True)
    pull = next(r for r in fake.requests if r.url.path.endswith("/images/create"))
    assert pull.url.params["fromImage"] == "127.0.0.1:5000/team/app"
    assert "tag" not in pull.url.params
    assert fake.requests[-1].url.path.endswith("/images/127.0.0.1:5000/team/app:2/json")
    assert image is not None
    for call in (
        lambda: docker.images.push("127.0.0.1:5000/team/app:1", all_tags=True),
        lambda: docker.images.pull("127.0.0.1:5000/team/app", tag="1", all_tags=True),
    ):
        with pytest.raises(ValueError, match="all_tags"):
            await call()


async def test_import_from_a_url_sends_no_body() -> None:
    fake = engine("1.41")
    await fake.client().images.import_image("https://example.invalid/rootfs.tar", repo="mini:1")
    request = fake.requests[0]
    assert request.url.params["fromSrc"] == "https://example.invalid/rootfs.tar"
    assert request.url.params["repo"] == "mini:1"
    assert fake.bodies[0] == b""


async def test_keep_storage_goes_by_the_name_the_version_takes() -> None:
    for version, key in (
        ("1.41", "keep-storage"),
        ("1.47", "keep-storage"),
        ("1.52", "reserved-space"),
    ):
        fake = engine(version)
        await fake.client().images.prune_builds(keep_storage=1000)
        params = fake.requests[0].url.params
        assert params[key] == "1000" and len(params) == 1, (version, params)
    with pytest.raises(ValueError, match="one setting"):
        await engine("1.48").client().images.prune_builds(keep_storage=1, reserved_space=2)
