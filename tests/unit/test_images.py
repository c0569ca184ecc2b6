"""The image API against httpx.MockTransport: the requests it sends, the
answers it decodes, and the checks made before any request."""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import tarfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiodock import Docker, NotFound, RegistryAuth, ServerError, StreamError, Unauthorized
from aiodock.errors import BuildError
from aiodock.models import BuildEvent, ImageSearchResult, ProgressEvent, PushResult
from tests.fakes import FakeEngine

Handler = Callable[[httpx.Request], httpx.Response]
DIGEST = "sha256:" + "c" * 64
IMAGE_ID = "sha256:" + "7" * 64

# What dockerd 20.10 streamed for a pull from the local registry.
PULL_STREAM = (
    b'{"status":"Pulling from aiodock-test/app","id":"1"}\r\n'
    b'{"status":"Pulling fs layer","progressDetail":{},"id":"70a61b38d2d9"}\r\n'
    b'{"status":"Downloading","progressDetail":{"current":32768,"total":1113541},'
    b'"progress":"[=\\u003e          ]  32.77kB/1.114MB","id":"70a61b38d2d9"}\r\n'
    b'{"status":"Download complete","progressDetail":{},"id":"70a61b38d2d9"}\r\n'
    b'{"status":"Extracting","progressDetail":{"current":1113541,"total":1113541},'
    b'"progress":"[==========\\u003e]  1.114MB/1.114MB","id":"70a61b38d2d9"}\r\n'
    b'{"status":"Pull complete","progressDetail":{},"id":"70a61b38d2d9"}\r\n'
    b'{"status":"Digest: ' + DIGEST.encode() + b'"}\r\n'
    b'{"status":"Status: Downloaded newer image for 127.0.0.1:5000/aiodock-test/app:1"}\r\n'
)
PUSH_STREAM = (
    b'{"status":"The push refers to repository [127.0.0.1:5000/app]"}\n'
    b'{"status":"Preparing","progressDetail":{},"id":"70a61b38d2d9"}\n'
    b'{"status":"Pushed","progressDetail":{},"id":"70a61b38d2d9"}\n'
    b'{"status":"1: digest: ' + DIGEST.encode() + b' size: 527"}\n'
    b'{"progressDetail":{},"aux":{"Tag":"1","Digest":"' + DIGEST.encode() + b'","Size":527}}\n'
)
SEARCH_ANSWER = [
    {
        "star_count": 3312,
        "is_official": True,
        "name": "busybox",
        "is_automated": False,
        "description": "Busybox base image.",
    },
    {
        "star_count": 40,
        "is_official": False,
        "name": "progrium/busybox",
        "is_automated": True,
        "description": "",
    },
]


def Engine(routes: dict[tuple[str, str], Handler] | None = None) -> FakeEngine:
    """A fake engine: routes by (method, path) and records every request."""
    # Credentials come from the client's env: the private config of no_docker_config.
    return FakeEngine(routes, env={"DOCKER_CONFIG": os.environ["DOCKER_CONFIG"]})


def chunks(data: bytes, size: int) -> Callable[[httpx.Request], httpx.Response]:
    async def body() -> AsyncIterator[bytes]:
        for i in range(0, len(data), size):
            yield data[i : i + size]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body(), headers={"Content-Type": "application/json"})

    return handler


def inspect_route(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, json={"Id": IMAGE_ID, "RepoTags": ["x:1"], "Parent": "", "DockerVersion": "20.10.24"}
    )


def decoded(header: str) -> Any:
    assert len(header) % 4 == 0, "X-Registry-Auth must be padded"
    return json.loads(base64.urlsafe_b64decode(header))


@pytest.fixture(autouse=True)
def no_docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Credential lookups read an empty, private Docker config."""
    config = tmp_path / "docker-config"
    config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    return config


# -- checks before any request -------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.images.pull("Bad/Name"),
        lambda d: d.images.pull("app:1", tag="2"),
        lambda d: d.images.pull("app", platform="linux amd64"),
        lambda d: d.images.push("app@" + DIGEST),
        lambda d: d.images.push("app:bad tag"),
        lambda d: d.images.build(b"", tag="Upper:1"),
        lambda d: d.images.build(b"", shm_size=0),
        lambda d: d.images.build(b"", extra_hosts=["nocolon"]),
        lambda d: d.images.build(b"", auth=RegistryAuth(username="x", password="y")),
        lambda d: d.images.build("/nonexistent/context/dir"),
        lambda d: d.images.import_image(b"", repo="app", tag="bad tag"),
        lambda d: d.images.import_image(b"", tag="1"),
        lambda d: d.images.save([]),
        lambda d: d.images.load("/nonexistent.tar"),
    ],
)
async def test_bad_arguments_raise_before_any_request(call: Callable[[Docker], Any]) -> None:
    engine = Engine()
    async with engine.client() as docker:
        with pytest.raises((ValueError, TypeError, FileNotFoundError)):
            stream = call(docker)
            await stream
    assert engine.requests == []


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.images.inspect("UPPER"),
        lambda d: d.images.tag("app", "127.0.0.1:5000/x@" + DIGEST),
        lambda d: d.images.remove("a//b"),
        lambda d: d.images.commit("web", tag="1"),
        lambda d: d.images.commit("web", repo="x", changes=[""]),
        lambda d: d.images.search("", limit=5),
        lambda d: d.images.search("x", limit=0),
        lambda d: d.images.list(all="yes"),
        lambda d: d.images.prune_builds(keep_storage=-1),
        lambda d: d.distribution.inspect("bad name"),
        lambda d: d.images.pull("app", auth={"username": "x"}),
    ],
)
async def test_bad_arguments_of_coroutines(call: Callable[[Docker], Any]) -> None:
    engine = Engine()
    async with engine.client() as docker:
        with pytest.raises((ValueError, TypeError)):
            await call(docker)
    assert engine.requests == []


# -- pull ------------------------------------------------------------------------


async def test_pull_request_and_result(no_docker_config: Path) -> None:
    (no_docker_config / "config.json").write_text(
        json.dumps(
            {"auths": {"127.0.0.1:5001": {"auth": base64.b64encode(b"aiodock:s3cr3t?").decode()}}}
        )
    )
    engine = Engine(
        {
            ("POST", "/v1.41/images/create"): chunks(PULL_STREAM, 50),
            ("GET", "/v1.41/images/127.0.0.1:5001/app:1/json"): inspect_route,
        }
    )
    async with engine.client() as docker:
        image = await docker.images.pull("127.0.0.1:5001/app", tag="1")
    assert image.id == IMAGE_ID and image.docker_version == "20.10.24"
    create, inspect = engine.requests
    assert dict(create.url.params) == {"fromImage": "127.0.0.1:5001/app", "tag": "1"}
    assert decoded(create.headers["X-Registry-Auth"]) == {
        "username": "aiodock",
        "password": "s3cr3t?",
        "serveraddress": "127.0.0.1:5001",
    }
    assert inspect.url.path == "/v1.41/images/127.0.0.1:5001/app:1/json"


async def test_pull_by_digest_and_docker_hub_names() -> None:
    engine = Engine({("POST", "/v1.41/images/create"): chunks(PULL_STREAM, 1000)})
    async with engine.client() as docker:
        events = [e async for e in docker.images.pull("busybox@" + DIGEST)]
        await docker.images.pull("library/busybox").aclose()
        async for _ in docker.images.pull("docker.io/me/app", platform="linux/amd64"):
            break
    assert events[2].progress_detail is not None
    assert (events[2].progress_detail.current, events[2].progress_detail.total) == (32768, 1113541)
    params = [dict(r.url.params) for r in engine.requests]
    assert params == [
        {"fromImage": "busybox", "tag": DIGEST},
        {"fromImage": "me/app", "tag": "latest", "platform": "linux/amd64"},
    ]
    assert all(r.headers["X-Registry-Auth"] == "e30=" for r in engine.requests)


async def test_pull_errors_are_mapped() -> None:
    routes: dict[tuple[str, str], Handler] = {
        ("POST", "/v1.41/images/create"): lambda r: (
            httpx.Response(404, json={"message": "manifest unknown: manifest unknown"})
            if r.url.params["tag"] == "missing"
            else httpx.Response(500, json={"message": "unauthorized: authentication required"})
        )
    }
    async with Engine(routes).client() as docker:
        with pytest.raises(NotFound, match=r"pull 127\.0\.0\.1:5000/app:missing: manifest"):
            await docker.images.pull("127.0.0.1:5000/app:missing")
        with pytest.raises(Unauthorized, match="registry authentication failed"):
            await docker.images.pull("127.0.0.1:5001/app:1")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(PULL_STREAM)), max_size=12))
def test_progress_decoding_through_every_chunking(cuts: list[int]) -> None:
    points = sorted({0, len(PULL_STREAM), *cuts})
    pieces = [PULL_STREAM[a:b] for a, b in itertools.pairwise(points)]

    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    async def run() -> list[ProgressEvent]:
        async with Engine({("POST", "/v1.41/images/create"): handler}).client() as docker:
            return [event async for event in docker.images.pull("127.0.0.1:5000/a:1")]

    events = anyio.run(run)
    expected = [ProgressEvent.model_validate(json.loads(line)) for line in PULL_STREAM.splitlines()]
    assert events == expected


# -- push --------------------------------------------------------------------------


async def test_push_sends_anonymous_header_and_returns_the_digest() -> None:
    engine = Engine({("POST", "/v1.41/images/127.0.0.1:5000/app/push"): chunks(PUSH_STREAM, 7)})
    async with engine.client() as docker:
        result = await docker.images.push("127.0.0.1:5000/app:1")
    assert result == PushResult(tag="1", digest=DIGEST, size=527)
    (request,) = engine.requests
    assert request.headers["X-Registry-Auth"] == "e30="
    assert dict(request.url.params) == {"tag": "1"}


async def test_push_result_from_the_status_line_alone() -> None:
    stream = b"\n".join(line for line in PUSH_STREAM.splitlines() if b"aux" not in line)
    engine = Engine({("POST", "/v1.41/images/app/push"): chunks(stream, 100)})
    async with engine.client() as docker:
        result = await docker.images.push("app", auth=RegistryAuth(username="u", password="p"))
    assert result == PushResult(tag="1", digest=DIGEST, size=527)
    assert decoded(engine.requests[0].headers["X-Registry-Auth"]) == {
        "username": "u",
        "password": "p",
    }
    assert engine.requests[0].url.params["tag"] == "latest"


@pytest.mark.parametrize(
    ("stream", "error", "message"),
    [
        (b'{"status":"Preparing","id":"1"}\n', StreamError, "ended without reporting a digest"),
        (
            b'{"errorDetail":{"message":"unauthorized: authentication required"},'
            b'"error":"unauthorized: authentication required"}\n',
            Unauthorized,
            "registry authentication failed",
        ),
        (
            b'{"errorDetail":{"message":"An image does not exist locally with the tag: x.io/app"},'
            b'"error":"An image does not exist locally with the tag: x.io/app"}\n',
            StreamError,
            r"push x\.io/app:2: An image does not exist locally",
        ),
    ],
)
async def test_push_failures(stream: bytes, error: type[Exception], message: str) -> None:
    engine = Engine({("POST", "/v1.41/images/x.io/app/push"): chunks(stream, 9)})
    async with engine.client() as docker:
        with pytest.raises(error, match=message):
            await docker.images.push("x.io/app", tag="2")


# -- build ---------------------------------------------------------------------------

BUILD_OK = (
    b'{"stream":"Step 1/2 : FROM base"}\n{"stream":"\\n"}\n{"stream":" ---\\u003e 7bddb\\n"}\n'
    b'{"stream":"Step 2/2 : RUN echo hi"}\n{"stream":"hi\\n"}\n'
    b'{"aux":{"ID":"' + IMAGE_ID.encode() + b'"}}\n'
    b'{"stream":"Successfully built 777777777777\\n"}\n'
)
BUILD_FAIL = (
    b'{"stream":"Step 1/2 : FROM base"}\n{"stream":"\\n"}\n'
    b'{"stream":"Step 2/2 : RUN echo boom; exit 3"}\n{"stream":"boom\\n"}\n'
    b'{"errorDetail":{"code":3,"message":"The command \'/bin/sh -c echo boom; exit 3\' returned'
    b' a non-zero code: 3"},"error":"The command \'/bin/sh -c echo boom; exit 3\' returned a'
    b' non-zero code: 3"}\n'
)


async def test_build_request_from_a_directory(tmp_path: Path, no_docker_config: Path) -> None:
    (no_docker_config / "config.json").write_text(
        json.dumps({"auths": {"127.0.0.1:5001": {"auth": base64.b64encode(b"a:b").decode()}}})
    )
    context = tmp_path / "ctx"
    (context / "docker").mkdir(parents=True)
    (context / "docker" / "app.Dockerfile").write_text("FROM base\n")
    (context / "app.py").write_text("print(1)\n")
    (context / "secret.env").write_text("X=1\n")
    (context / ".dockerignore").write_text("*.env\n")
    engine = Engine({("POST", "/v1.41/build"): chunks(BUILD_OK, 33)})
    async with engine.client() as docker:
        image_id = await docker.images.build(
            context,
            tag=["app:1", "127.0.0.1:5000/app:1"],
            dockerfile="docker/app.Dockerfile",
            buildargs={"V": "1"},
            labels={"a": "b"},
            target="final",
            nocache=True,
            pull=True,
            forcerm=True,
            network_mode="none",
            platform="linux/amd64",
            cache_from=["app:0"],
            extra_hosts={"db": "10.0.0.2"},
            shm_size=1 << 20,
        )
    assert image_id == IMAGE_ID
    (request,) = engine.requests
    assert request.url.params.get_list("t") == ["app:1", "127.0.0.1:5000/app:1"]
    assert dict(request.url.params) | {"t": "*"} == {
        "t": "*",
        "dockerfile": "docker/app.Dockerfile",
        "buildargs": '{"V":"1"}',
        "labels": '{"a":"b"}',
        "target": "final",
        "nocache": "1",
        "pull": "1",
        "rm": "1",
        "forcerm": "1",
        "networkmode": "none",
        "platform": "linux/amd64",
        "cachefrom": '["app:0"]',
        "extrahosts": "db:10.0.0.2",
        "shmsize": str(1 << 20),
    }
    assert request.headers["Content-Type"] == "application/x-tar"
    assert decoded(request.headers["X-Registry-Config"]) == {
        "127.0.0.1:5001": {"username": "a", "password": "b", "serveraddress": "127.0.0.1:5001"}
    }
    with tarfile.open(fileobj=io.BytesIO(engine.bodies[0])) as tar:
        assert sorted(tar.getnames()) == [
            ".dockerignore",
            "app.py",
            "docker",
            "docker/app.Dockerfile",
        ]


async def test_build_from_bytes_with_explicit_auth() -> None:
    engine = Engine({("POST", "/v1.41/build"): chunks(BUILD_OK, 1000)})
    auth = RegistryAuth(username="u", password="p", serveraddress="https://index.docker.io/v1/")
    async with engine.client() as docker:
        events = [e async for e in docker.images.build(b"tar bytes", auth=auth)]
    assert [e.image_id for e in events if e.image_id] == [IMAGE_ID]
    assert engine.bodies == [b"tar bytes"]
    assert list(decoded(engine.requests[0].headers["X-Registry-Config"])) == [
        "https://index.docker.io/v1/"
    ]
    assert dict(engine.requests[0].url.params) == {
        "dockerfile": "Dockerfile",
        "nocache": "0",
        "pull": "0",
        "rm": "1",
        "forcerm": "0",
    }


async def test_build_failure_keeps_the_log() -> None:
    engine = Engine({("POST", "/v1.41/build"): chunks(BUILD_FAIL, 5)})
    async with engine.client() as docker:
        with pytest.raises(BuildError) as info:
            await docker.images.build(b"x")
    assert info.value.code == 3
    assert "returned a non-zero code: 3" in info.value.message
    assert info.value.log == "Step 1/2 : FROM base\nStep 2/2 : RUN echo boom; exit 3boom\n"
    assert isinstance(info.value, StreamError)


async def test_build_result_without_aux_and_without_anything() -> None:
    old_style = b'{"stream":"Successfully built 0123456789ab\\n"}\n'
    engine = Engine({("POST", "/v1.41/build"): chunks(old_style, 100)})
    async with engine.client() as docker:
        assert await docker.images.build(b"x") == "0123456789ab"
    engine = Engine({("POST", "/v1.41/build"): chunks(b'{"stream":"Step 1/1"}\n', 100)})
    async with engine.client() as docker:
        with pytest.raises(BuildError, match="without reporting an image ID"):
            await docker.images.build(b"x")


# -- import, load, save, search, commit ------------------------------------------------


async def test_import_and_load_results() -> None:
    imported = b'{"status":"' + IMAGE_ID.encode() + b'"}\r\n'
    loaded = (
        b'{"stream":"Loaded image: app:1\\n"}\r\n'
        b'{"stream":"Loaded image ID: ' + IMAGE_ID.encode() + b'\\n"}\r\n'
    )
    engine = Engine(
        {
            ("POST", "/v1.41/images/create"): chunks(imported, 10),
            ("POST", "/v1.41/images/load"): chunks(loaded, 10),
        }
    )

    async def source() -> AsyncIterator[bytes]:
        yield b"part1"
        yield b"part2"

    async with engine.client() as docker:
        ids = await docker.images.import_image(
            source(),
            repo="127.0.0.1:5000/mini:2",
            changes=['CMD ["sh"]', "ENV A=1"],
            message="from aiodock",
        )
        assert ids == [IMAGE_ID]
        assert await docker.images.load(io.BytesIO(b"tarball")) == ["app:1", IMAGE_ID]
    create, load = engine.requests
    assert create.url.params.get_list("changes") == ['CMD ["sh"]', "ENV A=1"]
    assert dict(create.url.params) | {"changes": "*"} == {
        "fromSrc": "-",
        "repo": "127.0.0.1:5000/mini:2",  # whole, for Podman too (it ignores tag=)
        "message": "from aiodock",
        "changes": "*",
    }
    assert engine.bodies == [b"part1part2", b"tarball"]
    assert dict(load.url.params) == {"quiet": "0"}


async def test_load_that_reports_nothing_is_an_error() -> None:
    engine = Engine({("POST", "/v1.41/images/load"): chunks(b'{"stream":"hm"}\n', 10)})
    async with engine.client() as docker:
        with pytest.raises(StreamError, match="no image loaded"):
            await docker.images.load(b"x")


async def test_save_one_or_several() -> None:
    def tar(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"TAR")

    engine = Engine({("GET", "/v1.41/images/app:1/get"): tar, ("GET", "/v1.41/images/get"): tar})
    async with engine.client() as docker:
        assert await docker.images.save("app:1") == b"TAR"
        assert await docker.images.save(["app:1", "sha256:" + "a" * 64]) == b"TAR"
        with pytest.raises(NotFound, match="cannot save nope:1"):
            await docker.images.save("nope:1")
    assert engine.requests[1].url.params.get_list("names") == ["app:1", "sha256:" + "a" * 64]


async def test_search_request_and_recorded_answer() -> None:
    engine = Engine(
        {("GET", "/v1.41/images/search"): lambda r: httpx.Response(200, json=SEARCH_ANSWER)}
    )
    async with engine.client() as docker:
        hits = await docker.images.search("busybox", limit=2, filters={"is-official": "true"})
    assert hits == [ImageSearchResult.model_validate(item) for item in SEARCH_ANSWER]
    assert (hits[0].name, hits[0].star_count, hits[0].is_official) == ("busybox", 3312, True)
    (request,) = engine.requests
    assert dict(request.url.params) == {
        "term": "busybox",
        "limit": "2",
        "filters": '{"is-official":["true"]}',
    }
    assert "X-Registry-Auth" not in request.headers


async def test_search_engine_error_is_readable() -> None:
    message = (
        'Get "https://index.docker.io/v1/search?q=busybox&n=25": dial tcp: lookup'
        " index.docker.io: no such host"
    )
    engine = Engine(
        {("GET", "/v1.41/images/search"): lambda r: httpx.Response(500, json={"message": message})}
    )
    async with engine.client() as docker:
        with pytest.raises(ServerError, match="no such host") as info:
            await docker.images.search("busybox")
    assert info.value.status == 500


async def test_commit_request() -> None:
    engine = Engine(
        {("POST", "/v1.41/commit"): lambda r: httpx.Response(201, json={"Id": IMAGE_ID})}
    )
    async with engine.client() as docker:
        image_id = await docker.images.commit(
            "web",
            repo="snap:1",
            message="m",
            author="me",
            changes="LABEL a=b",
            pause=False,
            config={"Env": ["A=1"]},
        )
    assert image_id == IMAGE_ID
    (request,) = engine.requests
    assert dict(request.url.params) == {
        "container": "web",
        "repo": "snap",
        "tag": "1",
        "comment": "m",
        "author": "me",
        "pause": "0",
        "changes": "LABEL a=b",
    }
    assert json.loads(engine.bodies[0]) == {"Env": ["A=1"]}


async def test_build_events_are_typed() -> None:
    engine = Engine({("POST", "/v1.41/build"): chunks(BUILD_OK, 3)})
    async with engine.client() as docker:
        events = [e async for e in docker.images.build(b"x")]
    assert all(isinstance(e, BuildEvent) for e in events)
    assert "".join(e.stream or "" for e in events).startswith("Step 1/2 : FROM base\n")
