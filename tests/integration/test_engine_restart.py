"""An engine restart under a live client, on an engine this test owns.

A second dockerd (tests/enginebed.py: its own data root, exec root,
pidfile, socket and bridge, no iptables) is stopped and started again while
an events subscription and a log follow are open:

- both end with :class:`ConnectionLost` (not a silent end, not a hang);
- ``events(resume=True)`` reconnects with ``since=`` its last event's
  ``timeNano``: every event before the stop and after the restart arrives,
  once, in order;
- short calls while the engine is down fail fast with
  :class:`EngineUnavailable`, and the same client works once it is back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from aiodock import Docker
from aiodock.errors import ConnectionLost, EngineUnavailable
from aiodock.models import EventMessage
from tests.enginebed import SecondEngine
from tests.helpers import LABELS, busybox_rootfs_tar

TRANSPORTS = ["aiodock", "httpx"]
TICKER = "trap 'exit 0' TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"


@pytest.fixture(scope="module")
def second_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecondEngine]:
    directory: Path = tmp_path_factory.mktemp("restart") / "engine"
    with SecondEngine(directory, stop_timeout=20.0, extra_args=("--live-restore",)) as engine:
        yield engine


def volume_names(events: list[EventMessage]) -> list[tuple[str, str]]:
    return [(e.action or "", e.actor.id or "") for e in events if e.actor is not None]


def key(event: EventMessage) -> tuple[int | None, str | None, str | None]:
    return (event.time_nano, event.action, event.actor.id if event.actor else None)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_engine_restart(second_engine: SecondEngine, transport: str) -> None:
    host = second_engine.docker_host
    tag = f"{transport}-{int(time.time() * 1000) % 10**8}"
    async with Docker(
        host,
        transport=transport,
        timeout=10.0,  # type: ignore[arg-type]
        env={},
    ) as docker:
        with anyio.fail_after(60):
            [image] = await docker.images.import_image(
                busybox_rootfs_tar(),
                repo="aiodock-restart/busybox",
                tag="1",
                changes=['CMD ["sh"]'],
            )
            ticker = await docker.containers.create(image, ["sh", "-c", TICKER], labels=LABELS)
            await ticker.start()

        plain_events = docker.system.events(filters={"type": ["volume"]})
        resumed = docker.system.events(filters={"type": ["volume"]}, resume=True, resume_for=60.0)
        logs = docker.containers.logs(ticker.id, follow=True, tty=False)
        before = [f"aiodock-rs-{tag}-before-{i}" for i in range(3)]
        after = [f"aiodock-rs-{tag}-after-{i}" for i in range(3)]
        delivered: list[EventMessage] = []
        outcome: dict[str, BaseException | None] = {}
        log_lines = 0

        async def follow_plain() -> None:
            try:
                async with plain_events as stream:
                    async for _ in stream:
                        pass
                outcome["events"] = None
            except BaseException as exc:
                outcome["events"] = exc

        async def follow_logs() -> None:
            nonlocal log_lines
            try:
                async for _chunk in logs:
                    log_lines += 1
                outcome["logs"] = None
            except BaseException as exc:
                outcome["logs"] = exc

        async def follow_resumed(subscribed: anyio.Event) -> None:
            async with resumed as stream:
                subscribed.set()
                async for event in stream:
                    delivered.append(event)
                    if event.actor and event.actor.id == after[-1]:
                        return

        with anyio.fail_after(120):
            async with anyio.create_task_group() as tg:
                subscribed = anyio.Event()
                tg.start_soon(follow_resumed, subscribed)
                await subscribed.wait()
                tg.start_soon(follow_plain)
                tg.start_soon(follow_logs)
                for name in before:
                    await docker.volumes.create(name=name, labels=LABELS)
                while len(delivered) < len(before) or log_lines < 3:  # noqa: ASYNC110
                    await anyio.sleep(0.05)

                await anyio.to_thread.run_sync(second_engine.stop)
                # While it is down: short calls fail fast and clearly.
                for _ in range(3):
                    started = time.monotonic()
                    with pytest.raises(EngineUnavailable) as caught:
                        await docker.system.version()
                    assert time.monotonic() - started < 2.0
                    assert str(second_engine.socket_path) in str(caught.value)
                await anyio.to_thread.run_sync(second_engine.start)

                assert (await docker.system.version()).api_version
                for name in after:
                    await docker.volumes.create(name=name, labels=LABELS)

        # The subscriptions that did not ask to resume ended with a clear error.
        assert isinstance(outcome.get("events"), ConnectionLost), outcome
        assert isinstance(outcome.get("logs"), ConnectionLost), outcome

        # The resumed stream: every event, once, in order, across the restart.
        keys = [key(e) for e in delivered]
        assert len(keys) == len(set(keys)), f"duplicates: {keys}"
        creates = [name for action, name in volume_names(delivered) if action == "create"]
        assert creates == before + after, volume_names(delivered)
        assert resumed.reconnects >= 1
        # No gap: what the engine reports for the time since it came back is
        # exactly what the resumed stream delivered after the break.
        restarted_nano = delivered[len(before)].time_nano
        assert restarted_nano is not None
        seconds, nanos = divmod(restarted_nano, 10**9)
        history = await docker.system.events(
            since=f"{seconds}.{nanos:09d}", until=time.time() + 1, filters={"type": ["volume"]}
        )
        assert [key(e) for e in history] == keys[len(before) :]

        for name in before + after:
            await docker.volumes.remove(name)
        await docker.containers.remove(ticker.id, force=True)
