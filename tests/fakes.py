"""One fake engine for unit tests.

:class:`FakeEngine` answers ``/_ping`` (with the API version it is given),
records every other request (and its body), and answers from a table of
routes: a canned ``httpx.Response`` or a handler (plain or async) keyed by
``(method, path)`` or by the path alone. It sits behind
``httpx.MockTransport``, which aiodock drives through the same request seam
(:mod:`aiodock._seam`) as its own transport, so a test sees the request
exactly as the engine would. :func:`client` builds a :class:`Docker` on any
handler.
"""

from __future__ import annotations

import inspect
import json
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

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
