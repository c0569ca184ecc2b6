"""Bad input through the public API: a clear error, raised before anything
is sent, that names the bad value.

The client here pins its API version (no ``/_ping``) and talks to a fake
engine (tests/fakes.py) that counts every request: each case must leave it
untouched.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from aiodock import Docker
from aiodock.models import HostConfig, Mount, PortBinding
from tests.fakes import FakeEngine


def should_not_be_sent(request: httpx.Request) -> httpx.Response:
    """Every request is answered 500, so nothing looks like success."""
    return httpx.Response(500, json={"message": "this request should not have been sent"})


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(missing=should_not_be_sent)


@pytest.fixture
def docker(engine: FakeEngine) -> Docker:
    return engine.client(api_version="1.41")


def sent(engine: FakeEngine) -> list[str]:
    """Every path asked for, ``/_ping`` included."""
    return list(engine.seen.elements())


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build context that is fine in itself."""
    root = tmp_path_factory.mktemp("ctx")
    (root / "Dockerfile").write_text("FROM scratch\n")
    return root


Call = Callable[[Docker, Path], Any]
DIGEST = "sha256:" + "a" * 64


def hc(**kw: Any) -> HostConfig:
    return HostConfig(**kw)


def ports(key: str, host_port: str) -> HostConfig:
    return HostConfig(port_bindings={key: [PortBinding(host_ip="127.0.0.1", host_port=host_port)]})


# (id, call, exception type, text the message must contain: the bad value)
CASES: list[tuple[str, Call, type[Exception], str]] = [
    # -- malformed image references
    (
        "create: spaces in the image",
        lambda d, c: d.containers.create("bad image"),
        ValueError,
        "'bad image'",
    ),
    ("create: uppercase image", lambda d, c: d.containers.create("MyApp"), ValueError, "'MyApp'"),
    ("create: empty image", lambda d, c: d.containers.create(""), TypeError, "''"),
    ("create: image not a string", lambda d, c: d.containers.create(42), TypeError, "42"),
    ("run: two @", lambda d, c: d.containers.run("app@sha256:1@x"), ValueError, "'app@sha256:1@x'"),
    (
        "run: short digest",
        lambda d, c: d.containers.run("app@sha256:abc"),
        ValueError,
        "sha256:abc",
    ),
    ("pull: uppercase repository", lambda d, c: d.images.pull("MyRepo"), ValueError, "'MyRepo'"),
    ("pull: empty path component", lambda d, c: d.images.pull("a//b"), ValueError, "'a//b'"),
    (
        "pull: bad tag in the reference",
        lambda d, c: d.images.pull("busybox:bad tag"),
        ValueError,
        "bad tag",
    ),
    ("pull: bad tag=", lambda d, c: d.images.pull("busybox", tag="-x"), ValueError, "'-x'"),
    ("pull: tag twice", lambda d, c: d.images.pull("busybox:1", tag="2"), ValueError, "tag='2'"),
    ("pull: image ID", lambda d, c: d.images.pull("a" * 64), ValueError, "a" * 64),
    (
        "push: a digest",
        lambda d, c: d.images.push(f"127.0.0.1:5000/app@{DIGEST}"),
        ValueError,
        DIGEST,
    ),
    ("tag: bad repository", lambda d, c: d.images.tag("img", "Bad Repo"), ValueError, "'Bad Repo'"),
    (
        "tag: bad tag",
        lambda d, c: d.images.tag("img", "repo", tag="bad tag"),
        ValueError,
        "'bad tag'",
    ),
    ("tag: a digest", lambda d, c: d.images.tag("img", f"repo@{DIGEST}"), ValueError, DIGEST),
    (
        "tag: bad source image",
        lambda d, c: d.images.tag("Bad Source", "repo"),
        ValueError,
        "'Bad Source'",
    ),
    (
        "inspect: bad image",
        lambda d, c: d.images.inspect("no:such:thing"),
        ValueError,
        "'no:such:thing'",
    ),
    ("build: bad tag", lambda d, c: d.images.build(c, tag="app:bad tag"), ValueError, "bad tag"),
    # -- invalid container names
    (
        "create: name with a space",
        lambda d, c: d.containers.create("img", name="my box"),
        ValueError,
        "'my box'",
    ),
    (
        "create: one-character name",
        lambda d, c: d.containers.create("img", name="a"),
        ValueError,
        "'a'",
    ),
    (
        "create: name with a slash inside",
        lambda d, c: d.containers.create("img", name="a/b"),
        ValueError,
        "'a/b'",
    ),
    (
        "create: name starting with -",
        lambda d, c: d.containers.create("img", name="-x"),
        ValueError,
        "'-x'",
    ),
    ("create: name not a string", lambda d, c: d.containers.create("img", name=7), TypeError, "7"),
    ("run: bad name", lambda d, c: d.containers.run("img", name="x y"), ValueError, "'x y'"),
    (
        "rename: bad name",
        lambda d, c: d.containers.rename("box", "new name"),
        ValueError,
        "'new name'",
    ),
    ("volume: bad local name", lambda d, c: d.volumes.create("data/dir"), ValueError, "'data/dir'"),
    ("volume: one-character name", lambda d, c: d.volumes.create("v"), ValueError, "'v'"),
    # -- labels and env that are not strings
    (
        "create: label value int",
        lambda d, c: d.containers.create("img", labels={"a": 1}),
        TypeError,
        "'a'",
    ),
    (
        "create: label key int",
        lambda d, c: d.containers.create("img", labels={1: "a"}),
        TypeError,
        "1",
    ),
    (
        "create: labels as a list",
        lambda d, c: d.containers.create("img", labels=["a=b"]),
        TypeError,
        "['a=b']",
    ),
    (
        "create: env value int",
        lambda d, c: d.containers.create("img", env={"PORT": 80}),
        TypeError,
        "80",
    ),
    (
        "create: env value None",
        lambda d, c: d.containers.create("img", env={"A": None}),
        TypeError,
        "'A'",
    ),
    (
        "create: env entry int",
        lambda d, c: d.containers.create("img", env=["A=1", 2]),
        TypeError,
        "2",
    ),
    (
        "create: env as one string",
        lambda d, c: d.containers.create("img", env="A=1"),
        TypeError,
        "'A=1'",
    ),
    (
        "create: env name with =",
        lambda d, c: d.containers.create("img", env={"A=B": "1"}),
        ValueError,
        "'A=B'",
    ),
    (
        "run: env value float",
        lambda d, c: d.containers.run("img", env={"X": 1.5}),
        TypeError,
        "1.5",
    ),
    (
        "exec: env value int",
        lambda d, c: d.containers.exec("box", ["true"], env={"A": 1}),
        TypeError,
        "'A'",
    ),
    (
        "network: label value int",
        lambda d, c: d.networks.create("net", labels={"a": 1}),
        TypeError,
        "'a'",
    ),
    (
        "volume: label value int",
        lambda d, c: d.volumes.create("vol", labels={"a": 1}),
        TypeError,
        "'a'",
    ),
    ("build: label value int", lambda d, c: d.images.build(c, labels={"a": 1}), TypeError, "'a'"),
    (
        "build: buildarg value int",
        lambda d, c: d.images.build(c, buildargs={"V": 1}),
        TypeError,
        "'V'",
    ),
    # -- negative, NaN and infinite timeouts
    ("stop: negative", lambda d, c: d.containers.stop("box", timeout=-2), ValueError, "-2"),
    ("stop: NaN", lambda d, c: d.containers.stop("box", timeout=math.nan), ValueError, "nan"),
    ("stop: infinity", lambda d, c: d.containers.stop("box", timeout=math.inf), ValueError, "inf"),
    ("stop: a string", lambda d, c: d.containers.stop("box", timeout="5"), TypeError, "'5'"),
    (
        "restart: negative",
        lambda d, c: d.containers.restart("box", timeout=-0.5),
        ValueError,
        "-0.5",
    ),
    ("restart: NaN", lambda d, c: d.containers.restart("box", timeout=math.nan), ValueError, "nan"),
    (
        "restart: infinity",
        lambda d, c: d.containers.restart("box", timeout=-math.inf),
        ValueError,
        "-inf",
    ),
    (
        "create: stop_timeout NaN",
        lambda d, c: d.containers.create("img", stop_timeout=math.nan),
        ValueError,
        "nan",
    ),
    (
        "create: stop_timeout infinity",
        lambda d, c: d.containers.create("img", stop_timeout=math.inf),
        ValueError,
        "inf",
    ),
    ("handle stop: negative", lambda d, c: d.container("box").stop(timeout=-3), ValueError, "-3"),
    (
        "events: negative idle timeout",
        lambda d, c: d.system.events(idle_timeout=-1).__aenter__(),
        ValueError,
        "-1",
    ),
    ("logs: NaN since", lambda d, c: d.containers.logs("box", since=math.nan), ValueError, "nan"),
    # -- signals
    (
        "kill: unknown name",
        lambda d, c: d.containers.kill("box", signal="SIGFOO"),
        ValueError,
        "'SIGFOO'",
    ),
    ("kill: number 0", lambda d, c: d.containers.kill("box", signal=0), ValueError, "0"),
    ("kill: number 65", lambda d, c: d.containers.kill("box", signal=65), ValueError, "65"),
    ("kill: a bool", lambda d, c: d.containers.kill("box", signal=True), TypeError, "True"),
    ("kill: empty", lambda d, c: d.containers.kill("box", signal=""), ValueError, "''"),
    (
        "stop: unknown signal",
        lambda d, c: d.containers.stop("box", signal="NOPE"),
        ValueError,
        "'NOPE'",
    ),
    (
        "restart: unknown signal",
        lambda d, c: d.containers.restart("box", signal="SIGWHAT"),
        ValueError,
        "'SIGWHAT'",
    ),
    (
        "create: unknown stop_signal",
        lambda d, c: d.containers.create("img", stop_signal="BOGUS"),
        ValueError,
        "'BOGUS'",
    ),
    (
        "wait: unknown condition",
        lambda d, c: d.containers.wait("box", condition="done"),
        ValueError,
        "'done'",
    ),
    # -- filters of the wrong shape (an empty wrong one included: it must not
    #    silently mean "no filter", which would make prune remove everything)
    ("ps: filters as a list", lambda d, c: d.containers.list(filters=[]), TypeError, "list"),
    (
        "ps: filters as a string",
        lambda d, c: d.containers.list(filters="status=running"),
        TypeError,
        "str",
    ),
    ("ps: empty string filters", lambda d, c: d.containers.list(filters=""), TypeError, "str"),
    (
        "ps: filter value int",
        lambda d, c: d.containers.list(filters={"status": 1}),
        TypeError,
        "'status'",
    ),
    (
        "ps: nested list",
        lambda d, c: d.containers.list(filters={"label": [["a"]]}),
        TypeError,
        "['a']",
    ),
    ("ps: filter name int", lambda d, c: d.containers.list(filters={1: "x"}), TypeError, "1"),
    (
        "ps: mapping value not bool",
        lambda d, c: d.containers.list(filters={"label": {"a": "yes"}}),
        TypeError,
        "'label'",
    ),
    ("container prune: list", lambda d, c: d.containers.prune(filters=[]), TypeError, "list"),
    (
        "images: filters as a list",
        lambda d, c: d.images.list(filters=[("label", "a")]),
        TypeError,
        "list",
    ),
    ("image prune: string", lambda d, c: d.images.prune(filters="dangling=true"), TypeError, "str"),
    ("networks: filters as a tuple", lambda d, c: d.networks.list(filters=()), TypeError, "tuple"),
    ("network prune: list", lambda d, c: d.networks.prune(filters=[]), TypeError, "list"),
    (
        "volumes: filter value int",
        lambda d, c: d.volumes.list(filters={"dangling": True}),
        TypeError,
        "'dangling'",
    ),
    ("volume prune: empty list", lambda d, c: d.volumes.prune(filters=[]), TypeError, "list"),
    ("search: filters as a list", lambda d, c: d.images.search("x", filters=[]), TypeError, "list"),
    # -- port bindings outside 1..65535
    (
        "host port 0",
        lambda d, c: d.containers.create("img", host_config=ports("80/tcp", "0")),
        ValueError,
        "port 0",
    ),
    (
        "host port 65536",
        lambda d, c: d.containers.create("img", host_config=ports("80/tcp", "65536")),
        ValueError,
        "65536",
    ),
    (
        "host port negative",
        lambda d, c: d.containers.create("img", host_config=ports("80/tcp", "-1")),
        ValueError,
        "'-1'",
    ),
    (
        "host port not a number",
        lambda d, c: d.containers.create("img", host_config=ports("80/tcp", "http")),
        ValueError,
        "'http'",
    ),
    (
        "host port range end",
        lambda d, c: d.containers.create("img", host_config=ports("80/tcp", "8000-70000")),
        ValueError,
        "70000",
    ),
    (
        "container port 0",
        lambda d, c: d.containers.create("img", host_config=ports("0/tcp", "80")),
        ValueError,
        "port 0",
    ),
    (
        "container port 65536",
        lambda d, c: d.containers.create("img", host_config=ports("65536", "80")),
        ValueError,
        "65536",
    ),
    (
        "container port protocol",
        lambda d, c: d.containers.create("img", host_config=ports("80/http", "80")),
        ValueError,
        "'80/http'",
    ),
    (
        "exposed port 0",
        lambda d, c: d.containers.create("img", exposed_ports=[0]),
        ValueError,
        "port 0",
    ),
    (
        "exposed port 99999",
        lambda d, c: d.containers.run("img", exposed_ports=["99999/udp"]),
        ValueError,
        "99999",
    ),
    # -- bind mounts with a relative host path
    (
        "bind ./conf",
        lambda d, c: d.containers.create("img", host_config=hc(binds=["./conf:/etc/conf"])),
        ValueError,
        "'./conf'",
    ),
    (
        "bind conf/x",
        lambda d, c: d.containers.create("img", host_config=hc(binds=["conf/x:/etc/conf:ro"])),
        ValueError,
        "'conf/x'",
    ),
    (
        "bind ../up",
        lambda d, c: d.containers.create("img", host_config=hc(binds=["../up:/up"])),
        ValueError,
        "'../up'",
    ),
    (
        "bind ~/x",
        lambda d, c: d.containers.create("img", host_config=hc(binds=["~/x:/x"])),
        ValueError,
        "'~/x'",
    ),
    (
        "bind relative target",
        lambda d, c: d.containers.create("img", host_config=hc(binds=["/srv:srv"])),
        ValueError,
        "'srv'",
    ),
    (
        "mount relative bind source",
        lambda d, c: d.containers.run(
            "img", host_config=hc(mounts=[Mount(type="bind", source="data", target="/data")])
        ),
        ValueError,
        "'data'",
    ),
    (
        "mount relative target",
        lambda d, c: d.containers.create(
            "img", host_config=hc(mounts=[Mount(type="volume", source="vol", target="data")])
        ),
        ValueError,
        "'data'",
    ),
    # -- build contexts that are not there
    (
        "build: missing context",
        lambda d, c: d.images.build(c / "missing"),
        FileNotFoundError,
        "missing",
    ),
    (
        "build: context is a missing tar",
        lambda d, c: d.images.build(c / "missing.tar"),
        FileNotFoundError,
        "missing.tar",
    ),
    (
        "build: no Dockerfile",
        lambda d, c: d.images.build(c, dockerfile="Other.dockerfile"),
        FileNotFoundError,
        "'Other.dockerfile'",
    ),
    (
        "build: Dockerfile outside",
        lambda d, c: d.images.build(c, dockerfile="../Dockerfile"),
        ValueError,
        "'../Dockerfile'",
    ),
    (
        "build: absolute Dockerfile",
        lambda d, c: d.images.build(c, dockerfile="/Dockerfile"),
        ValueError,
        "'/Dockerfile'",
    ),
]


async def call(fn: Call, docker: Docker, context: Path) -> None:
    result = fn(docker, context)
    if isinstance(result, Awaitable):
        await result


@pytest.mark.parametrize(
    ("fn", "error", "named"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_input_is_refused_before_anything_is_sent(
    docker: Docker,
    engine: FakeEngine,
    context: Path,
    fn: Call,
    error: type[Exception],
    named: str,
) -> None:
    with pytest.raises(error) as caught:
        await call(fn, docker, context)
    assert named in str(caught.value), f"the message does not name {named!r}: {caught.value}"
    assert sent(engine) == []


@pytest.mark.parametrize(
    ("timeout", "error", "named"),
    [
        (-1, ValueError, "-1"),
        (math.nan, ValueError, "nan"),
        (-math.inf, ValueError, "-inf"),
        ("10", TypeError, "'10'"),
        (True, TypeError, "True"),
    ],
)
def test_bad_client_timeout_is_refused_at_construction(
    timeout: Any, error: type[Exception], named: str
) -> None:
    engine = FakeEngine(missing=should_not_be_sent)
    with pytest.raises(error, match="timeout") as caught:
        engine.client(timeout=timeout)
    assert named in str(caught.value)
    assert sent(engine) == []


def test_infinite_client_timeout_means_no_bound() -> None:
    docker = Docker("unix:///nonexistent.sock", timeout=math.inf, env={})
    assert docker._api.timeout in (math.inf, None)


@pytest.mark.parametrize(
    "fn",
    [
        lambda d, c: d.containers.create(
            "127.0.0.1:5000/team/app:1",
            name="web-1",
            labels={"a": "b"},
            env={"A": "1"},
            stop_timeout=1.5,
            host_config=ports("80/tcp", "8080"),
        ),
        lambda d, c: d.containers.list(filters={"status": ["running"]}),
        lambda d, c: d.containers.list(filters={}),
        lambda d, c: d.volumes.prune(filters={"label": {"aiodock.test": True}}),
        lambda d, c: d.containers.kill("box", signal="hup"),
        lambda d, c: d.containers.stop("box", timeout=0),
        lambda d, c: d.images.tag(f"sha256:{'a' * 12}", "127.0.0.1:5000/app", tag="v1.2"),
    ],
    ids=["create", "list", "list-empty-filters", "prune", "kill", "stop", "tag"],
)
async def test_good_input_does_reach_the_transport(
    docker: Docker, engine: FakeEngine, context: Path, fn: Call
) -> None:
    """The recorder works: what is valid is sent (and fails on its 500)."""
    with pytest.raises(Exception) as caught:
        await call(fn, docker, context)
    assert "should not have been sent" in str(caught.value)
    assert len(engine.requests) == 1 and sent(engine) == [engine.requests[0].url.path]
