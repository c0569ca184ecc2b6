"""Attach to a container's stdin and output over the hijacked connection,
against the real engine, on asyncio and on trio."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from aiodock import Docker, NotFound
from tests.helpers import LABELS, check_early_exit, on_podman, own_client


async def read_until(session: Any, wanted: bytes) -> bytes:
    """Read the session's output until ``wanted`` has come (or it ended)."""
    data = b""
    async for chunk in session:
        data += chunk.data
        if wanted in data:
            break
    return data


# --------------------------------------------------------------------------
# scenarios


async def cat_echoes_and_exits(docker: Docker, image: str) -> None:
    """``cat`` with open_stdin and stdin_once: write, close stdin, read the
    echo; the container exits 0. The attach is made before the start."""
    container = await docker.containers.create(
        image, ["cat"], open_stdin=True, stdin_once=True, labels=LABELS
    )
    try:
        with anyio.fail_after(60):
            async with docker.containers.attach(container.id, stdin=True) as session:
                assert not session.tty and session.upgraded
                await container.start()
                await session.write(b"hello\n")
                await session.write(b"world\n" * 1000)
                await session.close_stdin()
                chunks = [chunk async for chunk in session]
            assert {chunk.stream for chunk in chunks} == {"stdout"}
            assert b"".join(chunk.data for chunk in chunks) == b"hello\n" + b"world\n" * 1000
            assert (await docker.containers.wait(container.id)).exit_code == 0
    finally:
        await docker.containers.remove(container.id, force=True)


async def tty_echoes_raw_and_ends_on_eof_character(docker: Docker, image: str) -> None:
    """Behind a TTY the terminal echoes the input and turns LF into CRLF;
    ``\\x04`` (not closing stdin) is what ends ``cat``."""
    container = await docker.containers.create(
        image, ["cat"], tty=True, open_stdin=True, stdin_once=True, labels=LABELS
    )
    try:
        with anyio.fail_after(60):
            async with docker.containers.attach(container.id, stdin=True, tty=True) as session:
                assert session.tty
                await container.start()
                await session.resize(30, 100)
                await session.write(b"hello\n")
                echoed = await read_until(session, b"hello\r\nhello\r\n")
                assert echoed == b"hello\r\nhello\r\n"  # the terminal's echo, then cat's
                await session.write(b"\x04")
                rest = b"".join([chunk.data async for chunk in session])
                assert b"hello" not in rest
            assert (await docker.containers.wait(container.id)).exit_code == 0
    finally:
        await docker.containers.remove(container.id, force=True)


async def attach_to_a_missing_container_is_not_found(docker: Docker, image: str) -> None:
    for tty in (None, False):
        with pytest.raises(NotFound, match="aiodock-no-such-container"):
            async with docker.containers.attach("aiodock-no-such-container", tty=tty):
                pass
    assert (await docker.ping()).api_version  # the client still works


async def logs_replay_then_stream(docker: Docker, image: str) -> None:
    """``logs=True`` replays what was printed before the attach."""
    async with docker.containers.running(
        image, ["sh", "-c", "echo ready; exec sleep 600"], labels=LABELS
    ) as container:
        with anyio.fail_after(30):
            # entered, so that leaving the loop early closes the stream at once
            # (on trio, a generator left to the garbage collector is a warning)
            async with docker.containers.logs(container.id, follow=True) as logs:
                async for _ in logs:
                    break  # "ready" has been printed
            async with docker.containers.attach(container.id, logs=True, tty=False) as session:
                first = await session.__anext__()
        assert first == ("stdout", b"ready\n")


# --------------------------------------------------------------------------
# on asyncio and on trio (anyio's plugin runs each test on both)


@pytest.mark.anyio
async def test_cat_echoes_and_exits(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await cat_echoes_and_exits(docker, test_image)


@pytest.mark.anyio
async def test_tty_echoes_raw_and_ends_on_eof_character(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await tty_echoes_raw_and_ends_on_eof_character(docker, test_image)


@pytest.mark.anyio
async def test_attach_to_a_missing_container(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await attach_to_a_missing_container_is_not_found(docker, test_image)


@pytest.mark.anyio
async def test_logs_replay_then_stream(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await logs_replay_then_stream(docker, test_image)


# --------------------------------------------------------------------------
# a process that exits before reading its stdin (issue 14, point 5): the
# engine may close the connection while the client still writes; the output
# and the exit code must come back all the same

EARLY_EXIT = ["sh", "-c", "head -c3; echo; echo done >&2; exit 7"]
BIG_STDIN = b"z" * (8 * 1024 * 1024)
"""More than any socket buffer: the process exits long before it is all sent."""


@pytest.mark.anyio
@pytest.mark.parametrize("transport", ["aiodock", "httpx"])
@pytest.mark.parametrize("command", [["true"], ["head", "-c1"], EARLY_EXIT])
async def test_exec_that_exits_before_reading_its_stdin(
    engine: str, test_image: str, transport: str, command: list[str]
) -> None:
    expected = {
        "true": (0, b"", b""),
        "head": (0, b"z", b""),
        "sh": (7, b"zzz\n", b"done\n"),
    }[command[0]]
    with anyio.fail_after(60):
        async with (
            Docker(f"unix://{engine}", transport=transport) as docker,  # type: ignore[arg-type]
            docker.containers.running(test_image, ["sleep", "600"], labels=LABELS) as c,
        ):
            podman = await on_podman(docker)
            result = await docker.containers.exec(c.id, command, stdin=BIG_STDIN)
            check_early_exit((result.exit_code, result.stdout, result.stderr), expected, podman)
            async with docker.execs.session(c.id, command, stdin=True) as session:
                stdout, stderr = await session.communicate(BIG_STDIN)
                check_early_exit((await session.wait(), stdout, stderr), expected, podman)


@pytest.mark.anyio
@pytest.mark.parametrize("transport", ["aiodock", "httpx"])
async def test_run_that_exits_before_reading_its_stdin(
    engine: str, test_image: str, transport: str
) -> None:
    with anyio.fail_after(60):
        async with Docker(f"unix://{engine}", transport=transport) as docker:  # type: ignore[arg-type]
            podman = await on_podman(docker)
            result = await docker.containers.run(
                test_image, EARLY_EXIT, stdin=BIG_STDIN, labels=LABELS
            )
    got = (result.exit_code, result.stdout, result.stderr)
    check_early_exit(got, (7, b"zzz\n", b"done\n"), podman)
