"""The engine's answer to one request, whichever transport carried it.

aiodock's own transport builds a :class:`Reply` directly from the bytes it
parsed (no ``httpx.Response`` in the hot path); any other transport's
``httpx.Response`` is wrapped in one. The request path and the stream
objects only ever see this small interface.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import httpx


class ReplyHeaders(dict[str, str]):
    """Response headers, looked up without regard to case.

    Keys are stored lower-cased; repeated headers are joined with ``", "``.

    Example:
        >>> h = ReplyHeaders.from_raw([(b"Api-Version", b"1.41")])
        >>> h.get("API-VERSION"), h["api-version"], "Api-Version" in h
        ('1.41', '1.41', True)
    """

    @classmethod
    def from_raw(cls, raw: Iterable[tuple[bytes, bytes]]) -> ReplyHeaders:
        headers = cls()
        setitem = dict.__setitem__
        for name, value in raw:
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            if dict.__contains__(headers, key):
                text = dict.__getitem__(headers, key) + ", " + text
            setitem(headers, key, text)
        return headers

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self, key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, key.lower())

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key.lower() if isinstance(key, str) else key)


class ReplyNotRead(RuntimeError):
    """``Reply.content`` was used before the body was read."""


class Reply:
    """Status, headers and a body that is either read or still streaming.

    ``extensions["network_stream"]`` holds the raw two-way connection after
    a ``101`` upgrade (attach, exec).

    Example:
        >>> r = Reply(200, ReplyHeaders(), content=b'{"ok": true}')
        >>> r.status_code, r.json()
        (200, {'ok': True})
    """

    __slots__ = (
        "_body",
        "_closer",
        "_content",
        "_reader",
        "extensions",
        "headers",
        "is_closed",
        "status_code",
    )

    def __init__(
        self,
        status_code: int,
        headers: ReplyHeaders,
        *,
        content: bytes | None = None,
        body: AsyncIterable[bytes] | None = None,
        reader: Callable[[], Awaitable[bytes]] | None = None,
        closer: Callable[[], Awaitable[None]] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.extensions = extensions if extensions is not None else {}
        self._content = content
        self._body = body
        self._reader = reader
        self._closer = closer
        self.is_closed = False
        """Whether :meth:`aclose` has run (the connection is released)."""

    @classmethod
    def from_httpx(cls, response: httpx.Response) -> Reply:
        """Wrap a (streaming or read) ``httpx.Response``."""
        headers = ReplyHeaders.from_raw(response.headers.raw)
        try:
            content: bytes | None = response.content
        except httpx.ResponseNotRead:
            content = None
        return cls(
            response.status_code,
            headers,
            content=content,
            body=None if content is not None else response.aiter_raw(),
            closer=response.aclose,
            extensions=response.extensions,
        )

    @property
    def content(self) -> bytes:
        """The whole body (after :meth:`aread`)."""
        if self._content is None:
            raise ReplyNotRead("the body of this reply has not been read")
        return self._content

    @property
    def is_read(self) -> bool:
        return self._content is not None

    def json(self) -> Any:
        return json.loads(self.content)

    async def aread(self) -> bytes:
        """Read the rest of the body and keep it."""
        if self._content is None:
            body, self._body = self._body, None
            if self._reader is not None and body is not None:
                self._content = await self._reader()
            elif body is None:
                self._content = b""
            else:
                self._content = b"".join([chunk async for chunk in body])
        return self._content

    def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive (once)."""
        if self._content is not None:
            return _once(self._content)
        body, self._body = self._body, None
        if body is None:
            raise RuntimeError("the body of this reply was already consumed")
        return aiter(body)

    async def aclose(self) -> None:
        """Release the connection (closed unless the body was read to its end)."""
        self.is_closed = True
        closer, self._closer = self._closer, None
        if closer is not None:
            await closer()

    def __repr__(self) -> str:
        return f"<Reply {self.status_code}>"


async def _once(data: bytes) -> AsyncIterator[bytes]:
    if data:
        yield data
