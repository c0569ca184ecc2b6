"""A fault-injecting proxy between aiodock and the engine, for tests.

:func:`fault_proxy` serves a Unix socket in the test process (anyio) and
forwards every request to the real engine, one engine connection per client
connection, keep-alive and ``101`` upgrades (attach, exec) included. Faults
are armed per request (the first request whose path contains ``path``, and
optionally whose method is ``method``) or per connection (close every
connection right after accepting it)::

    async with fault_proxy(engine_socket) as proxy:
        proxy.inject(Fault.CUT_MID_CHUNK, path="/logs")
        async with Docker(f"unix://{proxy.path}") as docker:
            ...

Body faults re-frame the engine's answer so the cut lands exactly where it
should: the proxy decodes the engine's body (Content-Length or chunked) and
sends it on in its own chunks.
"""

from __future__ import annotations

import contextlib
import enum
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio
import anyio.abc

from tests.fakes import serving

_STREAM_ERRORS = (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError)


class Fault(enum.Enum):
    """What the proxy does to a request's answer."""

    DELAY = "delay the response"
    STALL_AFTER_HEADERS = "stall forever after the response headers"
    CUT_MID_BODY = "close the connection in the middle of the body"
    CUT_MID_CHUNK = "close the connection inside a chunk"
    CUT_MID_FRAME = "end the body cleanly, but inside its first frame (or JSON line)"
    TRUNCATED_CHUNK_SIZE = "send half a chunk-size line, then close"
    MALFORMED_CHUNK_SIZE = "send a chunk-size line that is not hexadecimal"
    GARBAGE = "send garbage instead of an HTTP answer"
    ERROR_500_TEXT = "answer 500 with a non-JSON body"
    CLOSE_ON_ACCEPT = "close the connection right after accepting it"
    STOP_READING_STDIN = (
        "on a hijacked connection, pass the first piece of stdin on, then stop reading"
        " it (the client's next write fails) and relay the output to its end"
    )


BODY_FAULTS = frozenset(
    {
        Fault.CUT_MID_BODY,
        Fault.CUT_MID_CHUNK,
        Fault.CUT_MID_FRAME,
        Fault.TRUNCATED_CHUNK_SIZE,
        Fault.MALFORMED_CHUNK_SIZE,
    }
)
GARBAGE = b"\x00\xffSSH-2.0-not-http \x07\x08garbage\r\n\r\nmore garbage\r\n\r\n"
ERROR_PAGE = b"<html><body><h1>502 upstream crashed</h1></body></html>"


@dataclass
class _Rule:
    fault: Fault
    path: str
    method: str | None
    times: int
    delay: float
    hits: int = 0


@dataclass
class FaultProxy:
    """A running proxy: ``path`` is its socket; arm faults with :meth:`inject`."""

    path: str
    engine_path: str
    rules: list[_Rule] = field(default_factory=list)
    accepted: int = 0
    faults_fired: list[tuple[Fault, str]] = field(default_factory=list)
    _idle: set[anyio.abc.SocketStream] = field(default_factory=set)
    _open: set[anyio.abc.SocketStream] = field(default_factory=set)
    _doomed: set[anyio.abc.SocketStream] = field(default_factory=set)
    _close_on_accept: int = 0
    dribble: bool = False
    """Relay every answer body (and hijacked output) three bytes at a time,
    so a client that stops at a random moment stops inside a frame."""

    def inject(
        self,
        fault: Fault,
        *,
        path: str = "",
        method: str | None = None,
        times: int = 1,
        delay: float = 2.0,
    ) -> None:
        """Arm ``fault`` for the next ``times`` requests whose path contains
        ``path``. ``CLOSE_ON_ACCEPT`` applies to the next ``times`` accepted
        connections, and first closes the kept-alive ones (those still
        finishing an answer at their next request, without answering it), so
        the client's next request must open a new connection."""
        if fault is Fault.CLOSE_ON_ACCEPT:
            self._close_on_accept += times
            self._doomed |= self._open - self._idle
            self.drop_idle_connections()
            return
        self.rules.append(_Rule(fault, path, method, times, delay))

    def clear(self) -> None:
        """Disarm every fault."""
        self.rules.clear()
        self._close_on_accept = 0

    def drop_idle_connections(self) -> None:
        """Close every client connection that waits for its next request."""
        for stream in list(self._idle):
            _shutdown(stream)

    def _take(self, method: str, target: str) -> _Rule | None:
        for rule in self.rules:
            if rule.path in target and (rule.method is None or rule.method == method):
                rule.hits += 1
                if rule.hits >= rule.times:
                    self.rules.remove(rule)
                self.faults_fired.append((rule.fault, target))
                return rule
        return None

    # -- serving -----------------------------------------------------------

    async def handle(self, client: anyio.abc.SocketStream) -> None:
        """Serve one client connection: relay its requests, faults applied."""
        self.accepted += 1
        if self._close_on_accept > 0:
            self._close_on_accept -= 1
            self.faults_fired.append((Fault.CLOSE_ON_ACCEPT, ""))
            _shutdown(client)
            await client.aclose()
            return
        engine: anyio.abc.SocketStream | None = None
        reader = _Reader(client)
        self._open.add(client)
        try:
            while True:
                self._idle.add(client)
                try:
                    head = await reader.until(b"\r\n\r\n")
                finally:
                    self._idle.discard(client)
                if head is None:
                    return
                if client in self._doomed:
                    self._doomed.clear()
                    self._close_on_accept = max(0, self._close_on_accept - 1)
                    self.faults_fired.append((Fault.CLOSE_ON_ACCEPT, "kept-alive"))
                    return
                method, target, headers = _parse_request(head)
                body = await reader.exactly(int(headers.get(b"content-length", b"0")))
                if body is None:
                    return
                rule = self._take(method, target)
                fault = rule.fault if rule else None
                if fault is Fault.GARBAGE:
                    await client.send(GARBAGE)
                    await _wait_for_eof(reader)
                    return
                if fault is Fault.ERROR_500_TEXT:
                    await client.send(
                        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n%b"
                        % (len(ERROR_PAGE), ERROR_PAGE)
                    )
                    return
                if rule is not None and fault is Fault.DELAY:
                    await anyio.sleep(rule.delay)
                if engine is None:
                    engine = await anyio.connect_unix(self.engine_path)
                await engine.send(head + b"\r\n\r\n" + body)
                keep_going = await self._answer(reader, client, engine, fault)
                if not keep_going:
                    return
        except _STREAM_ERRORS:
            return
        finally:
            self._open.discard(client)
            self._doomed.discard(client)
            if engine is not None:
                _shutdown(engine)
                await engine.aclose()
            _shutdown(client)
            await client.aclose()

    async def _answer(
        self,
        client_reader: _Reader,
        client: anyio.abc.SocketStream,
        engine: anyio.abc.SocketStream,
        fault: Fault | None,
    ) -> bool:
        """Relay one answer; ``False`` when the connection must end."""
        engine_reader = _Reader(engine)
        head = await engine_reader.until(b"\r\n\r\n")
        if head is None:
            return False
        status_line, _, rest = head.partition(b"\r\n")
        header_lines = [line for line in rest.split(b"\r\n") if line]
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(b":") for line in header_lines)
        }
        status = int(status_line.split(b" ")[1])
        if status == 101:
            await client.send(head + b"\r\n\r\n")
            await self._relay_upgraded(client_reader, client, engine_reader, engine, fault)
            return False
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        length = None if chunked else int(headers.get(b"content-length", b"0"))
        no_body = status in (204, 304) or (100 <= status < 200)
        if fault is Fault.STALL_AFTER_HEADERS:
            await client.send(head + b"\r\n\r\n")
            await _wait_for_eof(client_reader)
            return False
        if fault in BODY_FAULTS and not no_body:
            await self._faulty_body(
                client, engine_reader, status_line, header_lines, chunked, length, fault
            )
            return False
        await client.send(head + b"\r\n\r\n")
        if no_body:
            return headers.get(b"connection", b"").lower() != b"close"
        broken = True
        async with anyio.create_task_group() as tg:
            # Watch the client: when it goes away mid-stream, stop relaying.
            tg.start_soon(_cancel_on_eof, client_reader, tg.cancel_scope)
            with contextlib.suppress(*_STREAM_ERRORS):
                await self._relay_body(client, engine_reader, chunked, length)
                broken = False
            tg.cancel_scope.cancel()
        if broken or client_reader.eof:
            return False
        return headers.get(b"connection", b"").lower() != b"close"

    async def _relay_body(
        self,
        client: anyio.abc.SocketStream,
        engine_reader: _Reader,
        chunked: bool,
        length: int | None,
    ) -> None:
        if chunked:
            async for piece in _dechunk(engine_reader):
                for part in self._parts(piece):
                    await client.send(b"%x\r\n%b\r\n" % (len(part), part))
                    await self._pause()
            await client.send(b"0\r\n\r\n")
        else:
            assert length is not None
            remaining = length
            while remaining:
                piece = await engine_reader.some(remaining)
                if not piece:
                    raise anyio.EndOfStream
                remaining -= len(piece)
                for part in self._parts(piece):
                    await client.send(part)
                    await self._pause()

    async def _faulty_body(
        self,
        client: anyio.abc.SocketStream,
        engine_reader: _Reader,
        status_line: bytes,
        header_lines: list[bytes],
        chunked: bool,
        length: int | None,
        fault: Fault,
    ) -> None:
        body = await _first_body_bytes(engine_reader, chunked, length, want=64)
        if fault is Fault.CUT_MID_BODY and not chunked:
            await client.send(
                b"\r\n".join([status_line, *header_lines])
                + b"\r\n\r\n"
                + body[: max(1, len(body) // 2)]
            )
            return
        kept = [
            line
            for line in header_lines
            if not line.lower().startswith((b"content-length:", b"transfer-encoding:"))
        ]
        out = b"\r\n".join([status_line, *kept, b"Transfer-Encoding: chunked"]) + b"\r\n\r\n"
        if fault is Fault.CUT_MID_BODY:
            out += b"%x\r\n%b\r\n" % (len(body), body)  # whole chunks, then nothing
        elif fault is Fault.CUT_MID_CHUNK:
            out += b"%x\r\n%b" % (len(body), body[: max(1, len(body) // 2)])
        elif fault is Fault.CUT_MID_FRAME:
            # well-formed HTTP: the body itself stops inside its first frame
            cut = _inside_first_frame(body)
            out += b"%x\r\n%b\r\n0\r\n\r\n" % (cut, body[:cut])
        elif fault is Fault.TRUNCATED_CHUNK_SIZE:
            out += b"%x\r\n%b\r\n" % (len(body), body) + b"1"
        elif fault is Fault.MALFORMED_CHUNK_SIZE:
            out += b"zz-not-hex\r\n" + body + b"\r\n"
        await client.send(out)

    async def _relay_upgraded(
        self,
        client_reader: _Reader,
        client: anyio.abc.SocketStream,
        engine_reader: _Reader,
        engine: anyio.abc.SocketStream,
        fault: Fault | None,
    ) -> None:
        """Relay a hijacked connection both ways (with its fault, if any)."""
        if fault is Fault.STALL_AFTER_HEADERS:
            await _wait_for_eof(client_reader)
            return
        if fault is Fault.STOP_READING_STDIN:
            # What an engine does when the process exits before reading all
            # its stdin: it stops reading the connection, its output goes on.
            first = bytes(client_reader.buffer) or await client_reader.some(65536)
            client_reader.buffer.clear()
            if first:
                await engine.send(first)
            await engine.send_eof()
            sock = client.extra(anyio.abc.SocketAttribute.raw_socket, None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RD)
            with contextlib.suppress(*_STREAM_ERRORS):
                while data := await engine_reader.some(65536):
                    await client.send(data)
            return
        if fault in (Fault.CUT_MID_FRAME, Fault.CUT_MID_BODY, Fault.CUT_MID_CHUNK):
            data = await engine_reader.some(65536)
            while len(data) < 12:
                more = await engine_reader.some(65536)
                if not more:
                    break
                data += more
            await client.send(data[: _inside_first_frame(data)])
            return

        async def upstream() -> None:
            with contextlib.suppress(*_STREAM_ERRORS):
                if client_reader.buffer:
                    await engine.send(bytes(client_reader.buffer))
                    client_reader.buffer.clear()
                while data := await client_reader.some(65536):
                    await engine.send(data)
                await engine.send_eof()

        async with anyio.create_task_group() as tg:
            tg.start_soon(upstream)
            with contextlib.suppress(*_STREAM_ERRORS):
                while data := await engine_reader.some(65536):
                    for part in self._parts(data):
                        await client.send(part)
                        await self._pause()
            tg.cancel_scope.cancel()

    def _parts(self, data: bytes) -> list[bytes]:
        if not self.dribble:
            return [data]
        return [data[i : i + 3] for i in range(0, len(data), 3)]

    async def _pause(self) -> None:
        if self.dribble:
            await anyio.sleep(0.001)


class _Reader:
    """Buffered reads from a stream; ``None``/``b""`` at end of stream."""

    def __init__(self, stream: anyio.abc.ByteReceiveStream) -> None:
        self.stream = stream
        self.buffer = bytearray()
        self.eof = False

    async def _fill(self) -> bool:
        try:
            data = await self.stream.receive(65536)
        except _STREAM_ERRORS:
            self.eof = True
            return False
        self.buffer += data
        return True

    async def until(self, marker: bytes) -> bytes | None:
        while (end := self.buffer.find(marker)) < 0:
            if not await self._fill():
                return None
        out = bytes(self.buffer[:end])
        del self.buffer[: end + len(marker)]
        return out

    async def exactly(self, size: int) -> bytes | None:
        while len(self.buffer) < size:
            if not await self._fill():
                return None
        out = bytes(self.buffer[:size])
        del self.buffer[:size]
        return out

    async def some(self, limit: int) -> bytes:
        if not self.buffer and not await self._fill():
            return b""
        out = bytes(self.buffer[:limit])
        del self.buffer[:limit]
        return out


def _parse_request(head: bytes) -> tuple[str, str, dict[bytes, bytes]]:
    request_line, _, rest = head.partition(b"\r\n")
    method, target, _ = request_line.split(b" ", 2)
    headers: dict[bytes, bytes] = {}
    for line in rest.split(b"\r\n"):
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        raise NotImplementedError("the fault proxy relays requests with Content-Length only")
    return method.decode(), target.decode(), headers


async def _dechunk(reader: _Reader) -> AsyncIterator[bytes]:
    while True:
        line = await reader.until(b"\r\n")
        if line is None:
            raise anyio.EndOfStream
        size = int(line.split(b";")[0].strip(), 16)
        if size == 0:
            while await reader.until(b"\r\n") not in (b"", None):
                pass
            return
        data = await reader.exactly(size)
        if data is None or await reader.exactly(2) is None:
            raise anyio.EndOfStream
        yield data


async def _first_body_bytes(reader: _Reader, chunked: bool, length: int | None, want: int) -> bytes:
    """At least ``want`` bytes of the decoded body (fewer if it ends first)."""
    body = b""
    if chunked:
        async for piece in _dechunk(reader):
            body += piece
            if len(body) >= want:
                break
        return body
    assert length is not None
    while len(body) < min(want, length):
        piece = await reader.some(length - len(body))
        if not piece:
            break
        body += piece
    return body


def _inside_first_frame(data: bytes) -> int:
    """How many bytes to send to stop inside the first multiplexed frame
    (inside its payload when it has two bytes or more, else inside its header)."""
    if len(data) >= 8 and data[0] <= 3 and data[1:4] == b"\0\0\0":
        size = int.from_bytes(data[4:8], "big")
        if size >= 2:
            return 8 + min(size, len(data) - 8) // 2 if len(data) > 9 else 4
    return max(1, min(4, len(data) // 2))


async def _wait_for_eof(reader: _Reader) -> None:
    while not reader.eof:
        reader.buffer.clear()
        await reader._fill()


async def _cancel_on_eof(reader: _Reader, scope: anyio.CancelScope) -> None:
    # A client does not send during an answer (no pipelining): anything read
    # here stays buffered for the next request; end of stream means it left.
    while await reader._fill():
        pass
    scope.cancel()


def _shutdown(stream: anyio.abc.SocketStream) -> None:
    sock = stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


@contextlib.asynccontextmanager
async def fault_proxy(engine_path: str) -> AsyncIterator[FaultProxy]:
    """Serve a :class:`FaultProxy` in front of the engine at ``engine_path``."""
    directory = tempfile.mkdtemp(prefix="aiodock-faults-")
    proxy = FaultProxy(path=f"{directory}/proxy.sock", engine_path=engine_path)
    listener = await anyio.create_unix_listener(proxy.path)
    try:
        async with serving(listener, proxy.handle):
            yield proxy
    finally:
        shutil.rmtree(directory, ignore_errors=True)
