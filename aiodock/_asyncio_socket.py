"""A socket stream for aiodock's transport on asyncio, built on a plain
``asyncio.Protocol``.

anyio's asyncio socket stream turns reading on and off around every
``receive`` (two ``epoll_ctl`` calls) and yields to the loop even when data
is waiting; for a client whose requests are a few hundred bytes each, that
is a large share of its CPU. This stream keeps reading on (pausing only when
its buffer is full), hands over data without a loop round trip when it is
already here, and waits for each write to reach the kernel (so a half-close
after a write cannot lose data). It offers the few methods the transport
uses (``receive``, ``send``, ``aclose``, ``extra``), raises anyio's
exceptions, and works under anyio's cancel scopes like any asyncio await.
On trio (or any other loop) the transport uses anyio's streams instead.
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from typing import Any, Final

import anyio
import anyio.abc

_PAUSE_AT: Final = 4 * 1024 * 1024  # stop reading with this much unread


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.reading_paused = False
        self.eof = False
        self.error: BaseException | None = None
        self.read_waiter: asyncio.Future[None] | None = None
        self.write_waiter: asyncio.Future[None] | None = None
        self.writing_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.set_write_buffer_limits(0)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > _PAUSE_AT and not self.reading_paused and self.transport:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return True  # keep our side open: a hijacked stream may still write

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None:
            self.error = exc
        self._wake_reader()
        self.writing_paused = False
        self._wake_writer()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake_writer()

    def _wake_reader(self) -> None:
        waiter = self.read_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_writer(self) -> None:
        waiter = self.write_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class AsyncioSocketStream:
    """A connected socket on the running asyncio loop."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self._closed = False
        raw = transport.get_extra_info("socket")
        self._socket: Any = raw

    @classmethod
    async def connect_unix(cls, path: str) -> AsyncioSocketStream:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_unix_connection(_Protocol, path)
        return cls(transport, protocol)

    @classmethod
    async def connect_tcp(cls, host: str, port: int) -> AsyncioSocketStream:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_connection(_Protocol, host, port)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(transport, protocol)

    def has_unread_or_eof(self) -> bool:
        """True when the peer sent something or closed (an idle keep-alive
        connection in that state must not be reused)."""
        return bool(self._protocol.chunks) or self._protocol.eof

    async def receive(self, max_bytes: int = 65536) -> bytes:
        protocol = self._protocol
        while not protocol.chunks:
            if self._closed:
                raise anyio.ClosedResourceError
            if protocol.eof:
                if protocol.error is not None:
                    raise anyio.BrokenResourceError from protocol.error
                raise anyio.EndOfStream
            await self._wait("read_waiter")
        data = protocol.chunks.popleft()
        if len(data) > max_bytes:
            protocol.chunks.appendleft(data[max_bytes:])
            data = data[:max_bytes]
        protocol.buffered -= len(data)
        if protocol.reading_paused and protocol.buffered < _PAUSE_AT // 2:
            protocol.reading_paused = False
            self._transport.resume_reading()
        return data

    async def send(self, data: bytes) -> None:
        protocol = self._protocol
        if self._closed:
            raise anyio.ClosedResourceError
        if protocol.error is not None or self._transport.is_closing():
            raise anyio.BrokenResourceError from protocol.error
        self._transport.write(data)
        while protocol.writing_paused:
            if protocol.error is not None or self._transport.is_closing():
                raise anyio.BrokenResourceError from protocol.error
            await self._wait("write_waiter")
        if protocol.error is not None:
            raise anyio.BrokenResourceError from protocol.error

    async def _wait(self, slot: str) -> None:
        """Wait until the protocol wakes the future put in ``slot``."""
        waiter = asyncio.get_running_loop().create_future()
        setattr(self._protocol, slot, waiter)
        try:
            await waiter
        finally:
            setattr(self._protocol, slot, None)

    def extra(self, attribute: Any, default: Any = None) -> Any:
        if attribute is anyio.abc.SocketAttribute.raw_socket:
            return self._socket
        return default

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._transport.abort()
            self._protocol._wake_reader()
