"""The system API and the connection, against the real engine."""

from __future__ import annotations

import socket
from pathlib import Path

import anyio
import httpx
import pytest

from aiodock import (
    APIVersionError,
    Docker,
    EngineUnavailable,
    NotFound,
)
from tests.helpers import (
    LABEL_KEY,
    LABELS,
    RUN_ID,
    CountingTransport,
    ping_api_version,
    version_tuple,
)


async def test_ping(docker: Docker, engine: str, podman: bool) -> None:
    info = await docker.ping()
    assert info.api_version == ping_api_version(engine)
    if podman:  # no OSType header; Docker-Experimental: true; Builder-Version empty
        assert info.os_type is None and info.experimental is True
        assert info.builder_version is None
        return
    assert info.os_type == "linux"
    assert info.experimental is False


async def test_negotiated_version_is_the_engines_own(
    docker: Docker, engine: str, api_version: str, podman: bool
) -> None:
    version = await docker.system.version()
    assert version.api_version == ping_api_version(engine)
    assert docker.api_version == api_version  # the engine's, up to the newest aiodock speaks
    assert version.version and version.os == "linux"
    assert version.components
    assert version.components[0].name == ("Podman Engine" if podman else "Engine")
    assert docker._api.podman is podman


async def test_info_and_df(docker: Docker, test_image: str) -> None:
    info = await docker.system.info()
    assert info.server_version and info.os_type == "linux"
    assert isinstance(info.containers, int)
    assert info.driver
    df = await docker.system.df()
    assert df.layers_size is not None
    assert df.images is not None
    assert any(test_image in (image.repo_tags or []) for image in df.images)


async def test_hundred_concurrent_first_calls_send_one_ping(engine: str, api_version: str) -> None:
    counting = CountingTransport(httpx.AsyncHTTPTransport(uds=engine))
    docker = Docker(f"unix://{engine}", transport=counting, env={})
    async with anyio.create_task_group() as tg:
        for _ in range(100):
            tg.start_soon(docker.system.version)
    await docker.close()
    assert counting.paths["/_ping"] == 1
    assert counting.paths[f"/v{api_version}/version"] == 100


async def test_pinned_version_above_engine_maximum(engine: str) -> None:
    own = ping_api_version(engine)
    major, minor = version_tuple(own)
    pinned = f"{major}.{minor + 3}"  # 1.44 on dockerd 20.10 (1.41), 1.48 on 26.1 (1.45)
    counting = CountingTransport(httpx.AsyncHTTPTransport(uds=engine))
    async with Docker(f"unix://{engine}", api_version=pinned, env={}, transport=counting) as docker:
        # a pinned client sends no ping: the first answer's Api-Version tells
        # (dockerd refuses the version itself; Podman would answer as its own)
        with pytest.raises(APIVersionError) as info:
            await docker.system.version()
        with pytest.raises(APIVersionError, match="is newer"):
            await docker.system.info()  # refused here, before anything is sent
    assert info.value.status is None
    assert f"API version {pinned} (from api_version argument) is newer" in info.value.message
    assert own in info.value.message
    assert dict(counting.paths) == {f"/v{pinned}/version": 1}


async def test_pinned_version_the_engine_has(engine: str, api_version: str) -> None:
    async with Docker(f"unix://{engine}", api_version="1.41", env={}) as docker:
        assert (await docker.system.version()).api_version == ping_api_version(engine)
        assert docker.api_version == "1.41"


@pytest.mark.api_below("1.42")
async def test_option_the_version_lacks_is_refused(docker: Docker, api_version: str) -> None:
    with pytest.raises(APIVersionError, match=rf"needs API version 1\.42.*speaks {api_version}"):
        await docker.system.df(types=["image"])


@pytest.mark.api("1.42")
async def test_df_types_where_the_engine_has_them(docker: Docker, test_image: str) -> None:
    df = await docker.system.df(types=["image"])
    assert df.images is not None
    assert any(test_image in (image.repo_tags or []) for image in df.images)
    assert not df.containers and not df.volumes


async def test_missing_socket_path(tmp_path: Path) -> None:
    path = tmp_path / "nothing-here.sock"
    with pytest.raises(EngineUnavailable) as info:
        async with Docker(f"unix://{path}", env={}):
            pass
    err = info.value
    assert err.address == str(path)
    assert err.source == "argument"
    assert "No such file or directory" in err.reason
    assert str(path) in str(err)


async def test_socket_file_with_nobody_listening(tmp_path: Path) -> None:
    path = tmp_path / "dead.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()
    with pytest.raises(EngineUnavailable) as info:
        await Docker(env={"DOCKER_HOST": f"unix://{path}"}).ping()
    assert "Connection refused" in info.value.reason
    assert info.value.source == "DOCKER_HOST"
    assert str(path) in str(info.value)


async def test_not_found_names_the_object(docker: Docker) -> None:
    with pytest.raises(NotFound, match="no-such-container-" + RUN_ID):
        await docker._api.request("GET", f"/containers/no-such-container-{RUN_ID}/json")


async def test_events_see_create_and_destroy(docker: Docker, test_image: str) -> None:
    filters = {"type": "container", "label": f"{LABEL_KEY}={RUN_ID}"}
    async with docker.system.events(filters=filters) as events:
        created = await docker._api.get(
            dict,
            "/containers/create",
            method="POST",
            json={"Image": test_image, "Cmd": ["true"], "Labels": LABELS},
        )
        container_id = created["Id"]
        await docker._api.request("DELETE", f"/containers/{container_id}")
        seen: list[str] = []
        gone = "remove" if docker._api.podman else "destroy"  # Podman's word for it
        with anyio.fail_after(30):
            async for event in events:
                assert event.actor is not None
                if event.actor.id == container_id:
                    seen.append(event.action or "")
                if gone in seen:
                    break
    assert seen[0] == "create" and seen[-1] == gone
    assert events.response.is_closed


async def test_events_with_until_end_by_themselves(docker: Docker) -> None:
    import time

    now = time.time()
    with anyio.fail_after(20):
        events = await docker.system.events(
            since=now - 1, until=now + 1, filters={"label": f"{LABEL_KEY}=none-{RUN_ID}"}
        )
    assert events == []
