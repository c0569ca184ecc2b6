"""Exceptions raised by aiodock.

Every error aiodock raises on purpose is a :class:`DockerError`; the HTTP
status picks the subclass (:func:`error_for_status`), so callers can catch
``NotFound`` or ``Conflict`` without looking at numbers.

Example:
    >>> from aiodock.errors import error_for_status, NotFound
    >>> err = error_for_status(404, "No such container: web")
    >>> isinstance(err, NotFound), err.status, err.message
    (True, 404, 'No such container: web')
"""

from __future__ import annotations

import json

__all__ = [
    "APIVersionError",
    "BadRequest",
    "BuildError",
    "Conflict",
    "ConnectionLost",
    "ContainerError",
    "DockerError",
    "DockerTimeout",
    "EngineUnavailable",
    "ExecError",
    "Forbidden",
    "NotFound",
    "NotModified",
    "ServerError",
    "StreamError",
    "Unauthorized",
]


class DockerError(Exception):
    """An error from the engine or on the way to it.

    ``status`` is the HTTP status the engine answered with, or ``None`` when
    there was no answer (the engine could not be reached, the connection
    broke, a timeout). ``message`` is the engine's own message when it sent
    one.

    Example:
        >>> try:  # doctest: +SKIP
        ...     await docker.containers.remove("web")
        ... except DockerError as exc:
        ...     print(type(exc).__name__, exc.status, exc.message)
        Conflict 409 You cannot remove a running container ...
    """

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message

    def __str__(self) -> str:
        if self.status is None:
            return self.message
        return f"{self.message} (HTTP {self.status})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status!r}, {self.message!r})"


class BadRequest(DockerError):
    """The engine rejected the request as malformed (400).

    Example:
        >>> str(BadRequest(400, "invalid reference format"))
        'invalid reference format (HTTP 400)'
    """


class Unauthorized(DockerError):
    """Registry or engine authentication failed (401).

    Example:
        >>> try:  # doctest: +SKIP
        ...     await docker.images.push("127.0.0.1:5001/app:1")  # no credentials
        ... except Unauthorized as exc:
        ...     print(exc.message)
    """


class Forbidden(DockerError):
    """The engine refused the operation (403).

    Example:
        >>> Forbidden(403, "operation not permitted").status
        403
    """


class NotFound(DockerError):
    """No such object (404): container, image, network, volume, exec...

    Example:
        >>> try:  # doctest: +SKIP
        ...     await docker.containers.inspect("no-such-container")
        ... except NotFound as exc:
        ...     print(exc.message)
        No such container: no-such-container
    """


class Conflict(DockerError):
    """The object is in a state that forbids the operation (409).

    Example:
        >>> try:  # doctest: +SKIP
        ...     await docker.containers.create("busybox", name="web")  # name taken
        ... except Conflict as exc:
        ...     print(exc.status)
        409
    """


class NotModified(DockerError):
    """Nothing to do (304): raised only where the caller asked to see it.

    Example:
        >>> NotModified(304, "container already started").status
        304
    """


class ServerError(DockerError):
    """The engine failed (5xx).

    Example:
        >>> isinstance(ServerError(500, "driver failed"), DockerError)
        True
    """


class EngineUnavailable(DockerError):
    """The engine could not be reached.

    ``address`` is where aiodock looked, ``source`` where that address came
    from (``"argument"``, ``"DOCKER_HOST"``, ``"context 'name'"``,
    ``"default"``), ``reason`` the operating system's or TLS layer's words.

    Example:
        >>> print(EngineUnavailable("/tmp/none.sock", "argument", "No such file or directory"))
        cannot reach the Docker engine at /tmp/none.sock (from argument): No such file or directory
    """

    def __init__(self, address: str, source: str, reason: str) -> None:
        super().__init__(
            None, f"cannot reach the Docker engine at {address} (from {source}): {reason}"
        )
        self.address = address
        self.source = source
        self.reason = reason


class DockerTimeout(DockerError):
    """A request did not complete within its timeout.

    Example:
        >>> try:  # doctest: +SKIP
        ...     async with Docker(timeout=0.001) as docker:
        ...         await docker.system.df()
        ... except DockerTimeout as exc:
        ...     print(exc)
    """


class ConnectionLost(DockerError):
    """The connection to the engine broke, or the engine broke the protocol.

    Example:
        >>> ConnectionLost(None, "the engine closed the connection").status is None
        True
    """


class StreamError(DockerError):
    """The engine reported an error inside a stream (``errorDetail``).

    ``status`` is the HTTP status of the stream (200: the error came after
    the engine had accepted the request), ``code`` the ``errorDetail.code``
    when the engine sent one.

    Example:
        >>> try:  # doctest: +SKIP
        ...     await docker.images.load("not-an-image.tar")
        ... except StreamError as exc:
        ...     print(exc.status, exc.message)
    """

    def __init__(self, message: str, *, status: int | None = 200, code: int | None = None) -> None:
        super().__init__(status, message)
        self.code = code


class BuildError(StreamError):
    """A build failed (a failing ``RUN``, a missing file...).

    ``log`` is the build output up to the failure, the failing command's
    output included.

    Example:
        >>> try:  # doctest: +SKIP
        ...     await docker.images.build("app/", tag="app:1")
        ... except BuildError as exc:
        ...     print(exc.message, exc.log[-200:])
    """

    def __init__(self, message: str, log: str, *, code: int | None = None) -> None:
        super().__init__(message, code=code)
        self.log = log


class ExecError(DockerError):
    """A command run with ``check=True`` exited with a non-zero code.

    ``exit_code`` is the command's exit code; ``stdout`` and ``stderr`` are
    its whole output (bytes; everything is in ``stdout`` behind a TTY).

    Example:
        >>> err = ExecError(["false"], 1, b"", b"")
        >>> err.exit_code, str(err)
        (1, "command ['false'] exited with code 1")
    """

    def __init__(self, cmd: object, exit_code: int, stdout: bytes, stderr: bytes) -> None:
        message = f"command {cmd!r} exited with code {exit_code}"
        tail = stderr.decode("utf-8", "replace").strip()[-500:]
        if tail:
            message += f": {tail}"
        super().__init__(None, message)
        self.cmd = cmd
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr


class ContainerError(DockerError):
    """A container run with ``check=True`` exited with a non-zero code.

    ``container_id`` says which container, ``exit_code`` how it ended,
    ``stderr`` is what it wrote there (bytes; empty behind a TTY).

    Example:
        >>> err = ContainerError("4f1c", 3, b"boom\\n")
        >>> err.exit_code, str(err)
        (3, 'container 4f1c exited with code 3: boom')
    """

    def __init__(
        self, container_id: str, exit_code: int, stderr: bytes, detail: str | None = None
    ) -> None:
        message = f"container {container_id} exited with code {exit_code}"
        tail = stderr.decode("utf-8", "replace").strip()[-500:]
        if detail:
            message += f" ({detail})"
        if tail:
            message += f": {tail}"
        super().__init__(None, message)
        self.container_id = container_id
        self.exit_code = exit_code
        self.stderr = stderr


class APIVersionError(DockerError):
    """The engine and the client cannot agree on an API version, or an
    option needs a newer API version than the one in use.

    Example:
        >>> try:  # doctest: +SKIP
        ...     async with Docker(api_version="1.41") as docker:
        ...         await docker.containers.stop("web", signal="SIGINT")
        ... except APIVersionError as exc:
        ...     print(exc)  # names the option, 1.42 and 1.41
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(status, message)


_BY_STATUS: dict[int, type[DockerError]] = {
    304: NotModified,
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}


def error_for_status(status: int, message: str) -> DockerError:
    """The exception for an HTTP status and the engine's message."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else DockerError
    if status == 400 and _is_version_complaint(message):
        return APIVersionError(message, status)
    return cls(status, message)


_AUTH_FAILURE_HINTS = (
    "401 unauthorized",
    "unauthorized: authentication required",
    "no basic auth credentials",
    "authentication required",
    "incorrect username or password",
)


def registry_error(error: DockerError) -> DockerError:
    """Re-class an engine error that reports a registry's 401.

    dockerd wraps the registry's refusal in a 500 (login, pull) or in the
    stream's ``errorDetail`` (push); callers want :class:`Unauthorized`.
    """
    if isinstance(error, Unauthorized):
        return error
    lowered = error.message.lower()
    if any(hint in lowered for hint in _AUTH_FAILURE_HINTS):
        return Unauthorized(
            error.status if error.status == 401 else 401,
            f"registry authentication failed: {error.message}",
        )
    return error


def message_from_body(body: bytes, content_type: str | None = None) -> str:
    """The readable message of an error response body.

    The engine answers ``{"message": "..."}``; some answers (an old engine's
    "client version too new", a proxy) are plain text or HTML.
    """
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            pass
        else:
            if isinstance(data, dict):
                msg = data.get("message") or data.get("error") or data.get("Message")
                if isinstance(msg, str) and msg:
                    return msg
    if not text:
        return "(empty response body)"
    if len(text) > 2000:
        text = text[:2000] + "..."
    return text


def _is_version_complaint(message: str) -> bool:
    lowered = message.lower()
    return "client version" in lowered and (
        "too new" in lowered or "too old" in lowered or "maximum supported" in lowered
    )
