"""aiodock demo: the Docker and container lifecycle, end to end, against a local engine.

Run it with ``bash scripts/demo.sh`` (it starts an engine and the local
registries if none answer), or with ``python examples/demo.py`` when they run.

The story, printing each state as the engine reports it:

1. make a tiny busybox image from the host's static busybox (no internet);
2. push it to the local registry on 127.0.0.1:5000, remove it locally, and
   pull it back, showing the pull's progress layer by layer;
3. create a container on a user-defined network, with a bind mount (a host
   directory, read-only), a named volume and an environment variable;
4. start, pause, unpause, stop, start again, kill it, and look at ``docker
   ps`` and ``docker ps --all`` on the way; then remove it;
5. show that the volume outlived the container, and remove the image.

Everything it made (container, network, volume, images, the registry's copy,
the host directory) is removed at the end, also when a step fails.
"""

from __future__ import annotations

import io
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import anyio
import httpx

from aiodock import Container, Docker, NotFound
from aiodock.models import HostConfig

REGISTRY = "127.0.0.1:5000"
RUN = secrets.token_hex(3)  # several demos may run at once: every name carries it
REPOSITORY = f"{REGISTRY}/aiodock-demo/busybox"
IMAGE = f"{REPOSITORY}:{RUN}"
LOCAL_IMAGE = f"aiodock-demo/busybox:{RUN}"
NETWORK = f"aiodock-demo-net-{RUN}"
VOLUME = f"aiodock-demo-data-{RUN}"
CONTAINER = f"aiodock-demo-{RUN}"
LABELS = {"aiodock.demo": RUN}


def say(text: str) -> None:
    print(text, flush=True)


def busybox_rootfs() -> bytes:
    """A root file system tar: the static busybox and a link per applet."""
    busybox = shutil.which("busybox") or "/bin/busybox"
    applets = subprocess.run(
        [busybox, "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for directory in ("bin", "tmp", "etc", "proc", "sys", "dev", "data", "config"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        data = Path(busybox).read_bytes()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
        for applet in applets:
            if applet != "busybox":
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type, link.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(link)
    return buf.getvalue()


async def pull_with_progress(docker: Docker, ref: str) -> None:
    """Pull ``ref``, printing each layer's steps and how far each got."""
    last: dict[str, str] = {}
    async for event in docker.images.pull(ref):
        if not event.id or not event.status or event.id == RUN:
            if event.status:
                say(f"    {event.status}")
            continue
        line = f"layer {event.id}: {event.status}"
        detail = event.progress_detail
        if detail is not None and detail.total:
            line += f" {detail.current or 0}/{detail.total} bytes"
        if last.get(event.id) != line:
            say(f"    {line}")
        last[event.id] = line


async def ps(docker: Docker, container: Container) -> str:
    """Whether ``docker ps`` and ``docker ps --all`` list the container."""
    labelled = {"label": f"aiodock.demo={RUN}"}
    running = {c.id for c in await docker.containers.list(filters=labelled)}
    every = {c.id for c in await docker.containers.list(all=True, filters=labelled)}
    return (
        f"docker ps: {'listed' if container.id in running else 'not listed'},"
        f" docker ps --all: {'listed' if container.id in every else 'not listed'}"
    )


async def state(container: Container) -> str:
    """The state the engine reports, as ``docker ps`` would summarise it."""
    info = await container.inspect()
    assert info.state is not None
    text = str(info.state.status)
    if info.state.status == "exited":
        text += f" (exit code {info.state.exit_code})"
    return text


@asynccontextmanager
async def removing(what: str, remove: Callable[[], Awaitable[object]]) -> AsyncIterator[None]:
    """Run ``remove`` when the block ends, however it ends (gone already is fine)."""
    try:
        yield
    finally:
        with anyio.CancelScope(shield=True):
            try:
                await remove()
            except NotFound:
                pass
            except Exception as exc:  # clean up the rest, but say what was left
                print(f"could not remove {what}: {exc}", file=sys.stderr)


async def delete_from_registry(digest: str) -> None:
    """Remove the pushed manifest from the local registry (it allows deletes)."""
    async with httpx.AsyncClient(base_url=f"http://{REGISTRY}", timeout=10) as registry:
        response = await registry.delete(f"/v2/aiodock-demo/busybox/manifests/{digest}")
        if response.status_code not in (202, 404):
            raise RuntimeError(f"the registry answered {response.status_code} to the delete")


async def main() -> None:
    async with Docker() as docker, AsyncExitStack() as cleanup:
        say(f"engine at {docker.address.describe()} (from {docker.address.source})")
        version = await docker.system.version()
        say(f"engine {version.version} on {version.os}/{version.arch}, API {docker.api_version}")

        # -- the image: make it, push it, remove it, pull it back ---------------
        say("\n== image")
        await cleanup.enter_async_context(
            removing(LOCAL_IMAGE, lambda: docker.images.remove(LOCAL_IMAGE, force=True))
        )
        [image_id] = await docker.images.import_image(
            busybox_rootfs(), repo=LOCAL_IMAGE, changes=['CMD ["sh"]']
        )
        say(f"made {LOCAL_IMAGE} ({image_id[:19]}) from the host's busybox")
        await cleanup.enter_async_context(
            removing(IMAGE, lambda: docker.images.remove(IMAGE, force=True))
        )
        await docker.images.tag(LOCAL_IMAGE, REPOSITORY, tag=RUN)
        say(f"tagged it {IMAGE}")
        pushed = await docker.images.push(IMAGE)
        await cleanup.enter_async_context(
            removing(f"{IMAGE} in the registry", lambda: delete_from_registry(pushed.digest))
        )
        say(f"pushed {IMAGE}: digest {pushed.digest}, {pushed.size} bytes of manifest")
        await docker.images.remove(IMAGE)
        await docker.images.remove(LOCAL_IMAGE)
        listed = {tag for image in await docker.images.list() for tag in image.repo_tags or []}
        say(
            f"removed it locally: docker images {'still' if IMAGE in listed else 'no longer'}"
            " lists it"
        )
        say(f"pulling {IMAGE} back:")
        await pull_with_progress(docker, IMAGE)
        pulled = await docker.images.inspect(IMAGE)
        say(f"pulled {IMAGE}: {pulled.id}")

        # -- what the container gets: a network, a volume, a host directory -----
        say("\n== network, volume, bind mount")
        network = await docker.networks.create(NETWORK, driver="bridge", labels=LABELS)
        await cleanup.enter_async_context(
            removing(NETWORK, lambda: docker.networks.remove(NETWORK))
        )
        say(f"user-defined network {NETWORK} ({(network.id or '')[:12]})")
        volume = await docker.volumes.create(VOLUME, labels=LABELS)
        await cleanup.enter_async_context(
            removing(VOLUME, lambda: docker.volumes.remove(VOLUME, force=True))
        )
        say(f"named volume {volume.name} at {volume.mountpoint}")
        host_dir = Path(tempfile.mkdtemp(prefix="aiodock-demo-"))
        cleanup.callback(shutil.rmtree, host_dir, ignore_errors=True)
        (host_dir / "motd").write_text("a file from the host, mounted read-only\n")
        say(f"host directory {host_dir} for a read-only bind mount")

        # -- the container's lifecycle ------------------------------------------
        say("\n== container")
        script = (
            'trap "echo stopping on SIGTERM; exit 0" TERM; cat /config/motd;'
            ' echo "hello from $GREETING" > /data/hello; echo wrote /data/hello;'
            " sleep 300 & wait $!"
        )
        container = await docker.containers.create(
            IMAGE,
            ["sh", "-c", script],
            name=CONTAINER,
            env={"GREETING": "aiodock"},
            labels=LABELS,
            network=NETWORK,
            network_aliases=["demo"],
            host_config=HostConfig(binds=[f"{host_dir}:/config:ro", f"{VOLUME}:/data"]),
        )
        await cleanup.enter_async_context(
            removing(CONTAINER, lambda: docker.containers.remove(container.id, force=True))
        )
        info = await container.inspect()
        assert info.config is not None and info.host_config is not None
        say(f"created {CONTAINER} ({container.id[:12]}): {await state(container)}")
        say(
            f"  env {[e for e in info.config.env or [] if e.startswith('GREETING=')]},"
            f" binds {info.host_config.binds}"
        )
        say(f"  {await ps(docker, container)}")

        await container.start()
        settings = (await container.inspect()).network_settings
        endpoint = (settings.networks or {}).get(NETWORK) if settings else None
        address = endpoint.ip_address if endpoint else None
        say(f"started: {await state(container)}, address {address} on {NETWORK}")
        say(f"  {await ps(docker, container)}")
        output = b""
        with anyio.fail_after(30):
            async for chunk in container.logs(follow=True):
                output += chunk.data
                if b"wrote /data/hello" in output:
                    break
        say(f"  its output: {output.decode().strip()!r}")

        await container.pause()
        say(f"paused: {await state(container)}")
        await container.unpause()
        say(f"unpaused: {await state(container)}")
        await container.stop(timeout=1)
        say(f"stopped: {await state(container)}")
        say(f"  {await ps(docker, container)}")
        await container.start()
        say(f"started again: {await state(container)}")
        await container.kill()
        await container.wait()
        say(f"killed: {await state(container)}")
        await container.remove()
        left = await docker.containers.list(all=True, filters={"name": CONTAINER})
        say(f"removed {CONTAINER}: {'still there' if left else 'gone'}")

        # -- the volume outlived it; then remove the image ----------------------
        say("\n== after the container")
        result = await docker.containers.run(
            IMAGE,
            ["cat", "/data/hello"],
            labels=LABELS,
            host_config=HostConfig(binds=[f"{VOLUME}:/data:ro"]),
        )
        say(f"the volume outlived its writer: {result.stdout.decode().strip()!r}")
        removed = await docker.images.remove(IMAGE)
        steps = [
            f"untagged {s.untagged}" if s.untagged else f"deleted {s.deleted}" for s in removed
        ]
        say(f"removed the image: {', '.join(steps)}")
    say("\ncleaned up: the network, the volume, the host directory and the registry's copy")


if __name__ == "__main__":
    anyio.run(main)
