"""``run -it`` and ``exec -it`` in a pseudo-terminal, against the real
engine: the terminal's size reaches the container (and again after a
resize), Ctrl-P Ctrl-Q (or the keys of ``--detach-keys``) detaches (exit 0,
the container or command goes on), an exit code passes through, and ``-it``
without a terminal is refused at once as docker refuses it.

The command runs as a subprocess whose stdin, stdout and stderr are the
slave side of a pty (``os.openpty``); the test types on the master side and
reads what the terminal shows. A resize is what a terminal emulator does:
the new size on the pty, then SIGWINCH to the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import termios
import time
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest

from aiodock import Docker, NotFound
from aiodock.cli.sessions import DETACH_KEYS, NOT_A_TTY, DetachWatch
from aiodock.models import ContainerState
from tests.helpers import LABELS, RUN_ID

from .runner import COMMAND, LABEL, ROOT, aiodock, assert_clean_failure, cli_env

PROMPT = b"/ # "


class Terminal:
    """``aiodock ARGS`` in a pty of ``rows`` x ``columns``."""

    def __init__(self, *args: str, rows: int = 24, columns: int = 80) -> None:
        self.master, slave = os.openpty()
        self._set_size(rows, columns)
        self.process = subprocess.Popen(
            [*COMMAND, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=cli_env(),
            cwd=ROOT,
            start_new_session=True,
        )
        os.close(slave)
        os.set_blocking(self.master, False)
        self.shown = b""
        self._ended = False

    def _set_size(self, rows: int, columns: int) -> None:
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def resize(self, rows: int, columns: int) -> None:
        """What a terminal emulator does when its window changes."""
        self._set_size(rows, columns)
        self.process.send_signal(signal.SIGWINCH)

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    async def _read(self, seconds: float) -> bool:
        """Read what is there (waiting up to ``seconds``); False at the end."""
        if self._ended:
            return False
        with anyio.move_on_after(seconds):
            await anyio.wait_readable(self.master)
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return True
        except OSError:  # EIO: every slave end is closed
            data = b""
        self._ended = not data
        self.shown += data
        return bool(data)

    async def expect(self, text: bytes, *, after: int = 0, seconds: float = 20) -> int:
        """Wait until ``text`` is shown (after offset ``after``); the offset
        just past it."""
        deadline = time.monotonic() + seconds
        while (found := self.shown.find(text, after)) < 0:
            left = deadline - time.monotonic()
            if left <= 0 or not await self._read(left):
                raise AssertionError(f"never showed {text!r}; the terminal: {self.shown!r}")
        return found + len(text)

    async def exit_code(self, seconds: float = 20) -> int:
        """The process's exit code, once it has ended (output drained)."""
        deadline = time.monotonic() + seconds
        while (code := self.process.poll()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {seconds}s: {self.shown!r}")
            await self._read(0.05)
        while await self._read(0.05):
            pass
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


@contextlib.contextmanager
def terminal(*args: str) -> Iterator[Terminal]:
    term = Terminal(*args)
    try:
        yield term
    finally:
        term.close()


async def size_shown(term: Terminal, rows: int, columns: int) -> None:
    """Ask the shell for its TTY's size until it says ``rows columns``: the
    resize is sent after SIGWINCH, so the first answer may be the old one."""
    wanted = f"{rows} {columns}\r\n".encode()
    deadline = time.monotonic() + 20
    while True:
        mark = len(term.shown)
        term.type(b"stty size\r")
        try:
            echoed = await term.expect(b"stty size\r\n", after=mark, seconds=4)
        except AssertionError:
            # busybox's shell asks the terminal for its cursor position after
            # a prompt and may take keys typed meanwhile for the answer: a
            # fresh line, then again
            assert time.monotonic() < deadline, f"no echo of stty size: {term.shown!r}"
            term.type(b"\r")
            await anyio.sleep(0.3)
            continue
        after = await term.expect(PROMPT, after=echoed)
        if wanted in term.shown[mark:after]:
            return
        assert time.monotonic() < deadline, f"the size never became {wanted!r}: {term.shown!r}"
        await anyio.sleep(0.1)


def detach(term: Terminal) -> None:
    """Ctrl-P, then Ctrl-Q, as typed (two reads)."""
    term.type(DETACH_KEYS[:1])
    time.sleep(0.05)
    term.type(DETACH_KEYS[1:])


async def state(docker: Docker, name: str) -> ContainerState | None:
    """The container's state, or None once it is gone."""
    try:
        return (await docker.containers.inspect(name)).state
    except NotFound:
        return None


@contextlib.asynccontextmanager
async def sleeping(docker: Docker, image: str, name: str) -> AsyncIterator[None]:
    """A labelled container running ``sleep 60`` for the block."""
    async with docker.containers.running(image, ["sleep", "60"], name=name, labels=LABELS):
        yield


async def test_run_it_sizes_the_tty_follows_resizes_and_passes_the_exit_code(
    docker: Docker, test_image: str
) -> None:
    name = f"aiodock-cli-it-size-{RUN_ID}"
    with terminal("run", "-it", "--rm", "--name", name, "-l", LABEL, test_image, "sh") as term:
        await term.expect(PROMPT)
        await size_shown(term, 24, 80)
        term.resize(40, 132)
        await size_shown(term, 40, 132)
        term.resize(30, 100)
        await size_shown(term, 30, 100)
        term.type(b"exit 3\r")
        assert await term.exit_code() == 3, term.shown
    assert await state(docker, name) is None  # --rm: removed


async def test_run_it_detach_keys_leave_the_container_running(
    docker: Docker, test_image: str
) -> None:
    name = f"aiodock-cli-it-detach-{RUN_ID}"
    try:
        with terminal("run", "-it", "--rm", "--name", name, "-l", LABEL, test_image, "sh") as term:
            mark = await term.expect(PROMPT)
            term.type(b"echo typed\r")
            mark = await term.expect(b"typed\r\n", after=mark)
            detach(term)
            assert await term.exit_code(seconds=10) == 0, term.shown
            after = term.shown[mark:]
            assert b"Error" not in after and b"Traceback" not in after, term.shown
        running = await state(docker, name)
        assert running is not None and running.running is True, running
        # --rm after a detach: the engine removes it when it exits.
        await docker.containers.stop(name, timeout=0)
        for _ in range(100):
            if await state(docker, name) is None:
                break
            await anyio.sleep(0.1)
        else:
            raise AssertionError(f"{name} was not removed after it exited")
    finally:
        with contextlib.suppress(NotFound):
            await docker.containers.remove(name, force=True)


async def test_exec_it_follows_resizes_and_detaches_with_its_own_keys(
    docker: Docker, test_image: str
) -> None:
    name = f"aiodock-cli-it-exec-{RUN_ID}"
    shell = ("sh", "-c", "echo $$ > /tmp/pid; exec sh")
    async with sleeping(docker, test_image, name):
        with terminal("exec", "-it", "--detach-keys", "ctrl-a,d", name, *shell) as term:
            await term.expect(PROMPT)
            await size_shown(term, 24, 80)
            term.resize(50, 120)
            await size_shown(term, 50, 120)
            detach(term)  # docker's keys: just keys here (for the engine too)
            mark = len(term.shown)
            term.type(b"\x03echo still here\r")  # Ctrl-C: a fresh line
            await term.expect(b"\r\nstill here\r\n", after=mark)
            term.type(b"\x01")
            time.sleep(0.05)
            term.type(b"d")
            assert await term.exit_code(seconds=10) == 0, term.shown
        # The shell goes on after the detach.
        alive = await docker.containers.exec(name, ["sh", "-c", "kill -0 $(cat /tmp/pid)"])
        assert alive.exit_code == 0, alive


async def test_it_without_a_terminal_is_refused_at_once(docker: Docker, test_image: str) -> None:
    name = f"aiodock-cli-it-notty-{RUN_ID}"
    async with sleeping(docker, test_image, name):
        results = {}

        async def attempt(key: str, *args: str) -> None:
            results[key] = await aiodock(*args, input=b"x\n", timeout=20)

        refused = f"{name}-refused"
        async with anyio.create_task_group() as tg:
            tg.start_soon(attempt, "run", "run", "-it", "--name", refused, test_image, "sh")
            tg.start_soon(attempt, "exec", "exec", "-it", name, "sh")
            tg.start_soon(attempt, "keys", "run", "--detach-keys", "ctrl-1", test_image, "true")
        assert_clean_failure(results.pop("keys"), 125, "--detach-keys", "'ctrl-1'")
        for result in results.values():
            assert_clean_failure(result, 1, NOT_A_TTY)
            assert result.stdout == ""
        assert await state(docker, refused) is None  # refused before anything was created
        # -t alone (or -i alone) with a pipe is fine, as with docker.
        piped = await aiodock(
            "run", "--rm", "-t", "-l", LABEL, test_image, "echo", "hi", input=b"x\n"
        )
        assert piped.ok().stdout == "hi\r\n"


@pytest.mark.parametrize(
    ("pieces", "sent", "detached"),
    [
        ([b"ls\r"], b"ls\r", False),
        ([b"a\x10\x11b"], b"a", True),
        ([b"\x10", b"\x11"], b"", True),
        ([b"\x10", b"x"], b"\x10x", False),
        ([b"\x10\x10", b"\x11"], b"\x10", True),
        ([b"\x11\x10q"], b"\x11\x10q", False),
    ],
)
def test_detach_watch_holds_a_possible_start_and_drops_the_sequence(
    pieces: list[bytes], sent: bytes, detached: bool
) -> None:
    watch = DetachWatch(DETACH_KEYS)
    out = b""
    done = False
    for piece in pieces:
        shown, done = watch.feed(piece)
        out += shown
        if done:
            break
    assert (out, done) == (sent, detached)
