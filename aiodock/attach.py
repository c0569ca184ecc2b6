"""The hijacked connection: two-way sessions with a container or an exec.

``POST /containers/{id}/attach`` and ``POST /exec/{id}/start`` are sent with
``Connection: Upgrade`` and ``Upgrade: tcp``. The engine answers
``101 UPGRADED`` and from then on the connection carries raw bytes both ways
(httpx hands it over as ``response.extensions["network_stream"]``):

- towards the engine, the process's stdin, never framed. Closing stdin is a
  half-close of our side of the socket (``shutdown(SHUT_WR)``): the engine
  reads end-of-file and closes the process's stdin;
- from the engine, the process's output: multiplexed stdout/stderr frames
  (:class:`~aiodock.streams.FrameDemuxer`) unless the process has a TTY,
  where it is the terminal's raw bytes. The engine closes the connection
  when the output ends.

An engine or a proxy that does not upgrade answers ``200`` and streams the
output as the response body; such a session carries output only.

Wire details of attach (``ContainerAttach``): query ``stream=1`` (always),
``logs``, ``stdin``, ``stdout``, ``stderr`` (1/0), ``detachKeys``; no body;
``101`` (or ``200``) then the stream; ``404`` no such container.
"""

from __future__ import annotations

import contextlib
import errno
import socket
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Final, TypeVar

import anyio

from . import _check
from ._api import APIClient
from ._query import QueryValue
from ._reply import Reply
from ._socket_writer import SocketWriter
from .errors import ConnectionLost, DockerError
from .streams import FrameDemuxer, LogChunk

UPGRADE_HEADERS: Final = {"Connection": "Upgrade", "Upgrade": "tcp"}
"""Ask the engine (and any proxy) to hand the connection over as a raw stream."""

READ_SIZE: Final = 256 * 1024
"""Largest read from the hijacked connection."""

FEED_CHUNK: Final = 1024 * 1024
"""Bytes input is written in slices of this size (so cancelling stops soon)."""

__all__ = [
    "AttachSession",
    "StdinSource",
]

StdinSource = bytes | bytearray | memoryview | AsyncIterable[bytes]

SessionT = TypeVar("SessionT", bound="AttachSession")


# --------------------------------------------------------------------------
# argument checks shared with the exec module


# --------------------------------------------------------------------------
# the session


class AttachSession:
    """A two-way session with a process: its stdin, its output.

    Made by ``docker.containers.attach(...)`` and ``docker.execs.session(...)``;
    leaving their ``async with`` block (or cancelling) closes the connection.

    - ``await session.write(data)`` sends bytes to stdin (back-pressured:
      returns once the operating system has taken them);
    - ``await session.close_stdin()`` closes stdin: the process reads
      end-of-file. Not behind a TTY: there the process goes on and the
      engine stops sending output; send the terminal's end-of-file
      character ``b"\\x04"`` (Ctrl-D) instead;
    - ``async for chunk in session`` yields :class:`~aiodock.LogChunk`
      ``(stream, data)`` until the output ends (``stream`` is ``"stdout"``
      or ``"stderr"``; always ``"stdout"`` behind a TTY);
    - ``await session.communicate(input)`` does all three at once;
    - ``await session.resize(height, width)`` sets the TTY's size.

    Reading and writing are independent: write from one task while another
    reads (an anyio task group), so a process that echoes its input never
    blocks on a full pipe.

    Example:
        >>> async with docker.execs.session("web", ["cat"], stdin=True) as s:  # doctest: +SKIP
        ...     await s.write(b"hello\\n")
        ...     await s.close_stdin()
        ...     async for stream, data in s:
        ...         print(stream, data)
        stdout b'hello\\n'
    """

    def __init__(
        self,
        api: APIClient,
        response: Reply,
        *,
        tty: bool,
        stdin: bool,
        resize_path: str,
    ) -> None:
        self._api = api
        self._response = response
        self._tty = tty
        self._stdin = stdin
        self._resize_path = resize_path
        self._upgraded = response.status_code == 101
        self._network: Any = None
        if self._upgraded:
            self._network = response.extensions.get("network_stream")
            if self._network is None:
                raise DockerError(
                    None,
                    "the HTTP transport upgraded the connection but does not expose it"
                    " (no 'network_stream' in the response's extensions)",
                )
        self._body: AsyncIterator[bytes] | None = None
        self._demuxer: FrameDemuxer | None = None if tty else FrameDemuxer()
        self._pending: deque[LogChunk] = deque()
        self._output_ended = False
        self._broken: str | None = None
        self._reading = False
        self._read_done = anyio.Event()
        self._write_lock = anyio.Lock()
        self._writer: SocketWriter | None = None
        self._writer_made = False
        self._wrote_stdin = False
        self._stdin_closed = False
        self._closed = False

    # -- what kind of session ------------------------------------------

    @property
    def tty(self) -> bool:
        """Whether the process has a TTY (raw output, nothing multiplexed)."""
        return self._tty

    @property
    def upgraded(self) -> bool:
        """``True`` when the engine upgraded the connection (``101``): stdin
        can be written. ``False`` on the ``200`` path: output only."""
        return self._upgraded

    @property
    def output_ended(self) -> bool:
        """Whether the engine has closed the output (the process is done)."""
        return self._output_ended

    # -- stdin -----------------------------------------------------------

    def _check_writable(self, what: str) -> None:
        if self._closed:
            raise RuntimeError(f"cannot {what}: this session is closed")
        if not self._stdin:
            raise RuntimeError(f"cannot {what}: this session was opened without stdin=True")
        if not self._upgraded:
            raise DockerError(
                None,
                f"cannot {what}: the engine (or a proxy in front of it) answered"
                f" {self._response.status_code} without upgrading the connection,"
                " so this session carries output only",
            )

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        """Send ``data`` to the process's stdin.

        Returns once the operating system has taken the bytes, so a process
        that reads slowly slows the writer down instead of letting memory
        grow. Concurrent writes are sent one after the other.

        When the process exits before reading all its input, the engine
        closes the connection and the write raises :class:`ConnectionLost`;
        only the writing side ends: the output the process wrote before it
        exited is still read to its end (``async for``, ``communicate``).

        Args:
            data: The bytes to send (text must be encoded first).

        Raises:
            TypeError: ``data`` is not bytes (a ``str``, say).
            RuntimeError: Stdin is closed, the session is closed, or it was
                opened without ``stdin=True``.
            DockerError: The engine did not upgrade the connection (output only).
            ConnectionLost: The process stopped reading (the engine closed the
                connection); its output can still be read.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(
                f"write() takes bytes, not {type(data).__name__}"
                + (": encode text first (text.encode())" if isinstance(data, str) else "")
            )
        self._check_writable("write to stdin")
        if not data:
            return
        async with self._write_lock:
            if self._stdin_closed:
                raise RuntimeError("cannot write to stdin: it is closed (close_stdin())")
            self._wrote_stdin = True
            with self._api.translate_errors():
                writer = self._stdin_writer()
                if writer is not None:
                    await writer.send(data)
                else:
                    await self._network.write(bytes(data))

    def _stdin_writer(self) -> SocketWriter | None:
        """Where stdin is written: the connection's socket on a descriptor of
        its own (see :mod:`aiodock._socket_writer`: a failed write must not
        stop the reading), or ``None`` to write through the network stream
        (TLS, or a transport that exposes no socket)."""
        if not self._writer_made:
            self._writer_made = True
            self._writer = SocketWriter.of(self._network)
        return self._writer

    async def close_stdin(self) -> None:
        """Close the process's stdin: it reads end-of-file.

        Waits for earlier writes to go out first. Idempotent.

        Behind a TTY this does not end the process, and the engine stops
        sending its output (the session is detached). End-of-file is a
        character there: send ``b"\\x04"`` (at the start of a line) to end a
        program that reads until end-of-file.
        """
        self._check_writable("close stdin")
        async with self._write_lock:
            if self._stdin_closed:
                return
            self._stdin_closed = True
            sock = self._network.get_extra_info("socket")
            if sock is None:
                raise DockerError(
                    None,
                    "cannot close stdin: the HTTP transport does not expose the socket"
                    " of the upgraded connection",
                )
            try:
                writer = self._stdin_writer()
                if writer is not None:
                    writer.shutdown()
                else:
                    sock.shutdown(socket.SHUT_WR)
            except OSError as exc:
                if exc.errno != errno.ENOTCONN:  # already closed by the engine: done
                    with self._api.translate_errors():
                        raise

    async def _feed(self, source: StdinSource) -> None:
        if isinstance(source, bytes | bytearray | memoryview):
            view = memoryview(source)
            for start in range(0, len(view), FEED_CHUNK):
                await self.write(view[start : start + FEED_CHUNK])
            return
        async for piece in source:
            if not isinstance(piece, bytes | bytearray | memoryview):
                raise TypeError(
                    f"stdin's async iterator must yield bytes, not {type(piece).__name__}"
                )
            await self.write(piece)

    # -- output ----------------------------------------------------------

    def __aiter__(self) -> AttachSession:
        return self

    async def __anext__(self) -> LogChunk:
        while not self._pending:
            if self._output_ended:
                raise StopAsyncIteration
            if self._closed:
                raise RuntimeError("cannot read: this session is closed")
            if self._reading:
                raise RuntimeError("another task is already reading this session's output")
            data = await self._read_raw()
            if not data:
                self._end_output()
            elif self._demuxer is None:
                self._pending.append(LogChunk("stdout", data))
            else:
                self._pending.extend(self._demuxer.feed(data))
        return self._pending.popleft()

    async def _read_raw(self) -> bytes:
        if self._broken is not None:
            raise ConnectionLost(None, self._broken)
        self._reading = True
        self._read_done = anyio.Event()
        try:
            with self._api.translate_errors():
                if self._network is not None:
                    try:
                        data: bytes = await self._network.read(READ_SIZE)
                    except Exception as exc:
                        if self._wrote_stdin and _is_reset(exc):
                            # The engine closed the connection with some of our
                            # input unread (the process exited before reading it):
                            # the kernel reports that as a reset, after all the
                            # output sent before it. That is the end of the output.
                            return b""
                        raise
                    return data
                if self._body is None:
                    self._body = self._response.aiter_raw()
                try:
                    return await self._body.__anext__()
                except StopAsyncIteration:
                    return b""
        except BaseException:
            if self._network is None:
                # The response body cannot be resumed once a read was interrupted.
                self._broken = "the output stream was interrupted by an earlier error"
            raise
        finally:
            self._reading = False
            self._read_done.set()

    def _end_output(self) -> None:
        self._output_ended = True
        if self._demuxer is not None:
            self._demuxer.close()

    async def _drain_output(self) -> None:
        """Read what is left of the output and drop it (waiting for a task
        that is reading right now instead of competing with it)."""
        while not self._output_ended:
            if self._reading:
                await self._read_done.wait()
                continue
            self._pending.clear()
            try:
                await self.__anext__()
            except StopAsyncIteration:
                break
        self._pending.clear()

    async def communicate(self, input: StdinSource | None = None) -> tuple[bytes, bytes]:
        """Send ``input`` to stdin, close it, and read the output to its end,
        all at once; return ``(stdout, stderr)``.

        ``input`` is bytes or an async iterable of bytes (fed as it comes);
        with ``None``, stdin (if attached) is just closed. Output that keeps
        coming after the process stopped reading its input is still
        collected (like :meth:`subprocess.Popen.communicate`).

        Behind a TTY, stdin is left open: there closing it makes the engine
        stop sending output while the process goes on. The input itself must
        end the process (``b"exit\\n"`` for a shell, ``b"\\x04"`` at the
        start of a line for a program reading to end-of-file).

        Args:
            input: Bytes, or an async iterable of bytes (fed as it comes);
                ``None`` to send nothing.

        Returns:
            ``(stdout, stderr)``, bytes; behind a TTY all is in ``stdout``.

        Raises:
            TypeError: ``input`` that is neither bytes nor an async iterable.
        """
        _check.stdin_source(input)
        if input is not None:
            self._check_writable("send input")
        stdout = bytearray()
        stderr = bytearray()
        failures: list[BaseException] = []

        async def feed(cancel: anyio.CancelScope) -> None:
            try:
                if input is not None:
                    await self._feed(input)
                if self._stdin and self._upgraded and not self._tty and not self._closed:
                    await self.close_stdin()
            except ConnectionLost:
                pass  # the process stopped reading; its output is still read
            except Exception as exc:
                failures.append(exc)
                cancel.cancel()

        async def read(cancel: anyio.CancelScope) -> None:
            try:
                async for chunk in self:
                    (stderr if chunk.stream == "stderr" else stdout).extend(chunk.data)
            except Exception as exc:
                failures.append(exc)
            cancel.cancel()  # the output ended: nobody reads stdin any more

        async with anyio.create_task_group() as tg:
            tg.start_soon(feed, tg.cancel_scope)
            tg.start_soon(read, tg.cancel_scope)
        if failures:
            raise failures[0]
        return bytes(stdout), bytes(stderr)

    async def _close_connection(self) -> None:
        # Closing the response closes an upgraded connection with httpx's own
        # transport, but not with every transport: close the stream itself.
        if self._writer is not None:
            self._writer.close()
        body, self._body = self._body, None
        aclose = getattr(body, "aclose", None)
        if aclose is not None:  # the 200 path's body, left before its end
            with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                await aclose()
        if self._network is not None:
            with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                await self._network.aclose()

    # -- terminal --------------------------------------------------------

    async def resize(self, height: int, width: int) -> None:
        """Set the size of the process's TTY.

        Args:
            height: Rows, a positive integer.
            width: Columns, a positive integer.

        Raises:
            ValueError: A size below 1.
        """
        height, width = _check.terminal_size(height, width)
        await self._api.request("POST", self._resize_path, params={"h": height, "w": width})

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (
            f"<{type(self).__name__} {state} tty={self._tty} stdin={self._stdin}"
            f" upgraded={self._upgraded}>"
        )


def _is_reset(exc: BaseException) -> bool:
    """Whether ``exc`` is (or was caused by) a connection reset."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionResetError):
            return True
        current = current.__cause__ or current.__context__
    return False


@asynccontextmanager
async def _hijack(
    api: APIClient,
    path: str,
    make_session: Callable[[Reply], SessionT],
    *,
    params: dict[str, QueryValue] | None = None,
    json: Any = None,
) -> AsyncIterator[SessionT]:
    """Send ``POST path`` asking for an upgrade and yield the session built
    on the answer; leaving the block (or cancelling) closes the connection."""
    async with api.stream(
        "POST", path, params=params, json=json, headers=UPGRADE_HEADERS, hijacks=True
    ) as response:
        session = make_session(response)
        try:
            yield session
        finally:
            session._closed = True
            await session._close_connection()


# --------------------------------------------------------------------------
# attach to a container


@asynccontextmanager
async def _attach(
    api: APIClient, path: str, params: dict[str, QueryValue], *, stdin: bool, tty: bool | None
) -> AsyncIterator[AttachSession]:
    if tty is None:
        info: dict[str, Any] = await api.get(dict[str, Any], f"/containers/{path}/json")
        tty = bool((info.get("Config") or {}).get("Tty"))
    known_tty = tty
    replay: list[LogChunk] = []
    if params.get("logs") and await api.is_podman():
        # Podman's attach with logs=1 sends the replay without its framing
        # intact: read it from /logs, then attach without it. (What the
        # process prints between the two requests is not replayed.)
        replay = await _logs_so_far(api, path, params, tty=tty)
        params = {**params, "logs": False}

    def make(response: Reply) -> AttachSession:
        return AttachSession(
            api, response, tty=known_tty, stdin=stdin, resize_path=f"/containers/{path}/resize"
        )

    async with _hijack(api, f"/containers/{path}/attach", make, params=params) as session:
        session._pending.extend(replay)
        yield session


async def _logs_so_far(
    api: APIClient, path: str, params: dict[str, QueryValue], *, tty: bool
) -> list[LogChunk]:
    reply = await api.request(
        "GET",
        f"/containers/{path}/logs",
        params={"stdout": params.get("stdout"), "stderr": params.get("stderr")},
    )
    if tty:
        return [LogChunk("stdout", reply.content)] if reply.content else []
    return FrameDemuxer().feed(reply.content)
