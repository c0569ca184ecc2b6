"""The :class:`Container` handle: the container operations with ``ref`` filled in."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Literal, overload

from .. import _check
from .._handle import Handle, delegate
from .._operation import operation
from ..models import ContainerStats
from ._operations import ContainerOperations

if TYPE_CHECKING:
    from ._streams import StatsStream


class Container(Handle):
    """A handle on one container: its ``id`` (or the name it was made
    with), and every container operation of
    :class:`~aiodock.containers.ContainerCollection` with the container
    filled in as ``ref`` (same keywords, same docstrings).

    ``tty`` is the container's TTY flag when known (a handle from
    ``create`` knows it, an ``inspect`` through the handle learns it;
    ``docker.container(ref)`` makes no request and does not), so ``logs``
    and ``attach`` need no inspect to learn the framing; ``warnings`` are
    the engine's warnings at creation.

    Example:
        >>> async def hello(docker: Docker) -> bytes:
        ...     c = await docker.containers.create("busybox", ["echo", "hi"])
        ...     await c.start()
        ...     await c.wait()
        ...     return (await c.logs()).stdout
    """

    _collection: ContainerOperations

    def __init__(
        self,
        collection: ContainerOperations,
        id: str,
        *,
        tty: bool | None = None,
        warnings: Sequence[str] = (),
    ) -> None:
        self._collection = collection
        self.id = _check.ref("container", id)
        self.tty = tty
        self.warnings = builtins.list(warnings)

    def __repr__(self) -> str:
        return f"Container({self.id[:12] if len(self.id) == 64 else self.id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Container) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    inspect = delegate(ContainerOperations.inspect)
    start = delegate(ContainerOperations.start)
    stop = delegate(ContainerOperations.stop)
    restart = delegate(ContainerOperations.restart)
    kill = delegate(ContainerOperations.kill)
    pause = delegate(ContainerOperations.pause)
    unpause = delegate(ContainerOperations.unpause)
    wait = delegate(ContainerOperations.wait)
    remove = delegate(ContainerOperations.remove)
    logs = delegate(ContainerOperations.logs)
    top = delegate(ContainerOperations.top)
    changes = delegate(ContainerOperations.changes)
    rename = delegate(ContainerOperations.rename)
    update = delegate(ContainerOperations.update)
    resize = delegate(ContainerOperations.resize)
    export = delegate(ContainerOperations.export)
    get_archive = delegate(ContainerOperations.get_archive)
    put_archive = delegate(ContainerOperations.put_archive)
    stat_path = delegate(ContainerOperations.stat_path)
    attach = delegate(ContainerOperations.attach)
    exec = delegate(ContainerOperations.exec)

    # Overloads do not survive a delegate (mypy keeps only the first), so
    # stats is spelled out; a test checks its signature against the collection's.
    @overload
    def stats(self, *, stream: Literal[True] = True, one_shot: bool = False) -> StatsStream: ...

    @overload
    def stats(
        self, *, stream: Literal[False], one_shot: bool = False
    ) -> Awaitable[ContainerStats]: ...

    @operation("ContainerStats")
    def stats(
        self, *, stream: bool = True, one_shot: bool = False
    ) -> StatsStream | Awaitable[ContainerStats]:
        if stream:
            return self._collection.stats(self, stream=True, one_shot=one_shot)
        return self._collection.stats(self, stream=False, one_shot=one_shot)

    stats.__doc__ = ContainerOperations.stats.__doc__
