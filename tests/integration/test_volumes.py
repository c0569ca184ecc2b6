"""Volumes and mounts against the real engine: data that outlives its
container, in-use and missing volumes, labels and driver options, list
filters, read-only bind mounts, tmpfs mounts, prune."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple

import anyio
import pytest

from aiodock import APIVersionError, Conflict, Container, Docker, NotFound
from aiodock.models import HostConfig, Mount, MountTmpfsOptions, Volume
from tests.helpers import LABEL_KEY, LABELS, RUN_ID, version_tuple

TEST_TIMEOUT = 60


class Ran(NamedTuple):
    exit_code: int
    stdout: str
    stderr: str


def unique(prefix: str) -> str:
    return f"aiodock-test-{prefix}-{RUN_ID}-{uuid.uuid4().hex[:6]}"


async def run(
    docker: Docker, image: str, command: list[str], host_config: HostConfig | None = None
) -> Ran:
    """``docker run --rm`` of a labelled container; its exit code and output as text."""
    result = await docker.containers.run(image, command, labels=LABELS, host_config=host_config)
    return Ran(result.exit_code, result.stdout.decode(), result.stderr.decode())


async def create_container(
    docker: Docker, image: str, command: list[str], host_config: HostConfig
) -> Container:
    return await docker.containers.create(image, command, labels=LABELS, host_config=host_config)


async def remove_container(container: Container) -> None:
    with anyio.CancelScope(shield=True), suppress(NotFound):
        await container.remove(force=True)


@asynccontextmanager
async def volume(docker: Docker, **options: Any) -> AsyncIterator[Volume]:
    """A labelled named volume for the block's duration, removed after."""
    labels = {**LABELS, **options.pop("labels", {})}
    created = await docker.volumes.create(unique("vol"), labels=labels, **options)
    try:
        yield created
    finally:
        with anyio.CancelScope(shield=True):
            await docker.volumes.remove(created, force=True)


# -- tests ----------------------------------------------------------------------------


async def test_named_volume_outlives_its_container(docker: Docker, test_image: str) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        async with volume(docker) as vol:
            assert vol.name and vol.driver == "local" and vol.mountpoint
            binds = HostConfig(binds=[f"{vol.name}:/data"])
            wrote = await run(
                docker, test_image, ["sh", "-c", "echo kept-across-containers > /data/note"], binds
            )
            assert wrote.exit_code == 0, wrote.stderr
            # The writer is gone (run removes it); a new container reads the data.
            read = await run(
                docker,
                test_image,
                ["cat", "/data/note"],
                HostConfig(
                    mounts=[Mount(type="volume", source=vol.name, target="/data", read_only=True)]
                ),
            )
    assert read.exit_code == 0, read.stderr
    assert read.stdout == "kept-across-containers\n"


async def test_volume_in_use_and_missing_volume(docker: Docker, test_image: str) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        async with volume(docker) as vol:
            assert vol.name
            user = await create_container(
                docker, test_image, ["true"], HostConfig(binds=[f"{vol.name}:/data"])
            )
            try:
                for force in (False, True):
                    with pytest.raises(Conflict) as in_use:
                        await docker.volumes.remove(vol.name, force=force)
                    # dockerd: "volume is in use"; Podman: "volume is being used"
                    assert "in use" in in_use.value.message or "being used" in in_use.value.message
                    assert user.id in in_use.value.message
            finally:
                await remove_container(user)
            await docker.volumes.remove(vol.name)
            with pytest.raises(NotFound) as missing:
                await docker.volumes.inspect(vol.name)
            assert vol.name in missing.value.message
            with pytest.raises(NotFound):
                await docker.volumes.remove(vol.name)
            await docker.volumes.remove(vol.name, force=True)  # quietly


async def test_labels_driver_opts_and_a_tmpfs_volume(docker: Docker, test_image: str) -> None:
    # Podman reads size= as a quota its storage lacks here: a tmpfs without it
    size = "nodev" if docker._api.podman else "size=2m"
    tmpfs = {"type": "tmpfs", "device": "tmpfs", "o": size}
    with anyio.fail_after(TEST_TIMEOUT):
        async with volume(docker, driver_opts=tmpfs, labels={"role": "scratch"}) as vol:
            assert vol.name
            inspected = await docker.volumes.inspect(vol.name)
            assert inspected.labels == {**LABELS, "role": "scratch"}
            assert inspected.options == tmpfs
            assert inspected.driver == "local" and inspected.scope == "local"
            assert inspected.mountpoint and inspected.created_at
            ran = await run(
                docker,
                test_image,
                ["sh", "-c", "grep ' /scratch ' /proc/mounts; echo x > /scratch/f"],
                HostConfig(binds=[f"{vol.name}:/scratch"]),
            )
    assert ran.exit_code == 0, ran.stderr
    fs_type, options = ran.stdout.split()[2], ran.stdout.split()[3]
    assert fs_type == "tmpfs" and ("nodev" if docker._api.podman else "size=2048k") in options


async def test_list_filters(docker: Docker) -> None:
    marker = uuid.uuid4().hex
    async with (
        volume(docker, labels={"aiodock.test.list": marker}) as first,
        volume(docker, labels={"aiodock.test.list": marker, "tier": "db"}) as second,
        volume(docker) as unmarked,
    ):
        by_marker = await docker.volumes.list(filters={"label": f"aiodock.test.list={marker}"})
        assert sorted(v.name or "" for v in by_marker.volumes) == sorted(
            [first.name or "", second.name or ""]
        )
        assert by_marker.warnings == []
        both = await docker.volumes.list(
            filters={"label": [f"aiodock.test.list={marker}", "tier=db"]}
        )
        assert [v.name for v in both.volumes] == [second.name]
        by_name = await docker.volumes.list(filters={"name": unmarked.name or ""})
        assert [v.name for v in by_name.volumes] == [unmarked.name]
        assert by_name.volumes[0].labels == LABELS
        dangling = await docker.volumes.list(
            filters={"dangling": "true", "label": f"{LABEL_KEY}={RUN_ID}"}
        )
        assert {first.name, second.name, unmarked.name} <= {v.name for v in dangling.volumes}
        everything = await docker.volumes.list()
        assert {first.name, second.name, unmarked.name} <= {v.name for v in everything.volumes}


async def test_anonymous_volume_gets_a_generated_name(docker: Docker) -> None:
    created = await docker.volumes.create(labels=LABELS)
    try:
        assert created.name and len(created.name) == 64
        assert (await docker.volumes.inspect(created)).name == created.name
    finally:
        await docker.volumes.remove(created)


async def test_read_only_bind_mount_rejects_writes(
    docker: Docker, test_image: str, tmp_path: Path
) -> None:
    host_dir = tmp_path / "shared"
    host_dir.mkdir()
    (host_dir / "hello.txt").write_text("from the host\n")
    script = "cat /data/hello.txt; echo nope > /data/new.txt"
    with anyio.fail_after(TEST_TIMEOUT):
        results = {}

        async def bind_then_mount(key: str, host_config: HostConfig) -> None:
            results[key] = await run(docker, test_image, ["sh", "-c", script], host_config)

        async with anyio.create_task_group() as tg:
            tg.start_soon(bind_then_mount, "binds", HostConfig(binds=[f"{host_dir}:/data:ro"]))
            tg.start_soon(
                bind_then_mount,
                "mounts",
                HostConfig(
                    mounts=[
                        Mount(type="bind", source=str(host_dir), target="/data", read_only=True)
                    ]
                ),
            )
    for ran in results.values():
        assert ran.exit_code != 0
        assert ran.stdout == "from the host\n"
        assert "Read-only file system" in ran.stderr
    assert not (host_dir / "new.txt").exists()


async def test_tmpfs_mount(docker: Docker, test_image: str) -> None:
    script = (
        "grep ' /scratch ' /proc/mounts; grep ' /cache ' /proc/mounts;"
        " echo in-memory > /scratch/f && cat /scratch/f"
    )
    with anyio.fail_after(TEST_TIMEOUT):
        ran = await run(
            docker,
            test_image,
            ["sh", "-c", script],
            HostConfig(
                tmpfs={"/scratch": "size=1m"},
                mounts=[
                    Mount(
                        type="tmpfs",
                        target="/cache",
                        tmpfs_options=MountTmpfsOptions(size_bytes=2 * 1024 * 1024),
                    )
                ],
            ),
        )
    assert ran.exit_code == 0, ran.stderr
    scratch, cache, content = ran.stdout.splitlines()
    assert scratch.split()[1:3] == ["/scratch", "tmpfs"] and "size=1024k" in scratch
    assert cache.split()[1:3] == ["/cache", "tmpfs"] and "size=2048k" in cache
    assert content == "in-memory"


def prune_all(docker: Docker) -> dict[str, bool]:
    """``all=True`` where the engine needs it for named volumes (API 1.42+)."""
    return {"all": True} if version_tuple(docker.api_version) >= (1, 42) else {}


async def test_prune_removes_only_labelled_unused_volumes(docker: Docker, test_image: str) -> None:
    marker = uuid.uuid4().hex
    marked = {"aiodock.test.prune": marker}
    marker_filter = {"label": f"aiodock.test.prune={marker}"}
    every = prune_all(docker)
    with anyio.fail_after(TEST_TIMEOUT):
        async with (
            volume(docker, labels=marked) as unused_a,
            volume(docker, labels=marked) as unused_b,
            volume(docker, labels=marked) as in_use,
            volume(docker) as unmarked,
        ):
            assert in_use.name and unused_a.name
            await run(
                docker,
                test_image,
                ["sh", "-c", "head -c 5000 /dev/zero > /d/blob"],
                HostConfig(binds=[f"{unused_a.name}:/d"]),
            )
            user = await create_container(
                docker, test_image, ["true"], HostConfig(binds=[f"{in_use.name}:/d"])
            )
            try:
                report = await docker.volumes.prune(filters=marker_filter, **every)
            finally:
                await remove_container(user)
            assert sorted(report.volumes_deleted) == sorted([unused_a.name, unused_b.name or ""])
            assert report.space_reclaimed >= 5000
            left = await docker.volumes.list(filters=marker_filter)
            assert [v.name for v in left.volumes] == [in_use.name]
            await docker.volumes.inspect(unmarked)
            again = await docker.volumes.prune(filters=marker_filter, **every)
            assert again.volumes_deleted == [in_use.name]
            empty = await docker.volumes.prune(filters=marker_filter, **every)
            assert empty.volumes_deleted == [] and empty.space_reclaimed == 0


@pytest.mark.api("1.42")
async def test_prune_keeps_named_volumes_unless_asked_for_all(docker: Docker) -> None:
    marker_filter = {"label": f"aiodock.test.prune={uuid.uuid4().hex}"}
    marked = {"aiodock.test.prune": marker_filter["label"].partition("=")[2]}
    with anyio.fail_after(TEST_TIMEOUT):
        async with volume(docker, labels=marked) as named:
            kept = await docker.volumes.prune(filters=marker_filter)
            assert kept.volumes_deleted == []
            await docker.volumes.inspect(named)
            report = await docker.volumes.prune(filters=marker_filter, all=True)
            assert report.volumes_deleted == [named.name]
            with pytest.raises(NotFound):
                await docker.volumes.inspect(named)


@pytest.mark.api_below("1.42")
async def test_prune_all_is_refused_before_anything_is_removed(docker: Docker) -> None:
    marker_filter = {"label": f"aiodock.test.prune={uuid.uuid4().hex}"}
    marked = {"aiodock.test.prune": marker_filter["label"].partition("=")[2]}
    with anyio.fail_after(TEST_TIMEOUT):
        async with volume(docker, labels=marked) as named:
            with pytest.raises(APIVersionError) as caught:
                await docker.volumes.prune(filters=marker_filter, all=True)
            message = str(caught.value)
            assert "all=" in message and "1.42" in message and docker.api_version in message
            await docker.volumes.inspect(named)  # still there
