"""The same smoke test on trio: ping, version, events."""

from __future__ import annotations

import trio

from aiodock import Docker
from tests.helpers import LABEL_KEY, LABELS, RUN_ID


def test_ping_version_events_on_trio(engine: str, test_image: str) -> None:
    async def main() -> list[str]:
        async with Docker(f"unix://{engine}", env={}) as docker:
            assert (await docker.ping()).api_version == "1.41"
            assert (await docker.system.version()).api_version == "1.41"
            seen: list[str] = []
            filters = {"type": "container", "label": f"{LABEL_KEY}={RUN_ID}"}
            with trio.fail_after(30):
                async with docker.system.events(filters=filters) as events:
                    created = await docker._api.get(
                        dict,
                        "/containers/create",
                        method="POST",
                        json={"Image": test_image, "Cmd": ["true"], "Labels": LABELS},
                    )
                    await docker._api.request("DELETE", f"/containers/{created['Id']}")
                    async for event in events:
                        if event.actor is not None and event.actor.id == created["Id"]:
                            seen.append(event.action or "")
                        if "destroy" in seen:
                            break
            return seen

    seen = trio.run(main)
    assert seen[0] == "create" and seen[-1] == "destroy"
