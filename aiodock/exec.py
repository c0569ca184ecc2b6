"""Exec instances: run a command in a running container.

One method per Engine API operation on :class:`ExecCollection`
(``docker.execs``), an interactive :meth:`ExecCollection.session` over the
hijacked connection (see :mod:`aiodock.attach`), and :func:`run_exec`, the
``docker exec`` one-shot behind ``docker.containers.exec``.

Wire details:

- ``ContainerExec``: ``POST /containers/{id}/exec``, JSON body ``Cmd``,
  ``AttachStdin``/``AttachStdout``/``AttachStderr``, ``Tty``, ``Env``
  (``["K=V"]``), ``WorkingDir``, ``User``, ``Privileged``, ``DetachKeys``,
  ``ConsoleSize`` (API 1.42); ``201 {"Id": ...}``; ``404`` no such
  container; ``409`` container stopped or paused.
- ``ExecStart``: ``POST /exec/{id}/start``, JSON body ``Detach``, ``Tty``
  (the engine multiplexes the output unless ``Tty``); detached: ``200``
  at once; attached: sent with the upgrade headers, ``101`` (or ``200``)
  then the stream; ``404``; ``409`` container stopped or paused.
- ``ExecInspect``: ``GET /exec/{id}/json`` -> :class:`ExecInspect`.
- ``ExecResize``: ``POST /exec/{id}/resize?h=&w=``; the exec must have
  started.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypedDict, overload

import anyio

from . import _check
from ._api import APIClient
from ._handle import Handle, HasID, delegate
from ._operation import operation
from ._reply import Reply
from .attach import (
    READ_SIZE,
    AttachSession,
    StdinSource,
    _hijack,
)
from .errors import ExecError, InvalidResponse
from .models import IDResponse
from .models.exec import ExecInspect
from .streams import FrameDemuxer, _aclose

__all__ = [
    "Exec",
    "ExecCollection",
    "ExecResult",
    "ExecSession",
    "ProcessOptions",
    "run_exec",
]


if TYPE_CHECKING:
    from typing_extensions import Unpack

Command = str | Sequence[str]
Environment = Mapping[str, str] | Sequence[str]

_POLL_FIRST = 0.005
_POLL_MAX = 0.25


class ExecResult(NamedTuple):
    """The outcome of a command run to its end.

    ``stdout`` and ``stderr`` are bytes; behind a TTY everything is in
    ``stdout``.

    Example:
        >>> result = await docker.containers.exec("web", ["cat", "/etc/hostname"])  # doctest: +SKIP
        >>> result.exit_code, result.stdout  # doctest: +SKIP
        (0, b'3f4e2a1b9c8d\\n')
    """

    exit_code: int
    stdout: bytes
    stderr: bytes


# --------------------------------------------------------------------------
# argument checks


class ProcessOptions(TypedDict, total=False):
    """How a command runs in a container: the keywords that
    :meth:`ExecCollection.create`, :meth:`ExecCollection.session` and
    ``docker.containers.exec`` share (the one list of them).

    ``tty`` gives the command a terminal (its output is then not
    multiplexed); ``env`` takes a mapping or ``["NAME=value"]``; ``workdir``
    is the directory it starts in; ``user`` is ``"name"``, ``"uid"``,
    ``"user:group"`` or ``"uid:gid"``; ``privileged`` gives it extended
    privileges.

    Example:
        >>> options: ProcessOptions = {"env": {"LANG": "C"}, "workdir": "/tmp"}
        >>> sorted(options)
        ['env', 'workdir']
    """

    tty: bool
    env: Environment | None
    workdir: str | None
    user: str | None
    privileged: bool


PROCESS_KEYWORDS = frozenset(ProcessOptions.__optional_keys__)


def _exec_config(
    cmd: object,
    options: ProcessOptions,
    *,
    stdin: object,
    stdout: object,
    stderr: object,
    detach_keys: object = None,
    console_size: object = None,
) -> dict[str, Any]:
    _check.keywords("exec", options, PROCESS_KEYWORDS)
    env = options.get("env")
    config: dict[str, Any] = {
        "Cmd": _check.command("command", cmd),
        "AttachStdin": _check.boolean("stdin", stdin),
        "AttachStdout": _check.boolean("stdout", stdout),
        "AttachStderr": _check.boolean("stderr", stderr),
        "Tty": _check.boolean("tty", options.get("tty", False)),
        "Privileged": _check.boolean("privileged", options.get("privileged", False)),
    }
    optional: dict[str, Any] = {
        "Env": None if env is None else _check.env(env),
        "WorkingDir": _check.optional_text("workdir", options.get("workdir")),
        "User": _check.optional_text("user", options.get("user")),
        "DetachKeys": _check.optional_text("detach_keys", detach_keys),
    }
    if console_size is not None:
        if not isinstance(console_size, tuple | list) or len(console_size) != 2:
            raise TypeError(f"console_size must be (height, width), not {console_size!r}")
        height, width = _check.terminal_size(*console_size)
        optional["ConsoleSize"] = [height, width]
    config.update({key: value for key, value in optional.items() if value is not None})
    return config


# --------------------------------------------------------------------------
# sessions and handles


class ExecSession(AttachSession):
    """An :class:`~aiodock.attach.AttachSession` with a running exec, which
    also knows its exit code: :meth:`wait`.

    Example:
        >>> async with docker.execs.session("web", ["sh", "-c", "exit 3"]) as s:  # doctest: +SKIP
        ...     print(await s.wait())
        3
    """

    def __init__(
        self,
        collection: ExecCollection,
        response: Reply,
        *,
        exec_id: str,
        tty: bool,
        stdin: bool,
    ) -> None:
        super().__init__(
            collection._api, response, tty=tty, stdin=stdin, resize_path=f"/exec/{exec_id}/resize"
        )
        self._collection = collection
        self._exec_id = exec_id
        self._exit_code: int | None = None

    @property
    def exec_id(self) -> str:
        """The exec instance's id."""
        return self._exec_id

    async def wait(self) -> int:
        """The process's exit code, once it has ended.

        Waits for the output to end first; output nobody has read yet is
        read and dropped (iterate the session, or use :meth:`communicate`,
        before waiting to keep it). The code comes from exec inspect.

        Returns:
            The exit code (the same on later calls).

        Example:
            >>> out, err = await session.communicate(b"data")  # doctest: +SKIP
            >>> code = await session.wait()  # doctest: +SKIP
        """
        if self._exit_code is not None:
            return self._exit_code
        await self._drain_output()
        self._exit_code = await self._collection._exit_code(self._exec_id)
        return self._exit_code


class ExecCollection:
    """``docker.execs``: exec instances, one method per operation, and
    interactive sessions.

    ``create`` and ``session`` take the container first (its id, name or
    handle); the other operations take the exec instance first (``ref``:
    its id, or its :class:`Exec` handle). A missing one raises
    :class:`~aiodock.errors.NotFound`.

    Example:
        >>> async with docker.execs.session("web", ["sh"], stdin=True) as s:  # doctest: +SKIP
        ...     out, err = await s.communicate(b"echo hi; exit 4\\n")
        ...     print(out, await s.wait())
        b'hi\\n' 4
    """

    def __init__(self, api: APIClient) -> None:
        self._api = api

    @operation("ContainerExec")
    async def create(
        self,
        container: str | HasID,
        cmd: Command,
        *,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        detach_keys: str | None = None,
        console_size: tuple[int, int] | None = None,
        **options: Unpack[ProcessOptions],
    ) -> Exec:
        """Set up a command to run in a running container (not started yet).

        Args:
            container: The container: its id, its name, or its handle.
            cmd: A list of arguments, or a string split like a shell would
                (no expansion); it must not be empty.
            stdin: Attach its standard input (to write to it after start).
            stdout: Attach its standard output.
            stderr: Attach its standard error.
            detach_keys: The key sequence that detaches (``"ctrl-p,ctrl-q"``);
                ``None`` keeps the engine's.
            console_size: The TTY's ``(height, width)`` from the start; needs
                API 1.42.
            **options: How it runs, keywords of ``ProcessOptions``: ``tty``,
                ``env`` (a mapping or ``["NAME=value"]``), ``workdir``, ``user``
                (``"name"``, ``"uid"``, ``"user:group"`` or ``"uid:gid"``),
                ``privileged``.

        Returns:
            The :class:`Exec` handle (it knows ``tty`` and ``stdin``).

        Raises:
            NotFound: No such container.
            Conflict: The container is stopped or paused.
            APIVersionError: ``console_size`` on an engine older than API 1.42.
            ValueError: An empty command.

        Example:
            >>> ex = await docker.execs.create("web", ["ls", "/"], workdir="/tmp")  # doctest: +SKIP
            >>> result = await ex.start()  # doctest: +SKIP
        """
        path = _check.path_ref("container", container)
        config = _exec_config(
            cmd,
            options,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            detach_keys=detach_keys,
            console_size=console_size,
        )
        return Exec(self, await self._create(path, config), tty=config["Tty"], stdin=stdin)

    @overload
    async def start(
        self, ref: str | Exec, *, detach: Literal[False] = False, tty: bool | None = None
    ) -> ExecResult: ...

    @overload
    async def start(
        self, ref: str | Exec, *, detach: Literal[True], tty: bool | None = None
    ) -> None: ...

    @operation("ExecStart")
    async def start(
        self, ref: str | Exec, *, detach: bool = False, tty: bool | None = None
    ) -> ExecResult | None:
        """Start an exec instance.

        ``detach=True`` returns once it has started (its output is dropped).
        Otherwise it runs to its end with stdin closed and returns its
        :class:`ExecResult`; :meth:`start_session` gives an interactive
        session instead. ``tty`` says whether it was created with a TTY (it
        decides whether the output is multiplexed); ``None`` takes it from
        an :class:`Exec` handle that knows it, or else from one inspect.

        Args:
            detach: Return once it has started, dropping its output.
            tty: Whether it was created with a TTY (``None``: find out).

        Returns:
            The :class:`ExecResult`, or ``None`` with ``detach``.

        Raises:
            NotFound: No such exec instance.
            Conflict: Its container is stopped or paused.
        """
        path = _check.path_ref("exec", ref)
        _check.boolean("detach", detach)
        if tty is not None:
            _check.boolean("tty", tty)
        elif isinstance(ref, Exec) and ref.tty is not None:
            tty = ref.tty
        elif detach:
            tty = False  # the output is dropped: its framing does not matter
        else:
            tty = await self._exec_tty(path)
        if detach:
            await self._api.request(
                "POST", f"/exec/{path}/start", json={"Detach": True, "Tty": tty}
            )
            return None
        if isinstance(ref, Exec) and ref.stdin is False:
            # No stdin to close: read the output as a plain body (no session).
            stdout, stderr = await _read_output(self._api, path, tty=tty)
            return ExecResult(await self._exit_code(path), stdout, stderr)
        async with self._start_session(path, tty=tty, stdin=True) as session:
            stdout, stderr = await session.communicate()
            return ExecResult(await session.wait(), stdout, stderr)

    @operation("ExecStart")
    def start_session(
        self, ref: str | Exec, *, tty: bool | None = None
    ) -> AbstractAsyncContextManager[ExecSession]:
        """Start an exec instance and ``async with`` the session with it.

        ``tty`` says whether it has a TTY; ``None`` takes it from an
        :class:`Exec` handle that knows it, or else from one inspect. Stdin
        can be written when the exec was created with ``stdin=True``.

        Args:
            tty: Whether it was created with a TTY (``None``: find out).

        Returns:
            An async context manager giving the :class:`ExecSession`.

        Example:
            >>> ex = await docker.execs.create("web", ["cat"], stdin=True)  # doctest: +SKIP
            >>> async with docker.execs.start_session(ex) as s:  # doctest: +SKIP
            ...     out, _ = await s.communicate(b"echo me")
        """
        path = _check.path_ref("exec", ref)
        if tty is not None:
            _check.boolean("tty", tty)
        elif isinstance(ref, Exec):
            tty = ref.tty
        return self._start_session(path, tty=tty, stdin=True)

    @asynccontextmanager
    async def _start_session(
        self, path: str, *, tty: bool | None, stdin: bool
    ) -> AsyncIterator[ExecSession]:
        known_tty = await self._exec_tty(path) if tty is None else tty

        def make(response: Reply) -> ExecSession:
            return ExecSession(self, response, exec_id=path, tty=known_tty, stdin=stdin)

        async with _hijack(
            self._api, f"/exec/{path}/start", make, json={"Detach": False, "Tty": known_tty}
        ) as session:
            yield session

    async def _exec_tty(self, path: str) -> bool:
        process = (await self.inspect(path)).process_config
        return bool(process is not None and process.tty)

    @operation("ExecInspect")
    async def inspect(self, ref: str | Exec) -> ExecInspect:
        """What the engine knows about an exec instance: ``running``,
        ``exit_code``, ``process_config``.

        ``exit_code`` is ``None`` until the process has ended. On Podman
        (4.3) a detached start (``start(detach=True)``) reports
        ``running=True`` for ever, so its exit code cannot be learnt there;
        an attached start (``start()``, a session) reports it.

        Raises:
            NotFound: No such exec instance.
        """
        path = _check.path_ref("exec", ref)
        info: ExecInspect = await self._api.get(ExecInspect, f"/exec/{path}/json")
        if self._api.podman and not info.running and not info.pid and not info.can_remove:
            # Podman says 0 before the start (CanRemove turns true once the
            # process has ended): not known yet.
            info.exit_code = None
        return info

    @operation("ExecResize")
    async def resize(self, ref: str | Exec, height: int, width: int) -> None:
        """Set the size of a started exec's TTY.

        Args:
            height: Rows, a positive integer.
            width: Columns, a positive integer.

        Raises:
            NotFound: No such exec instance.
            ValueError: A size below 1.
        """
        path = _check.path_ref("exec", ref)
        height, width = _check.terminal_size(height, width)
        await self._api.request("POST", f"/exec/{path}/resize", params={"h": height, "w": width})

    @operation("ContainerExec", "ExecStart")
    def session(
        self,
        container: str | HasID,
        cmd: Command,
        *,
        stdin: bool = False,
        detach_keys: str | None = None,
        console_size: tuple[int, int] | None = None,
        **options: Unpack[ProcessOptions],
    ) -> AbstractAsyncContextManager[ExecSession]:
        """Run ``cmd`` in a running container and ``async with`` the session
        with it: write its stdin (``stdin=True``), read its output, get its
        exit code (:meth:`ExecSession.wait`).

        With ``tty=True`` the output is the terminal's raw bytes, and
        end-of-file is ``b"\\x04"``.

        Args:
            container: The container: its id, its name, or its handle.
            cmd: A list of arguments, or a string split like a shell would.
            stdin: Attach its standard input, to write to it.
            detach_keys: The key sequence that detaches from the session
                (``"ctrl-p,ctrl-q"``) when written to its stdin; ``None``
                keeps the engine's.
            console_size: The TTY's ``(height, width)`` from the start (with
                ``tty=True``); needs API 1.42.
            **options: Keywords of ``ProcessOptions``, as for :meth:`create`.

        Returns:
            An async context manager giving the :class:`ExecSession`.

        Raises:
            NotFound: No such container.
            Conflict: The container is stopped or paused.
            APIVersionError: ``console_size`` on an engine older than API 1.42.

        Example:
            >>> async with docker.execs.session(  # doctest: +SKIP
            ...     "web", ["wc", "-c"], stdin=True
            ... ) as s:
            ...     out, _ = await s.communicate(b"12345")
            ...     print(out, await s.wait())
            b'5\\n' 0
        """
        path = _check.path_ref("container", container)
        config = _exec_config(
            cmd,
            options,
            stdin=stdin,
            stdout=True,
            stderr=True,
            detach_keys=detach_keys,
            console_size=console_size,
        )
        return self._session(path, config)

    @asynccontextmanager
    async def _session(self, path: str, config: dict[str, Any]) -> AsyncIterator[ExecSession]:
        exec_id = await self._create(path, config)
        async with self._start_session(
            exec_id, tty=config["Tty"], stdin=config["AttachStdin"]
        ) as session:
            yield session

    async def _create(self, path: str, config: dict[str, Any]) -> str:
        created: IDResponse = await self._api.get(
            IDResponse, f"/containers/{path}/exec", method="POST", json=config
        )
        if not created.id:
            raise InvalidResponse(None, "the engine created an exec instance but sent no id")
        return created.id

    async def _exit_code(self, exec_id: str) -> int:
        """Poll exec inspect until the process has ended (briefly, normally:
        the output has ended by the time this is called)."""
        delay = _POLL_FIRST
        while True:
            info = await self.inspect(exec_id)
            if not info.running and info.exit_code is not None:
                return info.exit_code
            await anyio.sleep(delay)
            delay = min(delay * 2, _POLL_MAX)


class Exec(Handle):
    """A handle on one exec instance (from :meth:`ExecCollection.create`):
    every operation of :class:`ExecCollection` with the exec filled in as
    ``ref`` (same keywords, same docstrings).

    ``tty`` and ``stdin`` are what it was created with when known (a handle
    from ``create`` knows them), so starting it needs no inspect to learn
    the framing.

    Example:
        >>> ex = await docker.execs.create("web", ["sleep", "1"])  # doctest: +SKIP
        >>> await ex.start(detach=True)  # doctest: +SKIP
        >>> (await ex.inspect()).running  # doctest: +SKIP
        True
    """

    _collection: ExecCollection

    def __init__(
        self,
        collection: ExecCollection,
        id: str,
        *,
        tty: bool | None = None,
        stdin: bool | None = None,
    ) -> None:
        self._collection = collection
        self.id = id
        """The exec instance's id."""
        self.tty = tty
        """Whether it was created with a TTY (``None``: not known here)."""
        self.stdin = stdin
        """Whether it was created with stdin attached (``None``: not known here)."""

    start_session = delegate(ExecCollection.start_session)
    inspect = delegate(ExecCollection.inspect)
    resize = delegate(ExecCollection.resize)

    # Overloads do not survive a delegate (mypy keeps only the first), so
    # start is spelled out; a test checks its signature against the collection's.
    @overload
    async def start(
        self, *, detach: Literal[False] = False, tty: bool | None = None
    ) -> ExecResult: ...

    @overload
    async def start(self, *, detach: Literal[True], tty: bool | None = None) -> None: ...

    @operation("ExecStart")
    async def start(self, *, detach: bool = False, tty: bool | None = None) -> ExecResult | None:
        if detach:
            await self._collection.start(self, detach=True, tty=tty)
            return None
        return await self._collection.start(self, tty=tty)

    def __repr__(self) -> str:
        return f"Exec({self.id!r})"


Exec.start.__doc__ = ExecCollection.start.__doc__


async def run_exec(
    api: APIClient,
    ref: str,
    cmd: str | Sequence[str],
    *,
    stdin: StdinSource | None = None,
    check: bool = False,
    **options: Unpack[ProcessOptions],
) -> ExecResult:
    """Run ``cmd`` in the running container ``ref`` to its end: ``docker exec``.

    ``stdin`` (bytes, or an async iterable of bytes) is fed to the command
    while its output is read, then closed (behind a TTY it stays open, see
    :meth:`~aiodock.attach.AttachSession.communicate`: the input must end
    the command, e.g. ``b"exit\\n"`` for a shell).

    Args:
        api: The request path to send through (a ``Docker`` client's own).
        ref: The container's id or name.
        cmd: A list of arguments, or a string split like a shell would.
        stdin: Input: bytes, or an async iterable of bytes; ``None`` for none.
        check: Raise :class:`~aiodock.errors.ExecError` on a non-zero exit code.
        **options: Keywords of ``ProcessOptions`` (``tty``, ``env``, ``workdir``,
            ``user``, ``privileged``).

    Returns:
        The :class:`ExecResult`.

    Raises:
        NotFound: No such container.
        Conflict: The container is stopped or paused.
        ExecError: With ``check``, a non-zero exit code.
    """
    path = _check.path_ref("container", ref)
    _check.stdin_source(stdin)
    _check.boolean("check", check)
    config = _exec_config(
        cmd,
        options,
        stdin=stdin is not None,
        stdout=True,
        stderr=True,
    )
    collection = ExecCollection(api)
    if stdin is None:
        # Nothing to write: a plain request whose body is the output (no
        # hijacked session, no tasks), then the exit code.
        exec_id = await collection._create(path, config)
        stdout, stderr = await _read_output(api, exec_id, tty=config["Tty"])
        result = ExecResult(await collection._exit_code(exec_id), stdout, stderr)
    else:
        async with collection._session(path, config) as session:
            exec_id = session.exec_id
            stdout, stderr = await session.communicate(stdin)
            result = ExecResult(await session.wait(), stdout, stderr)
    if check and result.exit_code != 0:
        raise ExecError.exited(exec_id, config["Cmd"], result.exit_code, stdout, stderr)
    return result


async def _read_output(api: APIClient, exec_id: str, *, tty: bool) -> tuple[bytes, bytes]:
    """Start an exec without stdin and read its output to the end.

    Asked without ``Upgrade``, the engine answers ``200`` and sends the
    output as the body until the process ends (multiplexed unless ``tty``).
    """
    stdout = bytearray()
    stderr = bytearray()
    demuxer = None if tty else FrameDemuxer()
    async with api.stream(
        "POST", f"/exec/{exec_id}/start", hijacks=True, json={"Detach": False, "Tty": tty}
    ) as reply:
        with api.translate_errors():
            async with aclosing(_body_of(reply)) as body:
                async for data in body:
                    if demuxer is None:
                        stdout += data
                        continue
                    for chunk in demuxer.feed(data):
                        (stderr if chunk.stream == "stderr" else stdout).extend(chunk.data)
    if demuxer is not None:
        demuxer.close()
    return bytes(stdout), bytes(stderr)


async def _body_of(reply: Reply) -> AsyncGenerator[bytes, None]:
    network = reply.extensions.get("network_stream") if reply.status_code == 101 else None
    if network is None:
        raw = reply.aiter_raw()
        try:
            async for data in raw:
                yield data
        finally:
            await _aclose(raw)
        return
    while data := await network.read(READ_SIZE):  # upgraded anyway: read to EOF
        yield data
