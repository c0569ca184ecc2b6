"""Exceptions raised by aiodock: one family, one constructor shape.

Every error aiodock raises on purpose is a :class:`DockerError`, built the
same way throughout the family: ``Kind(status, message)``, where ``status``
is the HTTP status the engine answered with (``None`` when there was no
answer) and ``message`` says what went wrong; a kind's own details come
after them, keyword-only (``StreamError(200, "...", code=1)``). The HTTP
status the engine answered with picks the kind, so callers catch
``NotFound`` or ``Conflict`` without looking at numbers. Errors pickle and
copy with all their attributes (they cross process boundaries).

The family::

    Exception
     └── DockerError                    status, message
          ├── BadRequest                 400
          ├── Unauthorized               401 (a registry's refusal included)
          ├── Forbidden                  403
          ├── NotFound                   404
          ├── Conflict                   409
          ├── NotModified                304 (only where the caller asked to see it)
          ├── ServerError                5xx
          ├── APIVersionError            no common API version, or an option too new
          ├── InvalidResponse            an answer that cannot be decoded, or lacks an id
          ├── UnsupportedOperation       also a NotImplementedError: the engine lacks the endpoint
          ├── EngineUnavailable          also a ConnectionError: address, source, reason
          ├── ConnectionLost             also a ConnectionError
          ├── DockerTimeout              also a TimeoutError
          ├── StreamError                an error inside a stream: code
          │    └── BuildError            a failed build: log
          ├── ProcessError               a non-zero exit: id, exit_code, stdout, stderr
          │    ├── ExecError             exec(..., check=True): cmd
          │    └── ContainerError        run(..., check=True): container_id
          ├── CredentialsError           the Docker config or a credential helper failed
          └── UnsafeArchiveError         also a ValueError: an entry extract_to refuses

Example:
    >>> from aiodock.errors import DockerError, NotFound
    >>> err = NotFound(404, "No such container: web")
    >>> isinstance(err, DockerError), err.status, err.message
    (True, 404, 'No such container: web')
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "APIVersionError",
    "BadRequest",
    "BuildError",
    "Conflict",
    "ConnectionLost",
    "ContainerError",
    "CredentialsError",
    "DockerError",
    "DockerTimeout",
    "EngineUnavailable",
    "ExecError",
    "Forbidden",
    "InvalidResponse",
    "NotFound",
    "NotModified",
    "ProcessError",
    "ServerError",
    "StreamError",
    "Unauthorized",
    "UnsafeArchiveError",
    "UnsupportedOperation",
]


class DockerError(Exception):
    """An error from the engine or on the way to it.

    ``status`` is the HTTP status the engine answered with, or ``None`` when
    there was no answer (the engine could not be reached, the connection
    broke, a timeout). ``message`` is the engine's own message when it sent
    one. Every kind is built ``Kind(status, message, *, its_details=...)``.

    Example:
        >>> err = DockerError(418, "I'm a teapot")
        >>> err, str(err)
        (DockerError(418, "I'm a teapot"), "I'm a teapot (HTTP 418)")
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

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt without calling the kind's __init__ (whose details are
        # keyword-only), then given back every attribute.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(cls: type[DockerError], args: tuple[Any, ...], state: dict[str, Any]) -> DockerError:
    """Unpickle a :class:`DockerError` of any kind (see ``__reduce__``)."""
    error = cls.__new__(cls, *args)
    # The base after DockerError: Exception's, or OSError's (which fills in
    # errno/strerror) for the kinds that are also ConnectionError/TimeoutError.
    super(DockerError, error).__init__(*args)
    error.__dict__.update(state)
    return error


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

    Podman reports these as a 500 naming the cause ("container state
    improper", "that name is already in use"...): they are a ``Conflict``
    too, with the status the engine sent.

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


class APIVersionError(DockerError):
    """The engine and the client cannot agree on an API version, or an
    option needs a newer API version than the one in use.

    ``status`` is 400 when the engine refused the client's version, ``None``
    when aiodock found the problem before sending anything.

    Example:
        >>> try:  # doctest: +SKIP
        ...     async with Docker(api_version="1.41") as docker:
        ...         await docker.containers.stop("web", signal="SIGINT")
        ... except APIVersionError as exc:
        ...     print(exc)  # names the option, 1.42 and 1.41
    """


class UnsupportedOperation(DockerError, NotImplementedError):
    """The engine has no such endpoint: it answered the request's route
    itself with "page not found", not a missing object. Podman's
    Docker-compatible service lacks some (``POST /containers/{id}/update``,
    ``POST /build/prune``, ``GET /distribution/{name}/json``).

    The message names the method and the path.

    Example:
        >>> try:  # doctest: +SKIP
        ...     await docker.containers.update("web", memory=64 << 20)
        ... except UnsupportedOperation as exc:
        ...     print(exc)  # the engine does not implement POST /v1.41/containers/web/update
    """


class InvalidResponse(DockerError):
    """The engine answered, but not with what the operation expects: a body
    that does not decode into its model, or a creation that names no id.

    ``status`` is the status of that answer when aiodock knows it.

    Example:
        >>> str(InvalidResponse(None, "the engine created a container but sent no id"))
        'the engine created a container but sent no id'
    """


class EngineUnavailable(DockerError, ConnectionError):
    """The engine could not be reached (also a :class:`ConnectionError`).

    ``address`` is where aiodock looked, ``source`` where that address came
    from (``"argument"``, ``"DOCKER_HOST"``, ``"context 'name'"``,
    ``"default"``), ``reason`` the operating system's or TLS layer's words.
    :meth:`at` words the message from them.

    Example:
        >>> err = EngineUnavailable.at("/tmp/none.sock", "argument", "No such file or directory")
        >>> print(err)
        cannot reach the Docker engine at /tmp/none.sock (from argument): No such file or directory
        >>> isinstance(err, ConnectionError), err.status
        (True, None)
    """

    def __init__(
        self, status: int | None, message: str, *, address: str, source: str, reason: str
    ) -> None:
        super().__init__(status, message)
        self.address = address
        self.source = source
        self.reason = reason

    @classmethod
    def at(cls, address: str, source: str, reason: str) -> EngineUnavailable:
        """The error for an engine not reachable at ``address``, worded
        with where it came from and why.

        Args:
            address: Where the client looked (``"unix:///var/run/docker.sock"``).
            source: What said so (``"DOCKER_HOST"``, a context's name, ``"default"``).
            reason: Why it failed (``"connection refused"``).

        Example:
            >>> EngineUnavailable.at("tcp://10.0.0.9:2375", "DOCKER_HOST", "timed out").reason
            'timed out'
        """
        message = f"cannot reach the Docker engine at {address} (from {source}): {reason}"
        return cls(None, message, address=address, source=source, reason=reason)


class ConnectionLost(DockerError, ConnectionError):
    """The connection to the engine broke, or the engine broke the protocol
    (also a :class:`ConnectionError`).

    Example:
        >>> err = ConnectionLost(None, "the engine closed the connection")
        >>> err.status is None, isinstance(err, ConnectionError)
        (True, True)
    """


class DockerTimeout(DockerError, TimeoutError):
    """A request did not complete within its timeout (also a
    :class:`TimeoutError`, so ``except TimeoutError`` catches it with the
    caller's own ``anyio.fail_after``/``asyncio.timeout``).

    Example:
        >>> try:  # doctest: +SKIP
        ...     async with Docker(timeout=0.001) as docker:
        ...         await docker.system.df()
        ... except TimeoutError as exc:
        ...     print(exc)
    """


class StreamError(DockerError):
    """The engine reported an error inside a stream (``errorDetail``).

    ``status`` is the HTTP status of the stream (200: the error came after
    the engine had accepted the request), ``code`` the ``errorDetail.code``
    when the engine sent one.

    Example:
        >>> err = StreamError(200, "unexpected EOF", code=1)
        >>> err.status, err.code, str(err)
        (200, 1, 'unexpected EOF (HTTP 200)')
    """

    def __init__(self, status: int | None, message: str, *, code: int | None = None) -> None:
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

    def __init__(
        self, status: int | None, message: str, *, log: str = "", code: int | None = None
    ) -> None:
        super().__init__(status, message, code=code)
        self.log = log


class ProcessError(DockerError):
    """A process (a container's, or an exec's) exited with a non-zero code
    where the caller asked for a check (``check=True``).

    ``id`` names the container or exec instance, ``exit_code`` is how the
    process ended, ``stdout`` and ``stderr`` are its output (bytes;
    everything is in ``stdout`` behind a TTY). ``status`` is ``None``: the
    engine did its part.

    Example:
        >>> try:  # doctest: +SKIP
        ...     await docker.containers.run("busybox", ["false"], check=True)
        ... except ProcessError as exc:  # ContainerError here, ExecError for exec
        ...     print(exc.id, exc.exit_code, exc.stderr)
    """

    def __init__(
        self,
        status: int | None,
        message: str,
        *,
        id: str,
        exit_code: int,
        stdout: bytes = b"",
        stderr: bytes = b"",
    ) -> None:
        super().__init__(status, message)
        self.id = id
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr


def _exit_message(what: str, exit_code: int, stderr: bytes, detail: str | None = None) -> str:
    message = f"{what} exited with code {exit_code}"
    if detail:
        message += f" ({detail})"
    tail = stderr.decode("utf-8", "replace").strip()[-500:]
    if tail:
        message += f": {tail}"
    return message


class ExecError(ProcessError):
    """A command run with ``exec(..., check=True)`` exited with a non-zero code.

    ``cmd`` is the command, ``id`` the exec instance; ``exit_code``,
    ``stdout`` and ``stderr`` as in :class:`ProcessError`.

    Example:
        >>> err = ExecError.exited("e1", ["false"], 1, b"", b"")
        >>> err.exit_code, str(err)
        (1, "command ['false'] exited with code 1")
    """

    def __init__(
        self,
        status: int | None,
        message: str,
        *,
        id: str,
        exit_code: int,
        stdout: bytes = b"",
        stderr: bytes = b"",
        cmd: object = None,
    ) -> None:
        super().__init__(status, message, id=id, exit_code=exit_code, stdout=stdout, stderr=stderr)
        self.cmd = cmd

    @classmethod
    def exited(
        cls, id: str, cmd: object, exit_code: int, stdout: bytes, stderr: bytes
    ) -> ExecError:
        """The error for exec ``id`` running ``cmd`` that exited with
        ``exit_code``; the message ends with the tail of ``stderr``.

        Args:
            id: The exec instance's id.
            cmd: The command it ran.
            exit_code: Its exit code.
            stdout: Its standard output.
            stderr: Its standard error.

        Example:
            >>> str(ExecError.exited("e1", ["ls", "/x"], 2, b"", b"ls: /x: No such file\\n"))
            "command ['ls', '/x'] exited with code 2: ls: /x: No such file"
        """
        message = _exit_message(f"command {cmd!r}", exit_code, stderr)
        return cls(None, message, id=id, exit_code=exit_code, stdout=stdout, stderr=stderr, cmd=cmd)


class ContainerError(ProcessError):
    """A container run with ``run(..., check=True)`` exited with a non-zero code.

    ``id`` (also ``container_id``) says which container; ``exit_code``,
    ``stdout`` and ``stderr`` as in :class:`ProcessError` (``stderr`` is
    empty behind a TTY).

    Example:
        >>> err = ContainerError.exited("4f1c", 3, b"", b"boom\\n")
        >>> err.exit_code, err.container_id, str(err)
        (3, '4f1c', 'container 4f1c exited with code 3: boom')
    """

    @property
    def container_id(self) -> str:
        """The container's id (the same as ``id``)."""
        return self.id

    @classmethod
    def exited(
        cls,
        id: str,
        exit_code: int,
        stdout: bytes,
        stderr: bytes,
        *,
        detail: str | None = None,
    ) -> ContainerError:
        """The error for container ``id`` that exited with ``exit_code``;
        the message ends with the tail of ``stderr``.

        Args:
            id: The container's id.
            exit_code: Its exit code.
            stdout: Its standard output.
            stderr: Its standard error.
            detail: The engine's word on the wait, if any (``"OOM killed"``).

        Example:
            >>> str(ContainerError.exited("4f1c", 137, b"", b"", detail="OOM killed"))
            'container 4f1c exited with code 137 (OOM killed)'
        """
        message = _exit_message(f"container {id}", exit_code, stderr, detail)
        return cls(None, message, id=id, exit_code=exit_code, stdout=stdout, stderr=stderr)


class CredentialsError(DockerError):
    """The Docker config file could not be read, or a credential helper
    failed (other than by having no credentials for the registry).

    Example:
        >>> try:  # doctest: +SKIP
        ...     await CredentialStore().get("127.0.0.1:5001")
        ... except CredentialsError as exc:
        ...     print(exc)  # e.g. the helper named in config.json is missing
    """


class UnsafeArchiveError(DockerError, ValueError):
    """An archive entry would land outside the target directory, or is a
    kind of file aiodock does not unpack (device, FIFO); also a
    :class:`ValueError`.

    Example:
        >>> str(UnsafeArchiveError(None, "refusing to unpack '../x': the path contains '..'"))
        "refusing to unpack '../x': the path contains '..'"
    """


_BY_STATUS: dict[int, type[DockerError]] = {
    304: NotModified,
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}


def _error_for_status(status: int, message: str) -> DockerError:
    """The exception for an HTTP status and the engine's message."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else DockerError
    if status == 400 and _is_version_complaint(message):
        return APIVersionError(status, message)
    if status == 500 and message.rstrip().endswith(_CONFLICT_CAUSES):
        return Conflict(status, message)
    if status == 500 and message.rstrip().endswith(_FORBIDDEN_CAUSES):
        return Forbidden(status, message)
    return cls(status, message)


# Podman answers a conflict with a 500 whose message ends with the cause
# (libpod's error names): the same situations get a 409 from dockerd.
_CONFLICT_CAUSES = (
    "container state improper",
    "container already exists",
    "that name is already in use",
    "network already exists",
    "volume already exists",
    "volume is being used",
    "network is being used",
    "pod already exists",
)


# ... and a refusal that dockerd answers with a 403.
_FORBIDDEN_CAUSES = ("cannot be removed",)


_AUTH_FAILURE_HINTS = (
    "401 unauthorized",
    "unauthorized: authentication required",
    "no basic auth credentials",
    "authentication required",
    "incorrect username or password",
)


def _registry_error(error: DockerError) -> DockerError:
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


def _message_from_body(body: bytes, content_type: str | None = None) -> str:
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


# What a 404 says when no route matched (dockerd: "page not found" in JSON;
# Podman: Go's plain-text "Not Found"), not an object that is missing.
_MISSING_ROUTE_MESSAGES = frozenset({"page not found", "404 page not found", "not found"})


def _is_missing_route(message: str) -> bool:
    lowered = message.strip().lower()
    # Podman, for a whole API it lacks: "Path /v1.41/plugins is not supported"
    return lowered in _MISSING_ROUTE_MESSAGES or (
        lowered.startswith("path /") and lowered.endswith(" is not supported")
    )


def _is_version_complaint(message: str) -> bool:
    lowered = message.lower()
    return "client version" in lowered and (
        "too new" in lowered or "too old" in lowered or "maximum supported" in lowered
    )
