"""The writing side of a hijacked connection, on a descriptor of its own.

After ``101 UPGRADED`` (attach, exec with stdin) the engine may close the
connection while stdin is still being written: the process exited early
(``head -c1``, ``true``), and its output and exit status are already on
their way. A write then fails (``EPIPE``), but what the engine sent before
closing is still in the socket's receive buffer, readable to the end.

asyncio's socket transports (aiodock's own stream and anyio's, under httpx)
treat a failed write as fatal: they stop reading and close the socket, and
the buffered output is lost. So the stdin of a hijacked connection is
written here instead, through a duplicate of the socket's descriptor (the
same connection, a descriptor the event loop does not watch): a failed
write raises ``httpx.WriteError`` and ends only the writing side, while the
transport goes on reading. Each write returns once the kernel has taken the
bytes (back-pressure), and :meth:`SocketWriter.shutdown` half-closes the
connection (the process reads end-of-file). The same code runs on asyncio
and trio.
"""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Any, Final

import anyio
import anyio.lowlevel
import httpx

_NO_SIGNAL: Final = getattr(socket, "MSG_NOSIGNAL", 0)
"""An ``EPIPE`` error instead of ``SIGPIPE`` where the platform has the flag."""

_SLICE: Final = 1024 * 1024


class SocketWriter:
    """Writes to a connected socket through a duplicate of its descriptor.

    Args:
        sock: The connection's socket (anything with ``fileno()``: a
            ``socket.socket`` or asyncio's ``TransportSocket``). It stays
            owned by its transport; :meth:`close` closes only the duplicate.
    """

    __slots__ = ("_broken", "_sock")

    def __init__(self, sock: Any) -> None:
        self._sock: socket.socket | None = socket.socket(fileno=os.dup(sock.fileno()))
        self._broken: str | None = None

    @classmethod
    def of(cls, network: Any) -> SocketWriter | None:
        """A writer for an upgraded connection (httpcore's network stream
        shape: ``get_extra_info``), or ``None`` when its bytes cannot be
        written to the socket directly (TLS: they must be encrypted; or no
        socket exposed)."""
        get = getattr(network, "get_extra_info", None)
        if get is None or get("ssl_object") is not None:
            return None
        sock = get("socket")
        if sock is None or not hasattr(sock, "fileno"):
            return None
        try:
            return cls(sock)
        except (OSError, ValueError):
            return None

    @property
    def broken(self) -> bool:
        """Whether a write failed (the peer stopped reading)."""
        return self._broken is not None

    async def send(self, data: bytes | bytearray | memoryview) -> None:
        """Write all of ``data``, waiting while the socket's buffer is full.

        Raises:
            httpx.WriteError: The peer closed the connection (or the writer
                is closed); reading what it sent before is unaffected.
        """
        view = memoryview(data).cast("B")
        while view:
            sock = self._sock
            if sock is None or self._broken is not None:
                raise httpx.WriteError(
                    f"writing to the engine failed: {self._broken or 'the writer is closed'}"
                )
            try:
                sent = sock.send(view[:_SLICE], _NO_SIGNAL)
            except BlockingIOError:
                try:
                    await anyio.wait_writable(sock)
                except anyio.ClosedResourceError:
                    continue  # closed while waiting: said at the top of the loop
                continue
            except InterruptedError:
                continue
            except OSError as exc:
                self._broken = repr(exc)
                raise httpx.WriteError(f"writing to the engine failed: {exc!r}") from exc
            view = view[sent:]
            await anyio.lowlevel.checkpoint()  # let the reader run between slices

    def shutdown(self) -> None:
        """Half-close the connection (``SHUT_WR``): the peer reads end-of-file.

        Raises:
            OSError: From the socket layer (``ENOTCONN`` when the peer has
                closed the connection already).
        """
        if self._sock is None:
            return
        self._sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        """Close the duplicate descriptor (the connection itself stays open
        until its transport closes it). Idempotent."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        with contextlib.suppress(Exception):  # no event loop: nobody can be waiting
            anyio.notify_closing(sock)  # wake a writer waiting on it
        sock.close()
