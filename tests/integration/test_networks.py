"""Networks against the real engine: the network modes a container can have
(bridge, none, host, another container's namespace), user-defined networks
with name resolution, internal networks, connect/disconnect, errors, prune.

Traffic stays between this test's own containers and 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from functools import partial
from typing import Any, NamedTuple

import anyio
import pytest

from aiodock import Conflict, Container, Docker, DockerError, Forbidden, NotFound
from aiodock.models import (
    IPAM,
    EndpointSettings,
    HostConfig,
    IPAMConfig,
    NetworkingConfig,
    NetworkInspect,
    PortBinding,
    PortMap,
)
from tests.enginebed import used_ipv4_networks
from tests.helpers import LABELS, RUN_ID, default_network

TEST_TIMEOUT = 60


class Ran(NamedTuple):
    exit_code: int
    stdout: str
    stderr: str


def unique(prefix: str) -> str:
    return f"aiodock-test-{prefix}-{RUN_ID}-{uuid.uuid4().hex[:6]}"


async def run(docker: Docker, image: str, command: list[str], **options: Any) -> Ran:
    """``docker run --rm`` of a labelled container; its exit code and output as text."""
    result = await docker.containers.run(image, command, labels=LABELS, **options)
    return Ran(result.exit_code, result.stdout.decode(), result.stderr.decode())


def running(
    docker: Docker, image: str, command: list[str], **options: Any
) -> AbstractAsyncContextManager[Container]:
    """A started, labelled container for the block's duration, then removed."""
    return docker.containers.running(image, command, labels=LABELS, **options)


def serve_forever(port: int, command: str) -> list[str]:
    """A shell loop answering every connection on ``port`` with ``command``'s output."""
    return ["sh", "-c", f"while true; do {command} | nc -l -p {port}; done"]


def interface_names(ip_link_output: str) -> set[str]:
    # "2: eth0@if7: <...>" -> "eth0"
    return {
        line.split(":")[1].strip().split("@")[0]
        for line in ip_link_output.splitlines()
        if line.strip()
    }


@asynccontextmanager
async def network(docker: Docker, **options: Any) -> AsyncIterator[NetworkInspect]:
    """A labelled network for the block's duration, removed after."""
    net = await docker.networks.create(unique("net"), labels=LABELS, **options)
    try:
        yield net
    finally:
        with anyio.CancelScope(shield=True), suppress(NotFound):
            await docker.networks.remove(net)


async def free_subnet(docker: Docker) -> ipaddress.IPv4Network:
    """A /24 in 10.213.0.0/16 that no network on the engine uses, nor any
    route of the host (another engine's networks: the suite runs on two
    engines at once, and two bridges with one subnet break both)."""
    taken = [
        ipaddress.ip_network(pool.subnet)
        for net in await docker.networks.list()
        for pool in (net.ipam.config if net.ipam and net.ipam.config else [])
        if pool.subnet
    ]
    taken += used_ipv4_networks()
    candidates = list(ipaddress.IPv4Network("10.213.0.0/16").subnets(new_prefix=24))
    random.shuffle(candidates)
    for candidate in candidates:
        if not any(candidate.overlaps(other) for other in taken):
            return candidate
    raise AssertionError("no free /24 left in 10.213.0.0/16")


@asynccontextmanager
async def network_with_subnet(docker: Docker, **options: Any) -> AsyncIterator[NetworkInspect]:
    """Like :func:`network` with a free subnet of its own (a concurrent run
    may take the same one between listing and creating: then try another)."""
    for _attempt in range(5):
        subnet = await free_subnet(docker)
        ipam = IPAM(
            config=[
                IPAMConfig(
                    subnet=str(subnet),
                    gateway=str(subnet[1]),
                    ip_range=str(subnet),
                    aux_addresses={"reserved-host": str(subnet[200])},
                )
            ]
        )
        try:
            net = await docker.networks.create(unique("net"), labels=LABELS, ipam=ipam, **options)
            break
        except DockerError as exc:
            if "overlaps" not in exc.message:
                raise
    else:
        raise AssertionError("could not find a free subnet in 5 attempts")
    try:
        yield net
    finally:
        with anyio.CancelScope(shield=True), suppress(NotFound):
            await docker.networks.remove(net)


# -- the four network modes -----------------------------------------------------


async def read_published(port: int, *, within: float = 20) -> bytes:
    """Connect to 127.0.0.1:port until the container behind it answers.

    The engine's proxy accepts connections before the server in the
    container listens; such early connections close without data.
    """
    with anyio.fail_after(within):
        while True:
            with anyio.move_on_after(3):
                try:
                    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
                        data = bytearray()
                        try:
                            while True:
                                data.extend(await stream.receive())
                        except (anyio.EndOfStream, anyio.BrokenResourceError):
                            pass
                        if data:
                            return bytes(data)
                except OSError:
                    pass
            await anyio.sleep(0.1)


async def test_bridge_mode_eth0_in_the_bridge_subnet_and_a_published_port(
    docker: Docker, test_image: str
) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        bridge = await docker.networks.inspect("bridge")
        assert bridge.ipam and bridge.ipam.config and bridge.ipam.config[0].subnet
        bridge_subnet = ipaddress.ip_network(bridge.ipam.config[0].subnet)
        host_config = HostConfig(
            network_mode="bridge",
            port_bindings={"8080/tcp": [PortBinding(host_ip="127.0.0.1", host_port="")]},
        )
        command = serve_forever(8080, "ip -4 -o addr show eth0")
        async with running(
            docker, test_image, command, host_config=host_config, exposed_ports=["8080/tcp"]
        ) as container:
            inspected = await container.inspect()
            settings = inspected.network_settings
            assert settings and settings.networks and settings.ports
            endpoint = settings.networks[default_network(docker)]
            assert endpoint.ip_address
            assert ipaddress.ip_address(endpoint.ip_address) in bridge_subnet
            binding = (settings.ports["8080/tcp"] or [])[0]
            assert binding.host_ip == "127.0.0.1" and binding.host_port
            answer = (await read_published(int(binding.host_port))).decode()
            # The container's own view, read from the host through the published port.
            assert "eth0" in answer
            assert f"inet {endpoint.ip_address}/{endpoint.ip_prefix_len}" in answer
            bridge_now = await docker.networks.inspect("bridge")
            assert bridge_now.containers and container.id in bridge_now.containers


async def test_none_mode_has_only_loopback(docker: Docker, test_image: str) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        ran = await run(
            docker,
            test_image,
            ["ip", "-o", "link", "show"],
            host_config=HostConfig(network_mode="none"),
        )
    assert ran.exit_code == 0, ran.stderr
    assert interface_names(ran.stdout) == {"lo"}


async def test_host_mode_sees_the_hosts_interfaces(docker: Docker, test_image: str) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        ran = await run(
            docker,
            test_image,
            ["ip", "-o", "link", "show"],
            host_config=HostConfig(network_mode="host"),
        )
    assert ran.exit_code == 0, ran.stderr

    def stable(names: set[str]) -> set[str]:
        # veth pairs and bridges of other tests' containers and networks come and go
        # (also those of the engines that tests start, aiodk*, and of Podman, podman*,
        # while the suite runs on another engine at the same time).
        return {n for n in names if not n.startswith(("veth", "br-", "aiodk", "podman"))}

    host_names = {name for _index, name in socket.if_nameindex()}
    container_names = interface_names(ran.stdout)
    assert "docker0" in container_names
    assert stable(container_names) == stable(host_names)


async def test_container_mode_shares_the_first_containers_namespace(
    docker: Docker, test_image: str
) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        server = serve_forever(9000, "echo secret-from-the-first-container")
        async with running(docker, test_image, server) as first_container:
            first = await first_container.inspect()
            first_id = first_container.id
            assert first.network_settings and first.network_settings.networks
            first_ip = first.network_settings.networks[default_network(docker)].ip_address
            script = (
                "ip -4 -o addr show eth0; "
                "for i in $(seq 100); do nc -w 2 127.0.0.1 9000 && exit 0; sleep 0.1; done;"
                " exit 1"
            )
            ran = await run(
                docker,
                test_image,
                ["sh", "-c", script],
                host_config=HostConfig(network_mode=f"container:{first_id}"),
            )
    assert ran.exit_code == 0, ran.stderr
    assert f"inet {first_ip}/" in ran.stdout
    assert "secret-from-the-first-container" in ran.stdout


# -- user-defined networks ----------------------------------------------------------


async def test_user_defined_network_resolves_names_and_aliases(
    docker: Docker, test_image: str
) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        async with network_with_subnet(docker, attachable=True) as net:
            assert net.name and net.id
            assert net.labels == LABELS and net.driver == "bridge"
            # Podman has no attachable networks (a Swarm notion): it says False
            assert net.internal is False and net.attachable is not docker._api.podman
            assert net.ipam and net.ipam.config
            pool = net.ipam.config[0]
            assert pool.subnet
            subnet = ipaddress.ip_network(pool.subnet)
            assert pool.gateway == str(subnet[1])
            if not docker._api.podman:  # Podman keeps no auxiliary addresses
                assert pool.aux_addresses == {"reserved-host": str(subnet[200])}

            server_name = unique("server")
            # The server joins with the create keywords, the client with a
            # typed networking_config; both kinds of alias resolve.
            async with running(
                docker,
                test_image,
                serve_forever(7000, "echo pong"),
                name=server_name,
                network=net.name,
                network_aliases=["db-alias"],
            ) as server:
                server_id = server.id
                script = (
                    "ping -c1 -W2 $0 >/dev/null && echo ping-ok;"
                    " ping -c1 -W2 client-alias >/dev/null && echo self-ok;"
                    " for target in $0 db-alias; do"
                    "   for i in $(seq 100); do"
                    # a connection between two of the server's listens gets nothing: again
                    '     out=$(nc -w 2 $target 7000) && [ "$out" = pong ] && echo pong && break;'
                    "     sleep 0.1;"
                    "   done;"
                    " done"
                )
                attach = NetworkingConfig(
                    endpoints_config={net.name: EndpointSettings(aliases=["client-alias"])}
                )
                ran = await run(
                    docker,
                    test_image,
                    ["sh", "-c", script, server_name],
                    host_config=HostConfig(network_mode=net.name),
                    networking_config=attach,
                )
                inspected = await docker.networks.inspect(net.name)
                seen = await server.inspect()
        assert ran.exit_code == 0, ran.stderr
        assert ran.stdout.split() == ["ping-ok", "self-ok", "pong", "pong"]
        assert seen.network_settings and seen.network_settings.networks
        assert "db-alias" in (seen.network_settings.networks[net.name].aliases or [])
        assert inspected.containers and server_id in inspected.containers
        endpoint = inspected.containers[server_id]
        assert endpoint.name == server_name and endpoint.ipv4_address
        assert ipaddress.ip_interface(endpoint.ipv4_address).ip in subnet


async def test_internal_network_is_reachable_only_from_inside(
    docker: Docker, test_image: str
) -> None:
    # dockerd 20.10 still gives containers on an internal network a default
    # route (its firewall rules drop what leaves the network), so what shows
    # from here is: no published port, while containers inside talk freely.
    publish: PortMap = {"8080/tcp": [PortBinding(host_ip="127.0.0.1", host_port="")]}
    with anyio.fail_after(TEST_TIMEOUT):
        async with network(docker, internal=True) as internal, network(docker) as normal:
            assert internal.internal is True and normal.internal is False
            assert internal.name and normal.name
            server_name = unique("inside")
            published: dict[str, PortMap | None] = {}
            peers: list[Ran] = []

            async def serve_on(net_name: str, *, name: str | None = None) -> None:
                async with running(
                    docker,
                    test_image,
                    serve_forever(8080, "echo inside"),
                    name=name,
                    exposed_ports=["8080/tcp"],
                    host_config=HostConfig(network_mode=net_name, port_bindings=publish),
                ) as container:
                    inspected = await container.inspect()
                    assert inspected.network_settings
                    published[net_name] = inspected.network_settings.ports
                    if name is not None:
                        script = (
                            "for i in $(seq 100); do nc -w 2 $0 8080 && exit 0;"
                            " sleep 0.1; done; exit 1"
                        )
                        peers.append(
                            await run(
                                docker,
                                test_image,
                                ["sh", "-c", script, name],
                                host_config=HostConfig(network_mode=net_name),
                            )
                        )

            async with anyio.create_task_group() as tg:
                tg.start_soon(partial(serve_on, internal.name, name=server_name))
                tg.start_soon(serve_on, normal.name)
    if not docker._api.podman:  # Podman publishes ports of an internal network too
        assert not published[internal.name]
    normal_ports = published[normal.name]
    assert normal_ports
    normal_binding = (normal_ports["8080/tcp"] or [])[0]
    assert normal_binding.host_ip == "127.0.0.1" and normal_binding.host_port
    [peer] = peers
    assert peer.exit_code == 0 and peer.stdout.strip() == "inside", peer


async def test_connect_disconnect_and_removing_a_network_in_use(
    docker: Docker, test_image: str
) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        async with (
            network_with_subnet(docker) as net,
            running(docker, test_image, ["sleep", "60"]) as container,
        ):
            container_id = container.id
            assert net.id and net.name and net.ipam and net.ipam.config
            subnet = ipaddress.ip_network(net.ipam.config[0].subnet or "")
            address = str(subnet[10])
            await docker.networks.connect(
                net, container, aliases=["second-name"], ipv4_address=address
            )
            connected = await docker.networks.inspect(net.id)
            assert connected.containers and container_id in connected.containers
            assert connected.containers[container_id].ipv4_address == f"{address}/24"
            seen = await container.inspect()
            assert seen.network_settings and seen.network_settings.networks
            endpoint = seen.network_settings.networks[net.name]
            assert endpoint.ip_address == address
            assert endpoint.aliases and "second-name" in endpoint.aliases
            assert default_network(docker) in seen.network_settings.networks

            if not docker._api.podman:  # Podman removes it, disconnecting the container
                with pytest.raises((Forbidden, Conflict)) as refused:
                    await docker.networks.remove(net.id)
                # dockerd 20.10 answers 403; the engine's own words come through.
                assert isinstance(refused.value, Forbidden)
                assert "active endpoints" in refused.value.message

            await docker.networks.disconnect(net.name, container_id)
            disconnected = await docker.networks.inspect(net.id)
            assert not disconnected.containers
            seen = await container.inspect()
            assert seen.network_settings and seen.network_settings.networks
            assert net.name not in seen.network_settings.networks

            with pytest.raises(DockerError):
                await docker.networks.disconnect(net.id, container_id)
            await docker.networks.connect(net.id, container_id)
            await docker.networks.disconnect(net.id, container_id, force=True)
            assert not (await docker.networks.inspect(net.id)).containers


async def test_name_clash_is_reported_clearly(docker: Docker) -> None:
    async with network(docker) as net:
        assert net.name
        with pytest.raises(Conflict) as clash:
            await docker.networks.create(net.name, labels=LABELS)
        assert net.name in clash.value.message and "already exists" in clash.value.message
        assert clash.value.status == (500 if docker._api.podman else 409)  # Conflict either way
        assert [n.id for n in await docker.networks.list(filters={"name": net.name})] == [net.id]


async def test_inspect_list_and_missing_networks(docker: Docker) -> None:
    async with network(docker, options={"com.docker.network.driver.mtu": "1400"}) as net:
        assert net.id and net.name
        # Podman keeps the option under its own name
        mtu_key = "mtu" if docker._api.podman else "com.docker.network.driver.mtu"
        assert net.options == {mtu_key: "1400"}
        by_name, by_id, by_model, local = (
            await docker.networks.inspect(net.name),
            await docker.networks.inspect(net.id),
            await docker.networks.inspect(net),
            await docker.networks.inspect(net.name, scope="local", verbose=True),
        )
        assert by_name.id == by_id.id == by_model.id == local.id == net.id
        if not docker._api.podman:  # Podman ignores the scope
            with pytest.raises(NotFound):
                await docker.networks.inspect(net.name, scope="swarm")
        listed = await docker.networks.list(
            filters={"label": f"aiodock.test={RUN_ID}", "name": net.name}
        )
        assert [n.id for n in listed] == [net.id]
        assert listed[0].labels == LABELS
        if docker._api.podman:  # no "type" filter; its default network listed as "bridge"
            assert "bridge" in {n.name for n in await docker.networks.list()}
        else:
            builtin = {n.name for n in await docker.networks.list(filters={"type": "builtin"})}
            assert {"bridge", "host", "none"} <= builtin
    with pytest.raises(NotFound) as missing:
        await docker.networks.inspect(net.id)
    assert net.id in missing.value.message or "not found" in missing.value.message
    with pytest.raises(NotFound):
        await docker.networks.remove(net.id)
    # dockerd: a predefined network (403); Podman: its default network "cannot be
    # removed" (Forbidden), or "is being used" (Conflict) while containers are on it
    with pytest.raises((Conflict, Forbidden) if docker._api.podman else Forbidden):
        await docker.networks.remove("bridge")


async def test_prune_removes_only_labelled_unused_networks(docker: Docker, test_image: str) -> None:
    marker = {"aiodock.test.prune": uuid.uuid4().hex}
    labels = {**LABELS, **marker}
    marker_filter = {"label": [f"aiodock.test.prune={marker['aiodock.test.prune']}"]}
    with anyio.fail_after(TEST_TIMEOUT):
        unused = [await docker.networks.create(unique("prune"), labels=labels) for _ in range(2)]
        in_use = await docker.networks.create(unique("prune-used"), labels=labels)
        other = await docker.networks.create(unique("prune-other"), labels=LABELS)
        try:
            assert in_use.name
            async with running(docker, test_image, ["sleep", "60"], network=in_use.name):
                listed = await docker.networks.list(filters=marker_filter)
                assert {n.id for n in listed} == {n.id for n in [*unused, in_use]}
                report = await docker.networks.prune(filters=marker_filter)
                assert sorted(report.networks_deleted) == sorted(n.name or "" for n in unused)
                remaining = {n.id for n in await docker.networks.list(filters=marker_filter)}
                assert remaining == {in_use.id}
                await docker.networks.inspect(other)  # not labelled for this prune: kept
            again = await docker.networks.prune(filters=marker_filter)
            assert again.networks_deleted == [in_use.name]
        finally:
            for net in (*unused, in_use, other):
                with anyio.CancelScope(shield=True), suppress(NotFound):
                    await docker.networks.remove(net)
