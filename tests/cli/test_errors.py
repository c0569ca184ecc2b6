"""Errors: a message on stderr, a non-zero exit, no traceback (unless
``--debug``); Ctrl-C during streams: exit 130, quietly; no ``rich``: a
message naming the extra."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import anyio

from tests.helpers import RUN_ID

from .runner import LABEL, ROOT, Result, aiodock, assert_clean_failure, cli_env, start

MISSING = f"aiodock-cli-missing-{RUN_ID}"


async def test_errors_are_messages_not_tracebacks(test_image: str) -> None:
    results: dict[str, Result] = {}

    async def attempt(key: str, *args: str) -> None:
        results[key] = await aiodock(*args)

    async with anyio.create_task_group() as tg:
        tg.start_soon(attempt, "rm", "rm", MISSING)
        tg.start_soon(attempt, "logs", "logs", MISSING)
        tg.start_soon(attempt, "inspect", "inspect", MISSING)
        tg.start_soon(attempt, "exec", "exec", MISSING, "true")
        tg.start_soon(attempt, "run", "run", "--rm", "--pull", "never", f"{MISSING}:none")
        tg.start_soon(attempt, "port", "run", "--rm", "-p", "127.0.0.1:80:99999", test_image)
        tg.start_soon(attempt, "flag", "ps", "--no-such-flag")
        tg.start_soon(attempt, "host", "-H", "unix:///nonexistent/docker.sock", "ps")
        tg.start_soon(attempt, "version", "-H", "unix:///nonexistent/docker.sock", "version")
        tg.start_soon(attempt, "path", "-H", "/var/run/docker.sock", "ps")
        tg.start_soon(attempt, "debug", "--debug", "logs", MISSING)

    assert_clean_failure(results["rm"], 1, f"No such container: {MISSING}")
    assert_clean_failure(results["logs"], 1, MISSING)
    assert_clean_failure(results["inspect"], 1, MISSING)
    assert results["inspect"].stdout.strip() == "[]"
    assert_clean_failure(results["exec"], 125, MISSING)
    assert_clean_failure(results["run"], 125, MISSING)
    assert_clean_failure(results["port"], 125, "99999")
    assert_clean_failure(results["flag"], 125, "--no-such-flag")
    assert_clean_failure(results["host"], 1, "/nonexistent/docker.sock")
    # docker prints its client's part even without an engine
    assert_clean_failure(results["version"], 1, "/nonexistent/docker.sock")
    assert "Client: aiodock" in results["version"].stdout
    assert "did you mean 'unix:///var/run/docker.sock'" in results["path"].stderr
    assert "Traceback" in results["debug"].stderr and results["debug"].returncode == 1
    listed = await aiodock(
        "ps",
        "-a",
        "-q",
        "--filter",
        f"label={LABEL}",
        "--filter",
        f"ancestor={test_image}",
        "--filter",
        "status=created",
    )
    assert "99999" not in listed.stdout  # the bad port created nothing


def _interrupt(process: subprocess.Popen[bytes], wait_for: bytes) -> tuple[int, bytes]:
    """Read stdout until ``wait_for`` shows (the stream is live), Ctrl-C,
    and return the exit code and stderr."""
    assert process.stdout is not None and process.stderr is not None
    seen = b""
    watchdog = threading.Timer(60, process.kill)  # never hang the suite
    watchdog.start()
    try:
        while wait_for not in seen:
            chunk = os.read(process.stdout.fileno(), 4096)
            assert chunk, f"the output ended before {wait_for!r}: {seen!r}"
            seen += chunk
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=20)
        return code, process.stderr.read()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()  # our ends of its pipes (else: unclosed files)
        process.stderr.close()


async def test_ctrl_c_during_logs_events_and_exec(test_image: str) -> None:
    name = f"aiodock-cli-sigint-{RUN_ID}"
    volume = f"aiodock-cli-sigint-{RUN_ID}"
    (
        await aiodock(
            "run",
            "-d",
            "--name",
            name,
            "-l",
            LABEL,
            test_image,
            "sh",
            "-c",
            "echo ready; exec sleep 60",
        )
    ).ok()
    try:

        def logs() -> tuple[int, bytes]:
            return _interrupt(start("logs", "-f", name), b"ready")

        def events() -> tuple[int, bytes]:
            # --since: the events from a second ago on, so none is missed while it starts
            process = start(
                "events",
                "--filter",
                "type=volume",
                "--filter",
                f"volume={volume}",
                "--since",
                str(int(time.time()) - 1),
                "--json",
            )
            subprocess.run(
                [sys.executable, "-m", "aiodock.cli", "volume", "create", "--label", LABEL, volume],
                env=cli_env(),
                cwd=ROOT,
                check=True,
                capture_output=True,
                timeout=60,
            )
            return _interrupt(process, b'"create"')

        def interactive_exec() -> tuple[int, bytes]:
            process = start("exec", "-i", name, "cat", stdin=subprocess.PIPE)
            assert process.stdin is not None
            process.stdin.write(b"ping\n")
            process.stdin.flush()
            try:
                return _interrupt(process, b"ping")
            finally:
                process.stdin.close()

        outcomes: dict[str, tuple[int, bytes]] = {}

        async def in_thread(key: str, job: object) -> None:
            outcomes[key] = await anyio.to_thread.run_sync(job)  # type: ignore[arg-type]

        async with anyio.create_task_group() as tg:
            for key, job in (("logs", logs), ("events", events), ("exec", interactive_exec)):
                tg.start_soon(in_thread, key, job)
        for key, (code, stderr) in outcomes.items():
            assert code == 130, (key, stderr)
            assert b"Traceback" not in stderr, (key, stderr)
        # the interrupted exec's connection is gone: its cat ended with it
        ps = (await aiodock("exec", name, "ps")).ok()
        assert "cat" not in ps.stdout, ps.stdout
    finally:
        await aiodock("rm", "-f", name)
        await aiodock("volume", "rm", "-f", volume)


def test_without_rich_the_command_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['rich'] = None\n"
        "import aiodock\n"  # the library itself needs no rich
        "from aiodock.cli import main\n"
        "sys.exit(main(['ps']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "pip install aiodock[cli]" in done.stderr and "Traceback" not in done.stderr
