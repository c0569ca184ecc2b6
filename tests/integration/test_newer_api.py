"""Options of newer Engine API versions against the real engine.

Each test runs where it means something: an option on an engine that
negotiates the version it needs (Docker 26.1, API 1.45, has 1.42 to 1.45),
its refusal (:class:`APIVersionError`, nothing sent, nothing created) on
one that does not. Options no engine here has (1.46 and later) are tested
for their refusal on both; what every version has runs on both.
"""

from __future__ import annotations

import contextlib
import http.server
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from aiodock import APIVersionError, Docker, NotFound, UnsupportedOperation
from aiodock.models import ContainerCreate, HostConfig
from tests.helpers import LABELS, RUN_ID, busybox_rootfs_tar, delete_from_registry

REGISTRY = "127.0.0.1:5000"


def unique(prefix: str) -> str:
    return f"aiodock-test-{prefix}-{RUN_ID}-{uuid.uuid4().hex[:6]}"


def parsed(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor)


async def negotiated(docker: Docker) -> str:
    await docker.system.ping()
    assert docker.api_version is not None
    return docker.api_version


async def has(docker: Docker, version: str) -> bool:
    return parsed(await negotiated(docker)) >= parsed(version)


def refused(since: str, version: str) -> Any:
    pattern = rf"needs API version {re.escape(since)}.*speaks {re.escape(version)}"
    return pytest.raises(APIVersionError, match=pattern)


@contextlib.asynccontextmanager
async def removing_containers(docker: Docker) -> AsyncIterator[list[str]]:
    made: list[str] = []
    try:
        yield made
    finally:
        for ref in made:
            with contextlib.suppress(NotFound):
                await docker.containers.remove(ref, force=True)


# -- stop and restart: timeout=-1 never kills (every version) -----------------

TERM_THEN_EXIT = ["sh", "-c", "trap 'sleep 2; exit 3' TERM; while true; do sleep 0.2; done"]


async def test_stop_with_minus_one_waits_for_the_process(docker: Docker, test_image: str) -> None:
    async with removing_containers(docker) as made:
        c = await docker.containers.create(test_image, TERM_THEN_EXIT, labels=LABELS)
        made.append(c.id)
        await c.start()
        time.sleep(0.5)  # let the shell set its trap
        started = time.monotonic()
        await c.stop(timeout=-1)
        assert time.monotonic() - started >= 1.5
        state = (await c.inspect()).state
        assert state is not None and state.exit_code == 3  # exited itself, not killed (137)


# -- networks ----------------------------------------------------------------


async def test_config_only_network_and_config_from(docker: Docker) -> None:
    cfg_name, net_name = unique("cfg"), unique("from-cfg")
    created = []
    if docker._api.podman:  # it would make an ordinary network: refused, nothing sent
        with pytest.raises(UnsupportedOperation, match="configuration-only"):
            await docker.networks.create(cfg_name, config_only=True, labels=LABELS)
        with pytest.raises(UnsupportedOperation, match="configuration-only"):
            await docker.networks.create(net_name, config_from=cfg_name)
        assert not await docker.networks.list(filters={"name": cfg_name})
        return
    try:
        cfg = await docker.networks.create(cfg_name, config_only=True, labels=LABELS)
        created.append(cfg_name)
        assert cfg.config_only is True
        # No labels here: the engine takes none beside config_from (it is
        # removed by name below).
        net = await docker.networks.create(net_name, config_from=cfg_name, scope="local")
        created.append(net_name)
        assert net.config_from is not None and net.config_from.network == cfg_name
        assert not net.config_only and net.scope == "local"
    finally:
        for name in reversed(created):
            with contextlib.suppress(NotFound):
                await docker.networks.remove(name)


async def test_enable_ipv4_and_gw_priority_are_refused_below_their_version(
    docker: Docker,
) -> None:
    version = await negotiated(docker)
    if await has(docker, "1.48"):
        pytest.skip("the engine has enable_ipv4 and gw_priority (API 1.48)")
    name = unique("no-v4")
    with refused("1.48", version):
        await docker.networks.create(name, enable_ipv4=False, labels=LABELS)
    assert not await docker.networks.list(filters={"name": name})
    with refused("1.48", version):
        await docker.networks.connect("bridge", "aiodock-no-such-container", gw_priority=1)


async def test_several_networks_at_create(docker: Docker, test_image: str) -> None:
    version = await negotiated(docker)
    names = [unique("multi-a"), unique("multi-b")]
    config = ContainerCreate.model_validate(
        {"NetworkingConfig": {"EndpointsConfig": {n: {} for n in names}}}
    )
    nets = []
    try:
        for n in names:
            nets.append(await docker.networks.create(n, labels=LABELS))
        async with removing_containers(docker) as made:
            if not await has(docker, "1.44"):
                with pytest.raises(APIVersionError, match=rf"more than one network.*{version}"):
                    await docker.containers.create(
                        test_image, ["true"], config=config, labels=LABELS, name=unique("m")
                    )
                return
            c = await docker.containers.create(
                test_image,
                ["true"],
                config=config,
                host_config=None,
                labels=LABELS,
                network=names[0],
            )
            made.append(c.id)
            networks = (await c.inspect()).network_settings.networks  # type: ignore[union-attr]
            assert networks is not None and set(networks) >= set(names)
    finally:
        for n in names:
            with contextlib.suppress(NotFound):
                await docker.networks.remove(n)


# -- create-body fields the table gates --------------------------------------


async def test_healthcheck_start_interval_and_annotations(docker: Docker, test_image: str) -> None:
    version = await negotiated(docker)
    start_interval = ContainerCreate.model_validate(
        {"Healthcheck": {"Test": ["CMD", "true"], "StartInterval": 2_000_000_000}}
    )
    annotations = ContainerCreate.model_validate({"HostConfig": {"Annotations": {"a.b": "c"}}})
    async with removing_containers(docker) as made:
        for config, since in ((start_interval, "1.44"), (annotations, "1.43")):
            name = unique("gated")
            if not await has(docker, since):
                with refused(since, version):
                    await docker.containers.create(
                        test_image, ["true"], config=config, labels=LABELS, name=name
                    )
                with pytest.raises(NotFound):
                    await docker.containers.inspect(name)
                continue
            c = await docker.containers.create(
                test_image, ["true"], config=config, labels=LABELS, name=name
            )
            made.append(c.id)
            info = await c.inspect()
            if since == "1.44":
                assert info.config is not None and info.config.healthcheck is not None
                assert info.config.healthcheck.start_interval == 2_000_000_000
            else:
                assert info.host_config is not None
                assert info.host_config.annotations == {"a.b": "c"}


# -- exec sessions -------------------------------------------------------------


async def test_exec_session_console_size_and_detach_keys(docker: Docker, test_image: str) -> None:
    version = await negotiated(docker)
    async with docker.containers.running(test_image, ["sleep", "60"], labels=LABELS) as c:
        async with docker.execs.session(c, ["echo", "ok"], detach_keys="ctrl-x") as session:
            output = b"".join([chunk.data async for chunk in session])
            assert await session.wait() == 0
        assert output == b"ok\n"
        if not await has(docker, "1.42"):
            with refused("1.42", version):
                async with docker.execs.session(
                    c, ["stty", "size"], tty=True, console_size=(41, 133)
                ):
                    pass
            return
        async with docker.execs.session(
            c, ["stty", "size"], tty=True, console_size=(41, 133)
        ) as session:
            output = b"".join([chunk.data async for chunk in session])
            assert await session.wait() == 0
        assert b"41 133" in output


# -- images ------------------------------------------------------------------


async def test_image_list_shared_size(docker: Docker, test_image: str) -> None:
    version = await negotiated(docker)
    if not await has(docker, "1.42"):
        with refused("1.42", version):
            await docker.images.list(shared_size=True)
        return
    images = await docker.images.list(shared_size=True, filters={"reference": test_image})
    assert len(images) == 1 and isinstance(images[0].shared_size, int)
    assert images[0].shared_size >= 0


async def test_image_options_newer_than_the_engine_are_refused(
    docker: Docker, test_image: str
) -> None:
    version = await negotiated(docker)
    if await has(docker, "1.46"):
        pytest.skip("the engine has API 1.46 or newer")
    cases: list[tuple[str, Any]] = [
        ("1.47", lambda: docker.images.list(manifests=True)),
        ("1.54", lambda: docker.images.list(identity=True)),
        ("1.48", lambda: docker.images.inspect(test_image, manifests=True)),
        ("1.49", lambda: docker.images.inspect(test_image, platform="linux/amd64")),
        ("1.48", lambda: docker.images.history(test_image, platform="linux/amd64")),
        ("1.48", lambda: docker.images.save(test_image, platform="linux/amd64")),
        ("1.48", lambda: docker.images.load(b"not read", platform="linux/amd64")),
        ("1.46", lambda: docker.images.push(f"{REGISTRY}/x:1", platform="linux/amd64")),
        ("1.50", lambda: docker.images.remove(test_image, platforms=["linux/amd64"])),
        ("1.48", lambda: docker.images.prune_builds(reserved_space=1)),
        ("1.48", lambda: docker.images.prune_builds(max_used_space=1, min_free_space=1)),
    ]
    for since, call in cases:
        with refused(since, version):
            await call()
    assert (await docker.images.inspect(test_image)).id  # still there


async def test_push_and_pull_of_all_tags(docker: Docker, test_image: str) -> None:
    repo = f"{REGISTRY}/aiodock-test/all-tags-{RUN_ID}-{uuid.uuid4().hex[:6]}"
    tags = ["a", "b"]
    try:
        for tag in tags:
            await docker.images.tag(test_image, repo, tag=tag)
        if docker._api.podman:  # it would push "latest" alone: refused, each tag pushed
            with pytest.raises(UnsupportedOperation, match="every tag at once"):
                await docker.images.push(repo, all_tags=True)
            pushed = {(await docker.images.push(f"{repo}:{tag}")).tag for tag in tags}
        else:
            events = [e async for e in docker.images.push(repo, all_tags=True)]
            pushed = {e.aux["Tag"] for e in events if e.aux and "Tag" in e.aux}
        assert pushed == set(tags)
        for tag in tags:
            await docker.images.remove(f"{repo}:{tag}")
        if docker._api.podman:
            with pytest.raises(UnsupportedOperation, match="every tag at once"):
                await docker.images.pull(repo, all_tags=True)
            image = [await docker.images.pull(f"{repo}:{tag}") for tag in tags][-1]
        else:
            image = await docker.images.pull(repo, all_tags=True)
        assert image.id == (await docker.images.inspect(test_image)).id
        for tag in tags:
            assert (await docker.images.inspect(f"{repo}:{tag}")).id == image.id
    finally:
        for tag in tags:
            with contextlib.suppress(NotFound):
                await docker.images.remove(f"{repo}:{tag}")
        for tag in tags:
            await delete_from_registry(f"{repo}:{tag}")


@contextlib.contextmanager
def serving(data: bytes) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that answers every GET with ``data``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-tar")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/rootfs.tar"
    finally:
        server.shutdown()
        server.server_close()


async def test_import_from_a_url(docker: Docker) -> None:
    name = f"aiodock-test/from-url:{RUN_ID}-{uuid.uuid4().hex[:6]}"
    with serving(busybox_rootfs_tar()) as url:
        try:
            [image_id] = await docker.images.import_image(url, repo=name, changes=['CMD ["sh"]'])
            info = await docker.images.inspect(name)
            assert info.id == image_id
            assert info.config is not None and info.config.cmd == ["sh"]
        finally:
            with contextlib.suppress(NotFound):
                await docker.images.remove(name)


# -- system --------------------------------------------------------------------


async def test_df_lists_objects_on_every_engine(docker: Docker, test_image: str) -> None:
    for verbose in (True, False):
        usage = await docker.system.df(verbose=verbose)
        if verbose or not await has(docker, "1.52"):
            assert usage.images is not None
            assert any(test_image in (i.repo_tags or []) for i in usage.images)


async def test_image_mounts_and_volume_subpath(docker: Docker, test_image: str) -> None:
    version = await negotiated(docker)
    name = unique("image-mount")
    image_mount = ContainerCreate.model_validate(
        {"HostConfig": {"Mounts": [{"Type": "image", "Source": test_image, "Target": "/img"}]}}
    )
    if not await has(docker, "1.48"):
        with refused("1.48", version):
            await docker.containers.create(
                test_image, ["true"], config=image_mount, labels=LABELS, name=name
            )
        with pytest.raises(NotFound):
            await docker.containers.inspect(name)
    volume = unique("subpath-vol")
    subpath = ContainerCreate.model_validate(
        {
            "HostConfig": {
                "Mounts": [
                    {
                        "Type": "volume",
                        "Source": volume,
                        "Target": "/data",
                        "VolumeOptions": {"Subpath": "sub"},
                    }
                ]
            }
        }
    )
    if not await has(docker, "1.45"):
        with refused("1.45", version):
            await docker.containers.create(
                test_image, ["true"], config=subpath, labels=LABELS, name=name
            )
        with pytest.raises(NotFound):
            await docker.containers.inspect(name)
        return
    await docker.volumes.create(volume, labels=LABELS)
    try:
        filled = await docker.containers.run(
            test_image,
            ["sh", "-c", "mkdir /v/sub && echo in-sub > /v/sub/f"],
            labels=LABELS,
            host_config=HostConfig(binds=[f"{volume}:/v"]),
        )
        assert filled.exit_code == 0
        result = await docker.containers.run(
            test_image, ["cat", "/data/f"], config=subpath, labels=LABELS
        )
        assert (result.exit_code, result.stdout) == (0, b"in-sub\n")
    finally:
        await docker.volumes.remove(volume, force=True)
