"""aiodock demo: the Docker lifecycle against a local engine.

Run it with ``scripts/demo.sh`` (starts an engine if none answers), or
directly with ``python examples/demo.py`` when one is running.
"""

from __future__ import annotations

import anyio

from aiodock import Docker


async def main() -> None:
    async with Docker() as docker:
        print(f"engine at {docker.address.describe()} (from {docker.address.source})")
        print(f"API version in use: {docker.api_version}")
        version = await docker.system.version()
        print(
            f"engine {version.version} on {version.os}/{version.arch},"
            f" kernel {version.kernel_version}"
        )
        info = await docker.system.info()
        print(
            f"{info.containers} containers ({info.containers_running} running,"
            f" {info.containers_paused} paused, {info.containers_stopped} stopped),"
            f" {info.images} images, storage driver {info.driver}"
        )
        df = await docker.system.df()
        print(f"layers use {df.layers_size or 0} bytes")


if __name__ == "__main__":
    anyio.run(main)
