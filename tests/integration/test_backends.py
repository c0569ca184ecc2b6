"""The smoke test on each backend (asyncio, trio): ping, version, events.
And the test bed's own promise: a test marked ``anyio`` runs on the loop
its ``[asyncio]``/``[trio]`` case names (pytest-asyncio's auto mode once
ran the trio cases on asyncio without a word)."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest
import sniffio

from tests.helpers import LABEL_KEY, LABELS, RUN_ID, own_client, ping_api_version

pytestmark = pytest.mark.anyio


async def test_runs_on_the_backend_it_names(anyio_backend: str) -> None:
    assert sniffio.current_async_library() == anyio_backend
    await anyio.lowlevel.checkpoint()


async def test_ping_version_events(engine: str, test_image: str) -> None:
    seen: list[str] = []
    async with own_client(engine, seconds=30) as docker:
        assert (await docker.ping()).api_version == ping_api_version(engine)
        assert (await docker.system.version()).api_version == ping_api_version(engine)
        filters = {"type": "container", "label": f"{LABEL_KEY}={RUN_ID}"}
        async with docker.system.events(filters=filters) as events:
            created = await docker._api.get(
                dict,
                "/containers/create",
                method="POST",
                json={"Image": test_image, "Cmd": ["true"], "Labels": LABELS},
            )
            await docker._api.request("DELETE", f"/containers/{created['Id']}")
            gone = "remove" if docker._api.podman else "destroy"  # Podman's word for it
            async for event in events:
                if event.actor is not None and event.actor.id == created["Id"]:
                    seen.append(event.action or "")
                if gone in seen:
                    break
    assert seen[0] == "create" and seen[-1] == gone
