"""Wiring an attach or exec session to this process's stdin and stdout."""

from __future__ import annotations

import contextlib

import anyio

from aiodock import AttachSession, ConnectionLost, DockerError

from .context import CLIContext
from .stdio import stdin_chunks, stdin_is_terminal, terminal_size


async def _feed_stdin(session: AttachSession) -> None:
    try:
        async for chunk in stdin_chunks():
            await session.write(chunk)
        if not session.tty:
            await session.close_stdin()
    except ConnectionLost:
        pass  # the process stopped reading; its output is still shown


async def pump(ctx: CLIContext, session: AttachSession, *, stdin: bool) -> None:
    """Copy the session's output to stdout/stderr as it comes and, with
    ``stdin``, this process's stdin to the session (closed at end-of-file,
    except behind a TTY); return when the output ends.

    Example:
        >>> async with docker.execs.session("web", ["cat"], stdin=True) as s:  # doctest: +SKIP
        ...     await pump(ctx, s, stdin=True)
    """
    if session.tty and stdin_is_terminal():
        rows, columns = terminal_size()
        with contextlib.suppress(DockerError):  # a process already gone has no TTY
            await session.resize(rows, columns)
    async with anyio.create_task_group() as tg:
        if stdin:
            tg.start_soon(_feed_stdin, session)
        async for chunk in session:
            ctx.write_bytes(chunk.data, stderr=chunk.stream == "stderr")
        tg.cancel_scope.cancel()
