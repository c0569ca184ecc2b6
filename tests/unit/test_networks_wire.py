"""docker.networks against httpx.MockTransport: the exact requests sent,
input checks that fail before any request, answers a real engine here
cannot be made to give (other engines' statuses, warnings)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from aiodock import Conflict, Forbidden
from aiodock.models import (
    IPAM,
    IPAMConfig,
    NetworkInspect,
    NetworkPruneReport,
    _generated,
)
from tests.fakes import FakeEngine, client

NET_ID = "ab" * 32


Engine = FakeEngine
"""A fake engine that records requests and answers from a table."""


def inspect_answer(**extra: Any) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "Name": "backend",
            "Id": NET_ID,
            "Driver": "bridge",
            "IPAM": {
                "Driver": "default",
                "Config": [
                    {"Subnet": "10.213.7.0/24", "AuxiliaryAddresses": {"printer": "10.213.7.5"}}
                ],
            },
            **extra,
        },
    )


async def test_create_sends_every_option_and_returns_the_inspected_network() -> None:
    engine = Engine(
        {
            ("POST", "/v1.41/networks/create"): httpx.Response(
                201, json={"Id": NET_ID, "Warning": ""}
            ),
            ("GET", f"/v1.41/networks/{NET_ID}"): inspect_answer(),
        }
    )
    async with client(engine) as docker:
        net = await docker.networks.create(
            "backend",
            internal=True,
            attachable=True,
            enable_ipv6=False,
            ipam=IPAM(
                driver="default",
                config=[
                    IPAMConfig(
                        subnet="10.213.7.0/24",
                        ip_range="10.213.7.128/25",
                        gateway="10.213.7.1",
                        aux_addresses={"printer": "10.213.7.5"},
                    )
                ],
                options={"a": "b"},
            ),
            options={"com.docker.network.bridge.enable_icc": "false"},
            labels={"app": "demo"},
        )
    assert engine.body() == {
        "Name": "backend",
        "CheckDuplicate": True,
        "Driver": "bridge",
        "Internal": True,
        "Attachable": True,
        "Ingress": False,
        "EnableIPv6": False,
        "IPAM": {
            "Driver": "default",
            "Options": {"a": "b"},
            "Config": [
                {
                    "Subnet": "10.213.7.0/24",
                    "IPRange": "10.213.7.128/25",
                    "Gateway": "10.213.7.1",
                    "AuxiliaryAddresses": {"printer": "10.213.7.5"},
                }
            ],
        },
        "Options": {"com.docker.network.bridge.enable_icc": "false"},
        "Labels": {"app": "demo"},
    }
    assert isinstance(net, NetworkInspect)
    assert net.id == NET_ID
    assert net.ipam is not None and net.ipam.config is not None
    pool = net.ipam.config[0]
    assert isinstance(pool, IPAMConfig)
    assert pool.aux_addresses == pool.auxiliary_addresses == {"printer": "10.213.7.5"}


async def test_create_passes_on_the_engines_warning() -> None:
    engine = Engine(
        {
            ("POST", "/v1.41/networks/create"): httpx.Response(
                201, json={"Id": NET_ID, "Warning": "Network with name backend already exists"}
            ),
            ("GET", f"/v1.41/networks/{NET_ID}"): inspect_answer(),
        }
    )
    async with client(engine) as docker:
        with pytest.warns(UserWarning, match="already exists"):
            await docker.networks.create("backend", check_duplicate=False)
    assert engine.body()["CheckDuplicate"] is False


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"name": ""}, ValueError, "name must not be empty"),
        ({"name": 3}, TypeError, "name must be a string"),
        ({"name": "n", "internal": "yes"}, TypeError, "internal must be True or False"),
        ({"name": "n", "labels": {"a": 1}}, TypeError, "labels must map strings to strings"),
        ({"name": "n", "options": ["a"]}, TypeError, "options must be a mapping"),
        ({"name": "n", "ipam": {"Config": []}}, TypeError, "ipam must be an aiodock.models.IPAM"),
        (
            {"name": "n", "ipam": IPAM(config=[IPAMConfig(subnet="10.0.0.0/33")])},
            ValueError,
            r"ipam.config\[0\].subnet is not a network",
        ),
        (
            {
                "name": "n",
                "ipam": IPAM(config=[IPAMConfig(subnet="10.0.0.0/24", gateway="10.0.0.300")]),
            },
            ValueError,
            r"ipam.config\[0\].gateway is not an IP address",
        ),
        (
            {"name": "n", "ipam": IPAM(config=[IPAMConfig(aux_addresses={"h": "nope"})])},
            ValueError,
            r"aux_addresses\['h'\] is not an IP address",
        ),
    ],
)
async def test_create_rejects_bad_input_before_sending(
    kwargs: dict[str, Any], error: type[Exception], words: str
) -> None:
    engine = Engine()
    async with client(engine) as docker:
        with pytest.raises(error, match=words):
            await docker.networks.create(**kwargs)
    assert engine.requests == []


async def test_inspect_list_and_prune_queries() -> None:
    engine = Engine(
        {
            ("GET", "/v1.41/networks/backend"): inspect_answer(),
            ("GET", "/v1.41/networks"): httpx.Response(
                200, json=[{"Name": "backend", "Id": NET_ID}]
            ),
            ("POST", "/v1.41/networks/prune"): httpx.Response(200, json={"NetworksDeleted": None}),
        }
    )
    async with client(engine) as docker:
        await docker.networks.inspect("backend", verbose=True, scope="local")
        nets = await docker.networks.list(filters={"label": "app=demo", "driver": "bridge"})
        report = await docker.networks.prune(filters={"label": ["app=demo"]})
    inspect, listing, prune = engine.requests
    assert dict(inspect.url.params) == {"verbose": "1", "scope": "local"}
    assert json.loads(listing.url.params["filters"]) == {
        "label": ["app=demo"],
        "driver": ["bridge"],
    }
    assert json.loads(prune.url.params["filters"]) == {"label": ["app=demo"]}
    assert [n.id for n in nets] == [NET_ID]
    assert report == NetworkPruneReport(networks_deleted=[])


async def test_connect_and_disconnect_bodies_and_refs() -> None:
    engine = Engine(
        {
            ("POST", f"/v1.41/networks/{NET_ID}/connect"): httpx.Response(200),
            ("POST", "/v1.41/networks/backend/disconnect"): httpx.Response(200),
        }
    )

    class Handle:
        id = "c0ffee"

    async with client(engine) as docker:
        net = _generated.NetworkInspect(id=NET_ID)
        await docker.networks.connect(
            net,
            Handle(),
            aliases=["api"],
            ipv4_address="10.213.7.9",
            links=["db:database"],
            driver_opts={"k": "v"},
        )
        await docker.networks.disconnect("backend", "web", force=True)
    assert engine.body(0) == {
        "Container": "c0ffee",
        "EndpointConfig": {
            "IPAMConfig": {"IPv4Address": "10.213.7.9"},
            "Links": ["db:database"],
            "Aliases": ["api"],
            "DriverOpts": {"k": "v"},
        },
    }
    assert engine.body(1) == {"Container": "web", "Force": True}


async def test_connect_without_options_sends_an_empty_endpoint() -> None:
    engine = Engine({("POST", "/v1.41/networks/n/connect"): httpx.Response(200)})
    async with client(engine) as docker:
        await docker.networks.connect("n", "web")
    assert engine.body() == {"Container": "web", "EndpointConfig": {}}


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"aliases": "api"}, TypeError, "aliases must be a list of strings"),
        ({"aliases": [""]}, TypeError, "aliases must be a list of non-empty strings"),
        ({"ipv4_address": "fe80::1"}, ValueError, "ipv4_address must be an IPv4 address"),
        ({"ipv6_address": "300.1.1.1"}, ValueError, "ipv6_address is not an IP address"),
        ({"driver_opts": {"k": 1}}, TypeError, "driver_opts must map strings to strings"),
    ],
)
async def test_connect_rejects_bad_input_before_sending(
    kwargs: dict[str, Any], error: type[Exception], words: str
) -> None:
    engine = Engine()
    async with client(engine) as docker:
        with pytest.raises(error, match=words):
            await docker.networks.connect("n", "web", **kwargs)
    assert engine.requests == []


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda d: d.networks.inspect(""), ValueError, "network must not be empty"),
        (lambda d: d.networks.inspect(None), TypeError, "network must be a string"),
        (lambda d: d.networks.inspect("n", scope="cluster"), ValueError, "scope must be one"),
        (lambda d: d.networks.remove(_generated.NetworkInspect()), ValueError, "has no id"),
        (lambda d: d.networks.disconnect("n", ""), ValueError, "container must not be empty"),
        (lambda d: d.networks.disconnect("n", "c", force=1), TypeError, "force must be"),
        (lambda d: d.networks.list(filters={"label": 1}), TypeError, "filter 'label'"),
    ],
)
async def test_other_calls_reject_bad_input_before_sending(
    call: Any, error: type[Exception], words: str
) -> None:
    engine = Engine()
    async with client(engine) as docker:
        with pytest.raises(error, match=words):
            await call(docker)
    assert engine.requests == []


async def test_refs_are_one_path_segment() -> None:
    engine = Engine({("DELETE", "/v1.41/networks/a%2Fb"): httpx.Response(204)})
    async with client(engine) as docker:
        await docker.networks.remove("a/b")
    assert engine.requests[0].url.raw_path == b"/v1.41/networks/a%2Fb"


@pytest.mark.parametrize(("status", "error"), [(403, Forbidden), (409, Conflict)])
async def test_remove_in_use_keeps_the_engines_message(status: int, error: type[Exception]) -> None:
    message = "error while removing network: network backend id 12 has active endpoints"
    engine = Engine(
        {("DELETE", "/v1.41/networks/backend"): httpx.Response(status, json={"message": message})}
    )
    async with client(engine) as docker:
        with pytest.raises(error) as info:
            await docker.networks.remove("backend")
    assert info.value.message == message  # type: ignore[attr-defined]


def test_models_accept_the_engines_json_and_python_names() -> None:
    net = NetworkInspect.model_validate(
        {
            "Name": "n",
            "Id": NET_ID,
            "EnableIPv6": False,
            "Internal": True,
            "IPAM": {"Driver": "default", "Options": None, "Config": [{"Subnet": "10.0.0.0/24"}]},
            "Containers": {
                "c1": {
                    "Name": "web",
                    "EndpointID": "e",
                    "MacAddress": "02:42:0a:00:00:02",
                    "IPv4Address": "10.0.0.2/24",
                    "IPv6Address": "",
                }
            },
            "SomethingNewer": {"x": 1},
        }
    )
    assert net.internal is True
    assert net.containers and net.containers["c1"].ipv4_address == "10.0.0.2/24"
    assert net.model_extra == {"SomethingNewer": {"x": 1}}
    assert IPAMConfig(auxiliary_addresses={"a": "10.0.0.9"}).aux_addresses == {"a": "10.0.0.9"}
    assert IPAMConfig.model_validate({"AuxiliaryAddresses": {"a": "1.2.3.4"}}).to_engine() == {
        "AuxiliaryAddresses": {"a": "1.2.3.4"}
    }


async def test_unknown_ipam_fields_are_refused_before_sending() -> None:
    engine = Engine()
    async with client(engine) as docker:
        with pytest.raises(ValueError, match=r"ipam.config\[0\]: unknown field\(s\) subnett"):
            await docker.networks.create("n", ipam=IPAM(config=[IPAMConfig(subnett="10.0.0.0/24")]))
        with pytest.raises(ValueError, match="ipam: unknown field"):
            await docker.networks.create("n", ipam=IPAM(drvier="default"))
    assert engine.requests == []
