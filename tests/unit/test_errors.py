"""Status codes to exceptions; messages from any body."""

from __future__ import annotations

import pytest

from aiodock import errors
from aiodock.errors import error_for_status, message_from_body, registry_error


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
    err = error_for_status(status, "boom")
    assert type(err) is cls
    assert err.status == status and err.message == "boom"
    assert "boom" in str(err) and str(status) in str(err)


def test_version_complaint_is_api_version_error() -> None:
    err = error_for_status(
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
    assert message_from_body(b'{"message":"No such container: x"}') == "No such container: x"
    assert message_from_body(b"client version 1.12 is too old\n") == (
        "client version 1.12 is too old"
    )
    assert message_from_body(b"") == "(empty response body)"
    assert message_from_body(b"{not json") == "{not json"
    assert message_from_body(b"\xff\xfe") != ""
    assert len(message_from_body(b"x" * 10000)) < 2100


def test_engine_unavailable_names_where_and_why() -> None:
    err = errors.EngineUnavailable("/tmp/x.sock", "DOCKER_HOST", "No such file or directory")
    assert "/tmp/x.sock" in str(err) and "DOCKER_HOST" in str(err) and "No such file" in str(err)


def test_registry_401_inside_500_becomes_unauthorized() -> None:
    err = registry_error(
        errors.ServerError(
            500, 'Get "http://127.0.0.1:5001/v2/": unauthorized: authentication required'
        )
    )
    assert isinstance(err, errors.Unauthorized)
    assert "authentication failed" in str(err)
    other = errors.ServerError(500, "disk full")
    assert registry_error(other) is other
