"""The streams container operations return: wait results, archives, path
stats, live stats."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from .. import _podman
from .._api import APIClient, decode_json
from .._tar import TarStream
from ..errors import ConnectionLost, InvalidResponse
from ..models import (
    ContainerStats,
    PathStat,
    WaitResult,
)
from ..streams import EngineStream, JSONStream, Opener

if TYPE_CHECKING:
    pass


PATH_STAT_HEADER = "X-Docker-Container-Path-Stat"


def path_stat(header: str) -> PathStat:
    """Decode the engine's ``X-Docker-Container-Path-Stat`` header (base64
    of a JSON object).

    Args:
        header: The header's value.

    Raises:
        InvalidResponse: The value is not base64 of a path stat.

    Example:
        >>> path_stat("eyJuYW1lIjoiaG9zdHMiLCJzaXplIjo3LCJtb2RlIjo0MjAsIm10aW1lIjoi"
        ...           "MjAyNi0wMS0wMVQwMDowMDowMFoifQ==").size
        7
    """
    try:
        return PathStat.from_header(header)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        shown = header if len(header) <= 200 else header[:200] + "..."
        raise InvalidResponse(
            None, f"the engine sent an unreadable {PATH_STAT_HEADER} header: {shown!r}"
        ) from None


class ArchiveStream(TarStream):
    """The tar stream of ``get_archive``: also says what the path is
    (``stat``, from the ``X-Docker-Container-Path-Stat`` header) once open.

    Example:
        >>> async with docker.containers.get_archive("web", "/etc/hosts") as archive:
        ...     print(archive.stat.size)  # doctest: +SKIP
        ...     await archive.to_file("hosts.tar")
    """

    @property
    def stat(self) -> PathStat | None:
        """The archived path's metadata (``None`` if the engine sent none)."""
        header = self.response.headers.get(PATH_STAT_HEADER)
        return path_stat(header) if header else None


class WaitStream(EngineStream[WaitResult, WaitResult]):
    """``POST /containers/{id}/wait``: ``await`` it for the
    :class:`~aiodock.models.WaitResult`; ``async with`` returns once the
    engine has registered the wait (so a ``next-exit`` caused afterwards is
    not missed), and ``await`` inside the block gives the result.

    Example:
        >>> async with docker.containers.wait("web", condition="next-exit") as waiting:
        ...     await docker.containers.restart("web")  # doctest: +SKIP
        ...     result = await waiting
    """

    async def _items(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[WaitResult]:
        body = b"".join([chunk async for chunk in chunks])
        if body.strip():
            yield decode_json(body, WaitResult)

    async def _result(self, items: list[WaitResult]) -> WaitResult:
        if not items:
            raise ConnectionLost(None, "the engine ended the wait without a result")
        return items[-1]


class StatsStream(JSONStream[ContainerStats, list[ContainerStats]]):
    """A live stream of :class:`~aiodock.models.ContainerStats` (``docker
    stats``). Each sample carries the container's ``id`` and ``name``
    (``"/web"``) on every engine: where the engine leaves them out (Podman),
    they come from one ``inspect`` of the container, at the first sample.

    Example:
        >>> async for sample in docker.containers.stats("web"):  # doctest: +SKIP
        ...     print(sample.name, sample.memory_stats.usage)
    """

    def __init__(
        self,
        api: APIClient,
        opener: Opener,
        identify: Callable[[], Awaitable[tuple[str | None, str | None]]],
    ) -> None:
        super().__init__(api, opener, ContainerStats)
        self._identify = identify
        self._identity: tuple[str | None, str | None] | None = None

    async def _items(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[ContainerStats]:
        async for sample in super()._items(chunks):
            if sample.id is None or sample.name is None:
                if self._identity is None:
                    self._identity = await self._identify()
                sample.id = sample.id or self._identity[0]
                sample.name = sample.name or self._identity[1]
            if self._api.podman:
                sample.name = _podman.container_name(sample.name)
            yield sample
