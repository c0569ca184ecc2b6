"""``docker exec``: the one-shot (``docker.containers.exec``) and the low-level
exec operations (``docker.execs``), against the real engine, on asyncio and
on trio."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from aiodock import APIVersionError, Conflict, Docker, ExecError, ExecResult, NotFound
from aiodock.models import ExecInspect
from tests.helpers import LABELS, check_early_exit, own_client, version_tuple

SLEEPER = ["sleep", "600"]


async def ended(docker: Docker, exec_id: str) -> ExecInspect:
    """Exec inspect, once the process has ended (polled; 30 s at most)."""
    for _ in range(600):
        info = await docker.execs.inspect(exec_id)
        if not info.running and info.exit_code is not None:
            return info
        await anyio.sleep(0.05)
    raise AssertionError(f"exec {exec_id} still running after 30 s")


# --------------------------------------------------------------------------
# scenarios


async def one_shot_basics(docker: Docker, image: str) -> None:
    async with docker.containers.running(image, SLEEPER, labels=LABELS) as c:
        exec_ = docker.containers.exec
        ten_mib = 10 * 1024 * 1024
        assert await exec_(c.id, ["wc", "-c"], stdin=b"\0" * ten_mib) == (0, b"%d\n" % ten_mib, b"")

        result = await exec_(c.id, ["sh", "-c", "echo out; echo err >&2; exit 3"])
        assert isinstance(result, ExecResult)
        assert (result.exit_code, result.stdout, result.stderr) == (3, b"out\n", b"err\n")

        result = await exec_(
            c.id,
            "sh -c 'echo $GREETING $OTHER; pwd; id -u; id -g'",
            env={"GREETING": "hi"},
            workdir="/tmp",
            user="65534:65534",
        )
        assert result.stdout == b"hi\n/tmp\n65534\n65534\n"
        result = await exec_(c.id, ["sh", "-c", "echo $A$B"], env=["A=1", "B=2"])
        assert result.stdout == b"12\n"

        async def pieces() -> AsyncIterator[bytes]:
            for i in range(100):
                yield b"line %d\n" % i

        result = await exec_(c.id, ["sh", "-c", "wc -l; exit 4"], stdin=pieces())
        assert (result.exit_code, result.stdout) == (4, b"100\n")

        with pytest.raises(ExecError) as info:
            await exec_(c.id, ["sh", "-c", "echo partial; echo broken >&2; exit 7"], check=True)
        assert (info.value.exit_code, info.value.stdout, info.value.stderr) == (
            7,
            b"partial\n",
            b"broken\n",
        )
        assert "broken" in str(info.value)
        assert len(info.value.id) == 64 and info.value.status is None  # the exec instance
        assert await exec_(c.id, ["true"], check=True) == (0, b"", b"")

        # stdin that the command does not read: the output still arrives
        # (Podman 4.3 may drop it, and adds its own notice: check_early_exit)
        result = await exec_(c.id, ["echo", "done"], stdin=b"x" * ten_mib)
        check_early_exit(
            (result.exit_code, result.stdout, result.stderr),
            (0, b"done\n", b""),
            docker._api.podman,
        )

        # behind a TTY everything is in stdout, raw; the input ends the shell
        result = await exec_(c.id, ["sh"], stdin=b"echo hi >&2; exit 5\n", tty=True)
        assert result.exit_code == 5 and b"hi\r\n" in result.stdout and result.stderr == b""

        missing = await exec_(c.id, ["aiodock-no-such-command"])
        # dockerd reports it on stdout, Podman on stderr
        assert missing.exit_code in (126, 127)
        assert b"aiodock-no-such-command" in missing.stdout + missing.stderr


async def output_keeps_its_order(docker: Docker, image: str) -> None:
    """Many interleaved stdout/stderr lines: each stream complete, in order."""
    lines = 3000
    script = f"i=0; while [ $i -lt {lines} ]; do echo out$i; echo err$i >&2; i=$((i+1)); done"
    async with (
        docker.containers.running(image, SLEEPER, labels=LABELS) as c,
        docker.execs.session(c.id, ["sh", "-c", script]) as session,
    ):
        chunks = [chunk async for chunk in session]
        assert await session.wait() == 0
    out = b"".join(chunk.data for chunk in chunks if chunk.stream == "stdout")
    err = b"".join(chunk.data for chunk in chunks if chunk.stream == "stderr")
    assert out == b"".join(b"out%d\n" % i for i in range(lines))
    assert err == b"".join(b"err%d\n" % i for i in range(lines))
    assert {chunk.stream for chunk in chunks} == {"stdout", "stderr"}


async def fifty_concurrent_execs(docker: Docker, image: str) -> None:
    codes: dict[int, ExecResult] = {}
    async with docker.containers.running(image, SLEEPER, labels=LABELS) as c:

        async def one(i: int) -> None:
            codes[i] = await docker.containers.exec(
                c.id, ["sh", "-c", f"echo {i}; echo e{i} >&2; exit {i}"]
            )

        async with anyio.create_task_group() as tg:
            for i in range(50):
                tg.start_soon(one, i)
    assert codes == {i: (i, b"%d\n" % i, b"e%d\n" % i) for i in range(50)}


async def exec_needs_a_running_container(docker: Docker, image: str) -> None:
    with pytest.raises(NotFound):
        await docker.containers.exec("aiodock-no-such-container", ["true"])
    container = await docker.containers.create(image, SLEEPER, labels=LABELS)
    # dockerd: "... is not running"; Podman: "can only create exec sessions on running containers"
    not_running = r"not running|on running containers"
    try:
        with pytest.raises(Conflict, match=not_running):
            await docker.containers.exec(container.id, ["true"])
        await container.start()
        exec_ = await docker.execs.create(container.id, ["true"])
        await container.pause()
        with pytest.raises(Conflict, match="paused"):
            await docker.containers.exec(container.id, ["true"])
        with pytest.raises(Conflict, match="paused"):
            async with docker.execs.session(container.id, ["true"]):
                pass
        with pytest.raises(Conflict):  # created before the pause, started during it
            await exec_.start()
        await container.unpause()
        await container.stop(timeout=0)
        with pytest.raises(Conflict, match=not_running):
            await docker.execs.create(container.id, ["true"])
    finally:
        await docker.containers.remove(container.id, force=True)


async def low_level_operations(docker: Docker, image: str) -> None:
    execs = docker.execs
    async with docker.containers.running(image, SLEEPER, labels=LABELS) as c:
        created = await execs.create(
            c.id, ["sh", "-c", "echo $X; exit 2"], env={"X": "x"}, user="root"
        )
        before = await execs.inspect(created.id)
        assert before.id == created.id and before.container_id == c.id
        assert before.running is False and before.exit_code is None
        assert before.process_config is not None
        assert before.process_config.entrypoint == "sh"
        assert before.process_config.arguments == ["-c", "echo $X; exit 2"]
        assert before.process_config.user == "root"
        assert (before.open_stdin, before.open_stdout, before.open_stderr) == (False, True, True)
        assert await execs.start(created.id) == (2, b"x\n", b"")
        after = await created.inspect()
        assert (after.running, after.exit_code) == (False, 2)

        # detached: returns at once; the code comes later through inspect
        detached = await execs.create(c.id, ["sh", "-c", "sleep 0.2; exit 9"])
        await execs.start(detached, detach=True)
        if docker._api.podman:  # Podman 4.3: running for ever, the code never comes
            await anyio.sleep(1)
            assert (await execs.inspect(detached.id)).running is True
        else:
            assert (await ended(docker, detached.id)).exit_code == 9

        # an exec created with a TTY, started interactively later (tty found by inspect)
        shell = await execs.create(c.id, ["sh"], stdin=True, tty=True)
        async with execs.start_session(shell.id) as session:
            assert session.tty and session.exec_id == shell.id
            await execs.resize(shell.id, 40, 132)
            await session.resize(41, 133)
            # Podman applies a resize a while after answering it: ask until it shows
            await session.write(
                b'for i in $(seq 30); do s=$(stty size); [ "$s" = "41 133" ] && break;'
                b" sleep 0.2; done; echo $s; exit 6\n"
            )
            output = b"".join([chunk.data async for chunk in session])
            assert await session.wait() == 6
        assert b"41 133" in output

        with pytest.raises(NotFound):
            await execs.inspect("aiodock-no-such-exec")
        with pytest.raises(NotFound):
            await execs.start("aiodock-no-such-exec")
        if version_tuple(docker.api_version) < (1, 42):
            with pytest.raises(APIVersionError, match=r"1\.42"):
                await execs.create(c.id, ["true"], console_size=(24, 80))
        else:  # the engine has it (API 1.42+)
            sized = await execs.create(c.id, ["stty", "size"], console_size=(24, 80), tty=True)
            code, out, _ = await execs.start(sized.id)
            assert code == 0 and b"24 80" in out


# --------------------------------------------------------------------------
# on asyncio and on trio (anyio's plugin runs each test on both)


@pytest.mark.anyio
async def test_one_shot_basics(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await one_shot_basics(docker, test_image)


@pytest.mark.anyio
async def test_output_keeps_its_order(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await output_keeps_its_order(docker, test_image)


@pytest.mark.anyio
async def test_fifty_concurrent_execs(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await fifty_concurrent_execs(docker, test_image)


@pytest.mark.anyio
async def test_exec_needs_a_running_container(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await exec_needs_a_running_container(docker, test_image)


@pytest.mark.anyio
async def test_low_level_operations(engine: str, test_image: str) -> None:
    async with own_client(engine) as docker:
        await low_level_operations(docker, test_image)
