"""The floor: a minimal asyncio HTTP/1.1 client for the engine's Unix socket.

Written for the benchmarks only: one ``asyncio.Protocol`` per connection, a
keep-alive pool of idle connections, request bodies sent with
Content-Length, responses read with Content-Length, chunked encoding, or
until the connection closes, and the ``101`` upgrade (exec start) read to
its end. No header classes, no URL objects, no models: JSON comes back as
plain dicts. It is what "as little client work as possible" costs, so every
real client is compared to it.

Example:
    >>> async def main():  # doctest: +SKIP
    ...     client = RawHTTP("/var/run/docker.sock")
    ...     status, body = await client.request("GET", "/_ping")
    ...     await client.close()
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from typing import Any

DataSink = Callable[[bytes], None]

_HEAD_END = b"\r\n\r\n"


class HTTPError(Exception):
    """The engine answered with an error status."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:200]!r}")
        self.status = status
        self.body = body


class _Connection(asyncio.Protocol):
    """One socket; parses one response at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buf = bytearray()
        self._reset(None, None)

    def _reset(self, done: asyncio.Future[tuple[int, bytes]] | None, sink: DataSink | None) -> None:
        self._done = done
        self._sink = sink
        self._state = "head"
        self._status = 0
        self._mode = ""
        self._remaining = 0
        self._body = bytearray()
        self.keep_alive = True

    # -- asyncio.Protocol -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._done is None or self._done.done():
            return
        if self._state == "body" and self._mode == "eof":
            if self._buf:
                self._emit(bytes(self._buf))
                self._buf.clear()
            self._finish()
        else:
            self._done.set_exception(ConnectionError(f"connection lost ({exc})"))

    def data_received(self, data: bytes) -> None:
        if self._done is None:
            return
        self._buf += data
        try:
            self._parse()
        except Exception as exc:  # a malformed answer ends this request with an error
            if not self._done.done():
                self._done.set_exception(exc)
            self.keep_alive = False

    # -- the response parser ----------------------------------------------------

    def start(self, data: bytes, sink: DataSink | None) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        done: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
        self._reset(done, sink)
        self.transport.write(data)
        return done

    def _emit(self, data: bytes) -> None:
        if self._sink is not None:
            self._sink(data)
        else:
            self._body += data

    def _finish(self) -> None:
        self._state = "done"
        if self._done is not None and not self._done.done():
            self._done.set_result((self._status, bytes(self._body)))

    def _parse(self) -> None:
        buf = self._buf
        while True:
            if self._state == "head":
                end = buf.find(_HEAD_END)
                if end < 0:
                    return
                self._parse_head(bytes(buf[:end]))
                del buf[: end + 4]
                if self._state == "done":
                    return
            elif self._state == "body":
                if self._mode == "length":
                    take = min(self._remaining, len(buf))
                    if take:
                        self._emit(bytes(buf[:take]))
                        del buf[:take]
                        self._remaining -= take
                    if self._remaining == 0:
                        self._finish()
                    return
                if self._mode == "eof":
                    if buf:
                        self._emit(bytes(buf))
                        buf.clear()
                    return
                # chunked
                if self._remaining == 0:
                    line_end = buf.find(b"\r\n")
                    if line_end < 0:
                        return
                    size = int(bytes(buf[:line_end]).split(b";", 1)[0], 16)
                    del buf[: line_end + 2]
                    if size == 0:
                        self._state = "trailer"
                        continue
                    self._remaining = size + 2  # data plus its CRLF
                take = min(self._remaining - 2, len(buf)) if self._remaining > 2 else 0
                if take > 0:
                    self._emit(bytes(buf[:take]))
                    del buf[:take]
                    self._remaining -= take
                if self._remaining <= 2:
                    if len(buf) < self._remaining:
                        return
                    del buf[: self._remaining]
                    self._remaining = 0
                    continue
                return
            elif self._state == "trailer":
                line_end = buf.find(b"\r\n")
                if line_end < 0:
                    return
                del buf[: line_end + 2]
                if line_end == 0:
                    self._finish()
                    return
            else:
                return

    def _parse_head(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        self._status = int(lines[0].split(b" ", 2)[1])
        length = -1
        chunked = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection" and b"close" in value.lower():
                self.keep_alive = False
        self._state = "body"
        if self._status == 101:
            self._mode = "eof"
            self.keep_alive = False
        elif self._status in (204, 304) or 100 <= self._status < 200:
            self._finish()
        elif chunked:
            self._mode = "chunked"
            self._remaining = 0
        elif length >= 0:
            self._mode = "length"
            self._remaining = length
            if length == 0:
                self._finish()
        else:
            self._mode = "eof"
            self.keep_alive = False


class RawHTTP:
    """A keep-alive pool of HTTP/1.1 connections to one Unix socket."""

    def __init__(self, socket_path: str, *, version: str = "v1.41") -> None:
        self._path = socket_path
        self._prefix = f"/{version}"
        self._idle: deque[_Connection] = deque()
        self._all: set[_Connection] = set()

    async def _acquire(self) -> _Connection:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_unix_connection(_Connection, self._path)
        self._all.add(conn)
        return conn

    def _release(self, conn: _Connection) -> None:
        if conn.keep_alive and not conn.closed:
            self._idle.append(conn)
        else:
            self._drop(conn)

    def _drop(self, conn: _Connection) -> None:
        self._all.discard(conn)
        if conn.transport is not None and not conn.closed:
            conn.transport.close()

    def _encode(self, method: str, path: str, body: bytes | None, extra: bytes) -> bytes:
        head = f"{method} {self._prefix}{path} HTTP/1.1\r\nHost: docker\r\n".encode()
        if body is not None:
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        return head + extra + b"\r\n" + (body or b"")

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        sink: DataSink | None = None,
        upgrade: bool = False,
    ) -> tuple[int, bytes]:
        """Send one request; return ``(status, body)`` (body empty when ``sink``
        took the data). Error statuses raise :class:`HTTPError`."""
        extra = b"Connection: Upgrade\r\nUpgrade: tcp\r\n" if upgrade else b""
        conn = await self._acquire()
        try:
            status, data = await conn.start(self._encode(method, path, body, extra), sink)
        except BaseException:
            self._drop(conn)
            raise
        self._release(conn)
        if status >= 400:
            raise HTTPError(status, data)
        return status, data

    async def get_json(self, method: str, path: str, payload: Any = None) -> Any:
        """A request whose answer is JSON (``payload`` is sent as JSON)."""
        body = None if payload is None else json.dumps(payload).encode()
        _, data = await self.request(method, path, body=body)
        return json.loads(data) if data else None

    async def close(self) -> None:
        """Close every connection."""
        for conn in list(self._all):
            self._drop(conn)
        self._idle.clear()
        await asyncio.sleep(0)


class FrameCounter:
    """Counts the payload bytes of multiplexed log frames, from whole buffers."""

    def __init__(self) -> None:
        self.stdout = 0
        self.stderr = 0
        self.frames = 0
        self._tail = b""

    def feed(self, data: bytes) -> None:
        if self._tail:
            data = self._tail + data
        pos = 0
        end = len(data)
        while end - pos >= 8:
            size = int.from_bytes(data[pos + 4 : pos + 8], "big")
            if end - pos - 8 < size:
                break
            if data[pos] == 2:
                self.stderr += size
            else:
                self.stdout += size
            self.frames += 1
            pos += 8 + size
        self._tail = data[pos:]
