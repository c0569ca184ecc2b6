"""aiodock demo: the Docker lifecycle against a local engine.

Run it with ``scripts/demo.sh`` (starts an engine and registries if none
answer), or directly with ``python examples/demo.py`` when one is running.
It makes a tiny busybox image from the host's static busybox (no internet
registry needed), pushes it to the local registry on 127.0.0.1:5000, pulls
it back, walks a container through its states, and removes what it made.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile

import anyio

from aiodock import Docker

REGISTRY_IMAGE = "127.0.0.1:5000/aiodock-demo/busybox:1"
LOCAL_IMAGE = "aiodock-demo/busybox:1"


def busybox_rootfs() -> bytes:
    busybox = shutil.which("busybox") or "/bin/busybox"
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for directory in ("bin", "tmp", "etc", "proc", "sys", "dev"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        with open(busybox, "rb") as binary:
            data = binary.read()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
        for applet in applets:
            if applet != "busybox":
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type, link.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(link)
    return buf.getvalue()


async def main() -> None:
    async with Docker() as docker:
        print(f"engine at {docker.address.describe()} (from {docker.address.source})")
        print(f"API version in use: {docker.api_version}")
        version = await docker.system.version()
        print(f"engine {version.version} on {version.os}/{version.arch}")
        info = await docker.system.info()
        print(f"{info.containers} containers, {info.images} images, driver {info.driver}")

        await docker.images.import_image(busybox_rootfs(), repo=LOCAL_IMAGE,
                                         changes=['CMD ["sh"]'])
        await docker.images.tag(LOCAL_IMAGE, "127.0.0.1:5000/aiodock-demo/busybox", "1")
        pushed = await docker.images.push(REGISTRY_IMAGE)
        print(f"pushed {REGISTRY_IMAGE}: {pushed.digest}")
        await docker.images.remove(REGISTRY_IMAGE)
        async for event in docker.images.pull(REGISTRY_IMAGE):
            if event.status and event.id:
                print(f"  pull {event.id}: {event.status}")
        print(f"pulled {REGISTRY_IMAGE} back")

        volume = await docker.volumes.create(labels={"aiodock.demo": "1"})
        network = await docker.networks.create("aiodock-demo-net", labels={"aiodock.demo": "1"})
        container = await docker.containers.create(
            REGISTRY_IMAGE, ["sh", "-c", "echo hello from $GREETING > /data/hello; sleep 30"],
            env={"GREETING": "aiodock"}, labels={"aiodock.demo": "1"},
            network="aiodock-demo-net", network_aliases=["demo"],
            host_config={"Binds": [f"{volume.name}:/data"]},  # type: ignore[arg-type]
        )
        try:
            async def state() -> str:
                return (await container.inspect()).state.status  # type: ignore[union-attr,return-value]

            print(f"created: {await state()}")
            await container.start()
            print(f"started: {await state()}")
            await container.pause()
            print(f"paused: {await state()}")
            await container.unpause()
            print(f"unpaused: {await state()}")
            await container.stop(timeout=1)
            print(f"stopped: {await state()}")
            await container.start()
            await container.kill()
            code = (await container.inspect()).state.exit_code  # type: ignore[union-attr]
            print(f"killed: {await state()}, exit code {code}")
            result = await docker.containers.run(REGISTRY_IMAGE, ["cat", "/data/hello"],
                                                 host_config={"Binds": [f"{volume.name}:/data"]})  # type: ignore[arg-type]
            print(f"the volume outlived its writer: {result.stdout.decode().strip()!r}")
        finally:
            await container.remove(force=True)
            await docker.networks.remove(network.id or "aiodock-demo-net")
            await docker.volumes.remove(volume.name)
            for ref in (REGISTRY_IMAGE, LOCAL_IMAGE):
                await docker.images.remove(ref, force=True)
        print("removed the container, network, volume and images")


if __name__ == "__main__":
    anyio.run(main)
