"""What every command handler gets: the client, the two consoles, the exit
code conventions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rich.console import Console

from aiodock import Docker, DockerError

EXIT_OK = 0
EXIT_FAILED = 1
"""An operation the engine refused (``docker`` uses 1 too)."""
EXIT_CLIENT = 125
"""``run``/``create``/``exec`` could not get the process going, or the
command line itself is wrong (``docker`` uses 125)."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (128 + SIGINT)."""


class UsageError(Exception):
    """A bad command line (a malformed ``K=V``, port or volume): printed
    with the command's name, exit code 125, before any request."""


@dataclass
class CLIContext:
    """The connected client and where output goes.

    ``out`` writes to stdout, ``err`` to stderr; ``out.is_terminal`` tells
    whether to draw live progress or print plain lines.
    """

    docker: Docker
    out: Console
    err: Console

    def write_bytes(self, data: bytes, *, stderr: bool = False) -> None:
        """Write raw process output to stdout (or stderr), unbuffered."""
        stream = sys.stderr if stderr else sys.stdout
        stream.flush()
        stream.buffer.write(data)
        stream.buffer.flush()

    def print_line(self, text: str) -> None:
        """One plain line on stdout (no markup, no wrapping)."""
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def warn(self, text: str) -> None:
        """One plain line on stderr."""
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def error_message(exc: Exception) -> str:
    """One line for an error, worded as the docker CLI does.

    Example:
        >>> from aiodock import NotFound
        >>> error_message(NotFound(404, "No such container: web"))
        'Error response from daemon: No such container: web'
    """
    if isinstance(exc, DockerError) and exc.status is not None:
        return f"Error response from daemon: {exc.message}"
    if isinstance(exc, DockerError):
        return f"Error: {exc.message}"
    return f"Error: {exc}"


Handler = Callable[[CLIContext, argparse.Namespace], Awaitable[int]]
"""A command: ``async def handler(ctx, args) -> exit code``."""


async def for_each(
    ctx: CLIContext,
    refs: list[str],
    action: Callable[[str], Awaitable[object]],
    *,
    echo: bool = True,
) -> int:
    """Apply ``action`` to every ref in turn (like docker: go on after a
    failure, print each ref done, each error on stderr, exit 1 if any failed)."""
    failed = False
    for ref in refs:
        try:
            await action(ref)
        except DockerError as exc:
            ctx.warn(error_message(exc))
            failed = True
        else:
            if echo:
                ctx.print_line(ref)
    return EXIT_FAILED if failed else 0
