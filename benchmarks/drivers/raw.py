"""The floor: the workloads over :class:`benchmarks.rawhttp.RawHTTP`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from ..measure import Meter
from ..rawhttp import FrameCounter, RawHTTP
from ..workloads import Workload
from ._async_runner import OnEvent, filters_json, run_async


class RawAdapter:
    name = "raw"

    def __init__(self, socket_path: str) -> None:
        self._socket = socket_path
        self.http = RawHTTP(socket_path)

    async def open(self, pool_size: int) -> None:
        pass

    async def close(self) -> None:
        await self.http.close()

    def describe(self) -> dict[str, Any]:
        return {"transport": "asyncio.Protocol over the Unix socket"}

    async def ping(self) -> None:
        await self.http.request("GET", "/_ping")

    async def list_labelled(self, label: str) -> int:
        query = quote(filters_json({"label": [label]}))
        return len(await self.http.get_json("GET", f"/containers/json?all=1&filters={query}"))

    async def inspect(self, container_id: str) -> str:
        info = await self.http.get_json("GET", f"/containers/{container_id}/json")
        return str(info["Id"])

    async def create(self, image: str, labels: dict[str, str]) -> str:
        body = {
            "Image": image,
            "Cmd": ["sleep", "600"],
            "Labels": labels,
            "HostConfig": {"NetworkMode": "none"},
        }
        return str((await self.http.get_json("POST", "/containers/create", body))["Id"])

    async def start(self, container_id: str) -> None:
        await self.http.request("POST", f"/containers/{container_id}/start")

    async def kill(self, container_id: str) -> None:
        await self.http.request("POST", f"/containers/{container_id}/kill")

    async def wait(self, container_id: str) -> None:
        await self.http.get_json("POST", f"/containers/{container_id}/wait")

    async def remove(self, container_id: str) -> None:
        await self.http.request("DELETE", f"/containers/{container_id}?force=1")

    async def exec_true(self, container_id: str) -> int:
        created = await self.http.get_json(
            "POST",
            f"/containers/{container_id}/exec",
            {"Cmd": ["true"], "AttachStdout": True, "AttachStderr": True},
        )
        exec_id = created["Id"]
        frames = FrameCounter()
        await self.http.request(
            "POST",
            f"/exec/{exec_id}/start",
            body=b'{"Detach":false,"Tty":false}',
            sink=frames.feed,
            upgrade=True,
        )
        delay = 0.005
        while True:
            info = await self.http.get_json("GET", f"/exec/{exec_id}/json")
            if not info["Running"] and info["ExitCode"] is not None:
                return int(info["ExitCode"])
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def read_logs(self, container_id: str) -> tuple[int, int]:
        frames = FrameCounter()
        await self.http.request(
            "GET", f"/containers/{container_id}/logs?stdout=1&stderr=1", sink=frames.feed
        )
        return frames.stdout, frames.stderr

    async def subscribe(self, filters: dict[str, list[str]], since: int, on_event: OnEvent) -> None:
        tail = b""

        def sink(data: bytes) -> None:
            nonlocal tail
            lines = (tail + data).split(b"\n")
            tail = lines.pop()
            for line in lines:
                if line.strip():
                    event = json.loads(line)
                    on_event(event.get("Action", ""), event.get("Actor", {}).get("ID", ""))

        query = quote(filters_json(filters))
        await self.http.request("GET", f"/events?since={since}&filters={query}", sink=sink)

    async def follow_logs(self, container_id: str, on_data: Callable[[], None]) -> None:
        frames = FrameCounter()

        def sink(data: bytes) -> None:
            frames.feed(data)
            if frames.frames:
                on_data()

        await self.http.request(
            "GET", f"/containers/{container_id}/logs?stdout=1&stderr=1&follow=1", sink=sink
        )


def run(w: Workload, spec: dict[str, Any], meter: Meter) -> dict[str, Any]:
    return run_async(RawAdapter(spec["socket"]), w, spec, meter)
