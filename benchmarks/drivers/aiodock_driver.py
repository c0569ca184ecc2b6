"""aiodock: the workloads through its public API (typed models everywhere).

``transport`` is ``None`` for aiodock's default, or ``"httpx"`` for httpx's
stock transport (the informational column). The ``ssh-*`` workloads connect
to ``spec["ssh_url"]`` (``~/.ssh`` of the worker's ``HOME``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiodock import Docker
from aiodock.models import HostConfig

from ..measure import Meter
from ..workloads import Workload
from ._async_runner import OnEvent, run_async

_NO_NETWORK = HostConfig(network_mode="none")


class AiodockAdapter:
    name = "aiodock"

    def __init__(self, socket_path: str, transport: str | None, ssh_url: str | None = None) -> None:
        self._socket = socket_path
        self._transport = transport
        self._ssh_url = ssh_url
        self._docker: Docker | None = None

    @property
    def docker(self) -> Docker:
        assert self._docker is not None
        return self._docker

    async def open(self, pool_size: int) -> None:
        kwargs: dict[str, Any] = {"max_connections": max(100, pool_size)}
        if self._transport is not None:
            kwargs["transport"] = self._transport
        host = self._ssh_url or f"unix://{self._socket}"
        self._docker = Docker(host, **kwargs)
        await self._docker.__aenter__()

    async def close(self) -> None:
        if self._docker is not None:
            await self._docker.close()

    def describe(self) -> dict[str, Any]:
        client = getattr(self.docker._api, "_client", None)
        transport = getattr(client, "_transport", None)
        return {"transport": type(transport).__name__ if transport is not None else "?"}

    async def ping(self) -> None:
        await self.docker.ping()

    async def list_labelled(self, label: str) -> int:
        return len(await self.docker.containers.list(all=True, filters={"label": [label]}))

    async def inspect(self, container_id: str) -> str:
        info = await self.docker.containers.inspect(container_id)
        return str(info.id)

    async def create(self, image: str, labels: dict[str, str]) -> str:
        container = await self.docker.containers.create(
            image, ["sleep", "600"], labels=labels, host_config=_NO_NETWORK
        )
        return container.id

    async def start(self, container_id: str) -> None:
        await self.docker.containers.start(container_id)

    async def kill(self, container_id: str) -> None:
        await self.docker.containers.kill(container_id)

    async def wait(self, container_id: str) -> None:
        await self.docker.containers.wait(container_id)

    async def remove(self, container_id: str) -> None:
        await self.docker.containers.remove(container_id, force=True)

    async def exec_true(self, container_id: str) -> int:
        ex = await self.docker.execs.create(container_id, ["true"])
        result = await ex.start()
        return result.exit_code

    async def read_logs(self, container_id: str) -> tuple[int, int]:
        out = err = 0
        async for chunk in self.docker.containers.logs(container_id):
            if chunk.stream == "stderr":
                err += len(chunk.data)
            else:
                out += len(chunk.data)
        return out, err

    async def subscribe(self, filters: dict[str, list[str]], since: int, on_event: OnEvent) -> None:
        async with self.docker.system.events(since=since, filters=filters) as events:
            async for event in events:
                on_event(event.action or "", event.actor.id or "" if event.actor else "")

    async def follow_logs(self, container_id: str, on_data: Callable[[], None]) -> None:
        async for _chunk in self.docker.containers.logs(container_id, follow=True):
            on_data()


def run(w: Workload, spec: dict[str, Any], meter: Meter) -> dict[str, Any]:
    adapter = AiodockAdapter(spec["socket"], spec.get("transport"), spec.get("ssh_url"))
    return run_async(adapter, w, spec, meter)
