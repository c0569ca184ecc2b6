"""Injected faults (tests/faults.py) on every kind of call, on both transports.

For each fault and each call kind (a short JSON request: inspect; a
JSON-lines stream: a pull from the open registry; a multiplexed log stream;
a hijacked exec session) the client raises
the expected :class:`DockerError` subclass (nothing from httpx, httpcore,
h11, anyio or the socket layer), never hangs past its configured timeout,
and the very next call on the same :class:`Docker` succeeds.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import anyio
import pytest

from aiodock import Docker
from aiodock.errors import ConnectionLost, DockerError, DockerTimeout, ServerError, StreamError
from tests.faults import Fault, fault_proxy
from tests.helpers import LABELS, RUN_ID, check_early_exit

TRANSPORTS = ["aiodock", "httpx"]
SHORT_TIMEOUT = 1.5
"""The client's timeout for short calls in these tests."""
DELAY = 2.5
"""How long DELAY holds an answer back: longer than SHORT_TIMEOUT."""
GUARD = 10.0
"""No scenario may take longer than this (a hang fails the test)."""


@dataclass(frozen=True)
class Workload:
    logs_container: str
    exec_container: str
    pull_ref: str


@pytest.fixture(scope="module")
async def workload(engine: str, test_image: str) -> AsyncIterator[Workload]:
    """A stopped container with output on both streams, a running one to
    exec in, and an image in the open registry to pull."""
    async with Docker(f"unix://{engine}") as docker:
        repo = f"127.0.0.1:5000/aiodock-test-{RUN_ID}/faults"
        await docker.images.tag(test_image, repo, tag="1")
        await docker.images.push(f"{repo}:1")
        script = "i=0; while [ $i -lt 40 ]; do echo out $i; echo err $i >&2; i=$((i+1)); done"
        logs = await docker.containers.create(test_image, ["sh", "-c", script], labels=LABELS)
        running = await docker.containers.create(test_image, ["sleep", "600"], labels=LABELS)
        try:
            await logs.start()
            await running.start()
            await logs.wait()
            yield Workload(logs.id, running.id, f"{repo}:1")
        finally:
            for c in (logs, running):
                await docker.containers.remove(c.id, force=True)
            await docker.images.remove(f"{repo}:1")


# --------------------------------------------------------------------------
# the call kinds: each runs one call to its end and checks what it got

Call = Callable[[Docker, Workload], Awaitable[None]]


async def short_json(docker: Docker, w: Workload) -> None:
    info = await docker.containers.inspect(w.logs_container)
    assert info.id == w.logs_container


async def json_lines(docker: Docker, w: Workload) -> None:
    progress = [event async for event in docker.images.pull(w.pull_ref)]
    if docker._api.podman:  # Podman reports the copy, not "up to date"
        assert progress
    else:
        assert any("up to date" in (event.status or "") for event in progress), progress


async def log_stream(docker: Docker, w: Workload) -> None:
    out = await docker.containers.logs(w.logs_container, tty=False)
    assert out.stdout.startswith(b"out 0\n") and out.stdout.endswith(b"out 39\n")
    assert out.stderr.startswith(b"err 0\n") and out.stderr.endswith(b"err 39\n")


async def exec_session(docker: Docker, w: Workload) -> None:
    command = ["sh", "-c", "echo out; echo err >&2; exit 3"]
    async with docker.execs.session(w.exec_container, command) as session:
        stdout, stderr = await session.communicate()
        assert (stdout, stderr, await session.wait()) == (b"out\n", b"err\n", 3)


KINDS: dict[str, tuple[Call, str]] = {
    # kind: (the call, the path the fault is armed on)
    "json": (short_json, "/json"),
    "json-lines": (json_lines, "/images/create"),
    "logs": (log_stream, "/logs"),
    "exec": (exec_session, "/start"),
}

# What each fault must end in, per call kind. A class: that DockerError.
# "ok": the call succeeds (a delayed stream: streams have no timeout).
# "caller-timeout": the call waits (no timeout applies) until the caller's own
# anyio.fail_after ends it, which must work and leave the client usable.
# None: the fault does not apply to that kind (a hijacked connection has no
# HTTP framing to corrupt).
Outcome = type[DockerError] | str | None
EXPECTED: dict[Fault, dict[str, Outcome]] = {
    Fault.DELAY: {"json": DockerTimeout, "json-lines": "ok", "logs": "ok", "exec": "ok"},
    Fault.STALL_AFTER_HEADERS: {
        "json": DockerTimeout,
        "json-lines": "caller-timeout",
        "logs": "caller-timeout",
        "exec": "caller-timeout",
    },
    Fault.CUT_MID_BODY: dict.fromkeys(KINDS, ConnectionLost),
    Fault.CUT_MID_CHUNK: {
        "json": ConnectionLost,
        "json-lines": ConnectionLost,
        "logs": ConnectionLost,
        "exec": ConnectionLost,
    },
    # The body ends cleanly, but inside a frame / a JSON line / a JSON document.
    Fault.CUT_MID_FRAME: {
        "json": DockerError,
        "json-lines": StreamError,
        "logs": ConnectionLost,
        "exec": ConnectionLost,
    },
    Fault.TRUNCATED_CHUNK_SIZE: {
        "json": ConnectionLost,
        "json-lines": ConnectionLost,
        "logs": ConnectionLost,
        "exec": None,
    },
    Fault.MALFORMED_CHUNK_SIZE: {
        "json": ConnectionLost,
        "json-lines": ConnectionLost,
        "logs": ConnectionLost,
        "exec": None,
    },
    Fault.GARBAGE: dict.fromkeys(KINDS, ConnectionLost),
    Fault.ERROR_500_TEXT: dict.fromkeys(KINDS, ServerError),
    Fault.CLOSE_ON_ACCEPT: dict.fromkeys(KINDS, ConnectionLost),
}

CASES = [
    pytest.param(fault, kind, id=f"{fault.name.lower()}-{kind}")
    for fault, by_kind in EXPECTED.items()
    for kind, outcome in by_kind.items()
    if outcome is not None
]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("fault", "kind"), CASES)
async def test_fault(
    engine: str, workload: Workload, transport: str, fault: Fault, kind: str
) -> None:
    call, path = KINDS[kind]
    expected = EXPECTED[fault][kind]
    with anyio.fail_after(GUARD):
        async with (
            fault_proxy(engine) as proxy,
            Docker(
                f"unix://{proxy.path}",
                transport=transport,  # type: ignore[arg-type]
                timeout=SHORT_TIMEOUT,
                env={},
            ) as docker,
        ):
            await call(docker, workload)  # the path works through the proxy
            await anyio.sleep(0.05)  # the proxy is back to waiting for a request
            proxy.inject(fault, path=path, delay=DELAY)
            await anyio.sleep(0.05)  # the client has seen idle connections close
            started = time.monotonic()
            if expected == "ok":
                await call(docker, workload)
            elif expected == "caller-timeout":
                with pytest.raises(TimeoutError), anyio.fail_after(1.0):
                    await call(docker, workload)
            else:
                assert isinstance(expected, type)
                with pytest.raises(expected) as caught:
                    await call(docker, workload)
                check_error(caught.value, fault, kind)
            elapsed = time.monotonic() - started
            if fault is not Fault.DELAY:
                assert elapsed < 5.0, f"{fault.name} took {elapsed:.1f}s to surface"
            assert proxy.faults_fired, "the fault never fired: the test proves nothing"
            # the very next call on the same client works
            await call(docker, workload)
            await short_json(docker, workload)


def check_error(error: DockerError, fault: Fault, kind: str) -> None:
    """The error is aiodock's and says what happened."""
    assert isinstance(error, DockerError)
    text = str(error)
    assert text and "Traceback" not in text
    if fault is Fault.CUT_MID_FRAME:
        expected_words = {
            "json": "unexpected answer",
            "json-lines": "malformed JSON",
            "logs": "middle of a frame",
            "exec": "middle of a frame",
        }
        assert expected_words[kind] in text, text
    if fault is Fault.ERROR_500_TEXT:
        assert error.status == 500 and "upstream crashed" in error.message
    if isinstance(error, DockerTimeout):
        assert error.status is None


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_delay_shorter_than_the_timeout_is_fine(
    engine: str, workload: Workload, transport: str
) -> None:
    with anyio.fail_after(GUARD):
        async with (
            fault_proxy(engine) as proxy,
            Docker(
                f"unix://{proxy.path}",
                transport=transport,  # type: ignore[arg-type]
                timeout=5.0,
                env={},
            ) as docker,
        ):
            proxy.inject(Fault.DELAY, path="/json", delay=0.3)
            await short_json(docker, workload)
            assert proxy.faults_fired


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_faults_on_many_connections_leave_the_pool_healthy(
    engine: str, workload: Workload, transport: str
) -> None:
    """Twenty concurrent calls, half of them broken by faults: the broken
    connections are dropped, never handed to the next caller."""
    with anyio.fail_after(30):
        async with (
            fault_proxy(engine) as proxy,
            Docker(
                f"unix://{proxy.path}",
                transport=transport,  # type: ignore[arg-type]
                timeout=2.0,
                env={},
            ) as docker,
        ):
            faults = [
                Fault.CUT_MID_BODY,
                Fault.GARBAGE,
                Fault.CUT_MID_CHUNK,
                Fault.ERROR_500_TEXT,
                Fault.MALFORMED_CHUNK_SIZE,
            ]
            for fault in faults:
                proxy.inject(fault, path="/logs", times=2)
            failures: list[BaseException] = []

            async def one() -> None:
                try:
                    await log_stream(docker, workload)
                except DockerError as exc:
                    failures.append(exc)

            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(one)
            assert len(failures) == 10
            for _ in range(5):
                await log_stream(docker, workload)
            await short_json(docker, workload)


# --------------------------------------------------------------------------
# the engine stops reading stdin while the client writes it (issue 14,
# point 5): the process exited early. The failed write ends only the writing
# side; the output and the exit code still come back.

EARLY_EXIT = ["sh", "-c", "head -c3; echo; echo done >&2; exit 7"]
BIG_STDIN = b"z" * (8 * 1024 * 1024)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("call", ["exec", "session", "run"])
async def test_output_and_exit_code_survive_a_stdin_the_engine_stops_reading(
    engine: str, workload: Workload, test_image: str, transport: str, call: str
) -> None:
    with anyio.fail_after(60):
        async with (
            fault_proxy(engine) as proxy,
            Docker(f"unix://{proxy.path}", transport=transport, env={}) as docker,  # type: ignore[arg-type]
        ):
            proxy.inject(Fault.STOP_READING_STDIN, path="/attach" if call == "run" else "/start")
            if call == "exec":
                result = await docker.containers.exec(
                    workload.exec_container, EARLY_EXIT, stdin=BIG_STDIN
                )
                got = (result.exit_code, result.stdout, result.stderr)
            elif call == "session":
                async with docker.execs.session(
                    workload.exec_container, EARLY_EXIT, stdin=True
                ) as session:
                    stdout, stderr = await session.communicate(BIG_STDIN)
                    got = (await session.wait(), stdout, stderr)
            else:
                run = await docker.containers.run(
                    test_image, EARLY_EXIT, stdin=BIG_STDIN, labels=LABELS
                )
                got = (run.exit_code, run.stdout, run.stderr)
            check_early_exit(got, (7, b"zzz\n", b"done\n"), docker._api.podman)
            assert proxy.faults_fired == [(Fault.STOP_READING_STDIN, proxy.faults_fired[0][1])]
            await short_json(docker, workload)  # the client goes on working
