"""The system API: ping, version, info, disk usage, events, login."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial

from ._api import APIClient, decode_json
from ._operation import operation
from ._query import Filters, QueryValue, encode_filters, unix_time
from .auth import RegistryAuth
from .errors import DockerError, registry_error
from .models import AuthResponse, EventMessage, PingInfo, SystemDataUsage, SystemInfo, SystemVersion
from .streams import JSONStream

TimeArg = datetime | int | float | str

EventStream = JSONStream[EventMessage, list[EventMessage]]
"""A stream of :class:`~aiodock.models.EventMessage` (``docker events``)."""


class SystemAPI:
    """``docker.system``: engine-wide operations.

    Example:
        >>> async with Docker() as docker:  # doctest: +SKIP
        ...     version = await docker.system.version()
        ...     print(version.version, version.api_version)
        20.10.24+dfsg1 1.41
    """

    def __init__(self, api: APIClient) -> None:
        self._api = api

    @operation("SystemPing", "SystemPingHead")
    async def ping(self) -> PingInfo:
        """``GET /_ping``: is the engine there, and what does it speak.

        Example:
            >>> (await docker.system.ping()).api_version  # doctest: +SKIP
            '1.41'
        """
        response = await self._api.ping()
        headers = response.headers
        return PingInfo.model_validate(
            {
                "Api-Version": headers.get("Api-Version", ""),
                "OSType": headers.get("OSType"),
                "Docker-Experimental": headers.get("Docker-Experimental", "").lower() == "true",
                "Builder-Version": headers.get("Builder-Version"),
                "Swarm": headers.get("Swarm"),
            }
        )

    @operation("SystemVersion")
    async def version(self) -> SystemVersion:
        """``GET /version``: versions of the engine and its components."""
        return await self._api.get(SystemVersion, "/version")

    @operation("SystemInfo")
    async def info(self) -> SystemInfo:
        """``GET /info``: engine-wide information (``docker info``).

        Example:
            >>> info = await docker.system.info()  # doctest: +SKIP
            >>> info.containers, info.server_version  # doctest: +SKIP
            (3, '20.10.24+dfsg1')
        """
        return await self._api.get(SystemInfo, "/info")

    @operation("SystemDataUsage")
    async def df(self, *, types: list[str] | None = None) -> SystemDataUsage:
        """``GET /system/df``: disk usage (``docker system df -v``).

        ``types`` limits the answer to some of ``container``, ``image``,
        ``volume``, ``build-cache`` (API 1.42 and later).
        """
        params: dict[str, QueryValue] = {}
        if types is not None:
            await self._api.require_version("df(types=...)", "1.42")
            params["type"] = types
        return await self._api.get(SystemDataUsage, "/system/df", params=params, timeout=None)

    @operation("SystemEvents")
    def events(
        self,
        *,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        filters: Filters | None = None,
        idle_timeout: float | None = None,
    ) -> EventStream:
        """``GET /events``: a live stream of engine events (``docker events``).

        ``since``/``until`` take a datetime or unix seconds; without
        ``until`` the stream follows until you leave it. ``filters`` as in
        ``docker events --filter`` (``{"type": "container", "label": "app=web"}``).
        ``async with`` returns once the engine has subscribed, so nothing
        that happens afterwards is missed.

        Example:
            >>> async with docker.system.events(filters={"type": "container"}) as events:
            ...     await docker.containers.create("busybox:local")  # doctest: +SKIP
            ...     async for event in events:
            ...         print(event.action, event.actor.id)
            ...         break
        """
        params: Mapping[str, QueryValue] = {
            "since": unix_time(since) if since is not None else None,
            "until": unix_time(until) if until is not None else None,
            "filters": encode_filters(filters) if filters else None,
        }
        opener = partial(
            self._api.stream, "GET", "/events", params=params, idle_timeout=idle_timeout
        )
        return JSONStream(self._api, opener, EventMessage)

    @operation("SystemAuth")
    async def login(self, auth: RegistryAuth) -> AuthResponse:
        """``POST /auth``: check credentials against a registry (``docker login``).

        Raises :class:`~aiodock.errors.Unauthorized` when the registry
        rejects them (dockerd 20.10 reports that as a 500; aiodock maps it).

        Example:
            >>> await docker.system.login(RegistryAuth(  # doctest: +SKIP
            ...     username="aiodock", password="...", serveraddress="127.0.0.1:5001"))
            AuthResponse(status='Login Succeeded', ...)
        """
        try:
            response = await self._api.request("POST", "/auth", json=auth.to_engine())
        except DockerError as exc:
            raise registry_error(exc) from None
        return decode_json(response.content, AuthResponse)
