"""The one seam under the request path: what a transport must do for aiodock.

:mod:`aiodock._api` encodes every request head here, once
(:class:`HeadEncoder`), and hands it to a :class:`Transport`, which sends it
and answers with a :class:`~aiodock._reply.Reply`. Two transports implement
the seam: aiodock's own HTTP/1.1 transport
(:class:`~aiodock._transport.EngineTransport`, the default for ``unix://``
and plain ``tcp://``) and an adapter around any ``httpx.AsyncBaseTransport``
(:mod:`aiodock._httpx_seam`: TLS, ``httpx.MockTransport``, a caller's own).
So a unit test on a mock goes through the same request path users get by
default; only the last step (bytes on a socket, or an ``httpx.Request``)
differs.

This module imports no HTTP library.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, Mapping
from typing import Final
from urllib.parse import quote

from ._query import QueryValue, encode_query
from ._reply import Reply

# Collections quote what they put in a path (a ref with "/" is "%2F"): keep
# their escapes, quote only what is left.
_PATH_SAFE: Final = "/:@!$&'()*+,;=-._~%"
_SAFE_PATH: Final = re.compile(r"[A-Za-z0-9/:@!$&'()*+,;=._~%-]*")
_SAFE_VALUE: Final = re.compile(r"[A-Za-z0-9._~-]*")
_METHODS_WITH_BODY: Final = frozenset({"POST", "PUT", "PATCH"})

Body = bytes | AsyncIterable[bytes] | None
"""A request body: bytes (sent with a length), a stream (sent chunked), or none."""


class Head:
    """A request's method, target and headers, in the order they are sent.

    ``target`` is the percent-encoded path and query; ``headers`` carries
    everything on the wire, ``Host`` and the body's framing
    (``Content-Length`` or ``Transfer-Encoding: chunked``) included, so a
    transport adds nothing of its own.
    """

    __slots__ = ("chunked", "headers", "method", "target")

    def __init__(
        self, method: str, target: str, headers: list[tuple[str, str]], chunked: bool = False
    ) -> None:
        self.method = method
        self.target = target
        self.headers = headers
        self.chunked = chunked
        """The body is sent in chunks (its length is not known up front)."""

    def encode(self) -> bytes:
        """The head as HTTP/1.1 puts it on the wire."""
        parts = [self.method, " ", self.target, " HTTP/1.1\r\n"]
        for name, value in self.headers:
            parts += (name, ": ", value, "\r\n")
        parts.append("\r\n")
        return "".join(parts).encode("latin-1")

    @property
    def upgrades(self) -> bool:
        """The request asks to switch protocols (attach and exec with stdin)."""
        return any(name.lower() == "upgrade" for name, _ in self.headers)

    def __repr__(self) -> str:
        return f"<Head {self.method} {self.target}>"


class HeadEncoder:
    """Encodes request heads for one engine (its ``Host``, aiodock's
    ``User-Agent``): the only place a request head is built."""

    __slots__ = ("_fixed",)

    def __init__(self, host: str, user_agent: str) -> None:
        self._fixed = (("Host", host), ("User-Agent", user_agent))

    def __call__(
        self,
        method: str,
        path: str,
        params: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Body = None,
    ) -> Head:
        """The head of ``method path?params`` with ``headers`` and ``body``'s
        framing. Raises ``ValueError`` for a header with a line break."""
        target = path if _SAFE_PATH.fullmatch(path) else quote(path, safe=_PATH_SAFE)
        if params:
            query = encode_query(params)
            if query:
                target += "?" + "&".join(
                    f"{key}={value if _SAFE_VALUE.fullmatch(value) else quote(value, safe='')}"
                    for key, value in query
                )
        lines = list(self._fixed)
        if headers:
            for name, value in headers.items():
                if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                    raise ValueError(f"header {name!r} has a line break in it")
                lines.append((name, value))
        chunked = False
        if isinstance(body, bytes):
            lines.append(("Content-Length", str(len(body))))
        elif body is not None:
            lines.append(("Transfer-Encoding", "chunked"))
            chunked = True
        elif method in _METHODS_WITH_BODY:
            lines.append(("Content-Length", "0"))
        return Head(method, target, lines, chunked)


class Transport(ABC):
    """What carries aiodock's requests to the engine.

    One method serves the three kinds of exchange the request path makes:

    - a short call: ``read=True``, the reply comes back with its body read
      and its connection released;
    - a stream: ``read=False``, the reply comes back once its head is in,
      and the caller reads the body and closes the reply;
    - an upgrade (attach, exec with stdin): the head asks for one
      (:attr:`Head.upgrades`), ``fresh=True``; a ``101`` reply carries the
      raw two-way connection in ``extensions["network_stream"]``.

    Timeouts: ``connect_timeout`` bounds connecting; ``idle_timeout`` bounds
    each wait for the engine (streams); ``timeout`` is the bound on the whole
    exchange that the caller enforces with a cancel scope around the call (a
    transport may also use it for its own waits, such as for a free
    connection). ``long`` marks a stream, which should not take a slot that
    short calls need. Failures are raised as httpx's exceptions
    (``httpx.ConnectError``, ``httpx.ReadTimeout``...), which the request
    path turns into aiodock's errors.
    """

    @abstractmethod
    async def send(
        self,
        head: Head,
        body: Body = None,
        *,
        read: bool,
        long: bool = False,
        fresh: bool = False,
        connect_timeout: float | None = None,
        idle_timeout: float | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """Send one request and return the engine's reply."""

    @abstractmethod
    async def aclose(self) -> None:
        """Close every connection the transport holds."""
