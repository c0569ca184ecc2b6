"""A small HTTP/1.1 transport for the engine's socket (Unix or plain TCP).

It implements ``httpx.AsyncBaseTransport`` on anyio streams, so everything
above it (``httpx.AsyncClient``, aiodock's request path) is unchanged and it
runs on asyncio and trio. It does only what the engine needs: a keep-alive
pool, Content-Length and chunked bodies both ways, bodies that last until
the connection closes (a hijacked stream the engine did not upgrade), and
``101`` upgrades that hand the raw connection back (attach, exec). No
proxies, cookies, redirects, compression or HTTP/2.

Failures are raised as httpx's exceptions (``ConnectError``,
``ReadTimeout``, ``RemoteProtocolError``...), which aiodock's request path
turns into its own errors.
"""

from __future__ import annotations

import select
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import contextmanager, suppress
from typing import Any, Final

import anyio
import anyio.abc
import httpx

_MAX_HEAD: Final = 64 * 1024
_READ_SIZE: Final = 256 * 1024
_NO_BODY_STATUS: Final = frozenset({204, 304})

Connector = Callable[[], Awaitable[anyio.abc.SocketStream]]


@contextmanager
def _deadline(seconds: float | None, error: type[httpx.TimeoutException], what: str) -> Any:
    if seconds is None:
        yield
        return
    try:
        with anyio.fail_after(seconds):
            yield
    except TimeoutError:
        raise error(f"{what} timed out after {seconds}s") from None


class _Connection:
    """One socket and the bytes read from it but not consumed yet."""

    __slots__ = ("buffer", "closed", "stream")

    def __init__(self, stream: anyio.abc.SocketStream) -> None:
        self.stream = stream
        self.buffer = bytearray()
        self.closed = False

    async def receive(self, timeout: float | None) -> bytes:
        """Read what the socket has (b"" at end of stream)."""
        try:
            with _deadline(timeout, httpx.ReadTimeout, "reading from the engine"):
                return await self.stream.receive(_READ_SIZE)
        except anyio.EndOfStream:
            return b""
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            raise httpx.ReadError(f"reading from the engine failed: {exc!r}") from exc

    async def send(self, data: bytes, timeout: float | None) -> None:
        try:
            with _deadline(timeout, httpx.WriteTimeout, "writing to the engine"):
                await self.stream.send(data)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            raise httpx.WriteError(f"writing to the engine failed: {exc!r}") from exc

    def is_reusable(self) -> bool:
        """An idle connection is reusable if the engine has not closed it
        (nothing to read: a readable idle socket means EOF or junk)."""
        if self.closed or self.buffer:
            return False
        sock = self.stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
        if sock is None:
            return False
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def abort(self) -> None:
        """Close at once, without awaiting (safe from any exit path)."""
        if self.closed:
            return
        self.closed = True
        sock = self.stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    async def aclose(self) -> None:
        self.abort()
        with anyio.CancelScope(shield=True):
            with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                await self.stream.aclose()


class _Pool:
    """Keep-alive connections, at most ``max_connections`` in use at once."""

    def __init__(self, connect: Connector, max_connections: int) -> None:
        self._connect = connect
        self._max = max_connections
        self._idle: list[_Connection] = []
        self._in_use = 0
        self._waiters: list[anyio.Event] = []
        self.closed = False

    async def acquire(self, pool_timeout: float | None,
                      connect_timeout: float | None) -> _Connection:
        if self.closed:
            raise httpx.ConnectError("the transport is closed")
        if self._in_use >= self._max:
            await self._wait_for_slot(pool_timeout)
        self._in_use += 1
        try:
            while self._idle:
                conn = self._idle.pop()
                if conn.is_reusable():
                    return conn
                await conn.aclose()
            return await self._open(connect_timeout)
        except BaseException:
            self._release_slot()
            raise

    async def _wait_for_slot(self, timeout: float | None) -> None:
        with _deadline(timeout, httpx.PoolTimeout, "waiting for a free connection"):
            while self._in_use >= self._max:
                event = anyio.Event()
                self._waiters.append(event)
                try:
                    await event.wait()
                finally:
                    if event in self._waiters:
                        self._waiters.remove(event)

    async def _open(self, timeout: float | None) -> _Connection:
        try:
            with _deadline(timeout, httpx.ConnectTimeout, "connecting to the engine"):
                stream = await self._connect()
        except OSError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        return _Connection(stream)

    def _release_slot(self) -> None:
        self._in_use -= 1
        if self._waiters:
            self._waiters.pop(0).set()

    async def release(self, conn: _Connection, reusable: bool) -> None:
        """Give a connection back: kept for reuse, or closed (shielded from
        cancellation, so a cancelled caller never leaks the socket)."""
        if reusable and not self.closed and not conn.closed and len(self._idle) < self._max:
            self._idle.append(conn)
            self._release_slot()
            return
        self._release_slot()
        await conn.aclose()

    async def aclose(self) -> None:
        self.closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.aclose()


def _parse_head(head: bytes) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    lines = head.split(b"\r\n")
    status_line = lines[0]
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise httpx.RemoteProtocolError(
            f"the engine did not answer with HTTP: {status_line[:100]!r}"
        )
    reason = parts[2] if len(parts) > 2 else b""
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise httpx.RemoteProtocolError(f"malformed header line: {line[:100]!r}")
        headers.append((name, value.strip()))
    return int(parts[1]), reason, headers


class _Body(httpx.AsyncByteStream):
    """A response body read from a pooled connection.

    The connection goes back to the pool only when the body was read to its
    end and the engine allows keep-alive; any other exit (error, early
    close, cancellation) closes it.
    """

    def __init__(self, pool: _Pool, conn: _Connection, mode: str, length: int,
                 keep_alive: bool, read_timeout: float | None) -> None:
        self._pool = pool
        self._conn = conn
        self._mode = mode  # "length", "chunked", "close" or "none"
        self._remaining = length
        self._keep_alive = keep_alive
        self._timeout = read_timeout
        self._done = mode == "none" or (mode == "length" and length == 0)
        self._released = False

    async def _release(self) -> None:
        if not self._released:
            self._released = True
            await self._pool.release(self._conn, self._done and self._keep_alive)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._done:
            return
        try:
            if self._mode == "length":
                async for chunk in self._read_length():
                    yield chunk
            elif self._mode == "chunked":
                async for chunk in self._read_chunked():
                    yield chunk
            else:
                async for chunk in self._read_until_close():
                    yield chunk
            self._done = True
        finally:
            await self._release()

    async def _fill(self) -> bool:
        data = await self._conn.receive(self._timeout)
        if not data:
            return False
        self._conn.buffer += data
        return True

    async def _read_length(self) -> AsyncIterator[bytes]:
        buffer = self._conn.buffer
        while self._remaining > 0:
            if not buffer and not await self._fill():
                raise httpx.RemoteProtocolError(
                    f"the engine closed the connection with {self._remaining} bytes"
                    " of the body still to come"
                )
            take = min(len(buffer), self._remaining)
            chunk = bytes(buffer[:take])
            del buffer[:take]
            self._remaining -= take
            yield chunk

    async def _read_chunked(self) -> AsyncIterator[bytes]:
        buffer = self._conn.buffer
        while True:
            line_end = buffer.find(b"\r\n")
            while line_end < 0:
                if len(buffer) > 4096:
                    raise httpx.RemoteProtocolError("malformed chunk size line (too long)")
                if not await self._fill():
                    raise httpx.RemoteProtocolError(
                        "the engine closed the connection inside a chunked body"
                    )
                line_end = buffer.find(b"\r\n")
            size_text = bytes(buffer[:line_end]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                size = -1
            if size < 0 or not size_text or not all(
                c in b"0123456789abcdefABCDEF" for c in size_text
            ):
                raise httpx.RemoteProtocolError(f"malformed chunk size {size_text[:40]!r}")
            del buffer[:line_end + 2]
            if size == 0:
                await self._skip_trailers()
                return
            remaining = size
            while remaining > 0:
                if not buffer and not await self._fill():
                    raise httpx.RemoteProtocolError(
                        "the engine closed the connection inside a chunk"
                    )
                take = min(len(buffer), remaining)
                chunk = bytes(buffer[:take])
                del buffer[:take]
                remaining -= take
                yield chunk
            while len(buffer) < 2:
                if not await self._fill():
                    raise httpx.RemoteProtocolError(
                        "the engine closed the connection after a chunk"
                    )
            if buffer[:2] != b"\r\n":
                raise httpx.RemoteProtocolError("a chunk is not followed by CRLF")
            del buffer[:2]

    async def _skip_trailers(self) -> None:
        buffer = self._conn.buffer
        while True:
            end = buffer.find(b"\r\n")
            while end < 0:
                if len(buffer) > _MAX_HEAD:
                    raise httpx.RemoteProtocolError("trailers too long")
                if not await self._fill():
                    raise httpx.RemoteProtocolError("the engine closed the connection in trailers")
                end = buffer.find(b"\r\n")
            line = bytes(buffer[:end])
            del buffer[:end + 2]
            if not line:
                return

    async def _read_until_close(self) -> AsyncIterator[bytes]:
        self._keep_alive = False
        buffer = self._conn.buffer
        if buffer:
            chunk = bytes(buffer)
            buffer.clear()
            yield chunk
        while True:
            data = await self._conn.receive(self._timeout)
            if not data:
                return
            yield data

    async def aclose(self) -> None:
        await self._release()


class UpgradedStream:
    """The raw two-way connection after ``101 UPGRADED`` (attach, exec).

    The same shape as httpcore's network streams (``read``, ``write``,
    ``aclose``, ``get_extra_info("socket")``), so code that hijacks works
    on either transport.
    """

    def __init__(self, pool: _Pool, conn: _Connection) -> None:
        self._pool = pool
        self._conn = conn
        self._released = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        buffer = self._conn.buffer
        if buffer:
            chunk = bytes(buffer[:max_bytes])
            del buffer[:max_bytes]
            return chunk
        try:
            with _deadline(timeout, httpx.ReadTimeout, "reading from the engine"):
                return await self._conn.stream.receive(max_bytes)
        except anyio.EndOfStream:
            return b""
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            raise httpx.ReadError(f"reading from the engine failed: {exc!r}") from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:
            await self._conn.send(buffer, timeout)

    async def aclose(self) -> None:
        if not self._released:
            self._released = True
            await self._pool.release(self._conn, False)

    def get_extra_info(self, info: str) -> Any:
        if info == "socket":
            return self._conn.stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
        return None


class EngineTransport(httpx.AsyncBaseTransport):
    """aiodock's own HTTP/1.1 transport for ``unix://`` and plain ``tcp://``.

    Example:
        >>> transport = EngineTransport(socket_path="/var/run/docker.sock")
        >>> docker = Docker(transport=transport)  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        socket_path: str | None = None,
        host: str | None = None,
        port: int | None = None,
        max_connections: int = 100,
    ) -> None:
        if (socket_path is None) == (host is None):
            raise ValueError("give either socket_path or host and port")
        if socket_path is not None:
            path = socket_path

            async def connect() -> anyio.abc.SocketStream:
                return await anyio.connect_unix(path)
        else:
            assert host is not None
            tcp_host, tcp_port = host, port or 2375

            async def connect() -> anyio.abc.SocketStream:
                return await anyio.connect_tcp(tcp_host, tcp_port)

        self._pool = _Pool(connect, max_connections)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        read_timeout = timeouts.get("read")
        write_timeout = timeouts.get("write")
        conn = await self._pool.acquire(timeouts.get("pool"), timeouts.get("connect"))
        try:
            await self._send_request(conn, request, write_timeout)
            status, reason, headers = await self._read_head(conn, read_timeout)
            while 100 <= status < 200 and status != 101:
                status, reason, headers = await self._read_head(conn, read_timeout)
        except BaseException:
            await self._pool.release(conn, False)
            raise
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1", "reason_phrase": reason}
        if status == 101:
            extensions["network_stream"] = UpgradedStream(self._pool, conn)
            return httpx.Response(status, headers=headers, extensions=extensions)
        mode, length, keep_alive = self._framing(request.method, status, headers)
        body = _Body(self._pool, conn, mode, length, keep_alive, read_timeout)
        return httpx.Response(status, headers=headers, stream=body, extensions=extensions)

    async def _send_request(self, conn: _Connection, request: httpx.Request,
                            timeout: float | None) -> None:
        url = request.url
        target = url.raw_path
        head = bytearray(request.method.encode("ascii") + b" " + target + b" HTTP/1.1\r\n")
        chunked = False
        for name, value in request.headers.raw:
            lname = name.lower()
            if lname == b"accept-encoding":
                continue  # the engine does not compress; do not invite it
            if lname == b"transfer-encoding" and value.lower() == b"chunked":
                chunked = True
            head += name + b": " + value + b"\r\n"
        head += b"\r\n"
        stream = request.stream
        if isinstance(stream, httpx.ByteStream):
            await conn.send(bytes(head) + b"".join(stream), timeout)
            return
        await conn.send(bytes(head), timeout)
        assert isinstance(stream, httpx.AsyncByteStream)
        async for chunk in stream:
            if not chunk:
                continue
            if chunked:
                await conn.send(b"%x\r\n%b\r\n" % (len(chunk), chunk), timeout)
            else:
                await conn.send(chunk, timeout)
        if chunked:
            await conn.send(b"0\r\n\r\n", timeout)

    async def _read_head(
        self, conn: _Connection, timeout: float | None
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        buffer = conn.buffer
        end = buffer.find(b"\r\n\r\n")
        while end < 0:
            if len(buffer) > _MAX_HEAD:
                raise httpx.RemoteProtocolError("the engine's response head is too long")
            data = await conn.receive(timeout)
            if not data:
                raise httpx.RemoteProtocolError(
                    "the engine closed the connection without answering"
                )
            buffer += data
            end = buffer.find(b"\r\n\r\n", max(0, len(buffer) - len(data) - 3))
        head = bytes(buffer[:end])
        del buffer[:end + 4]
        return _parse_head(head)

    @staticmethod
    def _framing(method: str, status: int,
                 headers: list[tuple[bytes, bytes]]) -> tuple[str, int, bool]:
        keep_alive = True
        length = -1
        chunked = False
        for name, value in headers:
            lname = name.lower()
            if lname == b"content-length":
                if not value.isdigit():
                    raise httpx.RemoteProtocolError(f"malformed Content-Length {value[:40]!r}")
                length = int(value)
            elif lname == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif lname == b"connection":
                keep_alive = b"close" not in value.lower()
        if method == "HEAD" or status in _NO_BODY_STATUS or status < 200:
            return "none", 0, keep_alive
        if chunked:
            return "chunked", 0, keep_alive
        if length >= 0:
            return "length", length, keep_alive
        return "close", 0, False

    async def aclose(self) -> None:
        await self._pool.aclose()
