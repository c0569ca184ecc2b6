"""Wiring an attach or exec session to this process's stdin and stdout:
the detach keys, the terminal's size as it changes, and the refusal of
``-it`` without a terminal."""

from __future__ import annotations

import signal

import anyio
from anyio.abc import TaskStatus

from aiodock import AttachSession, ConnectionLost, DockerError

from .context import EXIT_FAILED, CLIContext, UsageError
from .stdio import stdin_chunks, stdin_is_terminal, terminal_size

DETACH_KEYS = b"\x10\x11"
"""Ctrl-P Ctrl-Q: the engine's default detach sequence, and docker's."""
NOT_A_TTY = "the input device is not a TTY"
"""What docker says to ``-it`` when stdin is not a terminal."""
_FIRST_RESIZE_ATTEMPTS = 6
_CONTROL_KEYS = "@abcdefghijklmnopqrstuvwxyz[\\]^_"
"""``ctrl-@`` is 0, ``ctrl-a`` 1, ... ``ctrl-_`` 31."""


def detach_key_bytes(keys: str | None) -> bytes:
    """The bytes of a ``--detach-keys`` sequence as docker spells it: keys
    separated by commas, each a single character or ``ctrl-`` and a letter
    or one of ``@[\\]^_``; ``None`` for docker's Ctrl-P Ctrl-Q.

    Args:
        keys: The option's value, ``"ctrl-p,ctrl-q"``, ``"ctrl-a,d"``...

    Raises:
        UsageError: A key that is neither (named).

    Example:
        >>> detach_key_bytes("ctrl-a,d"), detach_key_bytes(None)
        (b'\\x01d', b'\\x10\\x11')
    """
    if keys is None:
        return DETACH_KEYS
    sequence = bytearray()
    for key in keys.split(","):
        if len(key) == 1 and key.isascii():
            sequence.append(ord(key))
        elif len(key) == 6 and key.lower().startswith("ctrl-") and key[5].lower() in _CONTROL_KEYS:
            sequence.append(_CONTROL_KEYS.index(key[5].lower()))
        else:
            raise UsageError(
                f"--detach-keys: unknown key {key!r} in {keys!r} (a character, or ctrl- and"
                " a letter or one of @[\\]^_, separated by commas: ctrl-p,ctrl-q)"
            )
    return bytes(sequence)


def refuse_non_terminal(ctx: CLIContext, *, tty: bool, interactive: bool) -> int | None:
    """Exit code 1 with docker's message when ``-it`` is asked for but stdin
    is not a terminal (a pipe or a file would never end the session: a TTY
    does not pass end-of-file on); ``None`` when all is well.

    Args:
        ctx: Where the message goes.
        tty: ``-t`` was given.
        interactive: ``-i`` was given.
    """
    if tty and interactive and not stdin_is_terminal():
        ctx.warn(NOT_A_TTY)
        return EXIT_FAILED
    return None


class DetachWatch:
    """Watches typed input for the detach sequence, as the docker CLI does:
    a key that may begin the sequence is held back until the next one shows
    whether it does (then neither goes to the container) or not (then both
    go on).

    Example:
        >>> watch = DetachWatch(DETACH_KEYS)
        >>> watch.feed(b"ls\\r\\x10"), watch.feed(b"x"), watch.feed(b"\\x10\\x11")
        ((b'ls\\r', False), (b'\\x10x', False), (b'', True))
    """

    def __init__(self, keys: bytes) -> None:
        self._keys = keys
        self._held = 0

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """What of ``data`` to send on, and whether the sequence is complete
        (what follows it is dropped: the session ends there).

        Args:
            data: Bytes as read from the terminal.
        """
        out = bytearray()
        for byte in data:
            if byte != self._keys[self._held] and self._held:
                out += self._keys[: self._held]
                self._held = 0
            if byte == self._keys[self._held]:
                self._held += 1
                if self._held == len(self._keys):
                    self._held = 0
                    return bytes(out), True
            else:
                out.append(byte)
        return bytes(out), False


async def _feed_stdin(
    session: AttachSession, watch: DetachWatch | None, detach: anyio.Event
) -> None:
    try:
        async for chunk in stdin_chunks():
            if watch is not None:
                chunk, detached = watch.feed(chunk)
                if detached:
                    detach.set()
                    return
            if chunk:
                await session.write(chunk)
        if not session.tty:
            await session.close_stdin()
    except ConnectionLost:
        pass  # the process stopped reading; its output is still shown


async def _resize(session: AttachSession) -> bool:
    """Give the session's TTY the terminal's size; False if the engine
    refused (a process not started yet, or gone: it has no TTY then)."""
    size = terminal_size()
    if size is None:
        return True
    try:
        await session.resize(*size)
    except DockerError:
        return False
    return True


async def _follow_terminal_size(
    session: AttachSession, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
) -> None:
    """Set the session's TTY to the terminal's size, and again after each
    change (SIGWINCH), until cancelled. The first size is tried a few
    times, as the docker CLI does: an exec's process may not be there yet
    when its session starts."""
    with anyio.open_signal_receiver(signal.SIGWINCH) as changes:
        task_status.started()
        for attempt in range(_FIRST_RESIZE_ATTEMPTS):
            if await _resize(session):
                break
            await anyio.sleep((attempt + 1) * 0.01)
        async for _ in changes:
            await _resize(session)


async def pump(
    ctx: CLIContext, session: AttachSession, *, stdin: bool, detach_keys: bytes = DETACH_KEYS
) -> bool:
    """Copy the session's output to stdout/stderr as it comes and, with
    ``stdin``, this process's stdin to the session (closed at end-of-file,
    except behind a TTY); return when the output ends, or at once when the
    detach keys are typed.

    Behind a TTY the session's size follows the terminal's (set first, then
    after every resize), and typing ``detach_keys`` (Ctrl-P Ctrl-Q) leaves
    the process running; the caller then closes the session.

    Args:
        ctx: Where the output goes.
        session: The attach or exec session.
        stdin: Feed this process's stdin to it.
        detach_keys: The detach sequence (behind a TTY, with ``stdin``).

    Returns:
        ``True`` when the user detached, ``False`` when the output ended.

    Example:
        >>> async with docker.execs.session("web", ["cat"], stdin=True) as s:  # doctest: +SKIP
        ...     detached = await pump(ctx, s, stdin=True)
    """
    detach = anyio.Event()
    watch = DetachWatch(detach_keys) if session.tty and stdin and detach_keys else None
    async with anyio.create_task_group() as tg:
        if session.tty and terminal_size() is not None:
            await tg.start(_follow_terminal_size, session)
        if stdin:
            tg.start_soon(_feed_stdin, session, watch, detach)

        async def show_output() -> None:
            async for chunk in session:
                ctx.write_bytes(chunk.data, stderr=chunk.stream == "stderr")
            tg.cancel_scope.cancel()

        tg.start_soon(show_output)
        await detach.wait()
        tg.cancel_scope.cancel()
    return detach.is_set()
