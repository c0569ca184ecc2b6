"""The one request path every aiodock operation goes through.

It builds the versioned URL, encodes the query, sends JSON or streamed
bodies, turns an error status into the matching :class:`DockerError`,
decodes JSON straight into pydantic models, negotiates the API version
(once, however many tasks ask at the same moment), and translates transport
failures (no engine, timeouts, broken connections) into aiodock errors.
"""

from __future__ import annotations

import errno
import json as jsonlib
import os
import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, Final, TypeVar, cast

import anyio
import httpcore
import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from . import _check
from ._gate import gate_for
from ._query import QueryValue
from ._reply import Reply
from ._seam import HeadEncoder, Transport
from ._transport import EngineTransport
from ._version import __version__
from .auth import CredentialStore
from .config import EngineAddress
from .errors import (
    APIVersionError,
    ConnectionLost,
    DockerError,
    DockerTimeout,
    EngineUnavailable,
    InvalidResponse,
    UnsupportedOperation,
    _error_for_status,
    _is_missing_route,
    _message_from_body,
)

T = TypeVar("T")

MIN_API_VERSION: Final = "1.41"
MAX_API_VERSION: Final = "1.55"
USER_AGENT: Final = f"aiodock/{__version__}"
DEFAULT_TRANSPORT: Final = "aiodock"
"""The transport for ``unix://`` and plain ``tcp://`` engines when none is named
(``AIODOCK_TRANSPORT`` overrides it); TLS always uses httpx's own."""


_JSON_TYPE: Final = {"Content-Type": "application/json"}


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Final = _Default()
"""Use the client's default timeout for short requests."""

TimeoutArg = float | None | _Default


def parse_version(version: str) -> tuple[int, int]:
    """``"1.41"`` -> ``(1, 41)``; ``ValueError`` for anything else."""
    major, _, minor = version.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise ValueError(f"API version must look like '1.41', not {version!r}")
    return int(major), int(minor)


def check_pinned_version(version: str, source: str) -> str:
    """Validate an API version pinned by the caller or DOCKER_API_VERSION."""
    try:
        wanted = parse_version(version.strip().removeprefix("v"))
    except ValueError as exc:
        raise APIVersionError(None, f"{exc} (from {source})") from None
    if wanted < parse_version(MIN_API_VERSION) or wanted > parse_version(MAX_API_VERSION):
        raise APIVersionError(
            None,
            f"API version {version} (from {source}) is outside what aiodock speaks:"
            f" {MIN_API_VERSION} to {MAX_API_VERSION}",
        )
    return f"{wanted[0]}.{wanted[1]}"


@lru_cache(maxsize=256)
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def decode_json(content: bytes, tp: type[T] | Any) -> T:
    """Decode JSON bytes straight into ``tp`` (a model class or any type)."""
    try:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return cast(T, tp.model_validate_json(content))
        return cast(T, _adapter(tp).validate_json(content))
    except ValidationError as exc:
        raise InvalidResponse(None, f"unexpected answer from the engine: {exc}") from None


def os_reason(exc: BaseException) -> str:
    """The operating system's (or TLS layer's) words for why a connection
    failed, found anywhere in the exception's chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    fallback = str(exc) or type(exc).__name__
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"TLS certificate verification failed: {current.verify_message}"
        if isinstance(current, ssl.SSLError):
            return f"TLS error: {current.reason or current}"
        if isinstance(current, OSError) and current.errno is not None:
            name = errno.errorcode.get(current.errno, str(current.errno))
            return f"{os.strerror(current.errno)} ({name})"
        if isinstance(current, TimeoutError):
            return "timed out"
        current = current.__cause__ or current.__context__
    for code, name in (
        (errno.ENOENT, "ENOENT"),
        (errno.ECONNREFUSED, "ECONNREFUSED"),
        (errno.EACCES, "EACCES"),
    ):
        if os.strerror(code) in fallback:
            return f"{os.strerror(code)} ({name})"
    return fallback


class APIClient:
    """The request path: one per :class:`aiodock.Docker`.

    Not public: collections call :meth:`request`, :meth:`get`,
    :meth:`stream`; every request goes through one :class:`~aiodock._seam.Transport`
    (aiodock's own, or the adapter around an httpx transport), with its head
    encoded by one :class:`~aiodock._seam.HeadEncoder`.
    """

    def __init__(
        self,
        address: EngineAddress,
        *,
        api_version: str | None,
        api_version_source: str,
        timeout: float | None,
        max_connections: int,
        transport: Transport | httpx.AsyncBaseTransport | str | None,
        credentials: CredentialStore,
    ) -> None:
        self.address = address
        self.credentials = credentials
        """Registry credentials, read from the client's environment (``Docker(env=...)``)."""
        self.timeout = _check.seconds("timeout", timeout)
        if (
            isinstance(max_connections, bool)
            or not isinstance(max_connections, int)
            or max_connections < 1
        ):
            raise ValueError(f"max_connections must be a positive integer, not {max_connections!r}")
        self._version: str | None = (
            check_pinned_version(api_version, api_version_source) if api_version else None
        )
        self._version_pinned = self._version is not None
        self._version_source = api_version_source
        self._engine_api_version: str | None = None
        self._pin_refusal: str | None = None
        self.podman = False
        """Whether the engine is Podman's Docker-compatible service (learnt
        from ``/_ping``: it sends ``Libpod-Api-Version``)."""
        self._negotiation_lock: anyio.Lock | None = None
        self.pings_sent = 0
        if transport is None or isinstance(transport, str):
            transport = self._default_transport(address, max_connections, transport)
        elif not isinstance(transport, Transport):
            from ._httpx_seam import HTTPXTransport

            transport = HTTPXTransport(address.base_url, transport)
        self._transport: Transport = transport
        host = httpx.URL(address.base_url).netloc.decode("ascii")
        self._encode_head = HeadEncoder(host, USER_AGENT)
        self.closed = False
        self._translator = _ErrorTranslator(self)

    @classmethod
    def _default_transport(
        cls, address: EngineAddress, max_connections: int, name: str | None
    ) -> Transport:
        if name is None:
            name = os.environ.get("AIODOCK_TRANSPORT") or DEFAULT_TRANSPORT
        if name not in ("aiodock", "httpx"):
            raise ValueError(
                f"unknown transport {name!r}: use 'aiodock', 'httpx' or an httpx transport"
            )
        if name == "aiodock" and address.tls is None:
            limit = max_connections or 100
            if address.socket_path is not None:
                return EngineTransport(socket_path=address.socket_path, max_connections=limit)
            url = httpx.URL(address.base_url)
            return EngineTransport(host=url.host, port=url.port, max_connections=limit)
        from ._httpx_seam import HTTPXTransport

        # httpx's pool cannot tell streams from short calls: streams get a
        # pool of their own, without a limit, so long follows never starve
        # short requests (EngineTransport does this within one pool).
        return HTTPXTransport(
            address.base_url,
            cls._httpx_transport(address, max_connections),
            cls._httpx_transport(address, None),
        )

    @staticmethod
    def _httpx_transport(
        address: EngineAddress, max_connections: int | None
    ) -> httpx.AsyncBaseTransport:
        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections if max_connections else 20,
        )
        if address.socket_path is not None:
            return httpx.AsyncHTTPTransport(uds=address.socket_path, limits=limits, retries=0)
        verify: ssl.SSLContext | bool = False
        if address.tls is not None:
            try:
                verify = address.tls.ssl_context()
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(
                    f"cannot load the TLS material for {address.url} (from {address.source}): {exc}"
                ) from exc
        return httpx.AsyncHTTPTransport(verify=verify, limits=limits, retries=0)

    async def aclose(self) -> None:
        self.closed = True
        with anyio.CancelScope(shield=True):
            await self._transport.aclose()

    # -- version -----------------------------------------------------------

    @property
    def version(self) -> str | None:
        """The API version in use, or ``None`` before negotiation."""
        return self._version

    async def negotiated_version(self) -> str:
        """The API version, negotiating it from ``/_ping`` on first use (a
        pinned version is used as it is, without a ping)."""
        if self._version is not None:
            return self._version
        if self._negotiation_lock is None:
            self._negotiation_lock = anyio.Lock()
        async with self._negotiation_lock:
            if self._version is None:
                response = await self.ping()
                self._version = self._choose_version(response.headers.get("Api-Version"))
        return self._version

    async def is_podman(self) -> bool:
        """Whether the engine is Podman, known before anything is sent: a
        negotiated client learnt it from ``/_ping``; a pinned one learns it
        from its first answer, or from a ping here when it has had none yet
        (for the operations whose request depends on it)."""
        await self.negotiated_version()
        if self._engine_api_version is None:
            await self.ping()
        return self.podman

    def _learn_engine(self, reply: Reply) -> None:
        """Note the engine's kind and API version from its first answer, and
        refuse a pinned version newer than the engine's: Podman answers any
        version in the URL as if it were its own (dockerd refuses it)."""
        headers = reply.headers
        engine_version = headers.get("Api-Version")
        if engine_version is None:
            return
        self._engine_api_version = engine_version
        self.podman = "Libpod-Api-Version" in headers
        if self._version_pinned and self._version is not None:
            try:
                newer = parse_version(self._version) > parse_version(engine_version)
            except ValueError:
                return
            if newer:
                self._pin_refusal = (
                    f"API version {self._version} (from {self._version_source}) is newer"
                    f" than the engine's {engine_version}"
                )
                raise APIVersionError(None, self._pin_refusal)

    @staticmethod
    def _choose_version(engine_version: str | None) -> str:
        if not engine_version:
            # Engines older than 1.25 send no header; they are below our minimum.
            raise APIVersionError(
                None,
                f"the engine did not say its API version; aiodock needs {MIN_API_VERSION}"
                f" to {MAX_API_VERSION}",
            )
        try:
            engine = parse_version(engine_version)
        except ValueError:
            raise APIVersionError(
                None, f"the engine sent an unreadable API version {engine_version!r}"
            ) from None
        if engine < parse_version(MIN_API_VERSION):
            raise APIVersionError(
                None,
                f"the engine speaks API {engine_version}, older than aiodock's minimum"
                f" {MIN_API_VERSION} (aiodock speaks {MIN_API_VERSION} to {MAX_API_VERSION})",
            )
        if engine > parse_version(MAX_API_VERSION):
            return MAX_API_VERSION
        return f"{engine[0]}.{engine[1]}"

    async def require_version(self, what: str, minimum: str) -> None:
        """Raise :class:`APIVersionError` when ``what`` needs a newer API
        version than the one in use (instead of dropping it silently)."""
        version = await self.negotiated_version()
        if parse_version(version) < parse_version(minimum):
            raise APIVersionError(
                None,
                f"{what} needs API version {minimum}, but this client speaks {version}"
                f" with the engine",
            )

    async def version_at_least(self, minimum: str) -> bool:
        version = await self.negotiated_version()
        return parse_version(version) >= parse_version(minimum)

    async def ping(self) -> Reply:
        """``GET /_ping`` (unversioned); the raw response, headers and all."""
        self.pings_sent += 1
        reply = await self.request("GET", "/_ping", versioned=False)
        if self._engine_api_version is None:
            self._learn_engine(reply)
        return reply

    # -- requests ----------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None,
        json: Any,
        content: Any,
        headers: Mapping[str, str] | None,
        versioned: bool,
        read: bool,
        long: bool,
        idle_timeout: float | None,
        timeout: float | None,
        fresh: bool = False,
    ) -> Reply:
        """Send one request; the reply has its body read when ``read``."""
        if self.closed:
            raise DockerError(None, "this Docker client is closed")
        if versioned:
            version = self._version or await self.negotiated_version()
            if self._pin_refusal is not None:
                raise APIVersionError(None, self._pin_refusal)
            # What this version lacks raises here, before anything is sent.
            params, json = gate_for(version).check(method, path, params, json)
            path = f"/v{version}{path}"
        body: Any = content
        if json is not None:
            body = jsonlib.dumps(json, separators=(",", ":")).encode()
            headers = {**headers, "Content-Type": "application/json"} if headers else _JSON_TYPE
        head = self._encode_head(method, path, params, headers, body)
        with self.translate_errors():
            return await self._transport.send(
                head,
                body,
                read=read,
                long=long,
                fresh=fresh,
                connect_timeout=self.timeout,
                idle_timeout=idle_timeout,
                timeout=timeout,
            )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: TimeoutArg = DEFAULT,
        versioned: bool = True,
        allow_not_modified: bool = False,
    ) -> Reply:
        """Send a request and read its whole answer.

        An error status raises its :class:`DockerError`; ``304`` is returned
        when ``allow_not_modified`` (start/stop: already done). ``timeout``
        bounds the whole exchange (default: the client's); ``None`` leaves
        it unbounded (wait, stop), though connecting stays bounded.
        """
        seconds = (
            self.timeout if isinstance(timeout, _Default) else _check.seconds("timeout", timeout)
        )
        if seconds is None:
            reply = await self._send(
                method,
                path,
                params=params,
                json=json,
                content=content,
                headers=headers,
                versioned=versioned,
                read=True,
                long=False,
                idle_timeout=None,
                timeout=None,
            )
        else:
            # One deadline for the whole exchange (cheaper than one per read).
            with anyio.CancelScope(deadline=anyio.current_time() + seconds) as scope:
                reply = await self._send(
                    method,
                    path,
                    params=params,
                    json=json,
                    content=content,
                    headers=headers,
                    versioned=versioned,
                    read=True,
                    long=False,
                    idle_timeout=None,
                    timeout=seconds,
                )
            if scope.cancelled_caught:
                raise DockerTimeout(
                    None, f"the engine did not answer {method} {path} within {seconds}s"
                )
        if self._engine_api_version is None and versioned:
            self._learn_engine(reply)
        self._raise_for_status(reply, allow_not_modified, method, path)
        return reply

    async def get(
        self,
        tp: type[T] | Any,
        path: str,
        *,
        method: str = "GET",
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: TimeoutArg = DEFAULT,
    ) -> T:
        """Send a request and decode its JSON answer into ``tp``."""
        reply = await self.request(
            method,
            path,
            params=params,
            json=json,
            content=content,
            headers=headers,
            timeout=timeout,
        )
        return cast(T, decode_json(reply.content, tp))

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = None,
        versioned: bool = True,
        hijacks: bool = False,
    ) -> AsyncIterator[Reply]:
        """Send a request and yield the reply once its headers are in.

        The body is left to the caller (read it inside
        :meth:`translate_errors`); leaving the block closes the reply,
        cancellation included. Streams have no overall timeout: only
        connecting is bounded, and reads when ``idle_timeout`` is given.
        A stream's connection does not count against ``max_connections``,
        so long streams never starve short requests. ``hijacks`` says the
        engine will keep the connection (attach, exec): it goes out on a
        new connection, leaving the kept-alive ones for other requests.
        """
        idle = _check.seconds("idle_timeout", idle_timeout)
        reply = await self._send(
            method,
            path,
            params=params,
            json=json,
            content=content,
            headers=headers,
            versioned=versioned,
            read=False,
            long=True,
            idle_timeout=idle,
            timeout=None,
            fresh=hijacks,
        )
        try:
            if self._engine_api_version is None and versioned:
                self._learn_engine(reply)
            if reply.status_code >= 300 and reply.status_code != 101:
                with self.translate_errors():
                    await reply.aread()
                self._raise_for_status(reply, False, method, path)
            yield reply
        finally:
            with anyio.CancelScope(shield=True), self.translate_errors():
                await reply.aclose()

    def _raise_for_status(
        self, reply: Reply, allow_not_modified: bool, method: str, path: str
    ) -> None:
        status = reply.status_code
        if status < 300 or status == 101 or (status == 304 and allow_not_modified):
            return
        message = _message_from_body(reply.content, reply.headers.get("Content-Type"))
        if status == 404 and _is_missing_route(message):
            raise UnsupportedOperation(
                status, f"the engine does not implement {method} {path} ({message})"
            )
        raise _error_for_status(status, message)

    def translate_errors(self) -> _ErrorTranslator:
        """Turn transport failures into aiodock errors (``with`` it).

        Nothing from httpx, httpcore, anyio or the socket layer escapes the
        public API: a failed connect is :class:`EngineUnavailable` (saying
        where and why), a timeout :class:`DockerTimeout`, a broken connection
        :class:`ConnectionLost`.
        """
        return self._translator

    def translated(self, exc: BaseException) -> DockerError | None:
        """The aiodock error for a transport failure (``None``: not one)."""
        if isinstance(exc, DockerError):
            return None
        if isinstance(exc, httpx.ConnectTimeout):
            return EngineUnavailable.at(
                self.address.describe(),
                self.address.source,
                f"timed out connecting after {self.timeout}s",
            )
        if isinstance(exc, httpx.PoolTimeout):
            return DockerTimeout(
                None,
                f"no free connection to the engine within {self.timeout}s"
                " (all pooled connections are busy; raise max_connections?)",
            )
        if isinstance(exc, httpx.TimeoutException):
            return DockerTimeout(None, f"the engine did not answer in time ({exc!r})")
        if isinstance(exc, httpx.ConnectError):
            return EngineUnavailable.at(
                self.address.describe(), self.address.source, os_reason(exc)
            )
        if isinstance(
            exc,
            (
                httpx.TransportError,
                httpx.StreamError,
                anyio.BrokenResourceError,
                anyio.EndOfStream,
                anyio.ClosedResourceError,
                OSError,
                # raised by a hijacked connection's network stream (attach, exec)
                httpcore.NetworkError,
            ),
        ):
            return ConnectionLost(
                None,
                f"the connection to the engine at {self.address.describe()} broke:"
                f" {os_reason(exc)}",
            )
        return None


class _ErrorTranslator:
    """``with api.translate_errors():`` (a class, not a generator: it is on
    every request's path, and one instance serves every use)."""

    __slots__ = ("_api",)

    def __init__(self, api: APIClient) -> None:
        self._api = api

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if exc is not None:
            error = self._api.translated(exc)
            if error is not None:
                raise error from exc
