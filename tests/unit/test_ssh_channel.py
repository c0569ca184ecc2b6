"""An SSH channel as the transport sees it (``SSHChannelStream``), on a fake
asyncssh channel: buffering, flow control both ways, end of stream, errors,
half-close and close."""

from __future__ import annotations

import errno
import socket

import anyio
import pytest

from aiodock._ssh import _PAUSE_AT, SSHChannelStream, _ChannelSession
from aiodock._transport import _Connection


class FakeChannel:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.eof_sent = 0
        self.closed = 0
        self.paused = False
        self.limits: tuple[object, ...] = ()

    def set_write_buffer_limits(self, *args: object) -> None:
        self.limits = args

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def write_eof(self) -> None:
        self.eof_sent += 1

    def close(self) -> None:
        self.closed += 1

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False


def channel() -> tuple[SSHChannelStream, _ChannelSession, FakeChannel]:
    chan = FakeChannel()
    session = _ChannelSession()
    session.connection_made(chan)
    return SSHChannelStream(chan, session, "forwarded to /var/run/docker.sock"), session, chan


async def test_reads_join_what_is_buffered_and_split_what_is_too_big() -> None:
    stream, session, _ = channel()
    for piece in (b"ab", b"cd", b"ef"):
        session.data_received(piece, None)
    assert await stream.receive(5) == b"abcd"  # whole packets, up to the limit
    assert await stream.receive(1) == b"e"
    assert await stream.receive(100) == b"f"
    session.data_received(b"stderr!", 1)  # dial-stdio's stderr: kept apart
    session.eof_received()
    with pytest.raises(anyio.EndOfStream):
        await stream.receive()
    assert bytes(session.stderr) == b"stderr!"


async def test_a_receive_waits_for_data() -> None:
    stream, session, _ = channel()
    async with anyio.create_task_group() as tg:
        tg.start_soon(anyio.sleep, 0)
        results: list[bytes] = []

        async def read() -> None:
            results.append(await stream.receive())

        tg.start_soon(read)
        await anyio.sleep(0.01)
        session.data_received(b"late", None)
    assert results == [b"late"]


async def test_reading_pauses_while_the_buffer_is_full() -> None:
    stream, session, chan = channel()
    block = b"x" * (1024 * 1024)
    for _ in range(_PAUSE_AT // len(block) + 1):
        session.data_received(block, None)
    assert chan.paused
    while chan.paused:
        await stream.receive(len(block))
    assert session.buffered < _PAUSE_AT // 2


async def test_writes_wait_while_the_channel_is_paused() -> None:
    stream, session, chan = channel()
    session.pause_writing()
    done = anyio.Event()

    async def write() -> None:
        await stream.send(b"hello")
        done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(write)
        await anyio.sleep(0.01)
        assert chan.written == [b"hello"] and not done.is_set()
        session.resume_writing()
    assert done.is_set()


async def test_a_lost_channel_fails_reads_and_writes_with_its_reason() -> None:
    stream, session, _ = channel()
    session.data_received(b"last", None)
    session.data_received(b"docker: command not found", 1)
    session.connection_lost(ConnectionResetError("the SSH connection dropped"))
    assert await stream.receive() == b"last"  # what arrived is still read
    with pytest.raises(anyio.BrokenResourceError, match=r"dropped.*command not found"):
        await stream.receive()
    with pytest.raises(anyio.BrokenResourceError):
        await stream.send(b"more")
    with pytest.raises(OSError) as info:
        stream.send_eof()
    assert info.value.errno == errno.ENOTCONN


async def test_half_close_is_the_channel_eof_and_close_is_once() -> None:
    stream, session, chan = channel()
    stream.half_closer.shutdown(socket.SHUT_WR)
    assert chan.eof_sent == 1 and chan.closed == 0
    connection = _Connection(stream)
    assert connection.sock is None and connection.is_reusable()
    session.data_received(b"junk", None)
    assert not connection.is_reusable()  # an idle channel with unread bytes is not reused
    await connection.aclose()
    await stream.aclose()
    assert chan.closed == 1
    assert await stream.receive() == b"junk"  # as a socket's buffer: read, then closed
    with pytest.raises(anyio.ClosedResourceError):
        await stream.receive()
