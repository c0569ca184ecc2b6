"""Long streams hold connections of their own: with the pool's limit far
below the number of open streams, short requests still complete (both
transports, against the real engine)."""

from __future__ import annotations

import anyio
import pytest

from aiodock import Docker
from tests.helpers import LABELS


@pytest.mark.parametrize("transport", ["aiodock", "httpx"])
async def test_open_streams_never_starve_short_requests(
    engine: str, test_image: str, transport: str
) -> None:
    async with Docker(
        f"unix://{engine}",
        transport=transport,  # type: ignore[arg-type]
        max_connections=2,
        timeout=10,
    ) as docker:
        container = await docker.containers.create(
            test_image, command=["sleep", "60"], labels=LABELS
        )
        try:
            await docker.containers.start(container.id)
            opened = 0
            all_open = anyio.Event()

            async def follow_logs() -> None:
                nonlocal opened
                async with docker.containers.logs(container.id, follow=True) as logs:
                    opened += 1
                    if opened == 8:
                        all_open.set()
                    async for _ in logs:
                        pass

            async with anyio.create_task_group() as tg:
                for _ in range(8):
                    tg.start_soon(follow_logs)
                with anyio.fail_after(20):
                    await all_open.wait()
                    results = []

                    async def inspect() -> None:
                        results.append(await docker.containers.inspect(container.id))

                    async with anyio.create_task_group() as short:
                        for _ in range(10):
                            short.start_soon(inspect)
                assert len(results) == 10
                assert all(r.state.running for r in results)
                tg.cancel_scope.cancel()
        finally:
            await docker.containers.remove(container.id, force=True)
