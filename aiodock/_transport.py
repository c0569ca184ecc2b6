"""A small HTTP/1.1 transport for the engine's socket (Unix or plain TCP).

It implements the request seam (:class:`aiodock._seam.Transport`: aiodock's
request path hands it an encoded head and gets a :class:`Reply` back, with
no ``httpx.Request``/``Response`` in between) and also
``httpx.AsyncBaseTransport``, so an ``httpx.AsyncClient`` can use it too. It
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

import re
import select
import socket
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, Final

import anyio
import anyio.abc
import httpx
import sniffio

from ._asyncio_socket import AsyncioSocketStream
from ._reply import Reply, ReplyHeaders
from ._seam import Body, Head, Transport
from ._socket_writer import SocketWriter
from ._ssh import SSHChannelStream

if TYPE_CHECKING:
    from ._ssh import SSHConnector
    from .config import SSHEndpoint

_MAX_HEAD: Final = 64 * 1024
_READ_SIZE: Final = 256 * 1024
_HEX: Final = re.compile(rb"[0-9a-fA-F]{1,16}")
_IDEMPOTENT: Final = frozenset({"GET", "HEAD"})
_NO_BODY_STATUS: Final = frozenset({204, 304})

SocketLike = anyio.abc.SocketStream | AsyncioSocketStream | SSHChannelStream
"""anyio's socket stream (trio, or any loop), aiodock's own on asyncio, or an
SSH channel (``ssh://``)."""
Connector = Callable[[], Awaitable[SocketLike]]


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

    __slots__ = ("answered", "buffer", "closed", "long", "reused", "sock", "stream")

    def __init__(self, stream: SocketLike) -> None:
        self.stream = stream
        self.sock: socket.socket | None = stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
        self.buffer = bytearray()
        self.closed = False
        self.long = False  # in use by a stream (not counted against the pool's limit)
        self.reused = False  # taken from the idle list for the current request
        self.answered = False  # the engine sent bytes for the current request

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
        if isinstance(self.stream, AsyncioSocketStream | SSHChannelStream):
            return not self.stream.has_unread_or_eof()
        sock = self.sock
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
        if isinstance(self.stream, SSHChannelStream):
            self.stream.abort()  # that channel only: the SSH connection stays
            return
        sock = self.sock
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    async def aclose(self) -> None:
        self.abort()
        with anyio.CancelScope(shield=True):
            with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                await self.stream.aclose()


class _Pool:
    """Keep-alive connections: at most ``max_connections`` in use at once by
    short requests, and any number by streams.

    A stream (logs that follow, events, attach, a pull) can hold its
    connection for hours; counting it against the limit would let a few
    hundred of them starve every short request. Streams therefore get
    connections of their own beyond the limit, and hand them back to the
    same idle list when they end.
    """

    def __init__(self, connect: Connector, max_connections: int) -> None:
        self._connect = connect
        self._max = max_connections
        self._idle: list[_Connection] = []
        self._in_use = 0
        self.streams = 0
        self._waiters: list[anyio.Event] = []
        self.closed = False

    async def acquire(
        self,
        pool_timeout: float | None,
        connect_timeout: float | None,
        long: bool = False,
        fresh: bool = False,
    ) -> _Connection:
        if self.closed:
            raise httpx.ConnectError("the transport is closed")
        if long:
            self.streams += 1
        else:
            if self._in_use >= self._max:
                await self._wait_for_slot(pool_timeout)
            self._in_use += 1
        try:
            # A connection the request will use up (a hijacked session) is
            # a new one, so the kept-alive ones stay for what follows.
            while self._idle and not fresh:
                conn = self._idle.pop()
                if conn.is_reusable():
                    conn.long = long
                    conn.reused = True
                    conn.answered = False
                    return conn
                await conn.aclose()
            conn = await self._open(connect_timeout)
            conn.long = long
            return conn
        except BaseException:
            self._release_count(long)
            raise

    def cap(self, limit: int) -> None:
        """Lower the limit on connections in use by short calls."""
        self._max = min(self._max, limit)

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

    def _release_count(self, long: bool) -> None:
        if long:
            self.streams -= 1
            return
        self._in_use -= 1
        if self._waiters:
            self._waiters.pop(0).set()

    async def release(self, conn: _Connection, reusable: bool) -> None:
        """Give a connection back: kept for reuse, or closed (shielded from
        cancellation, so a cancelled caller never leaks the socket)."""
        if reusable and not self.closed and not conn.closed and len(self._idle) < self._max:
            self._idle.append(conn)
            self._release_count(conn.long)
            return
        self._release_count(conn.long)
        await conn.aclose()

    async def aclose(self) -> None:
        self.closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.aclose()


def _parse_head(head: bytes) -> tuple[int, bytes, ReplyHeaders]:
    """Status, reason and headers (names lower-cased, repeats joined) of a
    response head, in one pass."""
    text = head.decode("latin-1")
    lines = text.split("\r\n")
    status_line = lines[0]
    parts = status_line.split(" ", 2)
    code = parts[1] if len(parts) > 1 else ""
    if (
        not parts[0].startswith("HTTP/1.")
        or len(code) != 3
        or not code.isdigit()
        or not code.isascii()
        or not 100 <= int(code) <= 599
    ):
        raw_status = status_line.encode("latin-1")[:100]
        raise httpx.RemoteProtocolError(f"the engine did not answer with HTTP: {raw_status!r}")
    reason = parts[2].encode("latin-1") if len(parts) > 2 else b""
    headers = ReplyHeaders()
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise httpx.RemoteProtocolError(
                f"malformed header line: {line.encode('latin-1')[:100]!r}"
            )
        key = name.lower()
        value = value.strip()
        if dict.__contains__(headers, key):
            value = dict.__getitem__(headers, key) + ", " + value
        dict.__setitem__(headers, key, value)
    return int(code), reason, headers


class _Body(httpx.AsyncByteStream):
    """A response body read from a pooled connection.

    The connection goes back to the pool only when the body was read to its
    end and the engine allows keep-alive; any other exit (error, early
    close, cancellation) closes it. One small state machine serves both
    ways of reading: piece by piece (:meth:`__aiter__`) and all at once
    (:meth:`read_all`, no async generator in the way).
    """

    __slots__ = (
        "_after_chunk",
        "_chunk_left",
        "_conn",
        "_done",
        "_keep_alive",
        "_mode",
        "_pool",
        "_released",
        "_remaining",
        "_timeout",
    )

    def __init__(
        self,
        pool: _Pool,
        conn: _Connection,
        mode: str,
        length: int,
        keep_alive: bool,
        read_timeout: float | None,
    ) -> None:
        self._pool = pool
        self._conn = conn
        self._mode = mode  # "length", "chunked", "close" or "none"
        self._remaining = length
        self._keep_alive = keep_alive and mode != "close"
        self._timeout = read_timeout
        self._done = mode == "none" or (mode == "length" and length == 0)
        self._released = False
        self._chunk_left = 0  # bytes of the current chunk still to come
        self._after_chunk = False  # a chunk's trailing CRLF is still to come

    async def _release(self) -> None:
        if not self._released:
            self._released = True
            await self._pool.release(self._conn, self._done and self._keep_alive)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            while (piece := await self._next()) is not None:
                if self._conn.buffer and self._mode != "close":
                    # More of the body is already here (the engine sends a log
                    # frame per chunk): hand it over in one piece.
                    pieces = [piece]
                    if (more := self._next_buffered()) is not None:
                        pieces.append(more)
                    if len(pieces) > 1:
                        piece = b"".join(pieces)
                yield piece
        finally:
            await self._release()

    def _next_buffered(self) -> bytes | None:
        """The next bytes of the body if they are already in the buffer and
        no I/O is needed to get them; ``None`` otherwise (nothing consumed).

        Chunked bodies are decoded in one pass over the buffer (many small
        chunks, one copy), leaving anything unusual to the awaiting path.
        """
        buffer = self._conn.buffer
        if not buffer:
            return None
        if self._mode == "length":
            if self._remaining <= 0:
                return None
            piece = self._take(self._remaining)
            self._remaining -= len(piece)
            return piece
        end = len(buffer)
        pos = 0
        chunk_left = self._chunk_left
        after = self._after_chunk
        pieces: list[memoryview] = []
        total = 0
        view = memoryview(buffer)
        try:
            while pos < end and total < _READ_SIZE:
                if chunk_left == 0:
                    start = pos + 2 if after else pos
                    if after and buffer[pos:start] != b"\r\n":
                        break
                    line_end = buffer.find(b"\r\n", start, start + 18)
                    if line_end < 0 or not _HEX.fullmatch(buffer, start, line_end):
                        break
                    size = int(buffer[start:line_end], 16)
                    if size == 0 or line_end + 2 >= end:
                        break  # the end (trailers follow) or no data yet
                    pos = line_end + 2
                    after = False
                    chunk_left = size
                take = chunk_left if chunk_left <= end - pos else end - pos
                pieces.append(view[pos : pos + take])
                pos += take
                total += take
                chunk_left -= take
                if chunk_left == 0:
                    after = True
            data = b"".join(pieces) if pieces else None
        finally:
            for part in pieces:
                part.release()
            view.release()
        if pos:
            del buffer[:pos]
            self._chunk_left = chunk_left
            self._after_chunk = after
        return data

    async def read_all(self) -> bytes:
        """The rest of the body in one piece; the connection is released."""
        try:
            first = await self._next()
            if first is None:
                return b""
            second = await self._next()
            if second is None:
                return first
            pieces = [first, second]
            while (piece := await self._next()) is not None:
                pieces.append(piece)
            return b"".join(pieces)
        finally:
            await self._release()

    async def _next(self) -> bytes | None:
        """The next bytes of the body, or ``None`` at its end."""
        if self._done:
            return None
        if self._mode == "length":
            piece = await self._next_length()
        elif self._mode == "chunked":
            piece = await self._next_chunked()
        else:
            piece = await self._next_until_close()
        if piece is None:
            self._done = True
        return piece

    async def _fill(self) -> bool:
        data = await self._conn.receive(self._timeout)
        if not data:
            return False
        self._conn.buffer += data
        return True

    def _take(self, limit: int) -> bytes:
        buffer = self._conn.buffer
        if len(buffer) <= limit:
            piece = bytes(buffer)
            buffer.clear()
        else:
            piece = bytes(buffer[:limit])
            del buffer[:limit]
        return piece

    async def _receive_at_most(self, limit: int, what: str) -> bytes:
        """Bytes from the buffer, or else straight from the socket (no copy
        through the buffer when the read fits)."""
        if self._conn.buffer:
            return self._take(limit)
        data = await self._conn.receive(self._timeout)
        if not data:
            raise httpx.RemoteProtocolError(f"the engine closed the connection {what}")
        if len(data) <= limit:
            return data
        self._conn.buffer += data[limit:]
        return data[:limit]

    async def _next_length(self) -> bytes | None:
        if self._remaining <= 0:
            return None
        piece = await self._receive_at_most(
            self._remaining, f"with {self._remaining} bytes of the body still to come"
        )
        self._remaining -= len(piece)
        return piece

    async def _next_chunked(self) -> bytes | None:
        buffer = self._conn.buffer
        if self._chunk_left == 0:
            if self._after_chunk:
                while len(buffer) < 2:
                    if not await self._fill():
                        raise httpx.RemoteProtocolError(
                            "the engine closed the connection after a chunk"
                        )
                if buffer[:2] != b"\r\n":
                    raise httpx.RemoteProtocolError("a chunk is not followed by CRLF")
                del buffer[:2]
                self._after_chunk = False
            size = await self._chunk_size()
            if size == 0:
                await self._skip_trailers()
                return None
            self._chunk_left = size
        piece = await self._receive_at_most(self._chunk_left, "inside a chunk")
        self._chunk_left -= len(piece)
        if self._chunk_left == 0:
            self._after_chunk = True
        return piece

    async def _chunk_size(self) -> int:
        buffer = self._conn.buffer
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
        if (
            not size_text
            or len(size_text) > 16
            or not all(c in b"0123456789abcdefABCDEF" for c in size_text)
        ):
            raise httpx.RemoteProtocolError(f"malformed chunk size {size_text[:40]!r}")
        del buffer[: line_end + 2]
        return int(size_text, 16)

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
            del buffer[: end + 2]
            if not line:
                return

    async def _next_until_close(self) -> bytes | None:
        if self._conn.buffer:
            return self._take(len(self._conn.buffer))
        data = await self._conn.receive(self._timeout)
        return data or None

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
        self._writer: SocketWriter | None = None

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
        """Write ``buffer``. A failed write (the engine closed the connection,
        say because the process exited before reading its stdin) raises
        ``httpx.WriteError`` and leaves the reading side intact: written
        through a descriptor of its own (:mod:`aiodock._socket_writer`),
        so the event loop's transport goes on reading what the engine sent."""
        if not buffer:
            return
        if self._writer is None and self._conn.sock is not None and not self._released:
            self._writer = SocketWriter(self._conn.sock)
        if self._writer is None:
            await self._conn.send(buffer, timeout)
            return
        with _deadline(timeout, httpx.WriteTimeout, "writing to the engine"):
            await self._writer.send(buffer)

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if not self._released:
            self._released = True
            await self._pool.release(self._conn, False)

    def get_extra_info(self, info: str) -> Any:
        if info == "socket":
            stream = self._conn.stream
            if isinstance(stream, SSHChannelStream):
                return stream.half_closer  # shutdown(SHUT_WR) sends the channel's EOF
            return stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
        return None


class _UpgradeBody(httpx.AsyncByteStream):
    """The (empty) body of a ``101`` response: closing the response closes
    the upgraded connection too, as with httpx's own transport, so a caller
    that fails before taking the stream over cannot leak it."""

    def __init__(self, upgraded: UpgradedStream) -> None:
        self._upgraded = upgraded

    async def __aiter__(self) -> AsyncIterator[bytes]:
        return
        yield b""  # pragma: no cover - makes this an async generator

    async def aclose(self) -> None:
        await self._upgraded.aclose()


class EngineTransport(Transport, httpx.AsyncBaseTransport):
    """aiodock's own HTTP/1.1 transport for ``unix://``, plain ``tcp://``
    (no TLS) and ``ssh://`` (each connection a channel on one SSH connection).

    :class:`~aiodock.Docker` builds one by default; build one yourself to
    point a client at a socket other than its address, or to share one pool
    between clients.

    Args:
        socket_path: A unix socket to connect to (or give ``host``).
        host: A TCP host to connect to (or give ``socket_path``).
        port: The TCP port; ``None`` for 2375.
        max_connections: How many connections short calls use at once
            (streams get theirs beyond it).
        ssh: An ``ssh://`` address's endpoint (or give ``socket_path`` or
            ``host``): its connections are channels on one SSH connection
            (the ``aiodock[ssh]`` extra; asyncio only).

    Raises:
        ValueError: Not exactly one of ``socket_path``, ``host`` and ``ssh``.

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
        ssh: SSHEndpoint | None = None,
    ) -> None:
        given = sum(x is not None for x in (socket_path, host, ssh))
        if given != 1:
            raise ValueError("give one of socket_path, host (and port) or ssh")
        self.ssh: SSHConnector | None = None
        """The SSH connector of an ``ssh://`` transport (``None`` otherwise)."""
        connect: Connector
        if ssh is not None:
            from ._ssh import SSHConnector

            self.ssh = SSHConnector(ssh)
            self.ssh.on_dial_stdio = self._cap_pool
            connect = self.ssh
        elif socket_path is not None:
            path = socket_path

            async def connect_unix() -> SocketLike:
                if sniffio.current_async_library() == "asyncio":
                    return await AsyncioSocketStream.connect_unix(path)
                return await anyio.connect_unix(path)

            connect = connect_unix
        else:
            assert host is not None
            tcp_host, tcp_port = host, port or 2375

            async def connect_tcp() -> SocketLike:
                if sniffio.current_async_library() == "asyncio":
                    return await AsyncioSocketStream.connect_tcp(tcp_host, tcp_port)
                return await anyio.connect_tcp(tcp_host, tcp_port)

            connect = connect_tcp

        self._pool = _Pool(connect, max_connections)

    def _cap_pool(self, limit: int) -> None:
        """Let short calls use at most ``limit`` connections at once (an SSH
        server caps the sessions of a connection; dial-stdio's channels are
        sessions)."""
        self._pool.cap(limit)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` for an ``httpx.AsyncClient`` that uses this transport.

        Args:
            request: the request, with httpx's ``timeout`` extension (and
                ``aiodock.long`` for a stream) if any.

        Returns:
            The response; a ``101`` carries the raw connection in
            ``extensions["network_stream"]``.
        """
        timeouts = request.extensions.get("timeout", {})
        head, chunked = self._head_of(request)
        stream = request.stream
        body: bytes | AsyncIterable[bytes] | None
        if isinstance(stream, httpx.ByteStream):
            body = b"".join(stream)
        else:
            assert isinstance(stream, httpx.AsyncByteStream)
            body = stream
        read_timeout = timeouts.get("read")
        status, reason, headers, payload = await self._roundtrip(
            request.method,
            head,
            body,
            chunked,
            read_timeout=read_timeout,
            write_timeout=timeouts.get("write"),
            pool_timeout=timeouts.get("pool"),
            connect_timeout=timeouts.get("connect"),
            long=bool(request.extensions.get("aiodock.long")),
        )
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1", "reason_phrase": reason}
        if isinstance(payload, UpgradedStream):
            extensions["network_stream"] = payload
            return httpx.Response(
                status,
                headers=list(headers.items()),
                stream=_UpgradeBody(payload),
                extensions=extensions,
            )
        return httpx.Response(
            status, headers=list(headers.items()), stream=payload, extensions=extensions
        )

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
        """Send one request through the seam (:class:`aiodock._seam.Transport`).

        Args:
            head: the encoded head (method, target, every header).
            body: bytes, an async iterator of bytes (sent chunked), or ``None``.
            read: read the whole body before returning (a short call).
            long: a stream, which does not count against ``max_connections``.
            fresh: send on a new connection (a request that uses it up).
            connect_timeout: bound on connecting.
            idle_timeout: bound on each read (streams).
            timeout: bound on the whole exchange, enforced by the caller's
                cancel scope; here it bounds only waiting for a free connection.

        Returns:
            The engine's :class:`Reply`.
        """
        return await self.exchange(
            head.method,
            head.encode(),
            body,
            chunked=head.chunked,
            read_timeout=idle_timeout,
            pool_timeout=timeout,
            connect_timeout=connect_timeout,
            long=long,
            fresh=fresh,
            read=read,
        )

    async def exchange(
        self,
        method: str,
        head: bytes,
        body: bytes | AsyncIterable[bytes] | None = None,
        *,
        chunked: bool = False,
        read_timeout: float | None = None,
        write_timeout: float | None = None,
        pool_timeout: float | None = None,
        connect_timeout: float | None = None,
        long: bool = False,
        fresh: bool = False,
        read: bool = False,
    ) -> Reply:
        """Send a request whose head is already encoded (as
        :meth:`aiodock._seam.Head.encode` does) and return a :class:`Reply`.

        Args:
            method: the request's method (a ``GET`` may be sent again if a
                kept-alive connection turns out closed).
            head: the request line and headers, as bytes.
            body: bytes, an async iterator of bytes, or ``None``.
            chunked: send ``body`` in chunks (the head says so).
            read_timeout: bound on each read.
            write_timeout: bound on each write.
            pool_timeout: bound on waiting for a free connection.
            connect_timeout: bound on connecting.
            long: a stream (see below).
            fresh: send on a new connection (see below).
            read: read the whole body before returning.

        ``read=True`` reads the whole body before returning; otherwise the
        body streams and the caller closes the reply. ``long`` marks a
        stream, which does not count against ``max_connections``; ``fresh``
        a request that uses its connection up (attach, exec), sent on a new
        one rather than a kept-alive one.
        """
        status, _reason, headers, payload = await self._roundtrip(
            method,
            head,
            body,
            chunked,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            pool_timeout=pool_timeout,
            connect_timeout=connect_timeout,
            long=long,
            fresh=fresh,
        )
        if isinstance(payload, UpgradedStream):
            return Reply(
                status, headers, closer=payload.aclose, extensions={"network_stream": payload}
            )
        if read:
            return Reply(status, headers, content=await payload.read_all())
        return Reply(status, headers, body=payload, reader=payload.read_all, closer=payload.aclose)

    async def _roundtrip(
        self,
        method: str,
        head: bytes,
        body: bytes | AsyncIterable[bytes] | None,
        chunked: bool,
        *,
        read_timeout: float | None,
        write_timeout: float | None,
        pool_timeout: float | None,
        connect_timeout: float | None,
        long: bool,
        fresh: bool = False,
    ) -> tuple[int, bytes, ReplyHeaders, _Body | UpgradedStream]:
        retry = method in _IDEMPOTENT and (body is None or isinstance(body, bytes))
        while True:
            conn = await self._pool.acquire(pool_timeout, connect_timeout, long, fresh)
            try:
                await self._send(conn, head, body, chunked, write_timeout)
                status, reason, headers = await self._read_head(conn, read_timeout)
                while 100 <= status < 200 and status != 101:
                    status, reason, headers = await self._read_head(conn, read_timeout)
                if status == 101:
                    if b"\r\nupgrade:" not in head.lower():
                        raise httpx.RemoteProtocolError(
                            "the engine switched protocols on a request that did not ask to"
                        )
                    return status, reason, headers, UpgradedStream(self._pool, conn)
                mode, length, keep_alive = self._framing(method, status, headers)
                break
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                await self._pool.release(conn, False)
                # A kept-alive connection the engine closed just as we reused
                # it: nothing was answered, so a GET can go again on a new one.
                if retry and conn.reused and not conn.answered:
                    retry = False
                    continue
                raise
            except BaseException:
                await self._pool.release(conn, False)
                raise
        return (
            status,
            reason,
            headers,
            _Body(self._pool, conn, mode, length, keep_alive, read_timeout),
        )

    @staticmethod
    def _head_of(request: httpx.Request) -> tuple[bytes, bool]:
        """The head of a request that came through httpx (an
        ``httpx.AsyncClient`` using this transport), encoded as the seam's."""
        headers = []
        chunked = False
        for name, value in request.headers.raw:
            lname = name.lower()
            if lname == b"accept-encoding":
                continue  # the engine does not compress; do not invite it
            if lname == b"transfer-encoding" and value.lower() == b"chunked":
                chunked = True
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
        target = request.url.raw_path.decode("ascii")
        return Head(request.method, target, headers, chunked).encode(), chunked

    @staticmethod
    async def _send(
        conn: _Connection,
        head: bytes,
        body: bytes | AsyncIterable[bytes] | None,
        chunked: bool,
        timeout: float | None,
    ) -> None:
        if body is None or isinstance(body, bytes):
            await conn.send(head + body if body else head, timeout)
            return
        await conn.send(head, timeout)
        async for chunk in body:
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
    ) -> tuple[int, bytes, ReplyHeaders]:
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
            conn.answered = True
            buffer += data
            end = buffer.find(b"\r\n\r\n", max(0, len(buffer) - len(data) - 3))
        head = bytes(buffer[:end])
        del buffer[: end + 4]
        return _parse_head(head)

    @staticmethod
    def _framing(method: str, status: int, headers: ReplyHeaders) -> tuple[str, int, bool]:
        get = dict.get
        connection = get(headers, "connection")
        keep_alive = connection is None or "close" not in connection.lower()
        if method == "HEAD" or status in _NO_BODY_STATUS or status < 200:
            return "none", 0, keep_alive
        encoding = get(headers, "transfer-encoding")
        if encoding is not None and "chunked" in encoding.lower():
            return "chunked", 0, keep_alive
        length = get(headers, "content-length")
        if length is not None:
            # int() would take "+5", " 5", "5_0" and refuses 4300+ digits
            if not (length.isdigit() and length.isascii()) or len(length) > 18:
                raise httpx.RemoteProtocolError(f"malformed Content-Length {length[:40]!r}")
            return "length", int(length), keep_alive
        return "close", 0, False

    async def aclose(self) -> None:
        """Close the idle connections; those in use close when released
        (an ``ssh://`` transport closes its SSH connection, and so every
        channel on it)."""
        await self._pool.aclose()
        if self.ssh is not None:
            await self.ssh.aclose()
