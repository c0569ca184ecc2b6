"""The non-upgraded ``200`` path: a proxy on a Unix socket in front of the
engine strips the upgrade headers, so the engine answers ``200`` and streams
the output as the response body. Output (and exit codes) must still arrive;
writing stdin is refused with a clear error. On asyncio and on trio."""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
from collections.abc import AsyncIterator

import anyio
import anyio.to_thread
import pytest

from aiodock import Docker, DockerError
from tests.helpers import LABELS, own_client

STRIPPED = (b"upgrade:", b"connection:")


def forward_requests(client: socket.socket, engine: socket.socket, seen: list[bytes]) -> None:
    """Copy requests from the client to the engine without their
    ``Upgrade``/``Connection`` headers (bodies by Content-Length)."""
    buffer = b""
    while True:
        while b"\r\n\r\n" not in buffer:
            data = _receive(client)
            if not data:
                with contextlib.suppress(OSError):
                    engine.shutdown(socket.SHUT_WR)
                return
            buffer += data
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        kept = [line for line in lines[1:] if not line.lower().startswith(STRIPPED)]
        seen.append(head)
        length = 0
        for line in kept:
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(buffer) < length:
            data = _receive(client)
            if not data:
                return
            buffer += data
        body, buffer = buffer[:length], buffer[length:]
        engine.sendall(b"\r\n".join([lines[0], *kept]) + b"\r\n\r\n" + body)


def forward_answers(engine: socket.socket, client: socket.socket) -> None:
    while data := _receive(engine):
        try:
            client.sendall(data)
        except OSError:
            return
    with contextlib.suppress(OSError):
        client.shutdown(socket.SHUT_WR)


def _receive(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


@contextlib.asynccontextmanager
async def stripping_proxy(engine_path: str) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A proxy in threads with blocking sockets, so that it behaves the same
    under every event loop (and never races the loop under test)."""
    directory = tempfile.mkdtemp(prefix="aiodock-proxy-")
    path = f"{directory}/proxy.sock"
    seen: list[bytes] = []
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()
    connections: list[socket.socket] = []
    threads: list[threading.Thread] = []

    def serve() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            engine.connect(engine_path)
            connections.extend((client, engine))
            for target, args in (
                (forward_requests, (client, engine, seen)),
                (forward_answers, (engine, client)),
            ):
                thread = threading.Thread(target=target, args=args, daemon=True)
                thread.start()
                threads.append(thread)

    acceptor = threading.Thread(target=serve, daemon=True)
    acceptor.start()
    try:
        yield path, seen
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        await anyio.to_thread.run_sync(acceptor.join, 5)
        for thread in threads:
            await anyio.to_thread.run_sync(thread.join, 5)
        shutil.rmtree(directory, ignore_errors=True)


# --------------------------------------------------------------------------
# scenarios


async def output_arrives_without_upgrade(docker: Docker, engine: str, image: str) -> None:
    command = ["sh", "-c", "echo out; echo err >&2; exit 7"]
    async with (
        docker.containers.running(
            image, ["sh", "-c", "echo ready; exec sleep 600"], labels=LABELS
        ) as c,
        stripping_proxy(engine) as (proxy, seen),
        Docker(f"unix://{proxy}", env={}) as proxied,
    ):
        async with proxied.execs.session(c.id, command, stdin=True) as session:
            assert not session.upgraded
            with pytest.raises(DockerError, match="without upgrading"):
                await session.write(b"input")
            chunks = [chunk async for chunk in session]
            assert await session.wait() == 7
        assert sorted(chunks) == [("stderr", b"err\n"), ("stdout", b"out\n")]
        assert await proxied.containers.exec(c.id, command) == (7, b"out\n", b"err\n")
        assert await proxied.containers.exec(c.id, ["sh", "-c", "echo raw"], tty=True) == (
            0,
            b"raw\r\n",
            b"",
        )

        async with proxied.containers.attach(c.id, logs=True) as session:
            assert not session.upgraded
            assert await session.__anext__() == ("stdout", b"ready\n")

        starts = [head for head in seen if b"/start " in head or b"/attach?" in head]
        # The session and the attach ask to upgrade; an exec with no stdin
        # reads its output as a plain body and does not ask.
        assert [b"upgrade" in head.lower() for head in starts] == [True, False, False, True]
    assert (await docker.ping()).api_version


# --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_output_arrives_without_upgrade(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await output_arrives_without_upgrade(docker, engine, test_image)
