"""``docker.containers``: the container operations plus ``run`` and ``running``."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio

from ..errors import Conflict, ContainerError, NotFound
from ..logs import LogOutput
from ..models import (
    RunResult,
)
from ._operations import ContainerOperations
from ._options import (
    CreateOptions,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._handle import Container


_CLEANUP_TIMEOUT = 60.0


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

        Args:
            image: The image, which must be present (as for :meth:`create`).
            command: The command, replacing the image's; ``None`` keeps it.
            remove: Remove the container at the end, whatever happened;
                ``False`` keeps it.
            check: Raise :class:`~aiodock.errors.ContainerError` (with the
                output) when the exit code is not 0.
            stdin: Input for the process, bytes or an async iterator of bytes,
                fed through an attach made before it starts, then closed;
                ``None`` for none.
            **create_options: Keywords of ``CreateOptions``, as for :meth:`create`
                (``name``, ``env``, ``host_config``...; not ``auto_remove``).

        Returns:
            The :class:`~aiodock.models.RunResult`: ``exit_code``, ``stdout``
            and ``stderr`` (bytes), the container's id.

        Raises:
            NotFound: The image is not there.
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
            image: The image, which must be present.
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
