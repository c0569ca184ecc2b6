"""Container options: checked before any request, and the wire form they
take (captured with httpx.MockTransport)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from aiodock import APIVersionError, Docker
from aiodock._check import signal
from aiodock.models import (
    ContainerCreate,
    EndpointSettings,
    HostConfig,
    Mount,
    NetworkingConfig,
    PortBinding,
    RestartPolicy,
)
from tests.fakes import FakeEngine, client


def container_answers(request: httpx.Request) -> httpx.Response:
    """What container calls expect: an id from create, warnings from update."""
    path = request.url.path
    if path.endswith("/containers/create"):
        return httpx.Response(201, json={"Id": "c" * 64, "Warnings": []})
    if path.endswith("/update"):
        return httpx.Response(200, json={"Warnings": []})
    return httpx.Response(204)


def engine(api_version: str = "1.41") -> FakeEngine:
    """Records every request; answers what container calls expect."""
    return FakeEngine(api_version=api_version, missing=container_answers)


@pytest.fixture
async def fake() -> FakeEngine:
    return engine()


Call = Callable[[Docker], Awaitable[Any]]

BAD_CALLS: list[tuple[str, Call, type[Exception], str]] = [
    (
        "name with a space",
        lambda d: d.containers.create("img", name="my box"),
        ValueError,
        "'my box'",
    ),
    ("one-letter name", lambda d: d.containers.create("img", name="a"), ValueError, "'a'"),
    ("name not a string", lambda d: d.containers.create("img", name=3), TypeError, "3"),  # type: ignore[arg-type]
    ("rename to a bad name", lambda d: d.containers.rename("box", "-x"), ValueError, "'-x'"),
    (
        "label value a number",
        lambda d: d.containers.create("img", labels={"n": 1}),  # type: ignore[dict-item]
        TypeError,
        "'n'",
    ),
    (
        "label in config a number",
        lambda d: d.containers.create(
            "img", config=ContainerCreate.model_construct(labels={"n": 2})
        ),
        TypeError,
        "'n'",
    ),
    (
        "env value a number",
        lambda d: d.containers.create("img", env={"A": 1}),
        TypeError,  # type: ignore[dict-item]
        "'A'",
    ),
    (
        "env entry not a string",
        lambda d: d.containers.create("img", env=["A=1", 2]),  # type: ignore[list-item]
        TypeError,
        "2",
    ),
    ("env as a string", lambda d: d.containers.create("img", env="A=1"), TypeError, "A=1"),
    (
        "env name with =",
        lambda d: d.containers.create("img", env={"A=B": "1"}),
        ValueError,
        "'A=B'",
    ),
    (
        "command not strings",
        lambda d: d.containers.create("img", ["echo", 1]),
        TypeError,  # type: ignore[list-item]
        "1",
    ),
    ("negative stop timeout", lambda d: d.containers.stop("box", timeout=-3), ValueError, "-3"),
    ("NaN stop timeout", lambda d: d.containers.stop("box", timeout=math.nan), ValueError, "nan"),
    (
        "negative restart timeout",
        lambda d: d.containers.restart("box", timeout=-0.5),
        ValueError,
        "-0.5",
    ),
    (
        "negative stop_timeout",
        lambda d: d.containers.create("img", stop_timeout=-3),
        ValueError,
        "-3",
    ),
    (
        "unknown kill signal",
        lambda d: d.containers.kill("box", signal="SIGNOPE"),
        ValueError,
        "'SIGNOPE'",
    ),
    ("signal number 0", lambda d: d.containers.kill("box", signal=0), ValueError, "0"),
    ("signal number 65", lambda d: d.containers.kill("box", signal="65"), ValueError, "65"),
    (
        "unknown stop signal",
        lambda d: d.containers.create("img", stop_signal="HALT"),
        ValueError,
        "'HALT'",
    ),
    ("container port 0", lambda d: d.containers.create("img", exposed_ports=[0]), ValueError, "0"),
    (
        "container port 70000",
        lambda d: d.containers.create(
            "img",
            host_config=HostConfig(port_bindings={"70000/tcp": [PortBinding(host_port="80")]}),
        ),
        ValueError,
        "70000",
    ),
    (
        "host port 0",
        lambda d: d.containers.create(
            "img",
            host_config=HostConfig(
                port_bindings={"80/tcp": [PortBinding(host_ip="127.0.0.1", host_port="0")]}
            ),
        ),
        ValueError,
        "0",
    ),
    (
        "host port 65536",
        lambda d: d.containers.create(
            "img",
            host_config=HostConfig(port_bindings={"80/tcp": [PortBinding(host_port="65536")]}),
        ),
        ValueError,
        "65536",
    ),
    (
        "relative bind source",
        lambda d: d.containers.create("img", host_config=HostConfig(binds=["./conf:/etc/conf"])),
        ValueError,
        "'./conf'",
    ),
    (
        "relative bind source with a slash",
        lambda d: d.containers.create("img", host_config=HostConfig(binds=["conf/x:/etc/conf"])),
        ValueError,
        "'conf/x'",
    ),
    (
        "relative bind target",
        lambda d: d.containers.create("img", host_config=HostConfig(binds=["/srv:etc"])),
        ValueError,
        "'etc'",
    ),
    (
        "relative mount source",
        lambda d: d.containers.create(
            "img",
            host_config=HostConfig(mounts=[Mount(type="bind", source="data", target="/data")]),
        ),
        ValueError,
        "'data'",
    ),
    (
        "aliases without a network",
        lambda d: d.containers.create("img", network_aliases=["web"]),
        ValueError,
        "network",
    ),
    (
        "bad wait condition",
        lambda d: d.containers.wait("box", condition="done"),  # type: ignore[arg-type]
        ValueError,
        "'done'",
    ),
    (
        "no log stream",
        lambda d: d.containers.logs("box", stdout=False, stderr=False),
        ValueError,
        "stdout",
    ),
    ("negative tail", lambda d: d.containers.logs("box", tail=-1), ValueError, "-1"),
    (
        "one_shot while streaming",
        lambda d: d.containers.stats("box", one_shot=True),  # type: ignore[call-overload]
        ValueError,
        "one_shot",
    ),
    ("resize to 0", lambda d: d.containers.resize("box", 0, 80), ValueError, "0"),
    ("update nothing", lambda d: d.containers.update("box"), ValueError, "at least one"),
    (
        "create: unknown keyword",
        lambda d: d.containers.create("busybox", nmae="x"),  # type: ignore[call-arg]
        TypeError,
        "'nmae'",
    ),
    (
        "update: unknown keyword",
        lambda d: d.containers.update("box", memroy=1),  # type: ignore[call-arg]
        TypeError,
        "'memroy'",
    ),
    ("create: empty command", lambda d: d.containers.create("busybox", []), ValueError, "empty"),
    ("empty ref", lambda d: d.containers.start(""), ValueError, "''"),
    ("ref not a string", lambda d: d.containers.start(None), TypeError, "None"),  # type: ignore[arg-type]
    ("empty archive path", lambda d: d.containers.stat_path("box", ""), ValueError, "path"),
    (
        "put_archive of a missing file",
        lambda d: d.containers.put_archive("box", "/tmp", "/nonexistent/file.tar"),
        FileNotFoundError,
        "/nonexistent/file.tar",
    ),
    (
        "run with auto_remove",
        lambda d: d.containers.run("img", host_config=HostConfig(auto_remove=True)),
        ValueError,
        "auto_remove",
    ),
    (
        "run with text stdin",
        lambda d: d.containers.run("img", stdin="text"),
        TypeError,  # type: ignore[arg-type]
        "'text'",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "named"), [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS]
)
async def test_bad_options_raise_before_any_request(
    fake: FakeEngine, call: Call, error: type[Exception], named: str
) -> None:
    docker = client(fake)
    with pytest.raises(error) as caught:
        result = call(docker)
        if isinstance(result, Awaitable):
            await result
    assert named in str(caught.value)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("SIGTERM", "SIGTERM"),
        ("TERM", "SIGTERM"),
        ("sigkill", "SIGKILL"),
        ("hup", "SIGHUP"),
        (9, "9"),
        ("15", "15"),
        (64, "64"),
        ("SIGRTMIN+3", "SIGRTMIN+3"),
        ("rtmax-1", "SIGRTMAX-1"),
    ],
)
def test_signal_names_and_numbers(given: str | int, sent: str) -> None:
    assert signal("signal", given) == sent


async def test_kill_sends_the_normalised_signal(fake: FakeEngine) -> None:
    await client(fake).containers.kill("box", signal="term")
    assert fake.requests[-1].url.params["signal"] == "SIGTERM"


async def test_create_body_and_query(fake: FakeEngine) -> None:
    docker = client(fake)
    c = await docker.containers.create(
        "img",
        "sh -c 'echo hi'",
        name="web-1",
        env={"A": "1"},
        labels={"app": "x"},
        exposed_ports=[80, "53/udp"],
        stop_signal="int",
        stop_timeout=2.5,
        tty=True,
        host_config=HostConfig(
            binds=["/srv:/etc/srv:ro", "data:/data"],
            port_bindings={"80/tcp": [PortBinding(host_ip="127.0.0.1", host_port="8080")]},
            restart_policy=RestartPolicy(name="on-failure", maximum_retry_count=2),
        ),
        platform="linux/amd64",
    )
    request = fake.requests[-1]
    assert request.url.params["name"] == "web-1"
    assert request.url.params["platform"] == "linux/amd64"
    body = fake.last_body()
    assert body["Image"] == "img"
    assert body["Cmd"] == ["sh", "-c", "echo hi"]
    assert body["Env"] == ["A=1"]
    assert body["Labels"] == {"app": "x"}
    assert body["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}}
    assert body["StopSignal"] == "SIGINT"
    assert body["StopTimeout"] == 3
    assert body["Tty"] is True
    assert body["HostConfig"]["Binds"] == ["/srv:/etc/srv:ro", "data:/data"]
    assert body["HostConfig"]["PortBindings"] == {
        "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]
    }
    assert body["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    assert c.id == "c" * 64 and c.tty is True


async def test_network_keyword_attaches_at_creation(fake: FakeEngine) -> None:
    docker = client(fake)
    await docker.containers.create("img", network="appnet", network_aliases=["web", "www"])
    body = fake.last_body()
    assert body["HostConfig"]["NetworkMode"] == "appnet"
    assert body["NetworkingConfig"]["EndpointsConfig"] == {"appnet": {"Aliases": ["web", "www"]}}
    # An explicit network mode and other endpoints are kept (several
    # networks at create need API 1.44; a 1.41 engine is refused before
    # anything is sent).
    two_networks: dict[str, Any] = {
        "network": "appnet",
        "host_config": HostConfig(network_mode="bridge"),
        "networking_config": NetworkingConfig(
            endpoints_config={"other": EndpointSettings(aliases=["o"])}
        ),
    }
    sent = len(fake.requests)
    with pytest.raises(APIVersionError, match=r"more than one network.*1\.44.*speaks 1\.41"):
        await docker.containers.create("img", **two_networks)
    assert len(fake.requests) == sent
    newer = engine(api_version="1.44")
    await client(newer).containers.create("img", **two_networks)
    body = newer.last_body()
    assert body["HostConfig"]["NetworkMode"] == "bridge"
    assert body["NetworkingConfig"]["EndpointsConfig"] == {
        "other": {"Aliases": ["o"]},
        "appnet": {},
    }


async def test_config_is_the_base_and_keywords_go_over_it(fake: FakeEngine) -> None:
    docker = client(fake)
    config = ContainerCreate(
        cmd=["sleep", "1"], env=["B=2"], tty=True, user="nobody", host_config=HostConfig(init=True)
    )
    await docker.containers.create("img", config=config, env={"A": "1"})
    body = fake.last_body()
    assert body == {
        "Image": "img",
        "Cmd": ["sleep", "1"],
        "Env": ["A=1"],
        "Tty": True,
        "User": "nobody",
        "HostConfig": {"Init": True},
    }
    assert config.env == ["B=2"], "the caller's config is not changed"


async def test_update_sends_only_what_was_given(fake: FakeEngine) -> None:
    docker = client(fake)
    await docker.containers.update(
        "box",
        memory=64 * 2**20,
        memory_swap=-1,
        pids_limit=100,
        restart_policy=RestartPolicy(name="always"),
    )
    assert fake.last_body() == {
        "Memory": 67108864,
        "MemorySwap": -1,
        "PidsLimit": 100,
        "RestartPolicy": {"Name": "always"},
    }


async def test_stop_timeout_is_sent_in_whole_seconds(fake: FakeEngine) -> None:
    await client(fake).containers.stop("box", timeout=0.2)
    assert fake.requests[-1].url.params["t"] == "1"


async def test_stop_signal_needs_api_1_42(fake: FakeEngine) -> None:
    docker = client(fake)
    with pytest.raises(APIVersionError) as caught:
        await docker.containers.stop("box", signal="SIGINT")
    assert "1.42" in str(caught.value) and "1.41" in str(caught.value)
    assert fake.requests == []
    newer = engine(api_version="1.43")
    await client(newer).containers.stop("box", signal="SIGINT", timeout=1)
    assert newer.requests[-1].url.params["signal"] == "SIGINT"


async def test_refs_are_quoted_into_the_path(fake: FakeEngine) -> None:
    await client(fake).containers.start("a/../../images/x")
    raw_path = fake.requests[-1].url.raw_path
    assert raw_path == b"/v1.41/containers/a%2F..%2F..%2Fimages%2Fx/start"


async def test_prune_waits_while_another_prune_runs() -> None:
    answers = [409, 409, 200]
    seen = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/_ping":
            return httpx.Response(200, text="OK", headers={"Api-Version": "1.41"})
        seen.append(request.url.params["filters"])
        status = answers.pop(0)
        if status == 409:
            return httpx.Response(409, json={"message": "a prune operation is already running"})
        return httpx.Response(200, json={"ContainersDeleted": ["a"], "SpaceReclaimed": 5})

    docker = client(handle)
    report = await docker.containers.prune(filters={"label": "x=1"})
    assert report.containers_deleted == ["a"] and report.space_reclaimed == 5
    assert seen == ['{"label":["x=1"]}'] * 3


async def test_create_leaves_the_callers_config_objects_unchanged(fake: FakeEngine) -> None:
    host = HostConfig(memory=64 * 2**20)
    endpoint = EndpointSettings(aliases=["a"])
    config = ContainerCreate(
        image="busybox",
        labels={"k": "v"},
        host_config=host,
        networking_config=NetworkingConfig(endpoints_config={"net": endpoint}),
    )
    before = (config.model_dump(), host.model_dump(), endpoint.model_dump())
    async with client(fake) as docker:
        await docker.containers.create(
            "busybox",
            ["true"],
            config=config,
            network="net",
            network_aliases=["b"],
            labels={"x": "y"},
        )
    sent = fake.last_body()
    assert sent["NetworkingConfig"]["EndpointsConfig"]["net"]["Aliases"] == ["a", "b"]
    assert sent["HostConfig"]["NetworkMode"] == "net" and sent["Labels"] == {"x": "y"}
    assert (config.model_dump(), host.model_dump(), endpoint.model_dump()) == before
