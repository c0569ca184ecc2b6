"""The generated Engine API models (``aiodock.models._generated``), without an engine."""

from __future__ import annotations

import copy
import doctest
import re
from functools import cache
from typing import Any

import pytest

import aiodock.models
from aiodock.models import _generated as gen
from aiodock.models._base import EngineModel
from tests.unit._generator import REPO_ROOT, load_tool
from tests.unit._generator import schema as checked_in_schema

CONTAINER_ID = "3f1c2b7e9a4d5c6b8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
IMAGE_ID = "sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d"

# `docker inspect web` on Linux, trimmed, in the engine's own shape.
CONTAINER_INSPECT: dict[str, Any] = {
    "Id": CONTAINER_ID,
    "Created": "2025-06-01T10:15:42.123456789Z",
    "Path": "nginx",
    "Args": ["-g", "daemon off;"],
    "State": {
        "Status": "running",
        "Running": True,
        "Paused": False,
        "Restarting": False,
        "OOMKilled": False,
        "Dead": False,
        "Pid": 4242,
        "ExitCode": 0,
        "Error": "",
        "StartedAt": "2025-06-01T10:15:43.000123456Z",
        "FinishedAt": "0001-01-01T00:00:00Z",
        "Health": None,
    },
    "Image": IMAGE_ID,
    "ResolvConfPath": f"/var/lib/docker/containers/{CONTAINER_ID}/resolv.conf",
    "HostnamePath": f"/var/lib/docker/containers/{CONTAINER_ID}/hostname",
    "HostsPath": f"/var/lib/docker/containers/{CONTAINER_ID}/hosts",
    "LogPath": f"/var/lib/docker/containers/{CONTAINER_ID}/{CONTAINER_ID}-json.log",
    "Name": "/web",
    "RestartCount": 0,
    "Driver": "overlay2",
    "Platform": "linux",
    "MountLabel": "",
    "ProcessLabel": "",
    "AppArmorProfile": "docker-default",
    "ExecIDs": None,
    "HostConfig": {
        "Binds": ["/srv/www:/usr/share/nginx/html:ro"],
        "ContainerIDFile": "",
        "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m"}},
        "NetworkMode": "bridge",
        "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]},
        "RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0},
        "AutoRemove": False,
        "VolumeDriver": "",
        "VolumesFrom": None,
        "ConsoleSize": [0, 0],
        "CapAdd": None,
        "CapDrop": None,
        "CgroupnsMode": "private",
        "Dns": [],
        "DnsOptions": [],
        "DnsSearch": [],
        "ExtraHosts": None,
        "GroupAdd": None,
        "IpcMode": "private",
        "Cgroup": "",
        "Links": None,
        "OomScoreAdj": 0,
        "PidMode": "",
        "Privileged": False,
        "PublishAllPorts": False,
        "ReadonlyRootfs": False,
        "SecurityOpt": None,
        "UTSMode": "",
        "UsernsMode": "",
        "ShmSize": 67108864,
        "Runtime": "runc",
        "Isolation": "",
        "CpuShares": 0,
        "Memory": 268435456,
        "NanoCpus": 500000000,
        "CgroupParent": "",
        "BlkioWeight": 0,
        "BlkioWeightDevice": [],
        "BlkioDeviceReadBps": [],
        "CpuPeriod": 0,
        "CpuQuota": 0,
        "CpusetCpus": "",
        "Devices": [],
        "DeviceCgroupRules": None,
        "DeviceRequests": None,
        "MemoryReservation": 0,
        "MemorySwap": 536870912,
        "MemorySwappiness": None,
        "OomKillDisable": False,
        "PidsLimit": None,
        "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 4096}],
        "IOMaximumIOps": 0,
        "IOMaximumBandwidth": 0,
        "MaskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore"],
        "ReadonlyPaths": ["/proc/bus", "/proc/fs"],
    },
    "GraphDriver": {
        "Name": "overlay2",
        "Data": {
            "MergedDir": "/var/lib/docker/overlay2/4e1d/merged",
            "UpperDir": "/var/lib/docker/overlay2/4e1d/diff",
            "WorkDir": "/var/lib/docker/overlay2/4e1d/work",
        },
    },
    "Mounts": [
        {
            "Type": "volume",
            "Name": "web-cache",
            "Source": "/var/lib/docker/volumes/web-cache/_data",
            "Destination": "/var/cache/nginx",
            "Driver": "local",
            "Mode": "z",
            "RW": True,
            "Propagation": "",
        },
        {
            "Type": "bind",
            "Source": "/srv/www",
            "Destination": "/usr/share/nginx/html",
            "Mode": "ro",
            "RW": False,
            "Propagation": "rprivate",
        },
    ],
    "Config": {
        "Hostname": "3f1c2b7e9a4d",
        "Domainname": "",
        "User": "",
        "AttachStdin": False,
        "AttachStdout": True,
        "AttachStderr": True,
        "ExposedPorts": {"80/tcp": {}},
        "Tty": False,
        "OpenStdin": False,
        "StdinOnce": False,
        "Env": [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "NGINX_VERSION=1.27.5",
        ],
        "Cmd": ["nginx", "-g", "daemon off;"],
        "Image": "nginx:1.27",
        "Volumes": None,
        "WorkingDir": "",
        "Entrypoint": ["/docker-entrypoint.sh"],
        "OnBuild": None,
        "Labels": {"com.example.team": "web", "maintainer": "NGINX Docker Maintainers"},
        "StopSignal": "SIGQUIT",
    },
    "NetworkSettings": {
        "SandboxID": "b2a9c0ffee15d0d3c4c5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7",
        "SandboxKey": "/var/run/docker/netns/b2a9c0ffee15",
        "Ports": {
            "80/tcp": [
                {"HostIp": "0.0.0.0", "HostPort": "8080"},
                {"HostIp": "::", "HostPort": "8080"},
            ],
            "443/tcp": None,
        },
        "Networks": {
            "bridge": {
                "IPAMConfig": None,
                "Links": None,
                "Aliases": None,
                "MacAddress": "02:42:ac:11:00:02",
                "DriverOpts": None,
                "GwPriority": 0,
                "NetworkID": "5d6a1f0b9e8c7d6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a",
                "EndpointID": "e0d1c2b3a4958677f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a291807",
                "Gateway": "172.17.0.1",
                "IPAddress": "172.17.0.2",
                "IPPrefixLen": 16,
                "IPv6Gateway": "",
                "GlobalIPv6Address": "",
                "GlobalIPv6PrefixLen": 0,
                "DNSNames": None,
            }
        },
    },
}

# `GET /info` of a Linux engine, trimmed.
SYSTEM_INFO: dict[str, Any] = {
    "ID": "0b5c1f0e-8a3d-4a8e-9c62-1d0e2f3a4b5c",
    "Containers": 3,
    "ContainersRunning": 1,
    "ContainersPaused": 0,
    "ContainersStopped": 2,
    "Images": 12,
    "Driver": "overlay2",
    "DriverStatus": [
        ["Backing Filesystem", "extfs"],
        ["Supports d_type", "true"],
        ["Using metacopy", "false"],
        ["Native Overlay Diff", "true"],
        ["userxattr", "false"],
    ],
    "Plugins": {
        "Volume": ["local"],
        "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
        "Authorization": None,
        "Log": ["awslogs", "fluentd", "json-file", "local", "syslog"],
    },
    "MemoryLimit": True,
    "SwapLimit": True,
    "CpuCfsPeriod": True,
    "CpuCfsQuota": True,
    "CPUShares": True,
    "CPUSet": True,
    "PidsLimit": True,
    "OomKillDisable": False,
    "IPv4Forwarding": True,
    "Debug": False,
    "NFd": 36,
    "NGoroutines": 58,
    "SystemTime": "2025-06-01T10:20:00.987654321+02:00",
    "LoggingDriver": "json-file",
    "CgroupDriver": "systemd",
    "CgroupVersion": "2",
    "NEventsListener": 0,
    "KernelVersion": "6.8.0-60-generic",
    "OperatingSystem": "Ubuntu 24.04.2 LTS",
    "OSVersion": "24.04",
    "OSType": "linux",
    "Architecture": "x86_64",
    "IndexServerAddress": "https://index.docker.io/v1/",
    "RegistryConfig": {
        "InsecureRegistryCIDRs": ["::1/128", "127.0.0.0/8"],
        "IndexConfigs": {
            "docker.io": {
                "Name": "docker.io",
                "Mirrors": [],
                "Secure": True,
                "Official": True,
            }
        },
        "Mirrors": None,
    },
    "NCPU": 8,
    "MemTotal": 16624467968,
    "GenericResources": None,
    "DockerRootDir": "/var/lib/docker",
    "HttpProxy": "",
    "HttpsProxy": "",
    "NoProxy": "",
    "Name": "buildhost",
    "Labels": [],
    "ExperimentalBuild": False,
    "ServerVersion": "28.2.2",
    "Runtimes": {
        "io.containerd.runc.v2": {
            "path": "runc",
            "status": {"org.opencontainers.runtime-spec.features": "{}"},
        },
        "runc": {"path": "runc"},
    },
    "DefaultRuntime": "runc",
    "Swarm": {
        "NodeID": "",
        "NodeAddr": "",
        "LocalNodeState": "inactive",
        "ControlAvailable": False,
        "Error": "",
        "RemoteManagers": None,
    },
    "LiveRestoreEnabled": False,
    "Isolation": "",
    "InitBinary": "docker-init",
    "ContainerdCommit": {"ID": "05044ec0a9a75232cad458027ca83437aae3f4da"},
    "RuncCommit": {"ID": "v1.2.5-0-g59923ef"},
    "InitCommit": {"ID": "de40ad0"},
    "SecurityOptions": ["name=apparmor", "name=seccomp,profile=builtin", "name=cgroupns"],
    "CDISpecDirs": ["/etc/cdi", "/var/run/cdi"],
    "Containerd": {
        "Address": "/run/containerd/containerd.sock",
        "Namespaces": {"Containers": "moby", "Plugins": "plugins.moby"},
    },
    "DefaultAddressPools": [{"Base": "172.17.0.0/16", "Size": 24}],
    "FirewallBackend": {"Driver": "iptables"},
    "Warnings": None,
}

# One object of `GET /events`; `status`, `id` and `from` are the legacy fields.
EVENT_MESSAGE: dict[str, Any] = {
    "status": "start",
    "id": CONTAINER_ID,
    "from": "nginx:1.27",
    "Type": "container",
    "Action": "start",
    "Actor": {
        "ID": CONTAINER_ID,
        "Attributes": {"image": "nginx:1.27", "name": "web", "com.example.team": "web"},
    },
    "scope": "local",
    "time": 1748772943,
    "timeNano": 1748772943000123456,
}


def drop_null_fields(value: Any, drop: set[str]) -> Any:
    """A copy of ``value`` without the keys in ``drop`` whose value is null."""
    if isinstance(value, dict):
        return {
            k: drop_null_fields(v, drop) for k, v in value.items() if not (v is None and k in drop)
        }
    if isinstance(value, list):
        return [drop_null_fields(v, drop) for v in value]
    return value


# --------------------------------------------------------------------------
# container inspect


def test_container_inspect_snake_case_access() -> None:
    c = gen.ContainerInspectResponse.model_validate(CONTAINER_INSPECT)
    assert c.id == CONTAINER_ID
    assert c.name == "/web"
    assert c.state is not None
    assert c.state.status == "running"
    assert c.state.running is True
    assert c.state.oom_killed is False
    assert c.state.pid == 4242
    assert c.state.exit_code == 0
    assert c.state.started_at == "2025-06-01T10:15:43.000123456Z"  # nanoseconds kept
    assert c.state.finished_at == "0001-01-01T00:00:00Z"  # the zero time is no error
    assert c.state.health is None

    assert c.config is not None
    assert c.config.image == "nginx:1.27"
    assert c.config.cmd == ["nginx", "-g", "daemon off;"]
    assert c.config.labels == {"com.example.team": "web", "maintainer": "NGINX Docker Maintainers"}
    assert c.config.env is not None and "NGINX_VERSION=1.27.5" in c.config.env
    assert c.config.exposed_ports == {"80/tcp": {}}

    hc = c.host_config
    assert hc is not None
    assert hc.network_mode == "bridge"
    assert hc.binds == ["/srv/www:/usr/share/nginx/html:ro"]
    assert hc.restart_policy is not None
    assert hc.restart_policy.name == "unless-stopped"
    assert hc.restart_policy.maximum_retry_count == 0
    assert hc.nano_cpus == 500_000_000  # from Resources (allOf)
    assert hc.cgroupns_mode == "private"
    assert hc.oom_kill_disable is False
    assert hc.io_maximum_bandwidth == 0
    assert hc.log_config is not None and hc.log_config.config == {"max-size": "10m"}
    assert hc.port_bindings is not None
    assert hc.port_bindings["80/tcp"] is not None
    assert hc.port_bindings["80/tcp"][0].host_port == "8080"
    assert hc.ulimits is not None and hc.ulimits[0].soft == 1024

    ns = c.network_settings
    assert ns is not None and ns.networks is not None
    bridge = ns.networks["bridge"]
    assert isinstance(bridge, gen.EndpointSettings)
    assert bridge.ip_address == "172.17.0.2"
    assert bridge.ip_prefix_len == 16
    assert bridge.mac_address == "02:42:ac:11:00:02"
    assert bridge.network_id is not None and bridge.network_id.startswith("5d6a")
    assert bridge.global_ipv6_address == ""
    assert ns.ports is not None
    assert ns.ports["443/tcp"] is None  # exposed but not published

    assert c.mounts is not None
    assert [m.type for m in c.mounts] == ["volume", "bind"]
    assert c.mounts[1].rw is False
    assert c.graph_driver is not None and c.graph_driver.name == "overlay2"


def test_container_inspect_round_trip() -> None:
    c = gen.ContainerInspectResponse.model_validate(CONTAINER_INSPECT)
    out = c.to_engine()
    # Null fields are left out; a null *map value* ("443/tcp": null) is data and stays.
    expected = drop_null_fields(CONTAINER_INSPECT, drop=_all_field_aliases())
    assert out == expected
    assert out["NetworkSettings"]["Ports"]["443/tcp"] is None
    assert "Health" not in out["State"]
    assert "ExecIDs" not in out
    # Validating the engine form again gives the same model.
    assert gen.ContainerInspectResponse.model_validate(out) == c


# --------------------------------------------------------------------------
# system info, events


def test_system_info() -> None:
    info = gen.SystemInfo.model_validate(SYSTEM_INFO)
    assert info.id == SYSTEM_INFO["ID"]
    assert info.ncpu == 8
    assert info.n_fd == 36
    assert info.n_goroutines == 58
    assert info.cpu_set is True
    assert info.cpu_shares is True
    assert info.ipv4_forwarding is True
    assert info.oom_kill_disable is False
    assert info.os_type == "linux"
    assert info.os_version == "24.04"
    assert info.cgroup_version == "2"
    assert info.driver_status is not None and info.driver_status[0] == [
        "Backing Filesystem",
        "extfs",
    ]
    assert info.plugins is not None and info.plugins.authorization is None
    assert info.registry_config is not None
    assert info.registry_config.insecure_registry_cidrs == ["::1/128", "127.0.0.0/8"]
    assert info.registry_config.index_configs is not None
    assert info.registry_config.index_configs["docker.io"].official is True
    assert info.runtimes is not None and info.runtimes["runc"].path == "runc"
    assert info.swarm is not None and info.swarm.local_node_state == "inactive"
    assert info.containerd_commit is not None
    assert info.containerd_commit.id == "05044ec0a9a75232cad458027ca83437aae3f4da"
    assert info.containerd is not None and info.containerd.namespaces is not None
    assert info.containerd.namespaces.containers == "moby"
    assert info.default_address_pools is not None
    assert info.default_address_pools[0].size == 24
    assert info.firewall_backend is not None and info.firewall_backend.driver == "iptables"
    assert info.cdi_spec_dirs == ["/etc/cdi", "/var/run/cdi"]
    assert info.to_engine() == drop_null_fields(SYSTEM_INFO, drop=_all_field_aliases())


def test_event_message_keeps_legacy_fields() -> None:
    ev = gen.EventMessage.model_validate(EVENT_MESSAGE)
    assert ev.type == "container"
    assert ev.action == "start"
    assert ev.actor is not None and ev.actor.id == CONTAINER_ID
    assert ev.actor.attributes is not None and ev.actor.attributes["name"] == "web"
    assert ev.scope == "local"
    assert ev.time == 1748772943
    assert ev.time_nano == 1748772943000123456
    # Not in the v1.55 definition, but sent by older engines: kept as extras.
    assert ev.model_extra == {"status": "start", "id": CONTAINER_ID, "from": "nginx:1.27"}
    assert ev.to_engine() == EVENT_MESSAGE


# --------------------------------------------------------------------------
# leniency: unknown fields, unknown enum values, omitted fields


def test_unknown_fields_are_kept_at_every_level() -> None:
    sample = copy.deepcopy(CONTAINER_INSPECT)
    sample["FutureTopLevel"] = {"Nested": [1, 2]}
    sample["State"]["FutureStateField"] = "x"
    sample["HostConfig"]["RestartPolicy"]["Jitter"] = 3
    c = gen.ContainerInspectResponse.model_validate(sample)
    assert c.model_extra == {"FutureTopLevel": {"Nested": [1, 2]}}
    assert c.state is not None and c.state.model_extra == {"FutureStateField": "x"}
    assert c.host_config is not None and c.host_config.restart_policy is not None
    assert c.host_config.restart_policy.model_extra == {"Jitter": 3}
    out = c.to_engine()
    assert out["FutureTopLevel"] == {"Nested": [1, 2]}
    assert out["State"]["FutureStateField"] == "x"
    assert out["HostConfig"]["RestartPolicy"] == {
        "Name": "unless-stopped",
        "MaximumRetryCount": 0,
        "Jitter": 3,
    }


@pytest.mark.parametrize(
    ("model", "data", "attr"),
    [
        (gen.ContainerState, {"Status": "hibernating"}, "status"),
        (gen.RestartPolicy, {"Name": "on-tuesdays"}, "name"),
        (gen.MountPoint, {"Type": "cephfs"}, "type"),
        (gen.EventMessage, {"Type": "gadget"}, "type"),
        (gen.SwarmInfo, {"LocalNodeState": "dreaming"}, "local_node_state"),
        (gen.HostConfig, {"Isolation": "sandbox"}, "isolation"),
        (gen.Mount, {"Type": "nfs4"}, "type"),
    ],
)
def test_unknown_enum_values_validate(
    model: type[EngineModel], data: dict[str, Any], attr: str
) -> None:
    obj = model.model_validate(data)
    assert getattr(obj, attr) == next(iter(data.values()))
    assert obj.to_engine() == data


def test_every_field_is_optional() -> None:
    for name in gen.__all__:
        obj = getattr(gen, name)
        if isinstance(obj, type) and issubclass(obj, EngineModel):
            empty = obj.model_validate({})
            assert empty.to_engine() == {}, name


def test_build_by_snake_case_and_by_alias() -> None:
    hc = gen.HostConfig(
        network_mode="none",
        binds=["/a:/b"],
        restart_policy=gen.RestartPolicy(name="always"),
        nano_cpus=1_000_000_000,
    )
    expected = {
        "NetworkMode": "none",
        "Binds": ["/a:/b"],
        "RestartPolicy": {"Name": "always"},
        "NanoCpus": 1_000_000_000,
    }
    assert hc.to_engine() == expected
    assert gen.HostConfig.model_validate(expected) == hc
    by_alias = gen.RestartPolicy.model_validate({"Name": "on-failure", "MaximumRetryCount": 3})
    by_name = gen.RestartPolicy.model_validate({"name": "on-failure", "maximum_retry_count": 3})
    assert by_alias == by_name
    assert by_name.to_engine() == {"Name": "on-failure", "MaximumRetryCount": 3}


# --------------------------------------------------------------------------
# names


@cache
def _alias_to_names() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for name in gen.__all__:
        obj = getattr(gen, name)
        if isinstance(obj, type) and issubclass(obj, EngineModel):
            for field_name, info in obj.model_fields.items():
                assert info.alias is not None, f"{name}.{field_name} has no alias"
                names.setdefault(info.alias, set()).add(field_name)
    return names


def _all_field_aliases() -> set[str]:
    return set(_alias_to_names())


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("NanoCpus", "nano_cpus"),
        ("NanoCPUs", "nano_cpus"),
        ("CpuShares", "cpu_shares"),
        ("CPUShares", "cpu_shares"),
        ("IPAddress", "ip_address"),
        ("GlobalIPv6Address", "global_ipv6_address"),
        ("IPv4Address", "ipv4_address"),
        ("EnableIPv6", "enable_ipv6"),
        ("ID", "id"),
        ("Id", "id"),
        ("OomKillDisable", "oom_kill_disable"),
        ("NetworkID", "network_id"),
        ("CgroupnsMode", "cgroupns_mode"),
        ("progressDetail", "progress_detail"),
        ("MacAddress", "mac_address"),
        ("IOMaximumBandwidth", "io_maximum_bandwidth"),
        ("IOMaximumIOps", "io_maximum_iops"),
        ("BlkioWeightDevice", "blkio_weight_device"),
        ("BlkioDeviceReadIOps", "blkio_device_read_iops"),
        ("OSType", "os_type"),
        ("CPUSet", "cpu_set"),
        ("LinkLocalIPs", "link_local_ips"),
        ("IPAMConfig", "ipam_config"),
        ("OOMKilled", "oom_killed"),
        ("SELinuxContext", "selinux_context"),
        ("RootFS", "rootfs"),
        ("For", "for_"),
        ("Global", "global_"),
    ],
)
def test_field_names(key: str, name: str) -> None:
    assert _alias_to_names().get(key) == {name}


def test_field_names_are_snake_case_identifiers() -> None:
    pattern = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*_?")
    bad = sorted(
        n for names in _alias_to_names().values() for n in names if not pattern.fullmatch(n)
    )
    assert bad == []


# --------------------------------------------------------------------------
# coverage of the spec


@cache
def _definitions() -> dict[str, Any]:
    # The checked-in structural schema the generator reads; that it matches
    # the upstream YAML is checked in test_models_regenerate.py.
    defs: dict[str, Any] = checked_in_schema()["definitions"]
    return defs


def _added_keys(name: str) -> list[str]:
    """The engine keys the generator's overlay table adds to a definition."""
    overlay = load_tool("gen_models").OVERLAYS.get(name)
    return list(overlay.added) if overlay is not None else []


def _property_keys(schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    for part in schema.get("allOf", []):
        if "$ref" in part:
            keys += _property_keys(defs[part["$ref"].rsplit("/", 1)[-1]], defs)
        else:
            keys += _property_keys(part, defs)
    keys += list(schema.get("properties") or {})
    return keys


def test_every_definition_is_generated() -> None:
    defs = _definitions()
    missing = sorted(name for name in defs if name not in gen.__all__ or not hasattr(gen, name))
    assert missing == [], f"definitions without a class or alias: {missing}"


def test_object_definitions_have_every_property() -> None:
    defs = _definitions()
    for name, schema in defs.items():
        obj = getattr(gen, name)
        if "properties" in schema or "allOf" in schema:
            assert isinstance(obj, type) and issubclass(obj, EngineModel), name
            aliases = [str(info.alias) for info in obj.model_fields.values()]
            expected = set(_property_keys(schema, defs)) | set(_added_keys(name))
            assert sorted(aliases) == sorted(expected), name
        else:
            assert not (isinstance(obj, type) and issubclass(obj, EngineModel)), name


def test_all_is_complete() -> None:
    public = {
        name
        for name, obj in vars(gen).items()
        if not name.startswith("_")
        and obj is not EngineModel
        and isinstance(obj, type)
        and issubclass(obj, EngineModel)
    }
    assert public <= set(gen.__all__)
    assert len(gen.__all__) == len(set(gen.__all__))


# --------------------------------------------------------------------------
# inheritance (allOf) and the overlay table


def test_all_of_references_are_base_classes() -> None:
    defs = _definitions()
    with_bases = 0
    for name, definition in defs.items():
        refs = [p["$ref"].rsplit("/", 1)[-1] for p in definition.get("allOf", []) if "$ref" in p]
        if not refs:
            continue
        with_bases += 1
        cls = getattr(gen, name)
        assert cls.__bases__ == tuple(getattr(gen, r) for r in refs), name
        inherited = {k for r in refs for k in getattr(gen, r).model_fields}
        own = set(vars(cls).get("__annotations__", {}))
        assert not own & inherited, f"{name} copies fields of its bases: {own & inherited}"
    assert with_bases >= 4  # HostConfig(Resources), NetworkInspect(Network), ...
    assert issubclass(gen.HostConfig, gen.Resources)
    assert issubclass(gen.NetworkInspect, gen.Network)
    assert issubclass(gen.NetworkSummary, gen.Network)
    assert issubclass(gen.Swarm, gen.ClusterInfo)


def test_overlaid_classes_are_the_public_ones() -> None:
    overlays = load_tool("gen_models").OVERLAYS
    assert {"IPAM", "IPAMConfig", "NetworkInspect", "NetworkSummary", "ImageInspect"} <= set(
        overlays
    )
    for name in overlays:
        assert getattr(aiodock.models, name) is getattr(gen, name), name
    assert aiodock.models.networks.IPAMConfig is gen.IPAMConfig
    assert aiodock.models.images.ImageInspect is gen.ImageInspect


def test_overlay_docstring_examples_run() -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tried = 0
    for name, overlay in load_tool("gen_models").OVERLAYS.items():
        if overlay.doc is None:
            continue
        cls = getattr(gen, name)
        assert cls.__doc__ == overlay.doc, name
        for test in finder.find(cls, name, globs=vars(gen).copy()):
            result = runner.run(test)
            tried += result.attempted
            assert result.failed == 0, name
    assert tried >= 2


def test_overlay_short_name_and_extra_fields() -> None:
    pool = gen.IPAMConfig.model_validate({"aux_addresses": {"printer": "10.0.0.5"}})
    assert pool.aux_addresses == pool.auxiliary_addresses == {"printer": "10.0.0.5"}
    assert pool.to_engine() == {"AuxiliaryAddresses": {"printer": "10.0.0.5"}}
    image = gen.ImageInspect.model_validate(
        {
            "Id": "sha256:1",
            "Parent": "",
            "DockerVersion": "20.10.24",
            "VirtualSize": 7,
            "ContainerConfig": {"Cmd": ["sh"]},
        }
    )
    assert image.docker_version == "20.10.24" and image.virtual_size == 7
    assert image.container_config is not None and image.container_config.cmd == ["sh"]
    assert image.model_extra == {}


def test_no_type_ignore_in_the_models() -> None:
    found = [
        f"{path.name}:{n}"
        for path in sorted((REPO_ROOT / "aiodock" / "models").glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "type: ignore" in line
    ]
    assert found == []
