"""aiodock's own HTTP/1.1 transport against a scripted Unix-socket server:
framing both ways, keep-alive, upgrades, and broken answers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import anyio
import anyio.abc
import httpx
import pytest

from aiodock._transport import EngineTransport
from tests.fakes import serving

Script = Callable[[anyio.abc.SocketStream, bytes], Awaitable[None]]


async def read_request(stream: anyio.abc.SocketStream) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = await stream.receive()
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        while not rest.endswith(b"0\r\n\r\n"):
            rest += await stream.receive()
    elif b"content-length:" in head.lower():
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(rest) < length:
            rest += await stream.receive()
    return head + b"\r\n\r\n" + rest


@contextlib.asynccontextmanager
async def server(tmp_path: Path, script: Script) -> AsyncIterator[tuple[str, list[int]]]:
    path = str(tmp_path / "engine.sock")
    listener = await anyio.create_unix_listener(path)
    connections: list[int] = []

    async def handle(stream: anyio.abc.SocketStream) -> None:
        connections.append(1)
        async with stream:
            with contextlib.suppress(
                anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError
            ):
                while True:
                    request = await read_request(stream)
                    await script(stream, request)

    async with serving(listener, handle):
        yield path, connections


def client(path: str, **kw: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=EngineTransport(socket_path=path), base_url="http://x", **kw)  # type: ignore[arg-type]


async def test_content_length_and_keep_alive(tmp_path: Path) -> None:
    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        body = request.split(b"\r\n", 1)[0]
        await stream.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body))

    async with server(tmp_path, script) as (path, connections), client(path) as http:
        for i in range(5):
            response = await http.get(f"/v1/thing?n={i}")
            assert response.text == f"GET /v1/thing?n={i} HTTP/1.1"
        assert len(connections) == 1


async def test_chunked_response_and_request(tmp_path: Path) -> None:
    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        assert b"Transfer-Encoding: chunked" in request or b"transfer-encoding: chunked" in request
        assert request.endswith(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        await stream.send(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-T: 1\r\n\r\n"
        )

    async def body() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b""
        yield b"de"

    async with server(tmp_path, script) as (path, connections), client(path) as http:
        for _ in range(2):
            response = await http.post("/upload", content=body())
            assert response.text == "hello world"
        assert len(connections) == 1


async def test_body_until_close_is_not_reused(tmp_path: Path) -> None:
    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        await stream.send(b"HTTP/1.1 200 OK\r\nContent-Type: x\r\n\r\nraw bytes")
        await stream.aclose()

    async with server(tmp_path, script) as (path, connections), client(path) as http:
        assert (await http.get("/a")).content == b"raw bytes"
        assert (await http.get("/b")).content == b"raw bytes"
        assert len(connections) == 2


async def test_stale_idle_connection_is_replaced(tmp_path: Path) -> None:
    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        await stream.send(b"HTTP/1.1 204 No Content\r\n\r\n")
        await stream.aclose()  # keep-alive promised, then closed anyway

    async with server(tmp_path, script) as (path, connections), client(path) as http:
        assert (await http.get("/a")).status_code == 204
        await anyio.sleep(0.05)
        assert (await http.get("/b")).status_code == 204
        assert len(connections) == 2


async def test_upgrade_hands_back_the_raw_stream(tmp_path: Path) -> None:
    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        await stream.send(
            b"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly"
        )
        data = await stream.receive()
        await stream.send(b"echo:" + data)
        await stream.aclose()

    headers = {"Upgrade": "tcp", "Connection": "Upgrade"}
    async with (
        server(tmp_path, script) as (path, _),
        client(path) as http,
        http.stream("POST", "/attach", headers=headers) as response,
    ):
        assert response.status_code == 101
        net = response.extensions["network_stream"]
        assert await net.read(100) == b"early"
        await net.write(b"ping")
        assert await net.read(100) == b"echo:ping"
        assert await net.read(100) == b""
        assert net.get_extra_info("socket") is not None
        await net.aclose()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", httpx.RemoteProtocolError),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
            httpx.RemoteProtocolError,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            httpx.RemoteProtocolError,
        ),
        (b"SSH-2.0-OpenSSH\r\n\r\n", httpx.RemoteProtocolError),
        (b"", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", httpx.RemoteProtocolError),
    ],
)
async def test_broken_answers_raise_httpx_errors(
    tmp_path: Path, answer: bytes, error: type[Exception]
) -> None:
    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        await stream.send(answer)
        await stream.aclose()

    async with server(tmp_path, script) as (path, _), client(path) as http:
        with pytest.raises(error):
            await http.get("/x")


async def test_read_timeout_and_pool_limit(tmp_path: Path) -> None:
    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        await anyio.sleep(5)

    async with server(tmp_path, script) as (path, _):
        http = httpx.AsyncClient(
            transport=EngineTransport(socket_path=path, max_connections=1),
            base_url="http://x",
            timeout=httpx.Timeout(0.2),
        )
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/slow")
        async with anyio.create_task_group() as tg:
            errors: list[type[Exception]] = []

            async def one() -> None:
                try:
                    await http.get("/slow")
                except httpx.TimeoutException as exc:
                    errors.append(type(exc))

            tg.start_soon(one)
            tg.start_soon(one)
        assert sorted(e.__name__ for e in errors) == ["PoolTimeout", "ReadTimeout"]
        await http.aclose()


async def test_connect_errors_keep_the_os_error(tmp_path: Path) -> None:
    async with client(str(tmp_path / "missing.sock")) as http:
        with pytest.raises(httpx.ConnectError) as info:
            await http.get("/x")
    assert isinstance(info.value.__cause__, FileNotFoundError)
