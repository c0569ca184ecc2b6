"""This process's stdin as an async byte stream, and the terminal's raw
mode for ``-it``."""

from __future__ import annotations

import contextlib
import os
import sys
import termios
import tty
from collections.abc import AsyncIterator, Iterator

import anyio

READ_SIZE = 64 * 1024


async def stdin_chunks() -> AsyncIterator[bytes]:
    """Read stdin until end-of-file without blocking the event loop.

    Pipes and terminals are read when ready (non-blocking, restored
    afterwards: the file description is shared with the shell); a regular
    file redirected in (``< file``) is always ready.

    Example:
        >>> async for chunk in stdin_chunks():  # doctest: +SKIP
        ...     await session.write(chunk)
    """
    fd = sys.stdin.fileno()
    was_blocking = os.get_blocking(fd)
    os.set_blocking(fd, False)
    try:
        while True:
            try:
                data = os.read(fd, READ_SIZE)
            except BlockingIOError:
                await anyio.wait_readable(fd)
                continue
            if not data:
                return
            yield data
    finally:
        os.set_blocking(fd, was_blocking)


def stdin_is_terminal() -> bool:
    """Whether stdin is a terminal."""
    try:
        return os.isatty(sys.stdin.fileno())
    except (ValueError, OSError):
        return False


def terminal_size() -> tuple[int, int] | None:
    """The (rows, columns) of the terminal on stdout, else on stdin, as it
    is now (not ``$LINES``/``$COLUMNS``, which a resize leaves stale);
    ``None`` when neither is a terminal."""
    for stream in (sys.stdout, sys.stdin):
        try:
            size = os.get_terminal_size(stream.fileno())
        except (AttributeError, ValueError, OSError):
            continue
        if size.lines > 0 and size.columns > 0:
            return size.lines, size.columns
    return None


@contextlib.contextmanager
def raw_terminal(enabled: bool) -> Iterator[None]:
    """Put the terminal on stdin in raw mode for the block (keys go to the
    container as typed, Ctrl-C included), and restore it afterwards."""
    if not enabled or not stdin_is_terminal():
        yield
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
