"""Every Engine API container operation: one method each of :class:`ContainerOperations`."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterable, Awaitable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Literal, overload
from urllib.parse import quote

import anyio

from .. import _check
from .._api import APIClient
from .._body import Source, body_from
from .._handle import Handle
from .._operation import operation
from .._query import Filters, QueryValue, filters_param, unix_time
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
from ..streams import JSONStream
from ._options import (
    CREATE_KEYWORDS,
    UPDATE_KEYWORDS,
    WAIT_CONDITIONS,
    CreateOptions,
    UpdateOptions,
    check_name,
    create_body,
)
from ._streams import PATH_STAT_HEADER, ArchiveStream, WaitStream, path_stat

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..attach import AttachSession
    from ..exec import ExecResult, ProcessOptions
    from ._handle import Container

TimeArg = datetime | int | float | str
StatsStream = JSONStream[ContainerStats, list[ContainerStats]]
"""A live stream of :class:`~aiodock.models.ContainerStats` (``docker stats``)."""

_PRUNE_PATIENCE = 60.0


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
        """``GET /containers/{id}/json`` (``docker inspect``); ``size`` adds
        ``size_rw`` and ``size_root_fs``.

        Example:
            >>> (await docker.containers.inspect("web")).state.status  # doctest: +SKIP
            'running'
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
    async def start(self, ref: str | Container, *, detach_keys: str | None = None) -> None:
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
        self, ref: str | Container, *, timeout: float | None = None, signal: str | int | None = None
    ) -> None:
        """``POST /containers/{id}/stop`` (``docker stop``): send the stop
        signal, wait ``timeout`` seconds (rounded up; the container's own
        default when ``None``), then kill. A stopped container is left as it
        is (the engine's 304). ``signal`` needs API 1.42.

        Example:
            >>> await docker.containers.stop("web", timeout=1)  # doctest: +SKIP
        """
        seconds = _check.whole_seconds("timeout", timeout)
        name = _check.signal("signal", signal) if signal is not None else None
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
        self, ref: str | Container, *, timeout: float | None = None, signal: str | int | None = None
    ) -> None:
        """``POST /containers/{id}/restart``: stop (as :meth:`stop`) then
        start. ``signal`` needs API 1.42.

        Example:
            >>> await docker.containers.restart("web", timeout=1)  # doctest: +SKIP
        """
        seconds = _check.whole_seconds("timeout", timeout)
        name = _check.signal("signal", signal) if signal is not None else None
        if name is not None:
            await self._api.require_version("restart(signal=...)", "1.42")
        await self._api.request(
            "POST", _path(ref, "/restart"), params={"t": seconds, "signal": name}, timeout=None
        )

    @operation("ContainerKill")
    async def kill(self, ref: str | Container, *, signal: str | int = "SIGKILL") -> None:
        """``POST /containers/{id}/kill``: send a signal (``"SIGKILL"``,
        ``"HUP"``, ``15``). A container that is not running raises
        :class:`~aiodock.errors.Conflict`.

        Example:
            >>> await docker.containers.kill("web", signal="SIGHUP")  # doctest: +SKIP
        """
        await self._api.request(
            "POST", _path(ref, "/kill"), params={"signal": _check.signal("signal", signal)}
        )

    @operation("ContainerPause")
    async def pause(self, ref: str | Container) -> None:
        """``POST /containers/{id}/pause``: freeze every process.

        Example:
            >>> await docker.containers.pause("web")  # doctest: +SKIP
        """
        await self._api.request("POST", _path(ref, "/pause"))

    @operation("ContainerUnpause")
    async def unpause(self, ref: str | Container) -> None:
        """``POST /containers/{id}/unpause``: resume a paused container.

        Example:
            >>> await docker.containers.unpause("web")  # doctest: +SKIP
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
        self,
        ref: str | Container,
        *,
        force: bool = False,
        volumes: bool = False,
        link: bool = False,
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
            idle_timeout=_check.seconds("idle_timeout", idle_timeout),
        )
        known = tty if tty is not None else _known_tty(ref)
        return LogStream(self._api, opener, tty=known, tty_lookup=partial(self._has_tty, ref))

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
    async def top(self, ref: str | Container, *, ps_args: str | None = None) -> ContainerTop:
        """``GET /containers/{id}/top`` (``docker top``): the processes of a
        running container; ``ps_args`` are ``ps`` options (``"aux"``).

        Example:
            >>> top = await docker.containers.top("web")  # doctest: +SKIP
            >>> top.titles, top.processes  # doctest: +SKIP
        """
        return await self._api.get(ContainerTop, _path(ref, "/top"), params={"ps_args": ps_args})

    @operation("ContainerChanges")
    async def changes(self, ref: str | Container) -> builtins.list[ContainerChange]:
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
    async def rename(self, ref: str | Container, new_name: str) -> None:
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
        ref: str | Container,
        **options: Unpack[UpdateOptions],
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

        Example:
            >>> await docker.containers.resize("shell", 40, 120)  # doctest: +SKIP
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

        Example:
            >>> await docker.containers.export("web").to_file("web.tar")  # doctest: +SKIP
        """
        opener = partial(self._api.stream, "GET", _path(ref, "/export"))
        return TarStream(self._api, opener)

    @operation("ContainerArchive")
    def get_archive(self, ref: str | Container, path: str) -> ArchiveStream:
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
        ref: str | Container,
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
    async def stat_path(self, ref: str | Container, path: str) -> PathStat:
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
        container's main process (see :mod:`aiodock.attach`). ``tty`` is the
        container's TTY flag if you know it (saves one inspect).

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

        Example:
            >>> (await docker.containers.exec("web", ["echo", "hi"])).stdout  # doctest: +SKIP
            b'hi\\n'
        """
        from ..exec import run_exec

        return await run_exec(self._api, _ref_id(ref), cmd, stdin=stdin, check=check, **options)


def _check_container_path(path: object) -> None:
    if not isinstance(path, str):
        raise TypeError(f"path must be a string, not {path!r}")
    if not path:
        raise ValueError("path must be a path in the container, not an empty string")
