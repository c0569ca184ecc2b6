"""The non-upgraded ``200`` path: a proxy on a Unix socket in front of the
engine strips the upgrade headers, so the engine answers ``200`` and streams
the output as the response body. Output (and exit codes) must still arrive;
writing stdin is refused with a clear error. On asyncio and on trio."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator

import anyio
import anyio.abc
import pytest

from aiodock import Docker, DockerError
from tests.helpers import LABELS, own_client

STRIPPED = (b"upgrade:", b"connection:")


async def forward_requests(
    client: anyio.abc.ByteStream, engine: anyio.abc.SocketStream, seen: list[bytes]
) -> None:
    """Copy requests from the client to the engine without their
    ``Upgrade``/``Connection`` headers (bodies by Content-Length)."""
    buffer = b""
    while True:
        while b"\r\n\r\n" not in buffer:
            try:
                buffer += await client.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                with contextlib.suppress(Exception):
                    await engine.send_eof()
                return
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        kept = [line for line in lines[1:] if not line.lower().startswith(STRIPPED)]
        seen.append(head)
        length = 0
        for line in kept:
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(buffer) < length:
            buffer += await client.receive()
        body, buffer = buffer[:length], buffer[length:]
        await engine.send(b"\r\n".join([lines[0], *kept]) + b"\r\n\r\n" + body)


async def forward_answers(engine: anyio.abc.ByteStream, client: anyio.abc.ByteStream) -> None:
    with contextlib.suppress(
        anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError
    ):
        async for data in engine:
            await client.send(data)


@contextlib.asynccontextmanager
async def stripping_proxy(engine_path: str) -> AsyncIterator[tuple[str, list[bytes]]]:
    directory = tempfile.mkdtemp(prefix="aiodock-proxy-")
    path = f"{directory}/proxy.sock"
    seen: list[bytes] = []
    listener = await anyio.create_unix_listener(path)

    async def handle(client: anyio.abc.SocketStream) -> None:
        async with (
            client,
            await anyio.connect_unix(engine_path) as engine,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(forward_requests, client, engine, seen)
            await forward_answers(engine, client)
            tg.cancel_scope.cancel()

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, handle)
            try:
                yield path, seen
            finally:
                tg.cancel_scope.cancel()
    finally:
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
