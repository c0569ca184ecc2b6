"""Checking container options and building the create body.

Everything here runs before any request: a bad name, a label that is not a
string, an unknown signal, a port out of range or a relative bind-mount
source raises ``ValueError``/``TypeError`` naming the bad value, instead of
an engine error (or worse, a silently different container).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from .. import _check
from ..models import (
    ContainerCreate,
    ContainerUpdate,
    DeviceMapping,
    DeviceRequest,
    EndpointSettings,
    HealthConfig,
    HostConfig,
    NetworkingConfig,
    ResourcesBlkioWeightDeviceItem,
    ResourcesUlimitsItem,
    RestartPolicy,
    ThrottleDevice,
)
from ..reference import check_image_ref

NAME_PATTERN = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
"""The engine's rule for container names."""

VOLUME_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")

# The Linux signal names the engine understands (without the SIG prefix).

_PORT_KEY = re.compile(r"^(\d+)(?:-(\d+))?(?:/(tcp|udp|sctp))?$")
_PORT_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")
WAIT_CONDITIONS = ("not-running", "next-exit", "removed")


class CreateOptions(TypedDict, total=False):
    """The keywords of :meth:`ContainerCollection.create` (and of ``run``
    and ``running``, which create): the one list of them."""

    name: str | None
    entrypoint: str | Sequence[str] | None
    env: Mapping[str, str] | Sequence[str] | None
    labels: Mapping[str, str] | None
    working_dir: str | None
    user: str | None
    hostname: str | None
    tty: bool
    open_stdin: bool
    stdin_once: bool
    exposed_ports: Sequence[int | str] | None
    healthcheck: HealthConfig | None
    stop_signal: str | int | None
    stop_timeout: float | None
    host_config: HostConfig | None
    networking_config: NetworkingConfig | None
    platform: str | None
    config: ContainerCreate | None
    network: str | None
    network_aliases: Sequence[str] | None


class UpdateOptions(TypedDict, total=False):
    """The keywords of :meth:`ContainerCollection.update`: the one list of
    them (the method takes ``**options: Unpack[UpdateOptions]``)."""

    memory: int | None
    memory_swap: int | None
    memory_reservation: int | None
    memory_swappiness: int | None
    cpu_shares: int | None
    nano_cpus: int | None
    cpu_quota: int | None
    cpu_period: int | None
    cpu_realtime_period: int | None
    cpu_realtime_runtime: int | None
    cpuset_cpus: str | None
    cpuset_mems: str | None
    cpu_count: int | None
    cpu_percent: int | None
    pids_limit: int | None
    blkio_weight: int | None
    blkio_weight_device: Sequence[ResourcesBlkioWeightDeviceItem] | None
    blkio_device_read_bps: Sequence[ThrottleDevice] | None
    blkio_device_write_bps: Sequence[ThrottleDevice] | None
    blkio_device_read_iops: Sequence[ThrottleDevice] | None
    blkio_device_write_iops: Sequence[ThrottleDevice] | None
    io_maximum_iops: int | None
    io_maximum_bandwidth: int | None
    cgroup_parent: str | None
    devices: Sequence[DeviceMapping] | None
    device_cgroup_rules: Sequence[str] | None
    device_requests: Sequence[DeviceRequest] | None
    oom_kill_disable: bool | None
    init: bool | None
    ulimits: Sequence[ResourcesUlimitsItem] | None
    restart_policy: RestartPolicy | None
    resources: ContainerUpdate | None


CREATE_KEYWORDS = frozenset(CreateOptions.__optional_keys__)
UPDATE_KEYWORDS = frozenset(UpdateOptions.__optional_keys__)


def check_name(name: object, what: str = "name") -> str:
    """A container name as the engine allows it (``/?[a-zA-Z0-9][a-zA-Z0-9_.-]+``).

    Example:
        >>> check_name("web-1")
        'web-1'
    """
    if not isinstance(name, str):
        raise TypeError(f"container {what} must be a string, not {name!r}")
    if not NAME_PATTERN.match(name):
        raise ValueError(
            f"invalid container {what} {name!r}: it must start with a letter or digit and"
            " contain only letters, digits, '_', '.' and '-' (at least 2 characters)"
        )
    return name


def _check_port_number(what: str, text: str | None, value: str) -> None:
    if text is None:
        return
    number = int(text)
    if not 1 <= number <= 65535:
        raise ValueError(f"{what}: port {number} in {value!r} is outside 1..65535")


def port_key(what: str, port: object) -> str:
    """A container port as the engine keys it: ``"80/tcp"``.

    Example:
        >>> port_key("exposed_ports", 80), port_key("exposed_ports", "53/udp")
        ('80/tcp', '53/udp')
    """
    if isinstance(port, bool) or not isinstance(port, int | str):
        raise TypeError(f"{what}: a port must be a number or a string like '80/tcp', not {port!r}")
    text = str(port)
    match = _PORT_KEY.match(text)
    if match is None:
        raise ValueError(f"{what}: invalid port {port!r} (expected '80', '80/tcp', '53/udp')")
    _check_port_number(what, match.group(1), text)
    _check_port_number(what, match.group(2), text)
    return text if match.group(3) else f"{text}/tcp"


def exposed_ports(ports: object) -> dict[str, dict[str, Any]]:
    """``[80, "53/udp"]`` -> ``{"80/tcp": {}, "53/udp": {}}``."""
    if isinstance(ports, str | int) or not isinstance(ports, Iterable):
        raise TypeError(f"exposed_ports must be a list of ports, not {ports!r}")
    return {port_key("exposed_ports", port): {} for port in ports}


def _check_host_port(host_port: str | None, key: str) -> None:
    if host_port in (None, ""):
        return  # the engine picks a free port
    assert host_port is not None
    match = _PORT_RANGE.match(host_port)
    what = f"port_bindings[{key!r}]"
    if match is None:
        raise ValueError(f"{what}: invalid host port {host_port!r}")
    _check_port_number(what, match.group(1), host_port)
    _check_port_number(what, match.group(2), host_port)


def _check_bind(bind: object) -> None:
    if not isinstance(bind, str):
        raise TypeError(f"binds: entries must be 'source:target[:options]' strings, not {bind!r}")
    parts = bind.split(":")
    if len(parts) < 2 or len(parts) > 3 or not parts[0] or not parts[1]:
        raise ValueError(f"binds: invalid entry {bind!r} (expected 'source:target[:options]')")
    source, target = parts[0], parts[1]
    if not source.startswith("/") and not VOLUME_NAME_PATTERN.match(source):
        raise ValueError(
            f"binds: the host path {source!r} in {bind!r} is relative; bind mounts need an"
            " absolute host path (or a volume name)"
        )
    if not target.startswith("/"):
        raise ValueError(f"binds: the container path {target!r} in {bind!r} must be absolute")


def check_host_config(host_config: HostConfig) -> None:
    """Check what the engine would reject late or misread: bind sources,
    mount sources, port bindings."""
    for bind in host_config.binds or ():
        _check_bind(bind)
    for mount in host_config.mounts or ():
        if mount.type == "bind" and mount.source is not None and not mount.source.startswith("/"):
            raise ValueError(
                f"mounts: the bind source {mount.source!r} is relative; bind mounts need an"
                " absolute host path"
            )
        if mount.target is not None and not mount.target.startswith("/"):
            raise ValueError(f"mounts: the target {mount.target!r} must be an absolute path")
    for key, bindings in (host_config.port_bindings or {}).items():
        port_key("port_bindings", key)
        for binding in bindings or ():
            _check_host_port(binding.host_port, key)


def create_body(image: str, command: object, options: CreateOptions) -> ContainerCreate:
    """The create body: ``config`` (if given) with every keyword that was
    given (not ``None``, not ``False``) put over it, checked."""
    if not isinstance(image, str) or not image:
        raise TypeError(f"image must be a non-empty string, not {image!r}")
    check_image_ref(image)
    config = options.get("config")
    if config is not None and not isinstance(config, ContainerCreate):
        raise TypeError(f"config must be a ContainerCreate, not {type(config).__name__}")
    entrypoint = options.get("entrypoint")
    env = options.get("env")
    labels = options.get("labels")
    exposed = options.get("exposed_ports")
    stop_signal = options.get("stop_signal")
    stop_timeout = options.get("stop_timeout")
    network = options.get("network")
    network_aliases = options.get("network_aliases")
    host_config = _model(HostConfig, "host_config", options.get("host_config"))
    networking_config = _model(
        NetworkingConfig, "networking_config", options.get("networking_config")
    )
    healthcheck = _model(HealthConfig, "healthcheck", options.get("healthcheck"))
    updates: dict[str, Any] = {"image": image}
    if command is not None:
        updates["cmd"] = _check.command("command", command)
    if entrypoint is not None:
        updates["entrypoint"] = _check.command("entrypoint", entrypoint, may_be_empty=True)
    if env is not None:
        updates["env"] = _check.env(env)
    if labels is not None:
        updates["labels"] = _check.string_map("labels", labels)
    for key in ("working_dir", "user", "hostname"):
        value = options.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise TypeError(f"{key} must be a string, not {value!r}")
            updates[key] = value
    for key in ("tty", "open_stdin", "stdin_once"):
        flag = options.get(key, False)
        if not isinstance(flag, bool):
            raise TypeError(f"{key} must be True or False, not {flag!r}")
        if flag:
            updates[key] = True
    if exposed is not None:
        updates["exposed_ports"] = exposed_ports(exposed)
    if healthcheck is not None:
        updates["healthcheck"] = healthcheck
    if stop_signal is not None:
        updates["stop_signal"] = _check.signal("stop_signal", stop_signal)
    if stop_timeout is not None:
        updates["stop_timeout"] = _check.whole_seconds("stop_timeout", stop_timeout)
    if host_config is not None:
        updates["host_config"] = host_config
    if networking_config is not None:
        updates["networking_config"] = networking_config
    # A shallow copy: what follows replaces nested objects, never changes them,
    # so the caller's config and host_config stay as they were.
    body = (config or ContainerCreate()).model_copy(update=updates)
    if network is not None or network_aliases is not None:
        _attach_network(body, network, network_aliases)
    if body.labels:
        _check.string_map("labels", body.labels)
    if body.stop_signal is not None and body.stop_signal != updates.get("stop_signal"):
        body.stop_signal = _check.signal("stop_signal", body.stop_signal)
    if body.host_config is not None:
        check_host_config(body.host_config)
    return body


def _attach_network(
    body: ContainerCreate, network: str | None, aliases: Sequence[str] | None
) -> None:
    if not isinstance(network, str) or not network:
        raise ValueError(f"network must name a network (network_aliases needs it), not {network!r}")
    if aliases is not None and (
        isinstance(aliases, str) or not all(isinstance(a, str) and a for a in aliases)
    ):
        raise TypeError(f"network_aliases must be a list of names, not {aliases!r}")
    networking = body.networking_config or NetworkingConfig()
    endpoints = dict(networking.endpoints_config or {})
    endpoint = endpoints.get(network) or EndpointSettings()
    if aliases:
        endpoint = endpoint.model_copy(update={"aliases": [*(endpoint.aliases or []), *aliases]})
    endpoints[network] = endpoint
    body.networking_config = networking.model_copy(update={"endpoints_config": endpoints})
    host = body.host_config or HostConfig()
    if host.network_mode is None:
        host = host.model_copy(update={"network_mode": network})
    body.host_config = host


def _model(model: Any, what: str, value: Any) -> Any:
    if value is None or isinstance(value, model):
        return value
    if isinstance(value, Mapping):
        return model.model_validate(value)
    raise TypeError(f"{what} must be a {model.__name__}, not {type(value).__name__}")
