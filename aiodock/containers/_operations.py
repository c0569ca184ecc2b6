"""Every Engine API container operation: one method each of :class:`ContainerOperations`."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Literal, overload
from urllib.parse import quote

import anyio

from .. import _check, _podman
from .._api import APIClient
from .._body import Source, body_from
from .._handle import Handle
from .._operation import operation
from .._query import Filters, QueryValue, filters_param, unix_time
from .._reply import Reply
from .._tar import TarStream
from ..errors import Conflict, InvalidResponse, NotFound
from ..logs import LogStream
from ..models import (
    ContainerChange,
    ContainerCreateResponse,
    ContainerInspect,
    ContainerPruneReport,
    ContainerStats,
    ContainerSummary,
    ContainerTop,
    ContainerUpdate,
    ContainerUpdateResponse,
    PathStat,
)
from ._options import (
    CREATE_KEYWORDS,
    UPDATE_KEYWORDS,
    WAIT_CONDITIONS,
    CreateOptions,
    UpdateOptions,
    check_name,
    create_body,
)
from ._streams import PATH_STAT_HEADER, ArchiveStream, StatsStream, WaitStream, path_stat

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..attach import AttachSession
    from ..exec import ExecResult, ProcessOptions
    from ._handle import Container

TimeArg = datetime | int | float | str

_PRUNE_PATIENCE = 60.0

_PODMAN_TOP_RETRIES = 3
"""Times ``top`` is asked again after Podman's empty answer."""

_PODMAN_NEVER = 2**31 - 1
"""Seconds that stand for "never kill" on Podman (about 68 years)."""


def _ref_id(ref: str | Container) -> str:
    return _check.ref("container", ref.id if isinstance(ref, Handle) else ref)


def _path(ref: str | Container, suffix: str = "") -> str:
    return f"/containers/{quote(_ref_id(ref), safe='')}{suffix}"


def _known_tty(ref: str | Container) -> bool | None:
    """The TTY flag a handle knows (``None`` for a bare id or name)."""
    return ref.tty if isinstance(ref, Handle) else None


class ContainerOperations:
    """``docker.containers``: every container operation.

    Each method takes the container's id or name first (``ref``); a
    missing container raises :class:`~aiodock.errors.NotFound`.

    Example:
        >>> c = await docker.containers.create("busybox", ["sleep", "30"])  # doctest: +SKIP
        >>> await c.start(); await c.stop(timeout=1); await c.remove()  # doctest: +SKIP
    """

    def __init__(self, api: APIClient) -> None:
        self._api = api

    # -- create, inspect, list ----------------------------------------------

    @operation("ContainerCreate")
    async def create(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        **options: Unpack[CreateOptions],
    ) -> Container:
        """``POST /containers/create`` (``docker create``): a new container,
        not started; returns its :class:`Container` handle.

        Args:
            image: The image to create it from (``"busybox"``, ``"repo:tag"``,
                ``"repo@sha256:..."``); at this level it must be present
                (``docker.containers.create`` pulls it when missing).
            command: The command, replacing the image's ``CMD``: a list, or a
                string split like a shell would (no expansion); ``None`` keeps it.
            **options: Keywords of ``CreateOptions``, below; each is optional.

        Keyword Args:
            name: The container's name; ``None`` lets the engine pick one.
            entrypoint: The entrypoint, replacing the image's (a list, or a string
                split like ``command``); an empty list clears it.
            env: Environment variables: ``{"KEY": "VALUE"}`` or ``["KEY=VALUE"]``.
            labels: Labels, a mapping of strings to strings.
            working_dir: The directory the command starts in.
            user: ``"name"``, ``"uid"``, ``"user:group"`` or ``"uid:gid"``.
            hostname: The container's host name.
            tty: Give the main process a terminal (its output is then not multiplexed).
            open_stdin: Keep its standard input open (for ``attach(stdin=True)``).
            stdin_once: Close standard input after the first attached client leaves.
            exposed_ports: Ports to expose: ``[80, "53/udp", "8000-8010/tcp"]``.
            healthcheck: How the engine checks the container is healthy.
            stop_signal: The signal ``stop`` sends (``"SIGTERM"``, ``"TERM"``, ``15``).
            stop_timeout: Seconds ``stop`` waits before it kills (rounded up).
            host_config: A :class:`~aiodock.models.HostConfig`: binds, mounts,
                network mode, port bindings, restart policy, resources...
            networking_config: The endpoints to attach at creation, by network name.
            platform: ``"os/arch[/variant]"`` (``"linux/amd64"``).
            config: A whole :class:`~aiodock.models.ContainerCreate` to start
                from; the keywords given are put over it.
            network: A user-defined network to attach it to at creation (also
                its network mode, unless ``host_config`` sets one).
            network_aliases: Its aliases on ``network`` (needs ``network``).

        Returns:
            The new container's handle (its ``warnings`` are the engine's).

        Raises:
            NotFound: The image is not there.
            Conflict: The name is in use.
            ValueError: A bad name, port, signal or mount (checked before sending).
            TypeError: A keyword of the wrong type, or an unknown keyword.

        Example:
            >>> c = await docker.containers.create(  # doctest: +SKIP
            ...     "busybox", ["sh", "-c", "echo $GREETING"], name="hello",
            ...     env={"GREETING": "hi"}, labels={"app": "demo"},
            ...     host_config=HostConfig(network_mode="none"))
        """
        _check.keywords("create()", options, CREATE_KEYWORDS)
        name = options.get("name")
        platform = options.get("platform")
        if name is not None:
            check_name(name)
        if platform is not None and (not isinstance(platform, str) or not platform):
            raise TypeError(f"platform must be a string like 'linux/amd64', not {platform!r}")
        body = create_body(image, command, options)
        answer: ContainerCreateResponse = await self._api.get(
            ContainerCreateResponse,
            "/containers/create",
            method="POST",
            params={"name": name, "platform": platform},
            json=body.to_engine(),
        )
        if not answer.id:
            raise InvalidResponse(None, "the engine created a container but sent no id")
        from ._handle import Container  # the handle module imports this one

        return Container(self, answer.id, tty=bool(body.tty), warnings=answer.warnings or [])

    @operation("ContainerInspect")
    async def inspect(self, ref: str | Container, *, size: bool = False) -> ContainerInspect:
        """``GET /containers/{id}/json`` (``docker inspect``).

        Args:
            size: Also compute ``size_rw`` and ``size_root_fs`` (slower).

        Returns:
            Everything the engine knows about the container (``.state.status``,
            ``.config``, ``.network_settings``...).

        Raises:
            NotFound: No such container.
        """
        info: ContainerInspect = await self._api.get(
            ContainerInspect, _path(ref, "/json"), params={"size": size}
        )
        if isinstance(ref, Handle) and info.config is not None and info.config.tty is not None:
            ref.tty = info.config.tty
        return info

    @operation("ContainerList")
    async def list(
        self,
        *,
        all: bool = False,
        filters: Filters | None = None,
        limit: int | None = None,
        size: bool = False,
    ) -> builtins.list[ContainerSummary]:
        """``GET /containers/json`` (``docker ps``): without ``all``, the
        running and paused containers; with it, every one.

        Args:
            all: Every container, not only the running and paused ones.
            filters: As in ``docker ps --filter``: ``{"label": ["app=web"],
                "status": ["exited"]}`` (a lone string stands for a one-item list).
            limit: Only the ``limit`` most recently created (a positive integer);
                ``None`` for no limit.
            size: Also compute ``size_rw``/``size_root_fs`` (slow).

        Returns:
            One :class:`~aiodock.models.ContainerSummary` per container
            (``.id``, ``.names``, ``.state``, ``.labels``...).

        Raises:
            ValueError: ``limit`` is not a positive integer.
        """
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise ValueError(f"limit must be a positive integer, not {limit!r}")
        filters_param(filters)  # bad filters raise before anything is sent
        await self._api.negotiated_version()
        # (no ping to learn the engine: a pinned client knows it after its first answer)
        if not all and not (filters and "status" in filters) and self._api.podman:
            # Podman's default list leaves out paused containers, which
            # docker ps shows: ask for both states (Podman 4.3 refuses the
            # "restarting" status filter; its restarting containers list as
            # running).
            all = True
            filters = {**(filters or {}), "status": ["running", "paused"]}
        params: dict[str, QueryValue] = {
            "all": all,
            "limit": limit,
            "size": size,
            "filters": filters_param(filters),
        }
        containers: builtins.list[ContainerSummary] = await self._api.get(
            builtins.list[ContainerSummary], "/containers/json", params=params
        )
        if self._api.podman:
            containers = [_podman.container_summary(c) for c in containers]
        return containers

    # -- lifecycle ------------------------------------------------------------

    @operation("ContainerStart")
    async def start(self, ref: str | Container, *, detach_keys: str | None = None) -> None:
        """``POST /containers/{id}/start``; a container already running is
        left as it is (the engine's 304).

        Args:
            detach_keys: The key sequence that detaches from an attached
                session (``"ctrl-p,ctrl-q"``); ``None`` keeps the engine's.

        Raises:
            NotFound: No such container.
        """
        await self._api.request(
            "POST",
            _path(ref, "/start"),
            params={"detachKeys": detach_keys},
            allow_not_modified=True,
        )

    @operation("ContainerStop")
    async def stop(
        self, ref: str | Container, *, timeout: float | None = None, signal: str | int | None = None
    ) -> None:
        """``POST /containers/{id}/stop`` (``docker stop``): send the stop
        signal, wait ``timeout`` seconds (rounded up; the container's own
        default when ``None``), then kill. A stopped container is left as it
        is (the engine's 304).

        Args:
            timeout: Seconds to wait before killing, rounded up to whole
                seconds; ``-1`` waits for the process however long it takes
                (never kills); ``None`` uses the container's ``stop_timeout``.
            signal: The stop signal (``"SIGTERM"``, ``"TERM"``, ``15``);
                ``None`` uses the container's ``stop_signal``. Needs API 1.42.

        Raises:
            NotFound: No such container.
            APIVersionError: ``signal`` on an engine older than API 1.42.
            ValueError: A negative (other than ``-1``) or infinite ``timeout``,
                an unknown signal.
        """
        seconds = await self._stop_seconds(timeout)
        name = _check.signal("signal", signal) if signal is not None else None
        await self._api.request(
            "POST",
            _path(ref, "/stop"),
            params={"t": seconds, "signal": name},
            timeout=None,
            allow_not_modified=True,
        )

    @operation("ContainerRestart")
    async def restart(
        self, ref: str | Container, *, timeout: float | None = None, signal: str | int | None = None
    ) -> None:
        """``POST /containers/{id}/restart``: stop (as :meth:`stop`) then
        start.

        Args:
            timeout: Seconds to wait before killing, rounded up; ``-1``
                never kills (waits for the process to exit); ``None`` uses
                the container's default.
            signal: The stop signal, as in :meth:`stop`. Needs API 1.42.

        Raises:
            NotFound: No such container.
            APIVersionError: ``signal`` on an engine older than API 1.42.
        """
        seconds = await self._stop_seconds(timeout)
        name = _check.signal("signal", signal) if signal is not None else None
        await self._api.request(
            "POST", _path(ref, "/restart"), params={"t": seconds, "signal": name}, timeout=None
        )

    @operation("ContainerKill")
    async def kill(self, ref: str | Container, *, signal: str | int = "SIGKILL") -> None:
        """``POST /containers/{id}/kill``: send a signal to its main process.

        Args:
            signal: A name (``"SIGKILL"``, ``"HUP"``, ``"sigterm"``) or a number
                (1 to 64).

        Raises:
            NotFound: No such container.
            Conflict: The container is not running.
            ValueError: An unknown signal.
        """
        await self._api.request(
            "POST", _path(ref, "/kill"), params={"signal": _check.signal("signal", signal)}
        )

    @operation("ContainerPause")
    async def pause(self, ref: str | Container) -> None:
        """``POST /containers/{id}/pause``: freeze every process.

        Raises:
            NotFound: No such container.
            Conflict: The container is not running, or already paused.
        """
        await self._api.request("POST", _path(ref, "/pause"))

    @operation("ContainerUnpause")
    async def unpause(self, ref: str | Container) -> None:
        """``POST /containers/{id}/unpause``: resume a paused container.

        Raises:
            NotFound: No such container.
            Conflict: The container is not paused.
        """
        await self._api.request("POST", _path(ref, "/unpause"))

    @operation("ContainerWait")
    def wait(
        self,
        ref: str | Container,
        *,
        condition: Literal["not-running", "next-exit", "removed"] = "not-running",
    ) -> WaitStream:
        """``POST /containers/{id}/wait``: until the container is not running
        (``"not-running"``, at once if it already is), has exited after now
        (``"next-exit"``), or is removed (``"removed"``). No timeout: bound
        it with ``anyio.fail_after`` if you need one.

        Args:
            condition: ``"not-running"``, ``"next-exit"`` or ``"removed"``.

        Returns:
            A stream: ``await`` it for the result (``.exit_code``, ``.error``);
            ``async with`` it to know the engine is waiting before you start
            the container, so no exit can be missed.

        Raises:
            NotFound: No such container.
            ValueError: An unknown ``condition``.

        Example:
            >>> async with docker.containers.wait("job", condition="next-exit") as waiting:
            ...     await docker.containers.start("job")  # doctest: +SKIP
            ...     result = await waiting
            >>> result.exit_code  # doctest: +SKIP
            0
        """
        if condition not in WAIT_CONDITIONS:
            raise ValueError(
                f"condition must be one of {', '.join(WAIT_CONDITIONS)}, not {condition!r}"
            )
        opener = partial(
            self._api.stream, "POST", _path(ref, "/wait"), params={"condition": condition}
        )
        return WaitStream(self._api, opener)

    @operation("ContainerDelete")
    async def remove(
        self,
        ref: str | Container,
        *,
        force: bool = False,
        volumes: bool = False,
        link: bool = False,
    ) -> None:
        """``DELETE /containers/{id}`` (``docker rm``).

        Args:
            force: Kill a running container first instead of refusing.
            volumes: Also remove its anonymous volumes.
            link: Remove the link named ``ref`` instead of a container.

        Raises:
            NotFound: No such container.
            Conflict: The container is running and ``force`` is not given.
        """
        await self._api.request(
            "DELETE", _path(ref), params={"force": force, "v": volumes, "link": link}, timeout=None
        )

    @operation("ContainerPrune")
    async def prune(self, *, filters: Filters | None = None) -> ContainerPruneReport:
        """``POST /containers/prune``: remove every stopped container that
        matches ``filters`` (``{"label": ["tmp=1"], "until": "1h"}``).

        The engine runs one container prune at a time and refuses another
        meanwhile (409); aiodock waits for its turn (up to a minute) instead
        of failing.

        Args:
            filters: ``{"label": ["tmp=1"]}``, ``{"label!": ["keep"]}``,
                ``{"until": "1h"}`` (a duration or a timestamp); ``None`` for
                every stopped container.

        Returns:
            The ids removed (``containers_deleted``) and the bytes reclaimed
            (``space_reclaimed``).

        Raises:
            Conflict: Another prune still runs after a minute of waiting.
        """
        params: dict[str, QueryValue] = {"filters": filters_param(filters)}
        delay = 0.05
        deadline = anyio.current_time() + _PRUNE_PATIENCE
        while True:
            try:
                return await self._api.get(
                    ContainerPruneReport,
                    "/containers/prune",
                    method="POST",
                    params=params,
                    timeout=None,
                )
            except Conflict as exc:
                busy = "prune operation is already running" in exc.message
                if not busy or anyio.current_time() + delay > deadline:
                    raise
            await anyio.sleep(delay)
            delay = min(delay * 2, 1.0)

    # -- output and state ------------------------------------------------------

    @operation("ContainerLogs")
    def logs(
        self,
        ref: str | Container,
        *,
        stdout: bool = True,
        stderr: bool = True,
        follow: bool = False,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        timestamps: bool = False,
        tail: int | Literal["all"] | None = None,
        tty: bool | None = None,
        idle_timeout: float | None = None,
    ) -> LogStream:
        """``GET /containers/{id}/logs`` (``docker logs``): a
        :class:`~aiodock.logs.LogStream`.

        ``async for chunk in ...`` yields ``LogChunk(stream, data)`` in the
        engine's order; ``await`` gives ``.stdout`` and ``.stderr`` bytes.
        A follow has no timeout.

        Args:
            stdout: Include the standard output.
            stderr: Include the standard error.
            follow: Keep the stream open, sending new output, until the
                container stops.
            since: Only output from then on: a ``datetime``, unix seconds, or
                a string the engine parses (``"10m"``, an RFC 3339 time).
            until: Only output before then, in the same forms.
            timestamps: Prefix each line with its RFC 3339 time.
            tail: Only the last ``tail`` lines (``0`` or more), or ``"all"``;
                ``None`` for all.
            tty: The container's TTY flag if you know it (saves one inspect;
                a handle from ``create`` knows it); ``None`` to look it up.
            idle_timeout: Seconds without output after which the stream raises
                :class:`~aiodock.errors.DockerTimeout`; ``None`` waits forever.

        Returns:
            A :class:`~aiodock.logs.LogStream`.

        Raises:
            NotFound: No such container.
            ValueError: Neither ``stdout`` nor ``stderr``, or a bad ``tail``.

        Example:
            >>> out = await docker.containers.logs("web", tail=10)  # doctest: +SKIP
            >>> async for chunk in docker.containers.logs("web", follow=True):  # doctest: +SKIP
            ...     print(chunk.stream, chunk.data.decode())
        """
        if not (stdout or stderr):
            raise ValueError("logs needs stdout=True, stderr=True, or both")
        if (
            tail is not None
            and tail != "all"
            and (isinstance(tail, bool) or not isinstance(tail, int) or tail < 0)
        ):
            raise ValueError(f"tail must be a non-negative number of lines or 'all', not {tail!r}")
        if tty is not None and not isinstance(tty, bool):
            raise TypeError(f"tty must be True, False or None, not {tty!r}")
        params: dict[str, QueryValue] = {
            "stdout": stdout,
            "stderr": stderr,
            "follow": follow,
            "timestamps": timestamps,
            "since": unix_time(since) if since is not None else None,
            "until": unix_time(until) if until is not None else None,
            "tail": str(tail) if tail is not None else None,
        }
        opener = partial(
            self._api.stream,
            "GET",
            _path(ref, "/logs"),
            params=params,
            idle_timeout=_check.seconds("idle_timeout", idle_timeout),
        )
        known = tty if tty is not None else _known_tty(ref)
        return LogStream(
            self._api, opener, tty=known, tty_lookup=partial(self._has_tty, ref), follow=follow
        )

    async def _has_tty(self, ref: str | Container) -> bool:
        info = await self.inspect(ref)
        return bool(info.config and info.config.tty)

    @overload
    def stats(
        self, ref: str | Container, *, stream: Literal[True] = True, one_shot: bool = False
    ) -> StatsStream: ...

    @overload
    def stats(
        self, ref: str | Container, *, stream: Literal[False], one_shot: bool = False
    ) -> Awaitable[ContainerStats]: ...

    @operation("ContainerStats")
    def stats(
        self, ref: str | Container, *, stream: bool = True, one_shot: bool = False
    ) -> StatsStream | Awaitable[ContainerStats]:
        """``GET /containers/{id}/stats`` (``docker stats``).

        With ``stream=True`` (the default) a live stream of
        :class:`~aiodock.models.ContainerStats`, one about every second;
        with ``stream=False`` one sample (``await`` it), which takes the
        engine about a second to measure CPU use, unless ``one_shot``
        (then without the previous sample). A sample's ``id`` and ``name``
        (``"/web"``) are the container's on every engine: where the engine
        leaves them out (a one-shot sample from Docker 26), aiodock fills
        them in from one ``inspect``.

        Args:
            stream: A live stream (``True``) or one sample (``False``).
            one_shot: With ``stream=False``, answer at once, without the
                previous sample (so no CPU percentage).

        Raises:
            NotFound: No such container.
            ValueError: ``one_shot`` with ``stream=True``.

        Example:
            >>> sample = await docker.containers.stats("web", stream=False)  # doctest: +SKIP
            >>> async for sample in docker.containers.stats("web"):  # doctest: +SKIP
            ...     print(sample.cpu_percent, sample.memory_stats.usage)
        """
        path = _path(ref, "/stats")
        if one_shot and stream:
            raise ValueError("one_shot=True needs stream=False")
        if stream:
            opener = partial(self._api.stream, "GET", path, params={"stream": True})
            return StatsStream(self._api, opener, partial(self._identity, ref))
        return self._one_stats_sample(ref, path, one_shot)

    async def _stop_seconds(self, timeout: float | None) -> int | None:
        seconds = _check.stop_seconds("timeout", timeout)
        if seconds == -1 and await self._api.is_podman():
            return _PODMAN_NEVER  # Podman refuses t=-1 (it takes no sign)
        return seconds

    async def _identity(self, ref: str | Container) -> tuple[str | None, str | None]:
        """The container's id and name, for samples that lack them."""
        try:
            info = await self.inspect(ref)
        except NotFound:  # gone since: leave what the engine said
            return None, None
        return info.id, info.name

    async def _one_stats_sample(
        self, ref: str | Container, path: str, one_shot: bool
    ) -> ContainerStats:
        sample: ContainerStats = await self._api.get(
            ContainerStats,
            path,
            params={"stream": False, "one-shot": one_shot or None},
            timeout=None,
        )
        if sample.id is None or sample.name is None:
            # Docker 26 sends a one-shot sample without them, Podman every
            # sample: ask the engine once, so every engine gives the same.
            container_id, name = await self._identity(ref)
            sample.id = sample.id or container_id
            sample.name = sample.name or name
        if self._api.podman:
            sample.name = _podman.container_name(sample.name)
        return sample

    @operation("ContainerTop")
    async def top(self, ref: str | Container, *, ps_args: str | None = None) -> ContainerTop:
        """``GET /containers/{id}/top`` (``docker top``): the processes of a
        running container.

        Args:
            ps_args: Options for ``ps`` (``"aux"``); ``None`` for the engine's
                default (``-ef``).

        Returns:
            The column ``titles`` and one row of ``processes`` per process.

        Raises:
            NotFound: No such container.
            Conflict: The container is not running.
        """
        for attempt in range(_PODMAN_TOP_RETRIES + 1):
            try:
                answer: ContainerTop = await self._api.get(
                    ContainerTop, _path(ref, "/top"), params={"ps_args": ps_args}
                )
                break
            except InvalidResponse:
                # Podman under load sometimes answers 200 with an empty body:
                # a read, so ask again.
                if not self._api.podman or attempt == _PODMAN_TOP_RETRIES:
                    raise
                await anyio.sleep(0.1 * (attempt + 1))
        return _podman.top(answer) if self._api.podman else answer

    @operation("ContainerChanges")
    async def changes(self, ref: str | Container) -> builtins.list[ContainerChange]:
        """``GET /containers/{id}/changes`` (``docker diff``): the paths added,
        changed or deleted since the container was created.

        Returns:
            One :class:`~aiodock.models.ContainerChange` per path (``.path``,
            and ``.kind_name``: ``"modified"``, ``"added"`` or ``"deleted"``);
            an empty list when nothing changed.

        Raises:
            NotFound: No such container.
        """
        changes: builtins.list[ContainerChange] | None = await self._api.get(
            builtins.list[ContainerChange] | None, _path(ref, "/changes")
        )
        return changes or []

    # -- configuration ---------------------------------------------------------

    @operation("ContainerRename")
    async def rename(self, ref: str | Container, new_name: str) -> None:
        """``POST /containers/{id}/rename`` (``docker rename``).

        Args:
            new_name: The new name (letters, digits, ``_.-``; at least 2).

        Raises:
            NotFound: No such container.
            Conflict: The name is in use.
            ValueError: A name the engine would refuse.
        """
        check_name(new_name, "new_name")
        await self._api.request("POST", _path(ref, "/rename"), params={"name": new_name})

    @operation("ContainerUpdate")
    async def update(
        self,
        ref: str | Container,
        **options: Unpack[UpdateOptions],
    ) -> ContainerUpdateResponse:
        """``POST /containers/{id}/update`` (``docker update``): change the
        resource limits or the restart policy of a container, running or
        not. Memory sizes are bytes; ``nano_cpus`` is CPUs times 10⁹.
        ``resources`` takes a whole :class:`~aiodock.models.ContainerUpdate`;
        keywords given are put over it.

        Args:
            **options: The limits to change, keywords of ``UpdateOptions``
                (``memory``, ``memory_swap``, ``cpu_shares``, ``nano_cpus``,
                ``pids_limit``, ``restart_policy``, ``resources``...); those
                not given (or ``None``) are left as they are.

        Returns:
            The engine's answer (``warnings``).

        Raises:
            NotFound: No such container.
            ValueError: No option given.
            TypeError: An unknown keyword, or ``resources`` that is not a
                ``ContainerUpdate``.

        Example:
            >>> await docker.containers.update(  # doctest: +SKIP
            ...     "web", memory=64 * 2**20, memory_swap=-1,
            ...     restart_policy=RestartPolicy(name="on-failure", maximum_retry_count=3))
        """
        _check.keywords("update()", options, UPDATE_KEYWORDS)
        resources = options.get("resources")
        given = {
            key: value for key, value in options.items() if key != "resources" and value is not None
        }
        if resources is not None and not isinstance(resources, ContainerUpdate):
            raise TypeError(f"resources must be a ContainerUpdate, not {type(resources).__name__}")
        base = resources.model_dump(exclude_none=True) if resources is not None else {}
        body = ContainerUpdate.model_validate({**base, **given})
        engine_body = body.to_engine()
        if not engine_body:
            raise ValueError("update() needs at least one option to change")
        return await self._api.get(
            ContainerUpdateResponse, _path(ref, "/update"), method="POST", json=engine_body
        )

    @operation("ContainerResize")
    async def resize(self, ref: str | Container, height: int, width: int) -> None:
        """``POST /containers/{id}/resize``: the TTY's size in characters.

        Args:
            height: Rows, a positive integer.
            width: Columns, a positive integer.

        Raises:
            NotFound: No such container.
            ValueError: A size below 1.
        """
        for what, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{what} must be a positive number of characters, not {value!r}")
        await self._api.request("POST", _path(ref, "/resize"), params={"h": height, "w": width})

    # -- files -------------------------------------------------------------------

    @operation("ContainerExport")
    def export(self, ref: str | Container) -> TarStream:
        """``GET /containers/{id}/export`` (``docker export``): the
        container's whole file system as a tar stream.

        Returns:
            A :class:`~aiodock.TarStream`: ``await stream.to_file("web.tar")``,
            ``extract_to(directory)``, or ``async for`` its bytes.

        Raises:
            NotFound: No such container.
        """
        opener = partial(self._api.stream, "GET", _path(ref, "/export"))
        return TarStream(self._api, opener)

    @operation("ContainerArchive")
    def get_archive(self, ref: str | Container, path: str) -> ArchiveStream:
        """``GET /containers/{id}/archive`` (``docker cp`` out): ``path``
        (a file or a directory) as a tar stream.

        Args:
            path: The path in the container (a file or a directory).

        Returns:
            An :class:`~aiodock.containers.ArchiveStream`: a tar stream that
            also carries the path's stat.

        Raises:
            NotFound: No such container, or no such path in it.
            ValueError: An empty ``path``.
        """
        _check_container_path(path)
        api = self._api

        @asynccontextmanager
        async def opener() -> AsyncIterator[Reply]:
            async with AsyncExitStack() as stack:
                try:
                    reply = await stack.enter_async_context(
                        api.stream("GET", _path(ref, "/archive"), params={"path": path})
                    )
                except NotFound as exc:
                    if path in exc.message:
                        raise
                    # Podman's answer names no path ("no such file or directory")
                    raise NotFound(exc.status, f"{path}: {exc.message}") from None
                yield reply

        return ArchiveStream(self._api, opener)

    @operation("PutContainerArchive")
    async def put_archive(
        self,
        ref: str | Container,
        path: str,
        data: Source,
        *,
        no_overwrite_dir_non_dir: bool = False,
        copy_uid_gid: bool = False,
    ) -> None:
        """``PUT /containers/{id}/archive`` (``docker cp`` in): unpack a tar
        archive into the directory ``path``.

        Args:
            path: A directory in the container that exists.
            data: The tar archive: bytes, a path to a file, a binary file
                object or an async iterator of bytes (streamed, not read whole).
            no_overwrite_dir_non_dir: Refuse to replace a directory by a
                non-directory or the reverse.
            copy_uid_gid: Keep the archive's owners instead of ``root``.

        Raises:
            NotFound: No such container, or no such directory.
            ValueError: An empty ``path``.
        """
        _check_container_path(path)
        body = body_from(data, what="put_archive data")
        await self._api.request(
            "PUT",
            _path(ref, "/archive"),
            params={
                "path": path,
                "noOverwriteDirNonDir": no_overwrite_dir_non_dir or None,
                "copyUIDGID": copy_uid_gid or None,
            },
            content=body,
            headers={"Content-Type": "application/x-tar"},
            timeout=None,
        )

    @operation("ContainerArchiveInfo")
    async def stat_path(self, ref: str | Container, path: str) -> PathStat:
        """``HEAD /containers/{id}/archive``: what ``path`` is in the
        container (name, size, mode, mtime, link target), without copying it.

        Args:
            path: The path in the container.

        Returns:
            A :class:`~aiodock.models.PathStat` (``.size``, ``.filemode``...).

        Raises:
            NotFound: No such container, or no such path in it.
            ValueError: An empty ``path``.
        """
        _check_container_path(path)
        try:
            response = await self._api.request(
                "HEAD", _path(ref, "/archive"), params={"path": path}
            )
        except NotFound as exc:
            if exc.message == "(empty response body)":  # a HEAD answer has no body
                raise NotFound(
                    exc.status, f"no such path {path!r} in container {ref!r}, or no such container"
                ) from None
            raise
        header = response.headers.get(PATH_STAT_HEADER)
        if not header:
            raise InvalidResponse(None, f"the engine sent no stat of {path!r} in {ref!r}")
        return path_stat(header)

    # -- attach and exec (implemented in aiodock.attach / aiodock.exec) ----------

    @operation("ContainerAttach")
    def attach(
        self,
        ref: str | Container,
        *,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        logs: bool = False,
        detach_keys: str | None = None,
        tty: bool | None = None,
    ) -> AbstractAsyncContextManager[AttachSession]:
        """``POST /containers/{id}/attach``: a two-way session with the
        container's main process (see :mod:`aiodock.attach`).

        Args:
            stdin: Send input (the container needs ``open_stdin=True``).
            stdout: Receive the standard output.
            stderr: Receive the standard error.
            logs: First replay the output so far.
            detach_keys: The key sequence that detaches (``"ctrl-p,ctrl-q"``);
                ``None`` keeps the engine's.
            tty: The container's TTY flag if you know it (saves one inspect);
                ``None`` to look it up.

        Returns:
            An async context manager giving the
            :class:`~aiodock.attach.AttachSession`.

        Raises:
            NotFound: No such container.
            ValueError: None of ``stdin``, ``stdout`` and ``stderr``.
            TypeError: A flag that is not a ``bool``.

        Example:
            >>> async with docker.containers.attach("cat", stdin=True) as session:
            ...     await session.write(b"hi\\n")  # doctest: +SKIP
            ...     await session.close_stdin()
            ...     print([chunk async for chunk in session])
        """
        from ..attach import _attach

        path = quote(_ref_id(ref), safe="")
        for what, flag in (
            ("stdin", stdin),
            ("stdout", stdout),
            ("stderr", stderr),
            ("logs", logs),
        ):
            _check.boolean(what, flag)
        if not (stdin or stdout or stderr):
            raise ValueError("attach needs at least one of stdin, stdout or stderr")
        params: dict[str, QueryValue] = {
            "stream": True,
            "logs": logs,
            "stdin": stdin,
            "stdout": stdout,
            "stderr": stderr,
            "detachKeys": _check.optional_text("detach_keys", detach_keys),
        }
        if tty is not None:
            _check.boolean("tty", tty)
        else:
            tty = _known_tty(ref)
        return _attach(self._api, path, params, stdin=stdin, tty=tty)

    async def exec(
        self,
        ref: str | Container,
        cmd: str | Sequence[str],
        *,
        stdin: bytes | AsyncIterable[bytes] | None = None,
        check: bool = False,
        **options: Unpack[ProcessOptions],
    ) -> ExecResult:
        """Run ``cmd`` in a running container (``docker exec``) and collect
        its exit code and output (see :mod:`aiodock.exec`).

        Args:
            cmd: The command: a list, or a string split like a shell would.
            stdin: Input for the command: bytes, or an async iterable of
                bytes; ``None`` for none (its stdin is then closed).
            check: Raise :class:`~aiodock.errors.ExecError` if it exits with a
                code other than 0.
            **options: How it runs, keywords of ``ProcessOptions``: ``tty``,
                ``env``, ``workdir``, ``user``, ``privileged``.

        Returns:
            An :class:`~aiodock.exec.ExecResult` (``exit_code``, ``stdout``,
            ``stderr``).

        Raises:
            NotFound: No such container.
            Conflict: The container is not running.
            ExecError: With ``check``, a non-zero exit code.
        """
        from ..exec import run_exec

        return await run_exec(self._api, _ref_id(ref), cmd, stdin=stdin, check=check, **options)


def _check_container_path(path: object) -> None:
    if not isinstance(path, str):
        raise TypeError(f"path must be a string, not {path!r}")
    if not path:
        raise ValueError("path must be a path in the container, not an empty string")
