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
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from functools import lru_cache
from typing import Any, Final, TypeVar, cast

import anyio
import httpcore
import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from ._query import QueryValue, check_timeout, encode_query
from ._transport import EngineTransport
from ._version import __version__
from .config import EngineAddress
from .errors import (
    APIVersionError,
    ConnectionLost,
    DockerError,
    DockerTimeout,
    EngineUnavailable,
    error_for_status,
    message_from_body,
)

T = TypeVar("T")

MIN_API_VERSION: Final = "1.41"
MAX_API_VERSION: Final = "1.55"
USER_AGENT: Final = f"aiodock/{__version__}"
DEFAULT_TRANSPORT: Final = "httpx"
"""The transport for ``unix://`` and plain ``tcp://`` engines when none is named
(``AIODOCK_TRANSPORT`` overrides it); TLS always uses httpx's own."""


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
        raise APIVersionError(f"{exc} (from {source})") from None
    if wanted < parse_version(MIN_API_VERSION) or wanted > parse_version(MAX_API_VERSION):
        raise APIVersionError(
            f"API version {version} (from {source}) is outside what aiodock speaks:"
            f" {MIN_API_VERSION} to {MAX_API_VERSION}"
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
        raise DockerError(None, f"unexpected answer from the engine: {exc}") from None


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
    for code, name in ((errno.ENOENT, "ENOENT"), (errno.ECONNREFUSED, "ECONNREFUSED"),
                       (errno.EACCES, "EACCES")):
        if os.strerror(code) in fallback:
            return f"{os.strerror(code)} ({name})"
    return fallback


class APIClient:
    """The request path: one per :class:`aiodock.Docker`.

    Not public: collections call :meth:`request`, :meth:`get`,
    :meth:`stream`; nothing else talks to httpx.
    """

    def __init__(
        self,
        address: EngineAddress,
        *,
        api_version: str | None,
        api_version_source: str,
        timeout: float | None,
        max_connections: int,
        transport: httpx.AsyncBaseTransport | str | None,
    ) -> None:
        self.address = address
        self.timeout = check_timeout("timeout", timeout)
        if isinstance(max_connections, bool) or not isinstance(max_connections, int) \
                or max_connections < 1:
            raise ValueError(f"max_connections must be a positive integer, not {max_connections!r}")
        self._version: str | None = (
            check_pinned_version(api_version, api_version_source) if api_version else None
        )
        self._version_pinned = self._version is not None
        self._negotiation_lock: anyio.Lock | None = None
        self.pings_sent = 0
        if transport is None or isinstance(transport, str):
            transport = self._default_transport(address, max_connections, transport)
        self._client = httpx.AsyncClient(
            transport=transport,
            base_url=address.base_url,
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(self.timeout),
            trust_env=False,
            follow_redirects=False,
        )
        self.closed = False

    @staticmethod
    def _default_transport(
        address: EngineAddress, max_connections: int, name: str | None
    ) -> httpx.AsyncBaseTransport:
        if name is None:
            name = os.environ.get("AIODOCK_TRANSPORT") or DEFAULT_TRANSPORT
        if name not in ("aiodock", "httpx"):
            raise ValueError(
                f"unknown transport {name!r}: use 'aiodock', 'httpx' or an httpx transport"
            )
        if name == "aiodock" and address.tls is None:
            if address.socket_path is not None:
                return EngineTransport(
                    socket_path=address.socket_path, max_connections=max_connections
                )
            url = httpx.URL(address.base_url)
            return EngineTransport(host=url.host, port=url.port,
                                   max_connections=max_connections)
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        if address.socket_path is not None:
            return httpx.AsyncHTTPTransport(uds=address.socket_path, limits=limits, retries=0)
        verify: ssl.SSLContext | bool = False
        if address.tls is not None:
            try:
                verify = address.tls.ssl_context()
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(
                    f"cannot load the TLS material for {address.url}"
                    f" (from {address.source}): {exc}"
                ) from exc
        return httpx.AsyncHTTPTransport(verify=verify, limits=limits, retries=0)

    async def aclose(self) -> None:
        self.closed = True
        with anyio.CancelScope(shield=True):
            await self._client.aclose()

    # -- version -----------------------------------------------------------

    @property
    def version(self) -> str | None:
        """The API version in use, or ``None`` before negotiation."""
        return self._version

    async def negotiated_version(self) -> str:
        """The API version, negotiating it from ``/_ping`` on first use."""
        if self._version is not None:
            return self._version
        if self._negotiation_lock is None:
            self._negotiation_lock = anyio.Lock()
        async with self._negotiation_lock:
            if self._version is None:
                response = await self.ping()
                self._version = self._choose_version(response.headers.get("Api-Version"))
        return self._version

    @staticmethod
    def _choose_version(engine_version: str | None) -> str:
        if not engine_version:
            # Engines older than 1.25 send no header; they are below our minimum.
            raise APIVersionError(
                f"the engine did not say its API version; aiodock needs {MIN_API_VERSION}"
                f" to {MAX_API_VERSION}"
            )
        try:
            engine = parse_version(engine_version)
        except ValueError:
            raise APIVersionError(
                f"the engine sent an unreadable API version {engine_version!r}"
            ) from None
        if engine < parse_version(MIN_API_VERSION):
            raise APIVersionError(
                f"the engine speaks API {engine_version}, older than aiodock's minimum"
                f" {MIN_API_VERSION} (aiodock speaks {MIN_API_VERSION} to {MAX_API_VERSION})"
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
                f"{what} needs API version {minimum}, but this client speaks {version}"
                f" with the engine"
            )

    async def version_at_least(self, minimum: str) -> bool:
        version = await self.negotiated_version()
        return parse_version(version) >= parse_version(minimum)

    async def ping(self) -> httpx.Response:
        """``GET /_ping`` (unversioned); the raw response, headers and all."""
        self.pings_sent += 1
        return await self.request("GET", "/_ping", versioned=False)

    # -- requests ----------------------------------------------------------

    async def _build(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None,
        json: Any,
        content: Any,
        headers: Mapping[str, str] | None,
        timeout: httpx.Timeout,
        versioned: bool,
    ) -> httpx.Request:
        if self.closed:
            raise DockerError(None, "this Docker client is closed")
        if versioned:
            path = f"/v{await self.negotiated_version()}{path}"
        all_headers = dict(headers) if headers else {}
        body: Any = content
        if json is not None:
            body = jsonlib.dumps(json, separators=(",", ":")).encode()
            all_headers["Content-Type"] = "application/json"
        return self._client.build_request(
            method,
            path,
            params=cast(Any, encode_query(params)) if params else None,
            content=body,
            headers=all_headers,
            timeout=timeout,
        )

    def _short_timeout(self, timeout: TimeoutArg) -> httpx.Timeout:
        if isinstance(timeout, _Default):
            return httpx.Timeout(self.timeout)
        seconds = check_timeout("timeout", timeout)
        # A long operation (wait, stop) still gets the default bound on connecting.
        return httpx.Timeout(seconds, connect=self.timeout, pool=seconds)

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
    ) -> httpx.Response:
        """Send a request and read its whole answer.

        An error status raises its :class:`DockerError`; ``304`` is returned
        when ``allow_not_modified`` (start/stop: already done).
        """
        request = await self._build(
            method, path, params=params, json=json, content=content, headers=headers,
            timeout=self._short_timeout(timeout), versioned=versioned,
        )
        with self.translate_errors():
            response = await self._client.send(request)
        self._raise_for_status(response, allow_not_modified)
        return response

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
        response = await self.request(
            method, path, params=params, json=json, content=content, headers=headers,
            timeout=timeout,
        )
        return cast(T, decode_json(response.content, tp))

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
    ) -> AsyncIterator[httpx.Response]:
        """Send a request and yield the response once its headers are in.

        The body is left to the caller (read it inside
        :meth:`translate_errors`); leaving the block closes the response,
        cancellation included. Streams have no overall timeout: only
        connecting is bounded, and reads when ``idle_timeout`` is given.
        """
        idle = check_timeout("idle_timeout", idle_timeout)
        timeout = httpx.Timeout(connect=self.timeout, read=idle, write=None, pool=None)
        request = await self._build(
            method, path, params=params, json=json, content=content, headers=headers,
            timeout=timeout, versioned=versioned,
        )
        with self.translate_errors():
            response = await self._client.send(request, stream=True)
        try:
            if response.status_code >= 300 and response.status_code != 101:
                with self.translate_errors():
                    await response.aread()
                self._raise_for_status(response, False)
            yield response
        finally:
            with anyio.CancelScope(shield=True), self.translate_errors():
                await response.aclose()

    def _raise_for_status(self, response: httpx.Response, allow_not_modified: bool) -> None:
        status = response.status_code
        if status < 300 or status == 101 or (status == 304 and allow_not_modified):
            return
        message = message_from_body(response.content, response.headers.get("Content-Type"))
        raise error_for_status(status, message)

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Turn transport failures into aiodock errors.

        Nothing from httpx, httpcore, anyio or the socket layer escapes the
        public API: a failed connect is :class:`EngineUnavailable` (saying
        where and why), a timeout :class:`DockerTimeout`, a broken connection
        :class:`ConnectionLost`.
        """
        try:
            yield
        except DockerError:
            raise
        except httpx.ConnectTimeout as exc:
            raise EngineUnavailable(
                self.address.describe(), self.address.source,
                f"timed out connecting after {self.timeout}s",
            ) from exc
        except httpx.PoolTimeout as exc:
            raise DockerTimeout(
                None, f"no free connection to the engine within {self.timeout}s"
                " (all pooled connections are busy; raise max_connections?)",
            ) from exc
        except httpx.TimeoutException as exc:
            raise DockerTimeout(None, f"the engine did not answer in time ({exc!r})") from exc
        except httpx.ConnectError as exc:
            raise EngineUnavailable(
                self.address.describe(), self.address.source, os_reason(exc)
            ) from exc
        except (httpx.TransportError, httpx.StreamError, anyio.BrokenResourceError,
                anyio.EndOfStream, anyio.ClosedResourceError, OSError,
                # raised by a hijacked connection's network stream (attach, exec)
                httpcore.NetworkError) as exc:
            raise ConnectionLost(
                None, f"the connection to the engine at {self.address.describe()} broke:"
                f" {os_reason(exc)}",
            ) from exc
