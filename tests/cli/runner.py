"""Running the ``aiodock`` command as a subprocess, against the test engine."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import anyio

from tests.helpers import LABEL_KEY, RUN_ID, engine_socket

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-m", "aiodock.cli"]
LABEL = f"{LABEL_KEY}={RUN_ID}"
"""This run's label as ``--label``/``--filter label=`` takes it."""


def cli_env(**extra: str) -> dict[str, str]:
    """The environment the command runs in: the test engine, no colours."""
    env = dict(
        os.environ, DOCKER_HOST=f"unix://{engine_socket()}", NO_COLOR="1", PYTHONPATH=str(ROOT)
    )
    env.pop("FORCE_COLOR", None)
    env.update(extra)
    return env


@dataclass
class Result:
    """What one run of the command did."""

    returncode: int
    stdout: str
    stderr: str
    args: tuple[str, ...]

    def ok(self) -> Result:
        """Assert exit code 0 (showing the output otherwise); return self."""
        assert self.returncode == 0, f"aiodock {' '.join(self.args)} -> {self}"
        return self

    def __str__(self) -> str:
        return f"exit {self.returncode}\nstdout: {self.stdout}\nstderr: {self.stderr}"


async def aiodock(
    *args: str, input: bytes | None = None, stdin: int | None = None, timeout: float = 60
) -> Result:
    """Run ``aiodock ARGS`` to its end (without blocking the event loop, so
    independent runs can go concurrently)."""
    with anyio.fail_after(timeout):
        done = await anyio.run_process(
            [*COMMAND, *args],
            input=input,
            stdin=stdin,
            check=False,
            env=cli_env(),
            cwd=ROOT,
        )
    return Result(
        done.returncode,
        done.stdout.decode(errors="replace"),
        done.stderr.decode(errors="replace"),
        args,
    )


def start(*args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """Start ``aiodock ARGS`` in the background (for Ctrl-C tests)."""
    return subprocess.Popen(
        [*COMMAND, *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
        cwd=ROOT,
    )


def assert_clean_failure(result: Result, code: int, *fragments: str) -> None:
    """A failure the user can read: the exit code, the message, no traceback."""
    assert result.returncode == code, str(result)
    assert "Traceback" not in result.stderr, str(result)
    for fragment in fragments:
        assert fragment in result.stderr, str(result)
