"""The request path's fast lane through aiodock's own transport: the encoded
request head, replies without httpx objects, one deadline per short call,
coalesced chunked bodies, and streams that do not use up the pool."""

from __future__ import annotations

from pathlib import Path

import anyio
import anyio.abc
import pytest

from aiodock import Docker
from aiodock._reply import Reply, ReplyHeaders
from aiodock._transport import EngineTransport
from aiodock.errors import ConnectionLost, DockerTimeout, NotFound
from tests.unit.test_transport import server


def _reply_to(request: bytes, body: bytes, status: bytes = b"200 OK") -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
    )


def docker_at(path: str, **kw: object) -> Docker:
    return Docker(f"unix://{path}", api_version="1.41", **kw)  # type: ignore[arg-type]


async def test_request_head_is_encoded_once_with_quoting(tmp_path: Path) -> None:
    seen: list[bytes] = []

    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        seen.append(request)
        await stream.send(_reply_to(request, b"[]"))

    async with server(tmp_path, script) as (path, _), docker_at(path) as docker:
        await docker.containers.list(all=True, filters={"label": ["a=b c"]})
        await docker.images.list(filters={"reference": "127.0.0.1:5000/x:1"})
    head = seen[0].split(b"\r\n\r\n")[0].split(b"\r\n")
    assert head[0].startswith(b"GET /v1.41/containers/json?all=1&")
    assert head[0].endswith(b" HTTP/1.1")
    assert b"&filters=%7B%22label%22%3A%5B%22a%3Db%20c%22%5D%7D" in head[0]
    assert b"Host: localhost" in head or any(h.startswith(b"Host: ") for h in head)
    assert any(h.startswith(b"User-Agent: aiodock/") for h in head)
    assert b"%3A5000" in seen[1].split(b"\r\n")[0]


async def test_json_body_and_empty_post_carry_a_length(tmp_path: Path) -> None:
    seen: list[bytes] = []

    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        seen.append(request)
        if b"/create" in request.split(b"\r\n")[0]:
            await stream.send(_reply_to(request, b'{"Id": "abc", "Warnings": []}', b"201 Created"))
        else:
            await stream.send(b"HTTP/1.1 204 No Content\r\n\r\n")

    async with server(tmp_path, script) as (path, connections), docker_at(path) as docker:
        created = await docker.containers.create("busybox", command=["true"])
        await docker.containers.start(created.id)
    create, start = seen
    assert b"Content-Type: application/json" in create
    assert b'"Image":"busybox"' in create
    assert b"Content-Length: 0\r\n" in start
    assert len(connections) == 1  # the 204 kept the connection alive


async def test_a_quoted_ref_is_not_quoted_again(tmp_path: Path) -> None:
    seen: list[bytes] = []

    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        seen.append(request)
        await stream.send(b"HTTP/1.1 204 No Content\r\n\r\n")

    async with server(tmp_path, script) as (path, _), docker_at(path) as docker:
        await docker.containers.start("a/../b c")
    assert seen[0].startswith(b"POST /v1.41/containers/a%2F..%2Fb%20c/start HTTP/1.1\r\n")


async def test_short_call_has_one_deadline_and_the_client_survives(tmp_path: Path) -> None:
    calls = 0

    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await anyio.sleep(30)  # never answers in time
        await stream.send(
            _reply_to(request, b'{"message": "no such container: x"}', b"404 Not Found")
        )

    async with server(tmp_path, script) as (path, _), docker_at(path, timeout=0.3) as docker:
        with anyio.fail_after(5):
            with pytest.raises(DockerTimeout, match=r"within 0\.3s"):
                await docker.containers.inspect("x")
            with pytest.raises(NotFound, match="no such container"):
                await docker.containers.inspect("x")


async def test_many_small_chunks_arrive_coalesced(tmp_path: Path) -> None:
    frame = b"\x01\x00\x00\x00\x00\x00\x00\x03ab\n"
    chunks = b"".join(b"%x\r\n%b\r\n" % (len(frame), frame) for _ in range(2000))

    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        await stream.send(
            b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n"
            b"Content-Type: application/vnd.docker.multiplexed-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
        )

    async with server(tmp_path, script) as (path, _), docker_at(path) as docker:
        pieces = [chunk async for chunk in docker.containers.logs("x", tty=False)]
    assert b"".join(piece.data for piece in pieces) == b"ab\n" * 2000
    assert {piece.stream for piece in pieces} == {"stdout"}
    assert len(pieces) < 100  # joined, not one LogChunk per frame


@pytest.mark.parametrize("bad", [b"zz\r\n", b"-1\r\n", b"0x3\r\n", b"3;ext\r\nabc\r\n0\r\n"])
async def test_unusual_chunk_lines_go_through_the_careful_path(tmp_path: Path, bad: bytes) -> None:
    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        await stream.send(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n" + bad + b"\r\n"
        )
        await stream.aclose()

    transport = EngineTransport(socket_path="")  # replaced below
    async with server(tmp_path, script) as (path, _):
        transport = EngineTransport(socket_path=path)
        head = b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n"
        reply = await transport.exchange("GET", head)
        received = b""
        try:
            async for piece in reply.aiter_raw():
                received += piece
        except Exception as exc:  # the transport's own error, named
            assert "chunk" in str(exc) or "closed" in str(exc)
        finally:
            await reply.aclose()
            await transport.aclose()
        assert received.startswith(b"abc")


async def test_streams_do_not_count_against_max_connections(tmp_path: Path) -> None:
    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        if b"/events" in request.split(b"\r\n")[0]:
            await stream.send(
                b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            await anyio.sleep(60)
        await stream.send(_reply_to(request, b'{"ok": true}'))

    opened = 0
    all_open = anyio.Event()

    async def follow(docker: Docker) -> None:
        nonlocal opened
        async with docker.system.events() as events:
            opened += 1
            if opened == 6:
                all_open.set()
            async for _ in events:
                pass

    async with (
        server(tmp_path, script) as (path, _),
        docker_at(path, max_connections=2, timeout=5) as docker,
        anyio.create_task_group() as tg,
    ):
        for _ in range(6):
            tg.start_soon(follow, docker)
        with anyio.fail_after(5):
            await all_open.wait()
            for _ in range(4):  # short calls still get a connection
                await docker._api.get(dict, "/anything")
        tg.cancel_scope.cancel()


def test_reply_headers_ignore_case_and_join_repeats() -> None:
    headers = ReplyHeaders.from_raw([(b"X-A", b"1"), (b"x-a", b"2"), (b"Api-Version", b"1.41")])
    assert headers.get("x-A") == "1, 2"
    assert headers["API-version"] == "1.41"
    assert "api-VERSION" in headers
    assert headers.get("missing", "d") == "d"


async def test_reply_reads_once_and_reports_unread_content() -> None:
    async def body() -> object:
        yield b"a"
        yield b"b"

    reply = Reply(200, ReplyHeaders(), body=body())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="not been read"):
        _ = reply.content
    assert await reply.aread() == b"ab"
    assert reply.content == b"ab" and reply.is_read


async def test_get_on_a_kept_alive_connection_the_engine_dropped_is_sent_again(
    tmp_path: Path,
) -> None:
    served: dict[int, int] = {}

    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        key = id(stream)
        served[key] = served.get(key, 0) + 1
        if served[key] == 2:  # the engine drops the connection as it is reused
            await stream.aclose()
            return
        await stream.send(_reply_to(request, b'{"ok": true}'))

    async with server(tmp_path, script) as (path, connections), docker_at(path) as docker:
        assert await docker._api.get(dict, "/one") == {"ok": True}
        assert await docker._api.get(dict, "/two") == {"ok": True}  # sent again
        assert len(connections) == 2
        with pytest.raises(ConnectionLost):  # a POST is never sent twice
            await docker._api.request("POST", "/three")
        assert await docker._api.get(dict, "/four") == {"ok": True}


async def test_to_file_leaves_no_partial_file_when_the_stream_breaks(tmp_path: Path) -> None:
    async def script(stream: anyio.abc.SocketStream, request: bytes) -> None:
        await stream.send(
            b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
        )
        await stream.aclose()  # cut inside the body

    target = tmp_path / "export.tar"
    async with server(tmp_path, script) as (path, _), docker_at(path) as docker:
        with pytest.raises(ConnectionLost):
            await docker.containers.export("x").to_file(target)
    assert not target.exists()
