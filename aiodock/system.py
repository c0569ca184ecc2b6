"""The system API: ping, version, info, disk usage, events, login."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import partial

import anyio

from . import _check, _gate, _podman
from ._api import APIClient, decode_json
from ._operation import operation
from ._query import Filters, QueryValue, encode_filters, unix_time
from ._reply import Reply
from .auth import RegistryAuth
from .errors import ConnectionLost, DockerError, DockerTimeout, EngineUnavailable, _registry_error
from .models import (
    AuthResponse,
    BuildCache,
    ContainerSummary,
    EngineModel,
    EventMessage,
    ImageSummary,
    PingInfo,
    SystemDataUsage,
    SystemInfo,
    SystemVersion,
    Volume,
)
from .streams import JSONStream

__all__ = [
    "EventsStream",
    "SystemAPI",
]


TimeArg = datetime | int | float | str

EventStream = JSONStream[EventMessage, list[EventMessage]]
"""A stream of :class:`~aiodock.models.EventMessage` (``docker events``)."""

RESUME_FIRST_DELAY = 0.1
"""Seconds before the first reconnection attempt of a resuming events stream."""
RESUME_MAX_DELAY = 2.0
"""The longest wait between two reconnection attempts (the delay doubles)."""
_BROKEN = (ConnectionLost, EngineUnavailable)
"""Errors that make a resuming events stream reconnect (an idle timeout does not)."""
_RETRYABLE = (ConnectionLost, EngineUnavailable, DockerTimeout)
"""Errors of a reconnection attempt that make it try again."""


class EventsStream(EventStream):
    """``docker.system.events(...)``: engine events, optionally resuming.

    A follow (no ``until``) that ends raises
    :class:`~aiodock.errors.ConnectionLost`: the engine went away. With
    ``resume``, a broken or ended follow reconnects from the last delivered
    event's ``timeNano`` instead (see :meth:`SystemAPI.events`).

    Example:
        >>> async for event in docker.system.events(resume=True):  # doctest: +SKIP
        ...     print(event.type, event.action)
    """

    def __init__(
        self,
        api: APIClient,
        open_since: Callable[[str | None], AbstractAsyncContextManager[Reply]],
        *,
        since: str | None,
        follows: bool,
        resume: bool,
        resume_for: float | None,
        until_nano: int | None = None,
    ) -> None:
        super().__init__(api, partial(open_since, since), EventMessage)
        self._until_nano = until_nano
        self._open_since = open_since
        self._follows = follows
        self._resume = resume
        self._resume_for = resume_for
        self._since = since
        self._last_nano: int | None = None
        self._at_last: list[EventMessage] = []  # delivered events with that timeNano
        self._replaying = False  # reading the engine's replay after a reconnection
        self.reconnects = 0
        """How many times the stream reconnected (``resume=True``)."""

    async def _iterate(self) -> AsyncIterator[EventMessage]:
        await self._begin()
        try:
            while True:
                self._note_start()
                try:
                    async with self._pipeline() as items:
                        async for item in items:
                            if self._already_delivered(item) or self._too_late(item):
                                continue
                            yield item
                    if not self._follows:
                        return
                    error: DockerError = ConnectionLost(
                        None, "the engine ended the events stream (it is shutting down?)"
                    )
                except _BROKEN as exc:
                    if not self._resume:
                        raise
                    error = exc
                if not self._resume:
                    raise error
                await self._reconnect(error)
        finally:
            await self.aclose()

    def _note_start(self) -> None:
        # Nothing delivered yet and no since=: resume from the engine's own
        # clock at subscription time (its Date header, to the second).
        if self._since is None and self._last_nano is None and self._response is not None:
            date = self._response.headers.get("Date")
            if date:
                with suppress(TypeError, ValueError):
                    self._since = str(int(parsedate_to_datetime(date).timestamp()))

    def _too_late(self, item: EventMessage) -> bool:
        # An engine asked for a later until= than the caller's (Podman, below).
        return (
            self._api.podman
            and self._until_nano is not None
            and item.time_nano is not None
            and item.time_nano > self._until_nano
        )

    def _already_delivered(self, item: EventMessage) -> bool:
        """Whether a resumed stream delivered ``item`` before the break (the
        engine replays from ``since=`` inclusive); remembers it otherwise.

        Only the replay right after a reconnection is filtered: the live
        stream is passed on as the engine sends it, even if two events
        arrive out of time order.
        """
        nano = item.time_nano
        if nano is None or not self._resume:
            return False
        if self._replaying and self._last_nano is not None:
            if nano < self._last_nano:
                return True
            if nano == self._last_nano:
                if item in self._at_last:
                    return True
                self._at_last.append(item)
                return False
        self._replaying = False  # past what was delivered before the break
        if self._last_nano is None or nano > self._last_nano:
            self._last_nano = nano
            self._at_last = [item]
        elif nano == self._last_nano:
            self._at_last.append(item)
        return False

    def _resume_since(self) -> str | None:
        if self._last_nano is not None:
            seconds, nanos = divmod(self._last_nano, 1_000_000_000)
            return f"{seconds}.{nanos:09d}"
        return self._since

    async def _reconnect(self, error: DockerError) -> None:
        cm, self._cm = self._cm, None
        self._response = None
        if cm is not None:
            await cm.__aexit__(None, None, None)
        delay = RESUME_FIRST_DELAY
        deadline = None if self._resume_for is None else anyio.current_time() + self._resume_for
        while True:
            if deadline is not None and anyio.current_time() + delay > deadline:
                raise error
            await anyio.sleep(delay)
            delay = min(delay * 2, RESUME_MAX_DELAY)
            cm = self._open_since(self._resume_since())
            try:
                self._response = await cm.__aenter__()
            except _RETRYABLE as exc:
                error = exc
                continue
            self._cm = cm
            self.reconnects += 1
            self._replaying = True
            return


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

        Returns:
            The answer's headers as a :class:`~aiodock.models.PingInfo`:
            ``api_version``, ``os_type``, ``experimental``,
            ``builder_version``, ``swarm``.

        Raises:
            EngineUnavailable: Nothing answers where the client looked.
        """
        response = await self._api.ping()
        headers = response.headers
        return PingInfo.model_validate(
            {
                "Api-Version": headers.get("Api-Version", ""),
                "OSType": headers.get("OSType"),
                "Docker-Experimental": headers.get("Docker-Experimental", "").lower() == "true",
                "Builder-Version": headers.get("Builder-Version") or None,
                "Swarm": headers.get("Swarm"),
            }
        )

    @operation("SystemVersion")
    async def version(self) -> SystemVersion:
        """``GET /version``: versions of the engine and its components
        (``.version``, ``.api_version``, ``.os``, ``.components``...)."""
        return await self._api.get(SystemVersion, "/version")

    @operation("SystemInfo")
    async def info(self) -> SystemInfo:
        """``GET /info``: engine-wide information (``docker info``):
        counts of containers and images, the storage driver, the swarm
        state, ``server_version``..."""
        return await self._api.get(SystemInfo, "/info")

    @operation("SystemDataUsage")
    async def df(self, *, types: list[str] | None = None, verbose: bool = True) -> SystemDataUsage:
        """``GET /system/df``: disk usage (``docker system df -v``).

        The per-object lists are where older engines put them (``images``,
        ``containers``, ``volumes``, ``build_cache``) on every engine: from
        API 1.52 aiodock fills them from the engine's ``items`` of
        ``images_usage``... too.

        Args:
            types: Only some of ``"container"``, ``"image"``, ``"volume"``,
                ``"build-cache"``; ``None`` for all. Needs API 1.42.
            verbose: Fill the per-object lists (``images``, ``containers``,
                ``volumes``, ``build_cache``). Engines from API 1.52 send
                them only when asked (aiodock asks unless ``False``) and from
                1.53 fill only the totals (``images_usage``...) otherwise;
                older engines always send the lists.

        Raises:
            APIVersionError: ``types`` on an engine older than API 1.42.
        """
        params: dict[str, QueryValue] = {}
        if types is not None:
            params["type"] = types
        if _check.boolean("verbose", verbose) and _gate.available(
            "SystemDataUsage", "verbose", await self._api.negotiated_version()
        ):
            params["verbose"] = True
        usage: SystemDataUsage = await self._api.get(
            SystemDataUsage, "/system/df", params=params, timeout=None
        )
        if self._api.podman and usage.images:
            images: list[ImageSummary] = await self._api.get(list[ImageSummary], "/images/json")
            usage = _podman.data_usage(usage, [_podman.image(i) for i in images])
        return _lists_from_usage(usage)

    @operation("SystemEvents")
    def events(
        self,
        *,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        filters: Filters | None = None,
        idle_timeout: float | None = None,
        resume: bool = False,
        resume_for: float | None = 60.0,
    ) -> EventsStream:
        """``GET /events``: a live stream of engine events (``docker events``).

        Without ``until`` the stream follows until you leave it.
        ``async with`` returns once the engine has subscribed, so nothing
        that happens afterwards is missed.

        A broken connection (the engine restarted, a proxy dropped it) ends
        the stream with :class:`~aiodock.errors.ConnectionLost`, and so does
        a follow (no ``until``) that the engine ends. With ``resume=True``
        the stream reconnects instead, asking for ``since=`` the time of
        the last event it delivered (to the nanosecond) and dropping the
        events it already delivered, so nothing is lost and nothing comes
        twice. While the engine is away it retries with a backoff of 0.1 s
        doubling up to 2 s, for at most ``resume_for`` seconds per outage
        (``None``: until the caller cancels); then the last error
        (:class:`~aiodock.errors.EngineUnavailable`) is raised. The first
        connection is not retried: if it fails, its error is raised at once.

        Args:
            since: Replay events from then on: a ``datetime`` or unix seconds
                (or a string the engine parses); ``None`` for new ones only.
            until: Stop at that time, in the same forms; ``None`` follows.
            filters: As in ``docker events --filter``: ``{"type":
                "container", "label": "app=web"}``, ``event``, ``container``,
                ``image``, ``network``, ``volume``...
            idle_timeout: Seconds without an event after which the stream
                raises :class:`~aiodock.errors.DockerTimeout`; ``None`` waits
                forever.
            resume: Reconnect after a broken connection instead of raising
                (as above).
            resume_for: Seconds to keep retrying per outage with ``resume``;
                ``None`` until cancelled.

        Returns:
            An ``EventsStream`` of :class:`~aiodock.models.EventMessage` s.

        Raises:
            ConnectionLost: The connection broke (without ``resume``).
            TypeError: ``resume`` that is not a ``bool``.

        Example:
            >>> async with docker.system.events(filters={"type": "container"}) as events:
            ...     await docker.containers.create("busybox:local")  # doctest: +SKIP
            ...     async for event in events:
            ...         print(event.action, event.actor.id)
            ...         break
        """
        since_param = unix_time(since) if since is not None else None
        until_param = unix_time(until) if until is not None else None
        params: Mapping[str, QueryValue] = {
            "since": since_param,
            "until": until_param,
            "filters": encode_filters(filters) if filters else None,
        }
        if not isinstance(resume, bool):
            raise TypeError(f"resume must be True or False, not {resume!r}")
        resume_for = _check.seconds("resume_for", resume_for)
        until_seconds = _seconds(until_param)

        @asynccontextmanager
        async def open_since(since_param: str | None) -> AsyncIterator[Reply]:
            sent = {**params, "since": since_param}
            if (
                until_seconds is not None
                and until_seconds <= time.time()
                and await self._api.is_podman()
            ):
                # Podman sends nothing for an until= in the past: ask up to
                # a moment from now, and drop what comes after the caller's.
                sent["until"] = unix_time(time.time() + 0.5)
            async with self._api.stream(
                "GET", "/events", params=sent, idle_timeout=idle_timeout
            ) as reply:
                yield reply

        return EventsStream(
            self._api,
            open_since,
            since=since_param,
            follows=until is None,
            resume=resume,
            resume_for=resume_for,
            until_nano=None if until_seconds is None else int(until_seconds * 1e9),
        )

    @operation("SystemAuth")
    async def login(self, auth: RegistryAuth) -> AuthResponse:
        """``POST /auth``: check credentials against a registry (``docker login``).

        Args:
            auth: The credentials, with the registry as ``serveraddress``.

        Returns:
            The engine's answer (``status``: ``"Login Succeeded"``, and an
            ``identity_token`` when the registry gives one).

        Raises:
            Unauthorized: The registry rejects the credentials (dockerd
                20.10 reports that as a 500; aiodock maps it).

        Example:
            >>> await docker.system.login(RegistryAuth(  # doctest: +SKIP
            ...     username="aiodock", password="...", serveraddress="127.0.0.1:5001"))
            AuthResponse(status='Login Succeeded', ...)
        """
        try:
            response = await self._api.request("POST", "/auth", json=auth.to_engine())
        except DockerError as exc:
            raise _registry_error(exc) from None
        return decode_json(response.content, AuthResponse)


def _seconds(value: str | None) -> float | None:
    """Unix seconds from a time query value; ``None`` for the engine's own
    forms (``"10m"``, an RFC 3339 date), which aiodock does not read."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _lists_from_usage(usage: SystemDataUsage) -> SystemDataUsage:
    """Engines from API 1.52 list the objects inside ``<kind>_usage.items``:
    copy them where older engines put them (when those are missing)."""
    kinds: tuple[tuple[str, str, type[EngineModel]], ...] = (
        ("images", "images_usage", ImageSummary),
        ("containers", "containers_usage", ContainerSummary),
        ("volumes", "volumes_usage", Volume),
        ("build_cache", "build_cache_usage", BuildCache),
    )
    update: dict[str, object] = {}
    for legacy, summary, model in kinds:
        items = getattr(getattr(usage, summary), "items", None)
        if getattr(usage, legacy) is None and isinstance(items, list):
            update[legacy] = [model.model_validate(item) for item in items]
    return usage.model_copy(update=update) if update else usage
