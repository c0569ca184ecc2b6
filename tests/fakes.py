"""One fake engine for unit tests.

:class:`FakeEngine` answers ``/_ping`` (with the API version it is given),
records every other request (and its body), and answers from a table of
routes: a canned ``httpx.Response`` or a handler (plain or async) keyed by
``(method, path)`` or by the path alone. It sits behind
``httpx.MockTransport``, which aiodock drives through the same request seam
(:mod:`aiodock._seam`) as its own transport, so a test sees the request
exactly as the engine would. :func:`client` builds a :class:`Docker` on any
handler.

For what must go through a real socket (aiodock's own transport parsing
the bytes, hijacked connections), :func:`serving` serves a handler on an
anyio listener for the length of a block and closes it after, and
:class:`SocketEngine` is a scripted engine on a Unix socket.
"""

from __future__ import annotations

import contextlib
import inspect
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import anyio
import anyio.abc
import httpx

from aiodock import Docker

Handler = Callable[[httpx.Request], "httpx.Response | Awaitable[httpx.Response]"]
Answer = httpx.Response | Handler
Route = tuple[str, str] | str

NO_ENGINE = "unix:///nonexistent.sock"
"""Where the fake clients say they connect (no request ever reaches it)."""


def client(
    handler: Handler | httpx.AsyncBaseTransport,
    *,
    host: str = NO_ENGINE,
    env: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> Docker:
    """A :class:`Docker` whose requests go to ``handler`` (a
    :class:`FakeEngine`, any ``request -> response`` callable, or a
    transport), with an empty environment unless ``env`` is given."""
    transport = (
        handler if isinstance(handler, httpx.AsyncBaseTransport) else httpx.MockTransport(handler)  # type: ignore[arg-type]  # sync or async
    )
    return Docker(host, transport=transport, env={} if env is None else env, **kwargs)


def no_requests(request: httpx.Request) -> httpx.Response:
    """For a client that must send nothing (bad input is refused first)."""
    raise AssertionError(f"a request was sent: {request.method} {request.url}")


def not_found(request: httpx.Request) -> httpx.Response:
    """The default answer for a route the table lacks."""
    return httpx.Response(404, json={"message": f"no route {request.url.path}"})


class FakeEngine:
    """A scripted engine: ``/_ping`` answered, other requests recorded and
    answered from ``routes``.

    A route's key is ``(method, path)`` or ``path`` (any method); the path is
    matched as sent (percent-escapes kept), then decoded. ``missing``
    answers the rest (404 by default). ``env`` is the environment of the
    clients :meth:`client` builds. ``seen`` counts every path asked
    for, ``/_ping`` included; ``requests`` and ``bodies`` hold the others.
    """

    def __init__(
        self,
        routes: Mapping[Any, Answer] | None = None,
        *,
        api_version: str = "1.41",
        ping_headers: Mapping[str, str] | None = None,
        missing: Handler = not_found,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.routes: dict[Route, Answer] = dict(routes or {})
        self.env = env
        self.api_version = api_version
        self.ping_headers = dict(ping_headers or {})
        self.missing = missing
        self.seen: Counter[str] = Counter()
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []

    def route(self, key: Route, answer: Answer) -> None:
        """Add (or replace) one route."""
        self.routes[key] = answer

    def _answer_for(self, request: httpx.Request) -> Answer:
        raw = request.url.raw_path.decode("ascii").partition("?")[0]
        path = request.url.path
        for key in ((request.method, raw), (request.method, path), raw, path):
            if key in self.routes:
                return self.routes[key]
        return self.missing

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen[request.url.path] += 1
        if request.url.path == "/_ping":
            headers = {"Api-Version": self.api_version, **self.ping_headers}
            return httpx.Response(200, text="OK", headers=headers)
        self.requests.append(request)
        self.bodies.append(await request.aread())
        answer = self._answer_for(request)
        if isinstance(answer, httpx.Response):
            return answer
        response = answer(request)
        if inspect.isawaitable(response):
            response = await response
        return response

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def client(self, **kwargs: Any) -> Docker:
        """A :class:`Docker` on this engine (see :func:`client`)."""
        kwargs.setdefault("env", self.env)
        return client(self, **kwargs)

    def body(self, index: int = 0) -> Any:
        """The JSON body of the ``index``-th recorded request."""
        return json.loads(self.bodies[index])

    def last_body(self) -> Any:
        return json.loads(self.bodies[-1])


# --------------------------------------------------------------------------
# fakes behind a real socket


@contextlib.asynccontextmanager
async def serving(
    listener: anyio.abc.Listener[anyio.abc.SocketStream],
    handle: Callable[[anyio.abc.SocketStream], Awaitable[None]],
) -> AsyncIterator[None]:
    """Serve ``handle`` on ``listener`` for the length of the block.

    At the end the handlers are cancelled, and every accepted connection
    and the listener are closed, even one whose handler had not started
    yet (a cancelled task never runs its coroutine, so its ``async with
    stream`` never closes it). A socket left to the garbage collector is a
    ``ResourceWarning``, which the test suite treats as an error.
    """
    accepted: set[anyio.abc.SocketStream] = set()

    async def run(stream: anyio.abc.SocketStream) -> None:
        try:
            await handle(stream)
        finally:
            accepted.discard(stream)
            await anyio.aclose_forcefully(stream)

    async def accept(one: Any, tg: anyio.abc.TaskGroup) -> None:
        while True:
            stream = await one.accept()
            accepted.add(stream)
            tg.start_soon(run, stream)

    # A TCP listener is a MultiListener (one listener per address family).
    listeners = getattr(listener, "listeners", [listener])
    async with listener:
        try:
            async with anyio.create_task_group() as tg:
                for one in listeners:
                    tg.start_soon(accept, one, tg)
                try:
                    yield
                finally:
                    tg.cancel_scope.cancel()
        finally:
            for stream in list(accepted):
                await anyio.aclose_forcefully(stream)


OK_PING = (
    b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 2\r\n\r\nOK"
)
"""A complete answer to ``GET /_ping``."""


class SocketEngine:
    """A raw engine on a Unix socket in the test's process, for aiodock's own
    transport: it reads one request head per connection, answers with the
    next list of ``answers`` (the pieces sent apart, with a short pause
    between them, so the client reads them apart; :data:`OK_PING` when the
    list is used up), then closes the connection."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.answers: list[list[bytes]] = []

    async def serve(self, task_status: anyio.abc.TaskStatus[None]) -> None:
        """Serve until cancelled (``await task_group.start(engine.serve)``)."""
        listener = await anyio.create_unix_listener(self.path)
        async with serving(listener, self._handle):
            task_status.started()
            await anyio.sleep_forever()

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        async with stream:
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    data += await stream.receive()
                pieces = self.answers.pop(0) if self.answers else [OK_PING]
                for piece in pieces:
                    if piece:
                        await stream.send(piece)
                        await anyio.sleep(0.0005)
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass
