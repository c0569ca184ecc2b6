"""Status codes to exceptions; messages from any body."""

from __future__ import annotations

import copy
import pickle

import httpx
import pytest

from aiodock import Docker, errors
from aiodock.errors import _error_for_status, _message_from_body, _registry_error


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (304, errors.NotModified),
        (400, errors.BadRequest),
        (401, errors.Unauthorized),
        (403, errors.Forbidden),
        (404, errors.NotFound),
        (409, errors.Conflict),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (418, errors.DockerError),
    ],
)
def test_status_to_class(status: int, cls: type[errors.DockerError]) -> None:
    err = _error_for_status(status, "boom")
    assert type(err) is cls
    assert err.status == status and err.message == "boom"
    assert "boom" in str(err) and str(status) in str(err)


def test_version_complaint_is_api_version_error() -> None:
    err = _error_for_status(
        400, "client version 1.44 is too new. Maximum supported API version is 1.41"
    )
    assert isinstance(err, errors.APIVersionError)
    assert err.status == 400 and "1.44" in err.message


def test_every_error_is_a_docker_error() -> None:
    for name in (
        "NotFound",
        "Conflict",
        "Forbidden",
        "NotModified",
        "BadRequest",
        "Unauthorized",
        "ServerError",
        "EngineUnavailable",
        "DockerTimeout",
        "StreamError",
        "APIVersionError",
        "ConnectionLost",
    ):
        assert issubclass(getattr(errors, name), errors.DockerError)


def test_messages_from_json_text_and_html() -> None:
    assert _message_from_body(b'{"message":"No such container: x"}') == "No such container: x"
    assert _message_from_body(b"client version 1.12 is too old\n") == (
        "client version 1.12 is too old"
    )
    assert _message_from_body(b"") == "(empty response body)"
    assert _message_from_body(b"{not json") == "{not json"
    assert _message_from_body(b"\xff\xfe") != ""
    assert len(_message_from_body(b"x" * 10000)) < 2100


def test_engine_unavailable_names_where_and_why() -> None:
    err = errors.EngineUnavailable.at("/tmp/x.sock", "DOCKER_HOST", "No such file or directory")
    assert "/tmp/x.sock" in str(err) and "DOCKER_HOST" in str(err) and "No such file" in str(err)


def test_registry_401_inside_500_becomes_unauthorized() -> None:
    err = _registry_error(
        errors.ServerError(
            500, 'Get "http://127.0.0.1:5001/v2/": unauthorized: authentication required'
        )
    )
    assert isinstance(err, errors.Unauthorized)
    assert "authentication failed" in str(err)
    other = errors.ServerError(500, "disk full")
    assert _registry_error(other) is other


# -- one family: one constructor shape, pickled and copied whole ----------------

# Every kind, built the one way: (status, message, *, its own details).
FAMILY: list[errors.DockerError] = [
    errors.DockerError(418, "teapot"),
    errors.BadRequest(400, "invalid reference format"),
    errors.Unauthorized(401, "authentication required"),
    errors.Forbidden(403, "operation not permitted"),
    errors.NotFound(404, "No such container: web"),
    errors.Conflict(409, "name in use"),
    errors.NotModified(304, "already started"),
    errors.ServerError(500, "driver failed"),
    errors.APIVersionError(400, "client version 1.99 is too new"),
    errors.InvalidResponse(None, "the engine created a container but sent no id"),
    errors.UnsupportedOperation(404, "the engine does not implement POST /v1.41/build/prune"),
    errors.EngineUnavailable(
        None, "cannot reach it", address="/tmp/x.sock", source="argument", reason="ENOENT"
    ),
    errors.ConnectionLost(None, "the engine closed the connection"),
    errors.DockerTimeout(None, "the engine did not answer in time"),
    errors.StreamError(200, "unexpected EOF", code=1),
    errors.BuildError(200, "RUN false failed", log="Step 1/1 : RUN false\n", code=1),
    errors.ProcessError(None, "exited with code 2", id="abc", exit_code=2, stdout=b"o"),
    errors.ExecError(
        None, "exited", id="e1", exit_code=3, stdout=b"out", stderr=b"err", cmd=["false"]
    ),
    errors.ContainerError(None, "exited", id="c1", exit_code=4, stdout=b"o", stderr=b"e"),
    errors.CredentialsError(None, "docker-credential-x get failed"),
    errors.UnsafeArchiveError(None, "refusing to unpack '../x'"),
]


def _family_classes() -> set[type[errors.DockerError]]:
    return {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.DockerError)
    }


def test_the_family_list_holds_every_class_and_all_are_exported() -> None:
    import aiodock

    classes = _family_classes()
    assert {type(err) for err in FAMILY} == classes
    for cls in classes:
        assert cls.__name__ in errors.__all__, cls
        assert getattr(aiodock, cls.__name__) is cls and cls.__name__ in aiodock.__all__, cls
        assert cls.__name__ in (errors.__doc__ or ""), f"{cls.__name__} is not in the drawn tree"


@pytest.mark.parametrize("err", FAMILY, ids=lambda err: type(err).__name__)
def test_every_error_pickles_and_copies_with_its_details(err: errors.DockerError) -> None:
    for twin in (
        pickle.loads(pickle.dumps(err)),
        copy.copy(err),
        copy.deepcopy(err),
    ):
        assert type(twin) is type(err)
        assert (twin.status, twin.message, twin.args) == (err.status, err.message, err.args)
        assert vars(twin) == vars(err)
        assert (str(twin), repr(twin)) == (str(err), repr(err))
    assert repr(err) == f"{type(err).__name__}({err.status!r}, {err.message!r})"


def test_the_builtin_bases() -> None:
    unavailable = errors.EngineUnavailable.at("/tmp/x.sock", "argument", "ENOENT")
    assert isinstance(unavailable, ConnectionError) and unavailable.status is None
    assert isinstance(errors.ConnectionLost(None, "broke"), ConnectionError)
    assert isinstance(errors.DockerTimeout(None, "slow"), TimeoutError)
    assert isinstance(errors.UnsafeArchiveError(None, "escape"), ValueError)
    # still told apart from the OS's own errors by the family
    with pytest.raises(errors.DockerError):
        raise errors.DockerTimeout(None, "slow")
    assert str(unavailable) == (
        "cannot reach the Docker engine at /tmp/x.sock (from argument): ENOENT"
    )
    assert (unavailable.address, unavailable.source, unavailable.reason) == (
        "/tmp/x.sock",
        "argument",
        "ENOENT",
    )


def test_exec_and_container_errors_share_process_error() -> None:
    exec_error = errors.ExecError.exited("e1", ["ls", "/x"], 2, b"", b"ls: /x: No such file\n")
    container_error = errors.ContainerError.exited(
        "4f1c", 137, b"partial", b"", detail="OOM killed"
    )
    for err in (exec_error, container_error):
        assert isinstance(err, errors.ProcessError) and err.status is None
    assert (exec_error.id, exec_error.cmd, exec_error.exit_code) == ("e1", ["ls", "/x"], 2)
    assert str(exec_error) == "command ['ls', '/x'] exited with code 2: ls: /x: No such file"
    assert container_error.container_id == container_error.id == "4f1c"
    assert (container_error.exit_code, container_error.stdout) == (137, b"partial")
    assert str(container_error) == "container 4f1c exited with code 137 (OOM killed)"


def test_stream_and_build_errors_take_the_same_shape() -> None:
    stream = errors.StreamError(200, "unexpected EOF", code=1)
    assert (stream.status, stream.message, stream.code) == (200, "unexpected EOF", 1)
    build = errors.BuildError(200, "RUN false failed", log="Step 1/1\n")
    assert isinstance(build, errors.StreamError)
    assert (build.status, build.log, build.code) == (200, "Step 1/1\n", None)
    version = _error_for_status(400, "client version 1.99 is too new")
    assert isinstance(version, errors.APIVersionError) and version.status == 400


async def test_answers_that_cannot_be_used_are_invalid_responses() -> None:
    answers: dict[str, object] = {
        "/v1.41/containers/create": {"Id": "", "Warnings": []},
        "/v1.41/networks/create": {"Id": "", "Warning": ""},
        "/v1.41/exec/abc/json": ["not", "an", "object"],
    }

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/_ping":
            return httpx.Response(200, text="OK", headers={"Api-Version": "1.41"})
        return httpx.Response(201, json=answers[request.url.path])

    async with Docker(
        "unix:///nonexistent.sock", env={}, transport=httpx.MockTransport(handle)
    ) as docker:
        with pytest.raises(errors.InvalidResponse, match="created a container but sent no id"):
            await docker.containers.create("busybox")
        with pytest.raises(errors.InvalidResponse, match="created network 'n' but sent no ID"):
            await docker.networks.create("n")
        with pytest.raises(errors.InvalidResponse, match="unexpected answer from the engine"):
            await docker.execs.inspect("abc")


@pytest.mark.parametrize(
    "message",
    [
        "can only kill running containers. abc is in state exited: container state improper",
        "network name web already used: network already exists",
        'creating container storage: the container name "web" is already in use by abc.'
        " You have to remove that container to be able to reuse that name.:"
        " that name is already in use",
        "volume data is being used by the following container(s): abc: volume is being used",
    ],
)
def test_podman_conflicts_are_conflicts(message: str) -> None:
    """Podman says 500 and names the cause last where dockerd says 409."""
    error = _error_for_status(500, message)
    assert type(error) is errors.Conflict
    assert (error.status, error.message) == (500, message)


def test_other_server_errors_stay_server_errors() -> None:
    error = _error_for_status(500, "runc: container state improper somewhere in the middle")
    assert type(error) is errors.ServerError
