"""``docker.containers``: the container operations plus ``run`` and ``running``."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Literal

import anyio

from .. import _check
from .._operation import operation
from ..errors import Conflict, ContainerError, DockerError, NotFound
from ..logs import LogOutput
from ..models import (
    RunResult,
)
from ..reference import pull_reference
from ._operations import ContainerOperations
from ._options import (
    CREATE_KEYWORDS,
    CreateOptions,
    create_body,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._handle import Container


_CLEANUP_TIMEOUT = 60.0

PullPolicy = Literal["missing", "always", "never"]
"""When ``create`` and ``run`` pull the image (docker's ``--pull``)."""
PULL_POLICIES: tuple[PullPolicy, ...] = ("missing", "always", "never")
_MISSING_IMAGE = ("no such image", "image not known")  # Docker, Podman


def image_missing(exc: DockerError) -> bool:
    """Whether an error creating a container says its image is not there
    (a 404 naming the image, not a missing network or volume).

    Args:
        exc: The error ``create`` raised.

    Example:
        >>> image_missing(NotFound(404, "No such image: busybox:latest"))
        True
        >>> image_missing(NotFound(404, "network web not found"))
        False
    """
    message = exc.message.lower()
    return isinstance(exc, NotFound) and any(text in message for text in _MISSING_IMAGE)


def pull_name(image: str) -> str | None:
    """The reference a pull of ``image`` fetches (``"busybox:latest"``), or
    ``None`` when ``image`` is an image id, which no registry serves.

    Args:
        image: What ``create`` was given.

    Example:
        >>> pull_name("busybox"), pull_name("sha256:" + "0" * 64)
        ('busybox:latest', None)
    """
    if image.startswith("sha256:"):
        return None
    try:
        return str(pull_reference(image))
    except ValueError:
        return None


def check_pull_policy(pull: object) -> PullPolicy:
    """``pull`` if it is one of :data:`PULL_POLICIES`, else a ``ValueError``
    naming them.

    Args:
        pull: The policy given.
    """
    for policy in PULL_POLICIES:
        if pull == policy and isinstance(pull, str):
            return policy
    raise ValueError(f"pull must be one of {', '.join(map(repr, PULL_POLICIES))}, not {pull!r}")


class ContainerCollection(ContainerOperations):
    """``docker.containers``: every container operation, plus :meth:`run`
    (``docker run --rm``) and :meth:`running` (a container for the length
    of a block).

    Each operation takes the container first (``ref``: its id, its name or
    its :class:`~aiodock.containers.Container` handle); options are
    keyword-only. A missing container raises
    :class:`~aiodock.errors.NotFound`.

    Example:
        >>> async def lifecycle(docker: Docker) -> None:
        ...     c = await docker.containers.create("busybox", ["sleep", "30"])
        ...     await docker.containers.start(c)
        ...     await docker.containers.stop(c, timeout=1)
        ...     await docker.containers.remove(c)
    """

    @operation("ContainerCreate")
    async def create(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        *,
        pull: PullPolicy = "missing",
        **options: Unpack[CreateOptions],
    ) -> Container:
        """``POST /containers/create`` (``docker create``): a new container,
        not started; returns its :class:`Container` handle. The image is
        pulled first when it is not there, as ``docker create`` does.

        Args:
            image: The image to create it from (``"busybox"``, ``"repo:tag"``,
                ``"repo@sha256:..."``).
            command: The command, replacing the image's ``CMD``: a list, or a
                string split like a shell would (no expansion); ``None`` keeps it.
            pull: ``"missing"`` (the default, docker's): when the engine says
                the image is not there, pull it (quietly, with the credentials
                the Docker config holds for its registry) and create again; an
                image that is present costs no extra request. ``"always"``:
                pull first, even when present (a moved tag is fetched anew).
                ``"never"``: never pull; a missing image raises
                :class:`~aiodock.errors.NotFound`.
            **options: Keywords of ``CreateOptions``; each is optional. See
                :meth:`ContainerOperations.create
                <aiodock.containers._operations.ContainerOperations.create>`
                for the list (``name``, ``env``, ``labels``, ``host_config``...).

        Returns:
            The new container's handle (its ``warnings`` are the engine's).

        Raises:
            NotFound: The image is not there and could not be pulled (the
                registry's answer), or is missing with ``pull="never"``.
            Conflict: The name is in use.
            ValueError: An unknown ``pull``; a bad name, port, signal or mount
                (checked before sending).
            TypeError: A keyword of the wrong type, or an unknown keyword.

        Example:
            >>> c = await docker.containers.create(  # doctest: +SKIP
            ...     "127.0.0.1:5000/team/app:1", ["sleep", "30"], pull="always")
        """
        policy = check_pull_policy(pull)
        create = super().create
        if policy == "always":
            _check.keywords("create()", options, CREATE_KEYWORDS)
            create_body(image, command, options)  # bad input fails before the pull
            await self._pull(image, options.get("platform"))
            return await create(image, command, **options)
        try:
            return await create(image, command, **options)
        except NotFound as exc:
            if policy == "never" or not image_missing(exc) or pull_name(image) is None:
                raise
        await self._pull(image, options.get("platform"))
        return await create(image, command, **options)

    async def _pull(self, image: str, platform: str | None) -> None:
        from ..images import ImageCollection  # images is a sibling package

        await ImageCollection(self._api).pull(image, platform=platform)

    async def run(
        self,
        image: str,
        command: str | Sequence[str] | None = None,
        *,
        remove: bool = True,
        check: bool = False,
        stdin: bytes | AsyncIterable[bytes] | None = None,
        pull: PullPolicy = "missing",
        **create_options: Unpack[CreateOptions],
    ) -> RunResult:
        """Like ``docker run --rm``: create, start, wait, collect the output,
        remove; return a :class:`~aiodock.models.RunResult`.

        Args:
            image: The image; pulled when it is not there (see ``pull``).
            command: The command, replacing the image's; ``None`` keeps it.
            remove: Remove the container at the end, whatever happened;
                ``False`` keeps it.
            check: Raise :class:`~aiodock.errors.ContainerError` (with the
                output) when the exit code is not 0.
            stdin: Input for the process, bytes or an async iterator of bytes,
                fed through an attach made before it starts, then closed;
                ``None`` for none.
            pull: ``"missing"`` (the default: pull the image, quietly, only
                when the engine does not have it), ``"always"`` or
                ``"never"``, as for :meth:`create`.
            **create_options: Keywords of ``CreateOptions``, as for :meth:`create`
                (``name``, ``env``, ``host_config``...; not ``auto_remove``).

        Returns:
            The :class:`~aiodock.models.RunResult`: ``exit_code``, ``stdout``
            and ``stderr`` (bytes), the container's id.

        Raises:
            NotFound: The image is not there and could not be pulled (or
                ``pull="never"``).
            ContainerError: With ``check``, a non-zero exit code.
            ValueError: ``host_config`` with ``auto_remove``.
            TypeError: ``stdin`` that is neither bytes nor an async iterable.

        Example:
            >>> result = await docker.containers.run("busybox", ["echo", "hello"])  # doctest: +SKIP
            >>> result.exit_code, result.stdout  # doctest: +SKIP
            (0, b'hello\\n')
        """
        if stdin is not None and not isinstance(
            stdin, bytes | bytearray | memoryview | AsyncIterable
        ):
            raise TypeError(f"stdin must be bytes or an async iterator of bytes, not {stdin!r}")
        check_pull_policy(pull)
        host_config = create_options.get("host_config")
        if host_config is not None and getattr(host_config, "auto_remove", None):
            raise ValueError(
                "run() collects the output after the container exits: auto_remove would remove"
                " it first (run removes it itself; remove=False keeps it)"
            )
        if stdin is not None:
            create_options["open_stdin"] = True
            create_options["stdin_once"] = True
        container = await self.create(image, command, pull=pull, **create_options)
        try:
            if stdin is None:
                await self.start(container)
                result = await self.wait(container)
                output = await self.logs(container)
            else:
                output = await self._run_with_stdin(
                    container, stdin if isinstance(stdin, AsyncIterable) else bytes(stdin)
                )
                result = await self.wait(container)
        finally:
            if remove:
                await self._remove_quietly(container.id)
        detail = result.error.message if result.error is not None else None
        if check and result.exit_code != 0:
            raise ContainerError.exited(
                container.id, result.exit_code, output.stdout, output.stderr, detail=detail
            )
        return RunResult(container.id, result.exit_code, output.stdout, output.stderr)

    async def _run_with_stdin(
        self, container: Container, stdin: bytes | AsyncIterable[bytes]
    ) -> LogOutput:
        """Attach before starting (so no input or output is lost), start,
        feed stdin and close it while reading the output to its end."""
        async with self.attach(container, stdin=True, stdout=True, stderr=True) as session:
            await self.start(container)
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

        Args:
            image: The image (pulled when missing, as :meth:`create` does).
            command: The command, replacing the image's; ``None`` keeps it.
            **create_options: Keywords of ``CreateOptions``, as for :meth:`create`.

        Example:
            >>> async with docker.containers.running("busybox", ["sleep", "60"]) as c:
            ...     print((await c.inspect()).state.status)  # doctest: +SKIP
            running
        """
        container = await self.create(image, command, **create_options)
        try:
            await self.start(container)
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
