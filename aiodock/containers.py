"""Containers: ``docker.containers`` and the :class:`Container` handle.

Every Engine API container operation is one method of
:class:`ContainerCollection` taking the container's id or name first; a
:class:`Container` handle (from :meth:`ContainerCollection.create` or the
lazy ``docker.container(ref)``) only delegates to it. On top of those,
:meth:`ContainerCollection.run` is ``docker run --rm`` and
:meth:`ContainerCollection.running` a container for the length of a block.

Options are checked before any request (see ``_container_options``).
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Literal, overload
from urllib.parse import quote

import anyio

from ._api import APIClient, decode_json
from ._body import Source, body_from
from ._container_options import (
    WAIT_CONDITIONS,
    CreateOptions,
    UpdateOptions,
    check_name,
    check_ref,
    create_body,
    signal_name,
    whole_seconds,
)
from ._operation import operation
from ._query import Filters, QueryValue, check_timeout, filters_param, unix_time
from ._tar import TarStream
from .errors import Conflict, ConnectionLost, ContainerError, DockerError, NotFound
from .logs import LogOutput, LogStream
from .models import (
    ContainerChange,
    ContainerCreate,
    ContainerCreateResponse,
    ContainerInspect,
    ContainerPruneReport,
    ContainerStats,
    ContainerSummary,
    ContainerTop,
    ContainerUpdate,
    ContainerUpdateResponse,
    DeviceMapping,
    DeviceRequest,
    HealthConfig,
    HostConfig,
    NetworkingConfig,
    PathStat,
    ResourcesBlkioWeightDeviceItem,
    ResourcesUlimitsItem,
    RestartPolicy,
    RunResult,
    ThrottleDevice,
    WaitResult,
)
from .streams import EngineStream, JSONStream

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .attach import AttachSession
    from .exec import ExecResult

TimeArg = datetime | int | float | str
StatsStream = JSONStream[ContainerStats, list[ContainerStats]]
"""A live stream of :class:`~aiodock.models.ContainerStats` (``docker stats``)."""

_CLEANUP_TIMEOUT = 60.0
_PRUNE_PATIENCE = 60.0


def _path(ref: str, suffix: str = "") -> str:
    return f"/containers/{quote(check_ref(ref), safe='')}{suffix}"


PATH_STAT_HEADER = "X-Docker-Container-Path-Stat"


def path_stat(header: str) -> PathStat:
    """Decode the engine's ``X-Docker-Container-Path-Stat`` header (base64
    of a JSON object); anything else raises :class:`DockerError`.

    Example:
        >>> path_stat("eyJuYW1lIjoiaG9zdHMiLCJzaXplIjo3LCJtb2RlIjo0MjAsIm10aW1lIjoi"
        ...           "MjAyNi0wMS0wMVQwMDowMDowMFoifQ==").size
        7
    """
    try:
        return PathStat.from_header(header)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        shown = header if len(header) <= 200 else header[:200] + "..."
        raise DockerError(
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


class ContainerCollection:
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
        *,
        name: str | None = None,
        entrypoint: str | Sequence[str] | None = None,
        env: Mapping[str, str] | Sequence[str] | None = None,
        labels: Mapping[str, str] | None = None,
        working_dir: str | None = None,
        user: str | None = None,
        hostname: str | None = None,
        tty: bool = False,
        open_stdin: bool = False,
        stdin_once: bool = False,
        exposed_ports: Sequence[int | str] | None = None,
        healthcheck: HealthConfig | None = None,
        stop_signal: str | int | None = None,
        stop_timeout: float | None = None,
        host_config: HostConfig | None = None,
        networking_config: NetworkingConfig | None = None,
        platform: str | None = None,
        config: ContainerCreate | None = None,
        network: str | None = None,
        network_aliases: Sequence[str] | None = None,
    ) -> Container:
        """``POST /containers/create`` (``docker create``): a new container,
        not started; returns its :class:`Container` handle.

        ``command`` and ``entrypoint`` take a list, or a string split like a
        shell would (no expansion). ``env`` takes a mapping or
        ``["KEY=VALUE"]``; ``labels`` a mapping of strings. ``exposed_ports``
        takes ``[80, "53/udp"]``. ``host_config`` is a typed
        :class:`~aiodock.models.HostConfig` (binds, mounts, network mode,
        port bindings, restart policy, resources...). ``network`` attaches
        the container to a user-defined network at creation, with
        ``network_aliases`` there (and makes it the network mode unless
        ``host_config`` sets one). ``config`` takes a whole
        :class:`~aiodock.models.ContainerCreate`; the keywords given are put
        over it. ``platform`` (``"linux/amd64"``) picks the image variant.

        Example:
            >>> c = await docker.containers.create(  # doctest: +SKIP
            ...     "busybox", ["sh", "-c", "echo $GREETING"], name="hello",
            ...     env={"GREETING": "hi"}, labels={"app": "demo"},
            ...     host_config=HostConfig(network_mode="none"))
        """
        if name is not None:
            check_name(name)
        if platform is not None and (not isinstance(platform, str) or not platform):
            raise TypeError(f"platform must be a string like 'linux/amd64', not {platform!r}")
        body = create_body(
            image,
            config=config,
            command=command,
            entrypoint=entrypoint,
            env=env,
            labels=labels,
            working_dir=working_dir,
            user=user,
            hostname=hostname,
            tty=tty,
            open_stdin=open_stdin,
            stdin_once=stdin_once,
            exposed=exposed_ports,
            healthcheck=healthcheck,
            stop_signal=stop_signal,
            stop_timeout=stop_timeout,
            host_config=host_config,
            networking_config=networking_config,
            network=network,
            network_aliases=network_aliases,
        )
        answer: ContainerCreateResponse = await self._api.get(
            ContainerCreateResponse,
            "/containers/create",
            method="POST",
            params={"name": name, "platform": platform},
            json=body.to_engine(),
        )
        if not answer.id:
            raise DockerError(None, "the engine created a container but sent no id")
        return Container(self, answer.id, tty=bool(body.tty), warnings=answer.warnings or [])

    @operation("ContainerInspect")
    async def inspect(self, ref: str, *, size: bool = False) -> ContainerInspect:
        """``GET /containers/{id}/json`` (``docker inspect``); ``size`` adds
        ``size_rw`` and ``size_root_fs``.

        Example:
            >>> (await docker.containers.inspect("web")).state.status  # doctest: +SKIP
            'running'
        """
        return await self._api.get(ContainerInspect, _path(ref, "/json"), params={"size": size})

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

        ``filters`` as in ``docker ps --filter`` (``{"label": ["app=web"],
        "status": ["exited"]}``); ``limit`` keeps the most recently created;
        ``size`` adds ``size_rw``/``size_root_fs`` (slow).

        Example:
            >>> for c in await docker.containers.list(all=True):  # doctest: +SKIP
            ...     print(c.id[:12], c.names, c.state)
        """
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise ValueError(f"limit must be a positive integer, not {limit!r}")
        params: dict[str, QueryValue] = {
            "all": all,
            "limit": limit,
            "size": size,
            "filters": filters_param(filters),
        }
        return await self._api.get(
            builtins.list[ContainerSummary], "/containers/json", params=params
        )

    # -- lifecycle ------------------------------------------------------------

    @operation("ContainerStart")
    async def start(self, ref: str, *, detach_keys: str | None = None) -> None:
        """``POST /containers/{id}/start``; a container already running is
        left as it is (the engine's 304).

        Example:
            >>> await docker.containers.start("web")  # doctest: +SKIP
        """
        await self._api.request(
            "POST",
            _path(ref, "/start"),
            params={"detachKeys": detach_keys},
            allow_not_modified=True,
        )

    @operation("ContainerStop")
    async def stop(
        self, ref: str, *, timeout: float | None = None, signal: str | int | None = None
    ) -> None:
        """``POST /containers/{id}/stop`` (``docker stop``): send the stop
        signal, wait ``timeout`` seconds (rounded up; the container's own
        default when ``None``), then kill. A stopped container is left as it
        is (the engine's 304). ``signal`` needs API 1.42.

        Example:
            >>> await docker.containers.stop("web", timeout=1)  # doctest: +SKIP
        """
        seconds = whole_seconds("timeout", timeout)
        name = signal_name(signal) if signal is not None else None
        if name is not None:
            await self._api.require_version("stop(signal=...)", "1.42")
        await self._api.request(
            "POST",
            _path(ref, "/stop"),
            params={"t": seconds, "signal": name},
            timeout=None,
            allow_not_modified=True,
        )

    @operation("ContainerRestart")
    async def restart(
        self, ref: str, *, timeout: float | None = None, signal: str | int | None = None
    ) -> None:
        """``POST /containers/{id}/restart``: stop (as :meth:`stop`) then
        start. ``signal`` needs API 1.42.

        Example:
            >>> await docker.containers.restart("web", timeout=1)  # doctest: +SKIP
        """
        seconds = whole_seconds("timeout", timeout)
        name = signal_name(signal) if signal is not None else None
        if name is not None:
            await self._api.require_version("restart(signal=...)", "1.42")
        await self._api.request(
            "POST", _path(ref, "/restart"), params={"t": seconds, "signal": name}, timeout=None
        )

    @operation("ContainerKill")
    async def kill(self, ref: str, *, signal: str | int = "SIGKILL") -> None:
        """``POST /containers/{id}/kill``: send a signal (``"SIGKILL"``,
        ``"HUP"``, ``15``). A container that is not running raises
        :class:`~aiodock.errors.Conflict`.

        Example:
            >>> await docker.containers.kill("web", signal="SIGHUP")  # doctest: +SKIP
        """
        await self._api.request("POST", _path(ref, "/kill"), params={"signal": signal_name(signal)})

    @operation("ContainerPause")
    async def pause(self, ref: str) -> None:
        """``POST /containers/{id}/pause``: freeze every process.

        Example:
            >>> await docker.containers.pause("web")  # doctest: +SKIP
        """
        await self._api.request("POST", _path(ref, "/pause"))

    @operation("ContainerUnpause")
    async def unpause(self, ref: str) -> None:
        """``POST /containers/{id}/unpause``: resume a paused container.

        Example:
            >>> await docker.containers.unpause("web")  # doctest: +SKIP
        """
        await self._api.request("POST", _path(ref, "/unpause"))

    @operation("ContainerWait")
    def wait(
        self, ref: str, *, condition: Literal["not-running", "next-exit", "removed"] = "not-running"
    ) -> WaitStream:
        """``POST /containers/{id}/wait``: until the container is not running
        (``"not-running"``, at once if it already is), has exited after now
        (``"next-exit"``), or is removed (``"removed"``). No timeout: bound
        it with ``anyio.fail_after`` if you need one.

        Example:
            >>> (await docker.containers.wait("job")).exit_code  # doctest: +SKIP
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
        self, ref: str, *, force: bool = False, volumes: bool = False, link: bool = False
    ) -> None:
        """``DELETE /containers/{id}`` (``docker rm``). A running container
        raises :class:`~aiodock.errors.Conflict` unless ``force`` (kill
        first); ``volumes`` also removes its anonymous volumes; ``link``
        removes the link named ``ref`` instead of a container.

        Example:
            >>> await docker.containers.remove("web", force=True)  # doctest: +SKIP
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

        Example:
            >>> report = await docker.containers.prune(filters={"label": "tmp"})  # doctest: +SKIP
            >>> report.containers_deleted  # doctest: +SKIP
            ['4f1c...']
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
        ref: str,
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
        ``follow`` keeps the stream open until the container stops.
        ``since``/``until`` take a datetime or unix seconds; ``tail`` the
        number of last lines. ``tty`` is the container's TTY flag if you
        know it (saves one inspect; a handle from ``create`` knows it).
        A follow has no timeout; ``idle_timeout`` (seconds) raises
        :class:`~aiodock.errors.DockerTimeout` when nothing arrives for that
        long.

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
            idle_timeout=check_timeout("idle_timeout", idle_timeout),
        )
        return LogStream(self._api, opener, tty=tty, tty_lookup=partial(self._has_tty, ref))

    async def _has_tty(self, ref: str) -> bool:
        info = await self.inspect(ref)
        return bool(info.config and info.config.tty)

    @overload
    def stats(self, ref: str, *, stream: Literal[True] = True) -> StatsStream: ...

    @overload
    def stats(
        self, ref: str, *, stream: Literal[False], one_shot: bool = False
    ) -> Awaitable[ContainerStats]: ...

    @operation("ContainerStats")
    def stats(
        self, ref: str, *, stream: bool = True, one_shot: bool = False
    ) -> StatsStream | Awaitable[ContainerStats]:
        """``GET /containers/{id}/stats`` (``docker stats``).

        With ``stream=True`` (the default) a live stream of
        :class:`~aiodock.models.ContainerStats`, one about every second;
        with ``stream=False`` one sample (``await`` it), which takes the
        engine about a second to measure CPU use, unless ``one_shot``
        (then without the previous sample).

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
            return JSONStream(self._api, opener, ContainerStats)
        return self._api.get(
            ContainerStats,
            path,
            params={"stream": False, "one-shot": one_shot or None},
            timeout=None,
        )

    @operation("ContainerTop")
    async def top(self, ref: str, *, ps_args: str | None = None) -> ContainerTop:
        """``GET /containers/{id}/top`` (``docker top``): the processes of a
        running container; ``ps_args`` are ``ps`` options (``"aux"``).

        Example:
            >>> top = await docker.containers.top("web")  # doctest: +SKIP
            >>> top.titles, top.processes  # doctest: +SKIP
        """
        return await self._api.get(ContainerTop, _path(ref, "/top"), params={"ps_args": ps_args})

    @operation("ContainerChanges")
    async def changes(self, ref: str) -> builtins.list[ContainerChange]:
        """``GET /containers/{id}/changes`` (``docker diff``): the paths added,
        changed or deleted since the container was created.

        Example:
            >>> [(c.kind_name, c.path)  # doctest: +SKIP
            ...  for c in await docker.containers.changes("web")]
            [('added', '/tmp/x')]
        """
        changes: builtins.list[ContainerChange] | None = await self._api.get(
            builtins.list[ContainerChange] | None, _path(ref, "/changes")
        )
        return changes or []

    # -- configuration ---------------------------------------------------------

    @operation("ContainerRename")
    async def rename(self, ref: str, new_name: str) -> None:
        """``POST /containers/{id}/rename``; a name in use raises
        :class:`~aiodock.errors.Conflict`.

        Example:
            >>> await docker.containers.rename("web", "web-old")  # doctest: +SKIP
        """
        check_name(new_name, "new_name")
        await self._api.request("POST", _path(ref, "/rename"), params={"name": new_name})

    @operation("ContainerUpdate")
    async def update(
        self,
        ref: str,
        *,
        memory: int | None = None,
        memory_swap: int | None = None,
        memory_reservation: int | None = None,
        memory_swappiness: int | None = None,
        cpu_shares: int | None = None,
        nano_cpus: int | None = None,
        cpu_quota: int | None = None,
        cpu_period: int | None = None,
        cpu_realtime_period: int | None = None,
        cpu_realtime_runtime: int | None = None,
        cpuset_cpus: str | None = None,
        cpuset_mems: str | None = None,
        cpu_count: int | None = None,
        cpu_percent: int | None = None,
        pids_limit: int | None = None,
        blkio_weight: int | None = None,
        blkio_weight_device: Sequence[ResourcesBlkioWeightDeviceItem] | None = None,
        blkio_device_read_bps: Sequence[ThrottleDevice] | None = None,
        blkio_device_write_bps: Sequence[ThrottleDevice] | None = None,
        blkio_device_read_iops: Sequence[ThrottleDevice] | None = None,
        blkio_device_write_iops: Sequence[ThrottleDevice] | None = None,
        io_maximum_iops: int | None = None,
        io_maximum_bandwidth: int | None = None,
        cgroup_parent: str | None = None,
        devices: Sequence[DeviceMapping] | None = None,
        device_cgroup_rules: Sequence[str] | None = None,
        device_requests: Sequence[DeviceRequest] | None = None,
        oom_kill_disable: bool | None = None,
        init: bool | None = None,
        ulimits: Sequence[ResourcesUlimitsItem] | None = None,
        restart_policy: RestartPolicy | None = None,
        resources: ContainerUpdate | None = None,
    ) -> ContainerUpdateResponse:
        """``POST /containers/{id}/update`` (``docker update``): change the
        resource limits or the restart policy of a container, running or
        not. Memory sizes are bytes; ``nano_cpus`` is CPUs times 10⁹.
        ``resources`` takes a whole :class:`~aiodock.models.ContainerUpdate`;
        keywords given are put over it.

        Example:
            >>> await docker.containers.update(  # doctest: +SKIP
            ...     "web", memory=64 * 2**20, memory_swap=-1,
            ...     restart_policy=RestartPolicy(name="on-failure", maximum_retry_count=3))
        """
        given = {
            key: value
            for key, value in locals().items()
            if key not in ("self", "ref", "resources") and value is not None
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
    async def resize(self, ref: str, height: int, width: int) -> None:
        """``POST /containers/{id}/resize``: the TTY's size in characters.

        Example:
            >>> await docker.containers.resize("shell", 40, 120)  # doctest: +SKIP
        """
        for what, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{what} must be a positive number of characters, not {value!r}")
        await self._api.request("POST", _path(ref, "/resize"), params={"h": height, "w": width})

    # -- files -------------------------------------------------------------------

    @operation("ContainerExport")
    def export(self, ref: str) -> TarStream:
        """``GET /containers/{id}/export`` (``docker export``): the
        container's whole file system as a tar stream.

        Example:
            >>> await docker.containers.export("web").to_file("web.tar")  # doctest: +SKIP
        """
        opener = partial(self._api.stream, "GET", _path(ref, "/export"))
        return TarStream(self._api, opener)

    @operation("ContainerArchive")
    def get_archive(self, ref: str, path: str) -> ArchiveStream:
        """``GET /containers/{id}/archive`` (``docker cp`` out): ``path``
        (a file or a directory) as a tar stream; a missing path raises
        :class:`~aiodock.errors.NotFound`.

        Example:
            >>> await docker.containers.get_archive(  # doctest: +SKIP
            ...     "web", "/etc").extract_to("etc-copy")
            12
        """
        _check_container_path(path)
        opener = partial(self._api.stream, "GET", _path(ref, "/archive"), params={"path": path})
        return ArchiveStream(self._api, opener)

    @operation("PutContainerArchive")
    async def put_archive(
        self,
        ref: str,
        path: str,
        data: Source,
        *,
        no_overwrite_dir_non_dir: bool = False,
        copy_uid_gid: bool = False,
    ) -> None:
        """``PUT /containers/{id}/archive`` (``docker cp`` in): unpack a tar
        archive into the directory ``path``. ``data`` is bytes, a path, a
        binary file object or an async iterator of bytes, streamed.

        Example:
            >>> await docker.containers.put_archive("web", "/tmp", "files.tar")  # doctest: +SKIP
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
    async def stat_path(self, ref: str, path: str) -> PathStat:
        """``HEAD /containers/{id}/archive``: what ``path`` is in the
        container (name, size, mode, mtime, link target), without copying it.
        A missing path or container raises :class:`~aiodock.errors.NotFound`.

        Example:
            >>> s = await docker.containers.stat_path("web", "/etc/passwd")  # doctest: +SKIP
            >>> s.size, s.filemode  # doctest: +SKIP
            (72, '-rw-r--r--')
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
            raise DockerError(None, f"the engine sent no stat of {path!r} in {ref!r}")
        return path_stat(header)

    # -- attach and exec (implemented in aiodock.attach / aiodock.exec) ----------

    @operation("ContainerAttach")
    def attach(
        self,
        ref: str,
        *,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        logs: bool = False,
        detach_keys: str | None = None,
        tty: bool | None = None,
    ) -> AbstractAsyncContextManager[AttachSession]:
        """``POST /containers/{id}/attach``: a two-way session with the
        container's main process (see :mod:`aiodock.attach`). ``tty`` is the
        container's TTY flag if you know it (saves one inspect).

        Example:
            >>> async with docker.containers.attach("cat", stdin=True) as session:
            ...     await session.write(b"hi\\n")  # doctest: +SKIP
            ...     await session.close_stdin()
            ...     print([chunk async for chunk in session])
        """
        from .attach import attach_container

        return attach_container(
            self._api,
            ref,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            logs=logs,
            detach_keys=detach_keys,
            tty=tty,
        )

    async def exec(
        self,
        ref: str,
        cmd: str | Sequence[str],
        *,
        stdin: bytes | AsyncIterable[bytes] | None = None,
        tty: bool = False,
        env: Mapping[str, str] | Sequence[str] | None = None,
        workdir: str | None = None,
        user: str | None = None,
        privileged: bool = False,
        check: bool = False,
    ) -> ExecResult:
        """Run ``cmd`` in a running container (``docker exec``) and collect
        its exit code and output (see :mod:`aiodock.exec`).

        Example:
            >>> (await docker.containers.exec("web", ["echo", "hi"])).stdout  # doctest: +SKIP
            b'hi\\n'
        """
        from .exec import run_exec

        return await run_exec(
            self._api,
            ref,
            cmd,
            stdin=stdin,
            tty=tty,
            env=env,
            workdir=workdir,
            user=user,
            privileged=privileged,
            check=check,
        )

    # -- conveniences ---------------------------------------------------------------

    async def run(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        *,
        remove: bool = True,
        check: bool = False,
        stdin: bytes | AsyncIterable[bytes] | None = None,
        **create_options: Unpack[CreateOptions],
    ) -> RunResult:
        """Like ``docker run --rm``: create, start, wait, collect the output,
        remove; return a :class:`~aiodock.models.RunResult`.

        ``stdin`` (bytes or an async iterator of bytes) is fed to the
        process through an attach made before it starts, then closed.
        ``remove=False`` keeps the container. ``check=True`` raises
        :class:`~aiodock.errors.ContainerError` when the exit code is not 0.
        Other keywords are those of :meth:`create`.

        Example:
            >>> result = await docker.containers.run("busybox", ["echo", "hello"])  # doctest: +SKIP
            >>> result.exit_code, result.stdout  # doctest: +SKIP
            (0, b'hello\\n')
        """
        if stdin is not None and not isinstance(
            stdin, bytes | bytearray | memoryview | AsyncIterable
        ):
            raise TypeError(f"stdin must be bytes or an async iterator of bytes, not {stdin!r}")
        host_config = create_options.get("host_config")
        if host_config is not None and getattr(host_config, "auto_remove", None):
            raise ValueError(
                "run() collects the output after the container exits: auto_remove would remove"
                " it first (run removes it itself; remove=False keeps it)"
            )
        if stdin is not None:
            create_options["open_stdin"] = True
            create_options["stdin_once"] = True
        container = await self.create(image, command, **create_options)
        try:
            if stdin is None:
                await self.start(container.id)
                result = await self.wait(container.id)
                output = await self.logs(container.id, tty=container.tty)
            else:
                output = await self._run_with_stdin(
                    container, stdin if isinstance(stdin, AsyncIterable) else bytes(stdin)
                )
                result = await self.wait(container.id)
        finally:
            if remove:
                await self._remove_quietly(container.id)
        detail = result.error.message if result.error is not None else None
        if check and result.exit_code != 0:
            raise ContainerError(container.id, result.exit_code, output.stderr, detail)
        return RunResult(container.id, result.exit_code, output.stdout, output.stderr)

    async def _run_with_stdin(
        self, container: Container, stdin: bytes | AsyncIterable[bytes]
    ) -> LogOutput:
        """Attach before starting (so no input or output is lost), start,
        feed stdin and close it while reading the output to its end."""
        from .attach import attach_container

        async with attach_container(
            self._api, container.id, stdin=True, stdout=True, stderr=True, tty=container.tty
        ) as session:
            await self.start(container.id)
            stdout, stderr = await session.communicate(stdin)
        return LogOutput(stdout, stderr)

    @asynccontextmanager
    async def running(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        **create_options: Unpack[CreateOptions],
    ) -> AsyncIterator[Container]:
        """``async with docker.containers.running(image, ...) as c:`` a
        created and started container for the length of the block; on the
        way out (error and cancellation included) it is killed and removed.

        Example:
            >>> async with docker.containers.running("busybox", ["sleep", "60"]) as c:
            ...     print((await c.inspect()).state.status)  # doctest: +SKIP
            running
        """
        container = await self.create(image, command, **create_options)
        try:
            await self.start(container.id)
            yield container
        finally:
            await self._remove_quietly(container.id)

    async def _remove_quietly(self, container_id: str) -> None:
        """Force-remove, shielded from cancellation; gone already is fine."""
        with anyio.move_on_after(_CLEANUP_TIMEOUT, shield=True):
            try:
                await self.remove(container_id, force=True, volumes=True)
            except NotFound:
                pass
            except Conflict as exc:
                if "already in progress" not in exc.message:
                    raise


def _check_container_path(path: object) -> None:
    if not isinstance(path, str):
        raise TypeError(f"path must be a string, not {path!r}")
    if not path:
        raise ValueError("path must be a path in the container, not an empty string")


class Container:
    """A handle on one container: its ``id`` (or the name it was made
    with), and every container operation without the ``ref`` argument.

    ``tty`` is the container's TTY flag when known (a handle from
    ``create`` knows it; ``docker.container(ref)`` makes no request and
    does not); ``warnings`` are the engine's warnings at creation.

    Example:
        >>> c = await docker.containers.create("busybox", ["echo", "hi"])  # doctest: +SKIP
        >>> await c.start(); await c.wait(); print((await c.logs()).stdout)  # doctest: +SKIP
        b'hi\\n'
    """

    def __init__(
        self,
        collection: ContainerCollection,
        id: str,
        *,
        tty: bool | None = None,
        warnings: Sequence[str] = (),
    ) -> None:
        self._collection = collection
        self.id = check_ref(id)
        self.tty = tty
        self.warnings = builtins.list(warnings)

    def __repr__(self) -> str:
        return f"Container({self.id[:12] if len(self.id) == 64 else self.id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Container) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    async def inspect(self, *, size: bool = False) -> ContainerInspect:
        """See :meth:`ContainerCollection.inspect`.

        Example:
            >>> (await container.inspect()).state.status  # doctest: +SKIP
            'running'
        """
        info = await self._collection.inspect(self.id, size=size)
        if info.config is not None and info.config.tty is not None:
            self.tty = info.config.tty
        return info

    async def start(self, *, detach_keys: str | None = None) -> None:
        """See :meth:`ContainerCollection.start`.

        Example:
            >>> await container.start()  # doctest: +SKIP
        """
        await self._collection.start(self.id, detach_keys=detach_keys)

    async def stop(self, *, timeout: float | None = None, signal: str | int | None = None) -> None:
        """See :meth:`ContainerCollection.stop`.

        Example:
            >>> await container.stop(timeout=1)  # doctest: +SKIP
        """
        await self._collection.stop(self.id, timeout=timeout, signal=signal)

    async def restart(
        self, *, timeout: float | None = None, signal: str | int | None = None
    ) -> None:
        """See :meth:`ContainerCollection.restart`.

        Example:
            >>> await container.restart(timeout=1)  # doctest: +SKIP
        """
        await self._collection.restart(self.id, timeout=timeout, signal=signal)

    async def kill(self, *, signal: str | int = "SIGKILL") -> None:
        """See :meth:`ContainerCollection.kill`.

        Example:
            >>> await container.kill(signal="SIGTERM")  # doctest: +SKIP
        """
        await self._collection.kill(self.id, signal=signal)

    async def pause(self) -> None:
        """See :meth:`ContainerCollection.pause`.

        Example:
            >>> await container.pause()  # doctest: +SKIP
        """
        await self._collection.pause(self.id)

    async def unpause(self) -> None:
        """See :meth:`ContainerCollection.unpause`.

        Example:
            >>> await container.unpause()  # doctest: +SKIP
        """
        await self._collection.unpause(self.id)

    def wait(
        self, *, condition: Literal["not-running", "next-exit", "removed"] = "not-running"
    ) -> WaitStream:
        """See :meth:`ContainerCollection.wait`.

        Example:
            >>> (await container.wait()).status_code  # doctest: +SKIP
            0
        """
        return self._collection.wait(self.id, condition=condition)

    async def remove(self, *, force: bool = False, volumes: bool = False) -> None:
        """See :meth:`ContainerCollection.remove`.

        Example:
            >>> await container.remove(force=True, volumes=True)  # doctest: +SKIP
        """
        await self._collection.remove(self.id, force=force, volumes=volumes)

    def logs(
        self,
        *,
        stdout: bool = True,
        stderr: bool = True,
        follow: bool = False,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        timestamps: bool = False,
        tail: int | Literal["all"] | None = None,
        idle_timeout: float | None = None,
    ) -> LogStream:
        """See :meth:`ContainerCollection.logs` (the TTY flag comes from the
        handle when known).

        Example:
            >>> async for chunk in container.logs(follow=True, tail=10):  # doctest: +SKIP
            ...     print(chunk.stream, chunk.data)
        """
        return self._collection.logs(
            self.id,
            stdout=stdout,
            stderr=stderr,
            follow=follow,
            since=since,
            until=until,
            timestamps=timestamps,
            tail=tail,
            tty=self.tty,
            idle_timeout=idle_timeout,
        )

    @overload
    def stats(self, *, stream: Literal[True] = True) -> StatsStream: ...

    @overload
    def stats(
        self, *, stream: Literal[False], one_shot: bool = False
    ) -> Awaitable[ContainerStats]: ...

    def stats(
        self, *, stream: bool = True, one_shot: bool = False
    ) -> StatsStream | Awaitable[ContainerStats]:
        """See :meth:`ContainerCollection.stats`.

        Example:
            >>> stats = await container.stats(stream=False)  # doctest: +SKIP
            >>> stats.memory_stats.usage  # doctest: +SKIP
            1060864
        """
        if stream:
            if one_shot:
                raise ValueError("one_shot=True needs stream=False")
            return self._collection.stats(self.id)
        return self._collection.stats(self.id, stream=False, one_shot=one_shot)

    async def top(self, *, ps_args: str | None = None) -> ContainerTop:
        """See :meth:`ContainerCollection.top`.

        Example:
            >>> (await container.top()).titles  # doctest: +SKIP
            ['PID', 'USER', 'TIME', 'COMMAND']
        """
        return await self._collection.top(self.id, ps_args=ps_args)

    async def changes(self) -> builtins.list[ContainerChange]:
        """See :meth:`ContainerCollection.changes`.

        Example:
            >>> [c.path for c in await container.changes()]  # doctest: +SKIP
            ['/tmp', '/tmp/x']
        """
        return await self._collection.changes(self.id)

    async def rename(self, new_name: str) -> None:
        """See :meth:`ContainerCollection.rename`.

        Example:
            >>> await container.rename("web-old")  # doctest: +SKIP
        """
        await self._collection.rename(self.id, new_name)

    async def update(self, **options: Unpack[UpdateOptions]) -> ContainerUpdateResponse:
        """See :meth:`ContainerCollection.update` (same keywords).

        Example:
            >>> await container.update(memory=64 * 2**20)  # doctest: +SKIP
        """
        return await self._collection.update(self.id, **options)

    async def resize(self, height: int, width: int) -> None:
        """See :meth:`ContainerCollection.resize`.

        Example:
            >>> await container.resize(40, 120)  # doctest: +SKIP
        """
        await self._collection.resize(self.id, height, width)

    def export(self) -> TarStream:
        """See :meth:`ContainerCollection.export`.

        Example:
            >>> await container.export().to_file("rootfs.tar")  # doctest: +SKIP
        """
        return self._collection.export(self.id)

    def get_archive(self, path: str) -> ArchiveStream:
        """See :meth:`ContainerCollection.get_archive`.

        Example:
            >>> await container.get_archive("/etc/hostname").extract_to("out")  # doctest: +SKIP
        """
        return self._collection.get_archive(self.id, path)

    async def put_archive(
        self,
        path: str,
        data: Source,
        *,
        no_overwrite_dir_non_dir: bool = False,
        copy_uid_gid: bool = False,
    ) -> None:
        """See :meth:`ContainerCollection.put_archive`.

        Example:
            >>> await container.put_archive("/tmp", "files.tar")  # doctest: +SKIP
        """
        await self._collection.put_archive(
            self.id,
            path,
            data,
            no_overwrite_dir_non_dir=no_overwrite_dir_non_dir,
            copy_uid_gid=copy_uid_gid,
        )

    async def stat_path(self, path: str) -> PathStat:
        """See :meth:`ContainerCollection.stat_path`.

        Example:
            >>> (await container.stat_path("/etc/hostname")).size  # doctest: +SKIP
            13
        """
        return await self._collection.stat_path(self.id, path)

    def attach(
        self,
        *,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        logs: bool = False,
        detach_keys: str | None = None,
    ) -> AbstractAsyncContextManager[AttachSession]:
        """See :meth:`ContainerCollection.attach` (the TTY flag comes from
        the handle when known).

        Example:
            >>> async with container.attach(stdin=True) as session:  # doctest: +SKIP
            ...     await session.write(b"hello\\n")
        """
        return self._collection.attach(
            self.id,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            logs=logs,
            detach_keys=detach_keys,
            tty=self.tty,
        )

    async def exec(
        self,
        cmd: str | Sequence[str],
        *,
        stdin: bytes | AsyncIterable[bytes] | None = None,
        tty: bool = False,
        env: Mapping[str, str] | Sequence[str] | None = None,
        workdir: str | None = None,
        user: str | None = None,
        privileged: bool = False,
        check: bool = False,
    ) -> ExecResult:
        """See :meth:`ContainerCollection.exec`.

        Example:
            >>> (await container.exec(["echo", "hi"])).stdout  # doctest: +SKIP
            b'hi\\n'
        """
        return await self._collection.exec(
            self.id,
            cmd,
            stdin=stdin,
            tty=tty,
            env=env,
            workdir=workdir,
            user=user,
            privileged=privileged,
            check=check,
        )
