"""``docker run``-like cases from the seed against the real engine: output
and exit codes, env, names, bind mounts, named volumes, labels, network
modes, stdin, check=True, and ``running()``'s clean-up."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from aiodock import ContainerError, Docker, NotFound
from aiodock.containers import Container
from aiodock.models import HostConfig, Mount
from tests.helpers import LABEL_KEY, LABELS, RUN_ID, default_network


def unique(prefix: str) -> str:
    return f"aiodock-test-{prefix}-{uuid.uuid4().hex[:8]}"


async def labelled_ids(docker: Docker, case: str) -> list[str]:
    found = await docker.containers.list(
        all=True, filters={"label": [f"{LABEL_KEY}={RUN_ID}", f"aiodock.case={case}"]}
    )
    return [c.id or "" for c in found]


async def test_run_hello_world(docker: Docker, test_image: str) -> None:
    case = unique("hello")
    result = await docker.containers.run(
        test_image, ["echo", "hello world!"], labels={**LABELS, "aiodock.case": case}
    )
    assert result.exit_code == 0
    assert result.stdout == b"hello world!\n" and result.stderr == b""
    assert await labelled_ids(docker, case) == [], "run removes its container"
    with pytest.raises(NotFound):
        await docker.containers.inspect(result.container_id)


async def test_run_keeps_stdout_stderr_and_exit_code(docker: Docker, test_image: str) -> None:
    result = await docker.containers.run(
        test_image, "sh -c 'echo out; echo err >&2; exit 3'", labels=LABELS
    )
    assert (result.exit_code, result.stdout, result.stderr) == (3, b"out\n", b"err\n")


async def test_run_check_raises_container_error(docker: Docker, test_image: str) -> None:
    with pytest.raises(ContainerError) as caught:
        await docker.containers.run(
            test_image, ["sh", "-c", "echo broken >&2; exit 5"], labels=LABELS, check=True
        )
    error = caught.value
    assert error.exit_code == 5 and error.stderr == b"broken\n"
    assert len(error.container_id) == 64 and "broken" in str(error)
    assert error.id == error.container_id and error.stdout == b""  # a ProcessError's fields
    with pytest.raises(NotFound):
        await docker.containers.inspect(error.container_id)


async def test_run_without_remove_keeps_the_container(docker: Docker, test_image: str) -> None:
    result = await docker.containers.run(test_image, ["true"], labels=LABELS, remove=False)
    try:
        info = await docker.containers.inspect(result.container_id)
        assert info.state is not None and info.state.status == "exited"
    finally:
        await docker.containers.remove(result.container_id)


async def test_run_removes_the_container_when_start_fails(docker: Docker, test_image: str) -> None:
    case = unique("nostart")
    with pytest.raises(Exception, match="no-such-program"):
        await docker.containers.run(
            test_image, ["no-such-program"], labels={**LABELS, "aiodock.case": case}
        )
    assert await labelled_ids(docker, case) == []


async def test_run_env_name_and_labels(docker: Docker, test_image: str) -> None:
    name = unique("named")
    result = await docker.containers.run(
        test_image,
        ["sh", "-c", 'echo "$GREETING $WHO"; hostname'],
        name=name,
        env={"GREETING": "hello", "WHO": "world"},
        labels={**LABELS, "app": "seed"},
        hostname="seedhost",
        remove=False,
    )
    try:
        assert result.stdout == b"hello world\nseedhost\n"
        info = await docker.containers.inspect(name)
        assert info.id == result.container_id and info.name == f"/{name}"
        assert info.config is not None and info.config.labels == {**LABELS, "app": "seed"}
        assert "GREETING=hello" in (info.config.env or [])
        listed = await docker.containers.list(
            all=True, filters={"name": [name], "label": ["app=seed"]}
        )
        assert [c.id for c in listed] == [result.container_id]
    finally:
        await docker.containers.remove(name)


async def test_run_with_a_bind_mount_from_the_host(
    docker: Docker, test_image: str, tmp_path: Path
) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "app.conf").write_text("listen 8080\n")
    result = await docker.containers.run(
        test_image,
        ["cat", "/etc/conf/app.conf"],
        labels=LABELS,
        host_config=HostConfig(binds=[f"{conf}:/etc/conf:ro"]),
    )
    assert result.stdout == b"listen 8080\n"
    refused = await docker.containers.run(
        test_image,
        ["sh", "-c", "echo x > /etc/conf/new"],
        labels=LABELS,
        host_config=HostConfig(
            mounts=[Mount(type="bind", source=str(conf), target="/etc/conf", read_only=True)]
        ),
    )
    assert refused.exit_code != 0 and b"Read-only" in refused.stderr
    assert sorted(os.listdir(conf)) == ["app.conf"]


async def test_a_named_volume_outlives_its_container(docker: Docker, test_image: str) -> None:
    volume = unique("vol")
    await docker.volumes.create(volume, labels=LABELS)
    try:
        write = await docker.containers.run(
            test_image,
            ["sh", "-c", "echo kept > /data/file"],
            labels=LABELS,
            host_config=HostConfig(binds=[f"{volume}:/data"]),
        )
        assert write.exit_code == 0
        read = await docker.containers.run(
            test_image,
            ["cat", "/data/file"],
            labels=LABELS,
            host_config=HostConfig(binds=[f"{volume}:/data"]),
        )
        assert read.stdout == b"kept\n"
    finally:
        await docker.volumes.remove(volume)


def interfaces(ip_output: bytes) -> dict[str, str]:
    """``ip -o -4 addr`` -> {interface: address/prefix}."""
    found = {}
    for line in ip_output.decode().splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == "inet":
            found[fields[1]] = fields[3]
    return found


SHOW_NET = ["ip", "-o", "-4", "addr"]


def stable_names(names: list[str]) -> set[str]:
    # veth and bridge interfaces come and go as other containers and networks
    # do (also those of the engines that tests start, aiodk*, and of Podman,
    # podman*, whose pass runs beside this one)
    return {n for n in names if not n.startswith(("veth", "br-", "aiodk", "podman"))}


async def test_network_mode_none_has_only_loopback(docker: Docker, test_image: str) -> None:
    result = await docker.containers.run(
        test_image, SHOW_NET, labels=LABELS, host_config=HostConfig(network_mode="none")
    )
    assert interfaces(result.stdout) == {"lo": "127.0.0.1/8"}


async def test_network_mode_host_sees_the_host_interfaces(docker: Docker, test_image: str) -> None:
    result = await docker.containers.run(
        test_image,
        ["ls", "/sys/class/net"],
        labels=LABELS,
        host_config=HostConfig(network_mode="host"),
    )
    inside = stable_names(result.stdout.decode().split())
    assert inside == stable_names(os.listdir("/sys/class/net"))
    assert "docker0" in inside


async def test_network_mode_bridge_has_its_own_address(docker: Docker, test_image: str) -> None:
    async with docker.containers.running(
        test_image,
        ["sh", "-c", "ip -o -4 addr; sleep 60"],
        labels=LABELS,
        host_config=HostConfig(network_mode="bridge"),
    ) as c:
        info = await c.inspect()
        assert info.network_settings is not None and info.network_settings.networks
        endpoint = info.network_settings.networks[default_network(docker)]
        output = await wait_for_output(c, b"eth0")
        assert interfaces(output) == {
            "lo": "127.0.0.1/8",
            "eth0": f"{endpoint.ip_address}/{endpoint.ip_prefix_len}",
        }
        assert info.network_settings.ip_address == endpoint.ip_address


async def wait_for_output(c: Container, marker: bytes) -> bytes:
    out = b""
    with anyio.fail_after(20):
        async for chunk in c.logs(follow=True):
            out += chunk.data
            if marker in out:
                break
    return out


async def test_network_mode_container_shares_the_first_ones_interfaces(
    docker: Docker, test_image: str
) -> None:
    async with docker.containers.running(
        test_image,
        ["sh", "-c", "ip -o -4 addr; sleep 60"],
        labels=LABELS,
    ) as first:
        first_view = interfaces(await wait_for_output(first, b"eth0"))
        result = await docker.containers.run(
            test_image,
            SHOW_NET,
            labels=LABELS,
            host_config=HostConfig(network_mode=f"container:{first.id}"),
        )
        assert interfaces(result.stdout) == first_view
        assert "eth0" in first_view


async def test_create_on_a_user_defined_network_with_aliases(
    docker: Docker, test_image: str
) -> None:
    network = unique("net")
    await docker.networks.create(network, labels=LABELS)
    try:
        async with docker.containers.running(
            test_image,
            ["sleep", "60"],
            labels=LABELS,
            network=network,
            network_aliases=["seed-web"],
        ) as server:
            info = await server.inspect()
            assert info.host_config is not None
            # Podman says "bridge" for every network of the bridge driver
            want = "bridge" if docker._api.podman else network
            assert info.host_config.network_mode == want
            assert info.network_settings is not None and info.network_settings.networks
            endpoint = info.network_settings.networks[network]
            assert "seed-web" in (endpoint.aliases or [])
            result = await docker.containers.run(
                test_image,
                ["ping", "-c", "1", "-W", "5", "seed-web"],
                labels=LABELS,
                network=network,
            )
            assert result.exit_code == 0, result.stdout + result.stderr
            assert endpoint.ip_address is not None
            assert endpoint.ip_address.encode() in result.stdout
    finally:
        await docker.networks.remove(network)


async def test_run_feeds_stdin_through_an_attach(docker: Docker, test_image: str) -> None:
    result = await docker.containers.run(
        test_image, ["sh", "-c", "wc -c; echo done >&2"], labels=LABELS, stdin=b"x" * 100_000
    )
    assert result.exit_code == 0
    assert result.stdout.strip() == b"100000" and result.stderr == b"done\n"

    async def lines() -> AsyncIterator[bytes]:
        for n in range(3):
            yield f"line {n}\n".encode()

    result = await docker.containers.run(test_image, ["cat"], labels=LABELS, stdin=lines())
    assert result.stdout == b"line 0\nline 1\nline 2\n"


async def test_run_with_a_tty(docker: Docker, test_image: str) -> None:
    result = await docker.containers.run(
        test_image, ["sh", "-c", "echo out; echo err >&2"], labels=LABELS, tty=True
    )
    assert result.stdout == b"out\r\nerr\r\n" and result.stderr == b""


async def test_running_removes_the_container_on_error_and_on_cancel(
    docker: Docker, test_image: str
) -> None:
    case = unique("running")
    labels = {**LABELS, "aiodock.case": case}
    with pytest.raises(RuntimeError, match="inside the block"):
        async with docker.containers.running(test_image, ["sleep", "60"], labels=labels) as c:
            assert (await c.inspect()).state.status == "running"  # type: ignore[union-attr]
            raise RuntimeError("inside the block")
    assert await labelled_ids(docker, case) == []

    entered = anyio.Event()
    with anyio.move_on_after(30) as scope:
        async with anyio.create_task_group() as tg:

            async def hold() -> None:
                async with docker.containers.running(test_image, ["sleep", "60"], labels=labels):
                    entered.set()
                    await anyio.sleep_forever()

            tg.start_soon(hold)
            await entered.wait()
            assert len(await labelled_ids(docker, case)) == 1
            tg.cancel_scope.cancel()
    assert not scope.cancelled_caught
    assert await labelled_ids(docker, case) == []
