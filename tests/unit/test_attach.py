"""Attach and exec sessions without an engine: argument checks (before any
request), the exec models, and the hijack protocol against a scripted fake
engine on a Unix socket (upgrade, half-close, the 200 path, broken frames)."""

from __future__ import annotations

import contextlib
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import pytest

from aiodock import ConnectionLost, Docker, DockerError, ExecError, NotFound, StreamError
from aiodock._check import command, env
from aiodock._transport import EngineTransport
from aiodock.exec import ExecResult, _exec_config, run_exec
from aiodock.models import ExecInspect
from tests.fakes import client, no_requests, serving

# --------------------------------------------------------------------------
# no request may be sent for bad input


@pytest.fixture
def offline() -> Docker:
    return client(no_requests, api_version="1.41")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"ref": ""}, ValueError),
        ({"ref": 3}, TypeError),
        ({"ref": "c", "stdin": "yes"}, TypeError),
        ({"ref": "c", "stdout": False, "stderr": False}, ValueError),
        ({"ref": "c", "detach_keys": ""}, ValueError),
        ({"ref": "c", "tty": 1}, TypeError),
        ({"ref": "c", "logs": None}, TypeError),
    ],
)
async def test_attach_checks_arguments_first(
    offline: Docker, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    ref = kwargs.pop("ref")
    with pytest.raises(error):
        offline.containers.attach(ref, **kwargs)


@pytest.mark.parametrize(
    ("cmd", "kwargs", "error", "words"),
    [
        ("", {}, ValueError, "empty"),
        ([], {}, ValueError, "empty"),
        ("echo 'unclosed", {}, ValueError, "cannot split"),
        (["echo", 1], {}, TypeError, "argument"),
        (b"ls", {}, TypeError, "command"),
        (["ls"], {"env": "A=1"}, TypeError, "env"),
        (["ls"], {"env": {"A=B": "1"}}, ValueError, "env"),
        (["ls"], {"env": {"A": 1}}, TypeError, "env"),
        (["ls"], {"env": ["=x"]}, ValueError, "env"),
        (["ls"], {"workdir": ""}, ValueError, "workdir"),
        (["ls"], {"user": 0}, TypeError, "user"),
        (["ls"], {"tty": "no"}, TypeError, "tty"),
        (["ls"], {"privileged": 1}, TypeError, "privileged"),
        (["ls"], {"stdin": "text"}, TypeError, "encode"),
        (["ls"], {"stdin": 42}, TypeError, "stdin"),
        (["ls"], {"check": "yes"}, TypeError, "check"),
    ],
)
async def test_run_exec_checks_arguments_first(
    offline: Docker, cmd: Any, kwargs: dict[str, Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        await run_exec(offline._api, "c", cmd, **kwargs)


async def test_exec_operations_check_arguments_first(offline: Docker) -> None:
    execs = offline.execs
    with pytest.raises(ValueError, match="exec"):
        await execs.inspect("")
    with pytest.raises(TypeError, match="height"):
        await execs.resize("abc", True, 80)
    with pytest.raises(ValueError, match="width"):
        await execs.resize("abc", 24, 0)
    with pytest.raises(TypeError, match="detach"):
        await execs.start("abc", detach=1)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="console_size"):
        await execs.create("c", ["ls"], console_size=(24,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="stdout"):
        await execs.create("c", ["ls"], stdout=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        execs.session("c", ["cat"], stdin=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        execs.start_session("abc", tty="yes")  # type: ignore[arg-type]


async def test_console_size_needs_api_1_42(offline: Docker) -> None:
    with pytest.raises(DockerError, match=r"1\.42"):
        await offline.execs.create("c", ["ls"], console_size=(24, 80))


def test_command_and_env_forms() -> None:
    assert command("cmd", "sh -c 'echo a b'") == ["sh", "-c", "echo a b"]
    assert command("cmd", ("ls", "-l")) == ["ls", "-l"]
    assert env({"A": "1", "B": ""}) == ["A=1", "B="]
    assert env(["A=1", "B"]) == ["A=1", "B"]
    assert (
        _exec_config(["ls"], {"env": None}, stdin=False, stdout=True, stderr=True).get("Env")
        is None
    )


def test_exec_inspect_reads_the_engines_answer() -> None:
    info = ExecInspect.model_validate(
        {
            "CanRemove": False,
            "ContainerID": "b53e",
            "DetachKeys": "",
            "ExitCode": 2,
            "ID": "f33b",
            "OpenStderr": True,
            "OpenStdin": True,
            "OpenStdout": True,
            "ProcessConfig": {
                "arguments": ["-c", "exit 2"],
                "entrypoint": "sh",
                "privileged": False,
                "tty": True,
                "user": "1000",
            },
            "Running": False,
            "Pid": 42000,
            "SomethingNew": 1,
        }
    )
    assert (info.id, info.container_id, info.exit_code, info.running, info.pid) == (
        "f33b",
        "b53e",
        2,
        False,
        42000,
    )
    assert info.process_config is not None and info.process_config.tty is True
    assert info.process_config.arguments == ["-c", "exit 2"]
    assert (info.open_stdin, info.open_stdout, info.open_stderr) == (True, True, True)
    assert info.can_remove is False and info.detach_keys == ""
    assert info.model_extra == {"SomethingNew": 1}


def test_exec_error_and_result() -> None:
    err = ExecError.exited("e1", ["sh", "-c", "exit 3"], 3, b"out", b"it failed\n")
    assert isinstance(err, DockerError)
    assert (err.id, err.cmd, err.status) == ("e1", ["sh", "-c", "exit 3"], None)
    assert (err.exit_code, err.stdout, err.stderr) == (3, b"out", b"it failed\n")
    assert "exited with code 3" in str(err) and "it failed" in str(err)
    code, out, errout = ExecResult(0, b"a", b"b")
    assert (code, out, errout) == (0, b"a", b"b")


# --------------------------------------------------------------------------
# a scripted engine on a Unix socket

Script = Callable[[anyio.abc.SocketStream, bytes], Awaitable[None]]


def frame(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(data)) + data


async def read_head(stream: anyio.abc.SocketStream) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += await stream.receive()
    head, _, rest = data.partition(b"\r\n\r\n")
    if b"content-length:" in head.lower():
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(rest) < length:
            rest += await stream.receive()
    return head


async def read_to_eof(stream: anyio.abc.SocketStream) -> bytes:
    data = b""
    with contextlib.suppress(anyio.EndOfStream):
        while True:
            data += await stream.receive()
    return data


UPGRADED = b"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"


@pytest.fixture(params=["httpx", "aiodock"])
def transport_kind(request: pytest.FixtureRequest) -> str:
    """Each protocol test runs on httpx's transport and on aiodock's own."""
    return str(request.param)


@contextlib.asynccontextmanager
async def fake_engine(tmp_path: Path, script: Script, kind: str) -> AsyncIterator[Docker]:
    path = str(tmp_path / "engine.sock")
    listener = await anyio.create_unix_listener(path)

    async def handle(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            with contextlib.suppress(
                anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError
            ):
                await script(stream, await read_head(stream))

    async with serving(listener, handle):
        transport = EngineTransport(socket_path=path) if kind == "aiodock" else None
        async with Docker(
            f"unix://{path}", env={}, api_version="1.41", transport=transport
        ) as docker:
            yield docker


async def test_upgrade_half_close_and_demux(tmp_path: Path, transport_kind: str) -> None:
    heads: list[bytes] = []

    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        heads.append(head)
        # the first frame arrives in the same packet as the 101 answer
        await stream.send(UPGRADED + frame(1, b"ready\n"))
        received = await read_to_eof(stream)  # until the client's half-close
        await stream.send(frame(1, b"got " + received) + frame(2, b"warn")[:5])
        await stream.send(frame(2, b"warn")[5:] + frame(1, b"!"))

    async with (
        fake_engine(tmp_path, script, transport_kind) as docker,
        docker.execs.start_session("abc", tty=False) as session,
    ):
        assert session.upgraded and not session.tty
        assert await session.__anext__() == ("stdout", b"ready\n")
        await session.write(b"hello ")
        await session.write(bytearray(b"world"))
        await session.close_stdin()
        await session.close_stdin()  # idempotent
        with pytest.raises(RuntimeError, match="closed"):
            await session.write(b"late")
        chunks = [chunk async for chunk in session]
        assert session.output_ended
    assert chunks == [("stdout", b"got hello world"), ("stderr", b"warn"), ("stdout", b"!")]
    request = heads[0].lower()
    assert request.startswith(b"post /v1.41/exec/abc/start ")
    assert b"upgrade: tcp" in request and b"connection: upgrade" in request


async def test_tty_output_is_raw(tmp_path: Path, transport_kind: str) -> None:
    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        await stream.send(UPGRADED + b"\x01\x00\x00\x00raw tty bytes")

    async with (
        fake_engine(tmp_path, script, transport_kind) as docker,
        docker.containers.attach("c", tty=True) as session,
    ):
        data = b"".join([chunk.data async for chunk in session])
        assert data == b"\x01\x00\x00\x00raw tty bytes"


async def test_communicate_feeds_while_reading(tmp_path: Path, transport_kind: str) -> None:
    size = 8 * 1024 * 1024

    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        await stream.send(UPGRADED)
        total = 0
        with contextlib.suppress(anyio.EndOfStream):
            while True:  # echo everything back at once: the client must read while writing
                data = await stream.receive()
                total += len(data)
                await stream.send(frame(1, data))
        await stream.send(frame(2, str(total).encode()))

    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"z" * (size // 8)

    async with (
        fake_engine(tmp_path, script, transport_kind) as docker,
        docker.execs.start_session("abc", tty=False) as session,
    ):
        out, err = await session.communicate(pieces())
    assert out == b"z" * size and err == str(size).encode()


async def test_the_200_path_carries_output_only(tmp_path: Path, transport_kind: str) -> None:
    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        await stream.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream"
            b"\r\n\r\n" + frame(1, b"out") + frame(2, b"err")
        )

    async with (
        fake_engine(tmp_path, script, transport_kind) as docker,
        docker.containers.attach("c", stdin=True, tty=False) as session,
    ):
        assert not session.upgraded
        with pytest.raises(DockerError, match="without upgrading"):
            await session.write(b"x")
        with pytest.raises(DockerError, match="without upgrading"):
            await session.close_stdin()
        assert await session.communicate() == (b"out", b"err")


async def test_a_stream_cut_inside_a_frame_is_an_error(tmp_path: Path, transport_kind: str) -> None:
    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        await stream.send(UPGRADED + frame(1, b"complete") + frame(2, b"cut short")[:12])

    async with (
        fake_engine(tmp_path, script, transport_kind) as docker,
        docker.containers.attach("c", tty=False) as session,
    ):
        assert await session.__anext__() == ("stdout", b"complete")
        assert await session.__anext__() == ("stderr", b"cut ")
        with pytest.raises(ConnectionLost, match="middle of a frame"):
            await session.__anext__()


async def test_garbage_instead_of_frames_is_an_error(tmp_path: Path, transport_kind: str) -> None:
    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        await stream.send(UPGRADED + b"this is not a frame header")

    async with (
        fake_engine(tmp_path, script, transport_kind) as docker,
        docker.containers.attach("c", tty=False) as session,
    ):
        with pytest.raises(StreamError, match="malformed frame"):
            await session.__anext__()


async def test_errors_before_the_upgrade(tmp_path: Path, transport_kind: str) -> None:
    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        body = b'{"message":"No such container: c"}'
        await stream.send(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
        )

    async with fake_engine(tmp_path, script, transport_kind) as docker:
        with pytest.raises(NotFound, match="No such container"):
            async with docker.containers.attach("c", tty=False):
                pass


async def test_session_misuse_is_reported(tmp_path: Path, transport_kind: str) -> None:
    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        await stream.send(UPGRADED)
        await anyio.sleep(30)

    async with fake_engine(tmp_path, script, transport_kind) as docker:
        async with docker.containers.attach("c", tty=False) as session:
            with pytest.raises(RuntimeError, match="without stdin"):
                await session.write(b"x")
            with pytest.raises(TypeError, match="encode"):
                await session.write("text")  # type: ignore[arg-type]
            with pytest.raises(RuntimeError, match="without stdin"):
                await session.communicate(b"x")
            async with anyio.create_task_group() as tg:
                tg.start_soon(session.__anext__)
                await anyio.sleep(0.05)
                with pytest.raises(RuntimeError, match="already reading"):
                    await session.__anext__()
                tg.cancel_scope.cancel()
        with pytest.raises(RuntimeError, match="closed"):
            await session.__anext__()


async def test_leaving_the_block_closes_the_connection(tmp_path: Path, transport_kind: str) -> None:
    closed = anyio.Event()

    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        await stream.send(UPGRADED + frame(1, b"hi"))
        await read_to_eof(stream)
        closed.set()

    async with fake_engine(tmp_path, script, transport_kind) as docker:
        with anyio.CancelScope() as scope:
            async with docker.containers.attach("c", stdin=True, tty=False) as session:
                assert await session.__anext__() == ("stdout", b"hi")
                scope.cancel()
                await anyio.sleep_forever()
        with anyio.fail_after(5):
            await closed.wait()


async def test_output_after_a_failed_stdin_write_is_still_read(
    tmp_path: Path, transport_kind: str
) -> None:
    """The process exits before reading all its input: the engine reads a
    little, sends the output and closes the connection while the client is
    still writing. The write fails, but only the writing side ends: the
    output already sent is read to its end (issue 14, point 5)."""
    size = 8 * 1024 * 1024

    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        await stream.send(UPGRADED)
        first = await stream.receive(1)
        await stream.send(frame(1, first) + frame(2, b"bye\n"))
        for _ in range(16):  # more than any buffer holds: still arriving at the close
            await stream.send(frame(1, b"x" * 1024 * 1024))
        # closed with megabytes of stdin unread: the client's next write fails

    async with (
        fake_engine(tmp_path, script, transport_kind) as docker,
        docker.execs.start_session("abc", tty=False) as session,
    ):
        out, err = await session.communicate(b"z" * size)
    assert (len(out), err) == (1 + 16 * 1024 * 1024, b"bye\n")
    assert out == b"z" + b"x" * 16 * 1024 * 1024


async def test_a_failed_write_raises_and_the_session_still_reads(
    tmp_path: Path, transport_kind: str
) -> None:
    """The same, driven by hand: ``write`` raises :class:`ConnectionLost`,
    and ``async for`` still yields every frame the engine sent."""

    async def script(stream: anyio.abc.SocketStream, head: bytes) -> None:
        await stream.send(UPGRADED + frame(1, b"early ") + frame(1, b"exit"))

    async with (
        fake_engine(tmp_path, script, transport_kind) as docker,
        docker.containers.attach("c", stdin=True, tty=False) as session,
    ):
        with anyio.fail_after(10), pytest.raises(ConnectionLost):
            while True:  # until the engine's close reaches the writer
                await session.write(b"y" * 65536)
        chunks = [chunk async for chunk in session]
    assert b"".join(c.data for c in chunks) == b"early exit"
    assert {c.stream for c in chunks} == {"stdout"}
