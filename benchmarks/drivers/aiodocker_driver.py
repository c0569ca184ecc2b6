"""aiodocker 0.27: the workloads through its public API where it has one.

aiodocker has no public ping, so ``ping`` goes through its own request path
(``Docker._query``), as its ``version()`` does. Events: one ``DockerEvents``
per subscription (each one its own HTTP stream).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from aiodocker import Docker
from aiodocker.events import DockerEvents

from ..measure import Meter
from ..workloads import Workload
from ._async_runner import OnEvent, filters_json, run_async


class AiodockerAdapter:
    name = "aiodocker"

    def __init__(self, socket_path: str, ssh_url: str | None = None) -> None:
        self._socket = socket_path
        self._ssh_url = ssh_url
        self._docker: Docker | None = None
        self._connector: aiohttp.BaseConnector | None = None

    @property
    def docker(self) -> Docker:
        assert self._docker is not None
        return self._docker

    async def open(self, pool_size: int) -> None:
        if self._ssh_url is not None:
            # aiodocker's own ssh:// support (asyncssh; docker system dial-stdio per connection)
            self._docker = Docker(url=self._ssh_url)
            return
        connector = aiohttp.UnixConnector(self._socket, limit=max(100, pool_size))
        # what aiodocker does for unix:// itself, with the pool's limit raised
        self._docker = Docker(url="http://localhost", connector=connector)
        self._connector = connector

    async def close(self) -> None:
        if self._docker is not None:
            await self._docker.close()
        if self._connector is not None:
            await self._connector.close()

    def describe(self) -> dict[str, Any]:
        return {"transport": "aiohttp"}

    async def ping(self) -> None:
        async with self.docker._query("_ping", versioned_api=False) as response:
            await response.read()

    async def list_labelled(self, label: str) -> int:
        found = await self.docker.containers.list(all=1, filters=filters_json({"label": [label]}))
        return len(found)

    async def inspect(self, container_id: str) -> str:
        container = await self.docker.containers.get(container_id)
        return str(container.id)

    async def create(self, image: str, labels: dict[str, str]) -> str:
        container = await self.docker.containers.create(
            {
                "Image": image,
                "Cmd": ["sleep", "600"],
                "Labels": labels,
                "HostConfig": {"NetworkMode": "none"},
            }
        )
        return str(container.id)

    async def start(self, container_id: str) -> None:
        await self.docker.containers.container(container_id).start()

    async def kill(self, container_id: str) -> None:
        await self.docker.containers.container(container_id).kill()

    async def wait(self, container_id: str) -> None:
        await self.docker.containers.container(container_id).wait()

    async def remove(self, container_id: str) -> None:
        await self.docker.containers.container(container_id).delete(force=True)

    async def exec_true(self, container_id: str) -> int:
        ex = await self.docker.containers.container(container_id).exec(["true"])
        async with ex.start(detach=False) as stream:
            while await stream.read_out() is not None:
                pass
        delay = 0.005
        while True:
            info = await ex.inspect()
            if not info["Running"] and info["ExitCode"] is not None:
                return int(info["ExitCode"])
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def read_logs(self, container_id: str) -> tuple[int, int]:
        container = self.docker.containers.container(container_id)
        size = 0
        # follow=True is aiodocker's streaming form; the container has exited,
        # so the stream ends after the last line
        async for piece in container.log(stdout=True, stderr=True, follow=True):
            size += len(piece)  # str pieces, ASCII logs: one char per byte
        return size, 0

    async def subscribe(self, filters: dict[str, list[str]], since: int, on_event: OnEvent) -> None:
        events = DockerEvents(self.docker)  # type: ignore[no-untyped-call]
        subscriber = events.subscribe(  # type: ignore[no-untyped-call]
            since=since, filters=filters_json(filters)
        )
        try:
            while True:
                event = await subscriber.get()
                if event is None:
                    return
                on_event(event.get("Action", ""), event.get("Actor", {}).get("ID", ""))
        finally:
            await events.stop()  # type: ignore[no-untyped-call]
            if events.task is not None:
                events.task.cancel()

    async def follow_logs(self, container_id: str, on_data: Callable[[], None]) -> None:
        container = self.docker.containers.container(container_id)
        async for _piece in container.log(stdout=True, stderr=True, follow=True):
            on_data()


def run(w: Workload, spec: dict[str, Any], meter: Meter) -> dict[str, Any]:
    return run_async(AiodockerAdapter(spec["socket"], spec.get("ssh_url")), w, spec, meter)
