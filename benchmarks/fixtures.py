"""What the workloads need from the engine, made (and removed) through aiodock.

- the image: a tiny busybox image imported from the static busybox binary
  (as the tests make theirs), tagged ``aiodock-bench/busybox:<run id>``;
- ``idle``: 20 running containers that printed ``ready`` and sleep;
- ``logs``: a stopped container that wrote exactly LOG_BYTES to stdout.

Everything carries ``aiodock.bench=<run id>``; :func:`remove_everything`
removes what carries it (and only that), also after a failure.

Example:
    >>> fx = await make_fixtures(docker, run_id, needs={"idle"})  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio

from aiodock import Docker
from aiodock.models import HostConfig

from .workloads import IDLE_CONTAINERS, LABEL_KEY, LOG_BYTES, LOG_LINE

IMAGE_REPO = "aiodock-bench/busybox"
_NO_NETWORK = HostConfig(network_mode="none")


def _pattern_line() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return (alphabet * (LOG_LINE // len(alphabet) + 1))[: LOG_LINE - 1]


async def make_image(docker: Docker, run_id: str) -> str:
    """Import the busybox image; return its reference."""
    from tests.helpers import busybox_rootfs_tar

    await docker.images.import_image(
        busybox_rootfs_tar(),
        repo=IMAGE_REPO,
        tag=run_id,
        changes=[f"LABEL {LABEL_KEY}={run_id}", 'CMD ["sh"]'],
    )
    return f"{IMAGE_REPO}:{run_id}"


async def make_idle(docker: Docker, image: str, run_id: str) -> list[str]:
    """Start the idle containers; return their ids once each has printed ``ready``."""
    ids: list[str] = []

    async def one(i: int) -> None:
        c = await docker.containers.create(
            image,
            ["sh", "-c", "echo ready; exec sleep 3600"],
            name=None,
            labels={LABEL_KEY: run_id, f"{LABEL_KEY}.role": "idle"},
            host_config=_NO_NETWORK,
        )
        ids.append(c.id)
        await c.start()

    async with anyio.create_task_group() as tg:
        for i in range(IDLE_CONTAINERS):
            tg.start_soon(one, i)
    for cid in ids:
        # follow until the first line: the container has printed "ready"
        with anyio.fail_after(30):
            async for _chunk in docker.containers.logs(cid, tty=False, follow=True):
                break
    return ids


async def make_logs(docker: Docker, image: str, run_id: str) -> str:
    """Run the container that writes LOG_BYTES of logs; return its id once it has exited."""
    script = f"yes {_pattern_line()} | head -c {LOG_BYTES}"
    c = await docker.containers.create(
        image,
        ["sh", "-c", script],
        labels={LABEL_KEY: run_id, f"{LABEL_KEY}.role": "logs"},
        host_config=_NO_NETWORK,
    )
    await c.start()
    with anyio.fail_after(600):
        result = await c.wait()
    if result.status_code != 0:
        raise RuntimeError(f"the logs container exited with {result.status_code}")
    return c.id


async def make_fixtures(docker: Docker, run_id: str, needs: set[str]) -> dict[str, Any]:
    """The image and whatever the selected workloads need."""
    image = await make_image(docker, run_id)
    fixtures: dict[str, Any] = {"image": image}
    if "idle" in needs:
        fixtures["idle"] = await make_idle(docker, image, run_id)
    if "logs" in needs:
        fixtures["logs"] = await make_logs(docker, image, run_id)
    return fixtures


async def remove_labelled(docker: Docker, label: str) -> int:
    """Force-remove the containers carrying ``label`` (``key=value``)."""
    found = await docker.containers.list(all=True, filters={"label": [label]})
    async with anyio.create_task_group() as tg:
        for c in found:
            if c.id:
                tg.start_soon(_remove_one, docker, c.id)
    return len(found)


async def _remove_one(docker: Docker, container_id: str) -> None:
    from aiodock.errors import NotFound

    with contextlib.suppress(NotFound):
        await docker.containers.remove(container_id, force=True)


async def remove_everything(docker: Docker, run_id: str) -> None:
    """Remove every container and image this run made (label-filtered)."""
    label = f"{LABEL_KEY}={run_id}"
    await remove_labelled(docker, label)
    for image in await docker.images.list(filters={"label": [label]}):
        if image.id:
            await docker.images.remove(image.id, force=True)
