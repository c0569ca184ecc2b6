"""The container lifecycle against the real engine: create, start, pause,
unpause, stop, kill, restart, wait, remove, list, prune; what ``docker ps``
and ``docker ps --all`` show at each step."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import suppress

import anyio
import pytest

from aiodock import APIVersionError, Conflict, Docker, NotFound
from aiodock.containers import Container
from aiodock.models import HostConfig
from tests.helpers import LABEL_KEY, LABELS, RUN_ID

# A process that exits 42 on SIGTERM (the `wait` builtin is interrupted at once).
TRAPS_TERM = ["sh", "-c", "trap 'exit 42' TERM; while :; do sleep 1 & wait $!; done"]
# A process that ignores SIGTERM.
IGNORES_TERM = ["sh", "-c", "trap '' TERM; while :; do sleep 1; done"]
# A process that exits 43 on SIGINT (and 42 on SIGTERM).
TRAPS_INT = [
    "sh",
    "-c",
    "trap 'exit 43' INT; trap 'exit 42' TERM; while :; do sleep 1 & wait $!; done",
]


class Case:
    """A label of its own for one test, so that list filters see only it."""

    def __init__(self, docker: Docker, image: str) -> None:
        self.docker = docker
        self.image = image
        self.value = f"{RUN_ID}-{uuid.uuid4().hex[:8]}"
        self.labels = {**LABELS, "aiodock.case": self.value}
        self.filters = {"label": [f"{LABEL_KEY}={RUN_ID}", f"aiodock.case={self.value}"]}
        self.ids: list[str] = []

    async def create(self, command: list[str], **options: object) -> Container:
        c = await self.docker.containers.create(
            self.image,
            command,
            labels=self.labels,
            **options,  # type: ignore[arg-type]
        )
        self.ids.append(c.id)
        return c

    async def listed(self, *, all: bool) -> dict[str, str]:
        found = await self.docker.containers.list(all=all, filters=self.filters)
        return {c.id or "": c.state or "" for c in found}

    async def cleanup(self) -> None:
        with anyio.CancelScope(shield=True):
            for container_id in self.ids:
                with suppress(NotFound):
                    await self.docker.containers.remove(container_id, force=True)


@pytest.fixture
async def case(docker: Docker, test_image: str) -> AsyncIterator[Case]:
    made = Case(docker, test_image)
    try:
        yield made
    finally:
        await made.cleanup()


async def expect_state(case: Case, c: Container, status: str) -> None:
    """inspect, ``ps --all`` and ``ps`` agree on the container's state."""
    info = await c.inspect()
    assert info.state is not None and info.state.status == status
    assert await case.listed(all=True) == {c.id: status}
    shown_by_ps = status in ("running", "paused")
    assert await case.listed(all=False) == ({c.id: status} if shown_by_ps else {})


async def test_the_seed_lifecycle(case: Case) -> None:
    c = await case.create(TRAPS_TERM)
    await expect_state(case, c, "created")
    await c.start()
    await expect_state(case, c, "running")
    await c.pause()
    await expect_state(case, c, "paused")
    await c.unpause()
    await expect_state(case, c, "running")
    await c.stop(timeout=10)
    await expect_state(case, c, "exited")
    assert (await c.inspect()).state.exit_code == 42  # type: ignore[union-attr]
    await c.start()
    await expect_state(case, c, "running")
    await c.kill(signal="SIGKILL")
    assert (await c.wait()).exit_code == 137
    await expect_state(case, c, "exited")
    assert (await c.inspect()).state.exit_code == 137  # type: ignore[union-attr]
    await c.remove()
    with pytest.raises(NotFound):
        await c.inspect()
    assert await case.listed(all=True) == {}


async def test_start_and_stop_twice_are_quiet_kill_when_stopped_conflicts(case: Case) -> None:
    c = await case.create(TRAPS_TERM)
    await c.start()
    await c.start()  # the engine answers 304: nothing to do
    await c.stop(timeout=5)
    await c.stop(timeout=5)
    assert (await c.inspect()).state.status == "exited"  # type: ignore[union-attr]
    # dockerd: "... is not running"; Podman: "can only kill running containers"
    with pytest.raises(Conflict, match=r"is not running|can only kill running"):
        await c.kill()


async def test_a_missing_container_raises_not_found_naming_it(docker: Docker) -> None:
    name = f"aiodock-missing-{uuid.uuid4().hex[:8]}"
    for call in (
        docker.containers.inspect(name),
        docker.containers.start(name),
        docker.containers.stop(name),
        docker.containers.kill(name),
        docker.containers.remove(name),
    ):
        with pytest.raises(NotFound) as caught:
            await call
        assert name in str(caught.value)


async def test_stop_waits_for_the_timeout_then_kills(case: Case) -> None:
    c = await case.create(IGNORES_TERM)
    await c.start()
    started = time.monotonic()
    await c.stop(timeout=1)
    assert time.monotonic() - started >= 0.9, "stop returned before the timeout"
    state = (await c.inspect()).state
    assert state is not None and state.status == "exited" and state.exit_code == 137


@pytest.mark.api_below("1.42")
async def test_stop_signal_needs_a_newer_api_and_is_not_dropped(case: Case) -> None:
    c = await case.create(TRAPS_TERM)
    await c.start()
    with pytest.raises(APIVersionError) as caught:
        await c.stop(timeout=1, signal="SIGINT")
    assert "1.42" in str(caught.value) and case.docker.api_version in str(caught.value)
    assert (await c.inspect()).state.status == "running"  # type: ignore[union-attr]


@pytest.mark.api("1.42")
async def test_stop_and_restart_send_the_signal_asked_for(case: Case) -> None:
    c = await case.create(TRAPS_INT)
    await c.start()
    await c.stop(timeout=10, signal="SIGINT")
    state = (await c.inspect()).state
    assert state is not None and state.status == "exited" and state.exit_code == 43
    await c.start()
    await c.restart(timeout=10, signal="SIGINT")
    state = (await c.inspect()).state
    assert state is not None and state.status == "running"
    await c.stop(timeout=10)  # SIGTERM again, without the option
    assert (await c.inspect()).state.exit_code == 42  # type: ignore[union-attr]


async def test_restart_runs_the_process_again(case: Case) -> None:
    c = await case.create(["sh", "-c", "echo started; " + TRAPS_TERM[2]])
    await c.start()
    first = (await c.inspect()).state.started_at  # type: ignore[union-attr]
    await c.restart(timeout=5)
    state = (await c.inspect()).state
    assert state is not None and state.status == "running" and state.started_at != first
    seen = b""
    with anyio.fail_after(10):
        async for chunk in c.logs(follow=True):
            seen += chunk.data
            if seen.count(b"started\n") == 2:
                break
    assert seen == b"started\nstarted\n"


async def test_wait_conditions(case: Case) -> None:
    # not-running: until the process exits by itself; at once when stopped
    c = await case.create(["sh", "-c", "sleep 1; exit 7"])
    await c.start()
    assert (await c.wait()).exit_code == 7
    assert (await c.wait(condition="not-running")).exit_code == 7
    # next-exit: the next run's code, not the last one's
    twice = await case.create(["sh", "-c", "test -f /ran && exit 9; touch /ran; exit 4"])
    await twice.start()
    assert (await twice.wait()).exit_code == 4
    async with twice.wait(condition="next-exit") as waiting:
        await twice.start()
        assert (await waiting).exit_code == 9
    # removed
    gone = await case.create(TRAPS_TERM)
    await gone.start()
    async with gone.wait(condition="removed") as waiting:
        await gone.remove(force=True)
        with anyio.fail_after(20):
            await waiting
    with pytest.raises(NotFound):
        await gone.inspect()


async def test_remove_running_conflicts_force_removes(case: Case) -> None:
    c = await case.create(TRAPS_TERM)
    await c.start()
    with pytest.raises(Conflict):
        await c.remove()
    assert (await c.inspect()).state.status == "running"  # type: ignore[union-attr]
    await c.remove(force=True)
    with pytest.raises(NotFound):
        await c.inspect()


async def test_auto_remove(case: Case) -> None:
    c = await case.create(["true"], host_config=HostConfig(auto_remove=True))
    async with c.wait(condition="removed") as waiting:
        await c.start()
        with anyio.fail_after(20):
            await waiting
    with pytest.raises(NotFound):
        await c.inspect()


async def test_prune_removes_only_the_stopped_labelled_containers(
    case: Case, test_image: str
) -> None:
    docker = case.docker
    stopped = await case.create(["true"])
    never_started = await case.create(["true"])
    running = await case.create(TRAPS_TERM)
    other = Case(docker, test_image)  # stopped, labelled differently: kept
    try:
        kept = await other.create(["true"])
        for c in (stopped, running, kept):
            await c.start()
        for c in (stopped, kept):
            await c.wait()
        report = await docker.containers.prune(filters={"label": [f"aiodock.case={case.value}"]})
        assert sorted(report.containers_deleted or []) == sorted([stopped.id, never_started.id])
        assert await case.listed(all=True) == {running.id: "running"}
        assert (await kept.inspect()).state.status == "exited"  # type: ignore[union-attr]
    finally:
        await other.cleanup()


async def test_twenty_containers_through_the_lifecycle_concurrently(case: Case) -> None:
    codes: dict[str, int] = {}

    async def lifecycle(index: int) -> None:
        c = await case.create(TRAPS_TERM, name=f"aiodock-test-{case.value}-{index}")
        await c.start()
        await c.pause()
        assert (await c.inspect()).state.status == "paused"  # type: ignore[union-attr]
        await c.unpause()
        await c.stop(timeout=10)
        first = (await c.inspect()).state.exit_code  # type: ignore[union-attr]
        await c.start()
        await c.kill()
        codes[c.id] = (await c.wait()).exit_code
        assert first == 42
        await c.remove()

    with anyio.fail_after(120):
        async with anyio.create_task_group() as tg:
            for index in range(20):
                tg.start_soon(lifecycle, index)
    assert len(codes) == 20 and set(codes.values()) == {137}
    assert await case.listed(all=True) == {}
