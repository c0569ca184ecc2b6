"""The request path against httpx.MockTransport: what a real engine cannot
be made to answer on demand (versions it does not speak, odd bodies)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import anyio
import httpx
import pytest

from aiodock import (
    APIVersionError,
    ConnectionLost,
    Docker,
    DockerTimeout,
    EngineUnavailable,
    NotFound,
    ServerError,
    StreamError,
    __version__,
)
from tests.fakes import FakeEngine, client

Handler = Callable[[httpx.Request], httpx.Response]


def page_not_found(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, json={"message": f"page not found: {request.url.path}"})


def engine(
    api_version: str = "1.41",
    routes: dict[str, Handler] | None = None,
    seen: Counter[str] | None = None,
) -> httpx.MockTransport:
    fake = FakeEngine(
        routes,
        api_version=api_version,
        ping_headers={"OSType": "linux", "Docker-Experimental": "false"},
        missing=page_not_found,
    )
    if seen is not None:
        fake.seen = seen
    return fake.transport()


async def test_negotiation_happens_once_under_concurrency() -> None:
    seen: Counter[str] = Counter()
    routes = {"/v1.41/version": lambda r: httpx.Response(200, json={"Version": "20.10"})}
    docker = client(engine(seen=seen, routes=routes))
    async with anyio.create_task_group() as tg:
        for _ in range(100):
            tg.start_soon(docker.system.version)
    assert seen["/_ping"] == 1
    assert seen["/v1.41/version"] == 100
    assert docker.api_version == "1.41"
    await docker.close()


async def test_newer_engine_is_spoken_to_at_our_maximum() -> None:
    seen: Counter[str] = Counter()
    routes = {"/v1.55/info": lambda r: httpx.Response(200, json={"ID": "x"})}
    async with client(engine("1.99", routes, seen)) as docker:
        assert docker.api_version == "1.55"
        assert (await docker.system.info()).id == "x"


async def test_older_engine_is_refused_with_both_numbers() -> None:
    with pytest.raises(APIVersionError) as info:
        async with client(engine("1.40")):
            pass
    assert "1.40" in str(info.value) and "1.41" in str(info.value)


async def test_pinned_version_skips_negotiation() -> None:
    seen: Counter[str] = Counter()
    routes = {"/v1.44/version": lambda r: httpx.Response(200, json={"ApiVersion": "1.44"})}
    docker = client(engine(routes=routes, seen=seen), api_version="1.44")
    assert docker.api_version == "1.44"
    await docker.system.version()
    assert seen["/_ping"] == 0
    await docker.close()


def test_docker_api_version_env_pins_and_is_checked() -> None:
    transport = engine()
    docker = Docker("unix:///x.sock", transport=transport, env={"DOCKER_API_VERSION": "1.43"})
    assert docker.api_version == "1.43"
    with pytest.raises(APIVersionError, match="DOCKER_API_VERSION"):
        Docker("unix:///x.sock", transport=transport, env={"DOCKER_API_VERSION": "1.2"})
    with pytest.raises(APIVersionError, match=r"1\.41 to 1\.55"):
        Docker("unix:///x.sock", transport=transport, env={}, api_version="1.99")


def test_api_version_before_negotiation_explains() -> None:
    docker = client(engine())
    with pytest.raises(RuntimeError, match="negotiated on first use"):
        _ = docker.api_version


async def test_user_agent_and_json_body() -> None:
    captured: list[httpx.Request] = []

    def auth(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200, json={"Status": "Login Succeeded"})

    from aiodock import RegistryAuth

    async with client(engine(routes={"/v1.41/auth": auth})) as docker:
        result = await docker.system.login(RegistryAuth(username="u", password="p"))
    assert result.status == "Login Succeeded"
    request = captured[0]
    assert request.headers["User-Agent"] == f"aiodock/{__version__}"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"username": "u", "password": "p"}


async def test_error_bodies_in_json_and_plain_text() -> None:
    routes = {
        "/v1.41/info": lambda r: httpx.Response(500, text="<html>bad gateway</html>"),
        "/v1.41/version": lambda r: httpx.Response(404, json={"message": "no such thing"}),
    }
    async with client(engine(routes=routes)) as docker:
        with pytest.raises(ServerError, match="bad gateway"):
            await docker.system.info()
        with pytest.raises(NotFound, match="no such thing"):
            await docker.system.version()


async def test_unexpected_shape_is_a_docker_error() -> None:
    routes = {"/v1.41/version": lambda r: httpx.Response(200, json=["not", "an", "object"])}
    async with client(engine(routes=routes)) as docker:
        with pytest.raises(Exception) as info:
            await docker.system.version()
    assert "unexpected answer" in str(info.value)


async def test_events_query_and_error_inside_stream() -> None:
    seen_query: list[str] = []

    def events(request: httpx.Request) -> httpx.Response:
        seen_query.append(str(request.url.params))
        body = (
            b'{"Type":"container","Action":"create","Actor":{"ID":"a"},"time":1}\n'
            b'{"error":"engine melted","errorDetail":{"message":"engine melted","code":7}}\n'
        )
        return httpx.Response(200, content=body)

    async with client(engine(routes={"/v1.41/events": events})) as docker:
        received = []
        with pytest.raises(StreamError, match="engine melted") as info:
            async for event in docker.system.events(
                since=5, until=10.5, filters={"type": "container"}
            ):
                received.append(event)
        assert info.value.code == 7
        assert [e.action for e in received] == ["create"]
        assert received[0].actor is not None and received[0].actor.id == "a"
    params = httpx.QueryParams(seen_query[0])
    assert params["since"] == "5" and params["until"] == "10.500000000"
    assert json.loads(params["filters"]) == {"type": ["container"]}


async def test_transport_failures_become_docker_errors() -> None:
    def raiser(exc: Exception) -> Handler:
        def handle(request: httpx.Request) -> httpx.Response:
            raise exc

        return handle

    cases: list[tuple[Exception, type[Exception]]] = [
        (httpx.ConnectError("[Errno 111] Connection refused"), EngineUnavailable),
        (httpx.ReadTimeout("slow"), DockerTimeout),
        (httpx.RemoteProtocolError("garbage"), ConnectionLost),
        (httpx.ReadError("reset"), ConnectionLost),
    ]
    for exc, expected in cases:
        docker = client(httpx.MockTransport(raiser(exc)), api_version="1.41")
        with pytest.raises(expected):
            await docker.system.info()
        await docker.close()


async def test_closed_client_says_so() -> None:
    docker = client(engine())
    await docker.close()
    with pytest.raises(Exception, match="closed"):
        await docker.system.info()


async def test_connect_reasons_name_the_os_error() -> None:
    def denied(request: httpx.Request) -> httpx.Response:
        try:
            raise PermissionError(13, "Permission denied")
        except PermissionError as exc:
            raise httpx.ConnectError("connect failed") from exc

    docker = client(denied, host="unix:///run/private/docker.sock")
    with pytest.raises(EngineUnavailable) as info:
        await docker.ping()
    assert info.value.reason == "Permission denied (EACCES)"
    assert "/run/private/docker.sock" in str(info.value)
    assert "argument" in str(info.value)
    await docker.close()


async def test_an_httpx_transport_gets_the_head_the_own_transport_sends() -> None:
    fake = FakeEngine(
        {
            ("POST", "/v1.41/containers/create"): httpx.Response(201, json={"Id": "c"}),
            ("POST", "/v1.41/containers/x%2Fy/start"): httpx.Response(204),
        }
    )
    async with client(fake) as docker:
        await docker.containers.create("busybox", name="web-1", labels={"a": "b c"})
        await docker.containers.start("x/y")
    create, start = fake.requests
    assert create.url.raw_path == b"/v1.41/containers/create?name=web-1"
    names = [name for name, _ in create.headers.raw]
    assert names == [b"Host", b"User-Agent", b"Content-Type", b"Content-Length"]
    assert create.headers["User-Agent"] == f"aiodock/{__version__}"
    assert create.headers["Content-Length"] == str(len(fake.bodies[0]))
    assert start.url.raw_path == b"/v1.41/containers/x%2Fy/start"
    assert [name for name, _ in start.headers.raw] == [b"Host", b"User-Agent", b"Content-Length"]
    assert start.headers["Content-Length"] == "0"
