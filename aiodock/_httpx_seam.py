"""The seam's adapter for any ``httpx.AsyncBaseTransport``.

httpx's stock transport (TLS, ``transport="httpx"``), ``httpx.MockTransport``
in tests, or a caller's own transport: each is driven with the head the
request path encoded (:class:`~aiodock._seam.HeadEncoder`), as an
``httpx.Request`` handed straight to the transport. No ``httpx.AsyncClient``
sits in between, so the headers on the wire are the same ones aiodock's own
transport sends.
"""

from __future__ import annotations

from typing import Any

import httpx

from ._reply import Reply
from ._seam import Body, Head, Transport


class HTTPXTransport(Transport):
    """Drive ``transport`` (and, for streams, ``stream_transport`` when given:
    httpx's pool cannot tell streams from short calls, so the default httpx
    set-up gives streams a pool of their own) through the seam."""

    def __init__(
        self,
        base_url: str,
        transport: httpx.AsyncBaseTransport,
        stream_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self.transport = transport
        self.stream_transport = stream_transport or transport

    async def send(
        self,
        head: Head,
        body: Body = None,
        *,
        read: bool,
        long: bool = False,
        fresh: bool = False,
        connect_timeout: float | None = None,
        idle_timeout: float | None = None,
        timeout: float | None = None,
    ) -> Reply:
        # httpx bounds each wait, not the exchange: give it the whole
        # exchange's bound when there is no idle one.
        wait = idle_timeout if idle_timeout is not None else timeout
        extensions: dict[str, Any] = {
            "timeout": {"connect": connect_timeout, "read": wait, "write": wait, "pool": timeout}
        }
        if long:
            extensions["aiodock.long"] = True
        request = httpx.Request(
            head.method,
            self._base_url + head.target,
            headers=head.headers,
            content=body,
            extensions=extensions,
        )
        transport = self.stream_transport if long else self.transport
        response = await transport.handle_async_request(request)
        response.request = request
        reply = Reply.from_httpx(response)
        if read:
            try:
                await reply.aread()
            finally:
                await reply.aclose()
        return reply

    async def aclose(self) -> None:
        await self.transport.aclose()
        if self.stream_transport is not self.transport:
            await self.stream_transport.aclose()
