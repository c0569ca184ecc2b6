"""Checking container options and building the create body.

Everything here runs before any request: a bad name, a label that is not a
string, an unknown signal, a port out of range or a relative bind-mount
source raises ``ValueError``/``TypeError`` naming the bad value, instead of
an engine error (or worse, a silently different container).
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from .._query import check_timeout
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
_SIGNALS = frozenset(
    [
        "ABRT",
        "ALRM",
        "BUS",
        "CHLD",
        "CLD",
        "CONT",
        "FPE",
        "HUP",
        "ILL",
        "INT",
        "IO",
        "IOT",
        "KILL",
        "PIPE",
        "POLL",
        "PROF",
        "PWR",
        "QUIT",
        "SEGV",
        "STKFLT",
        "STOP",
        "SYS",
        "TERM",
        "TRAP",
        "TSTP",
        "TTIN",
        "TTOU",
        "URG",
        "USR1",
        "USR2",
        "VTALRM",
        "WINCH",
        "XCPU",
        "XFSZ",
        "RTMIN",
        "RTMAX",
    ]
    + [f"RTMIN+{n}" for n in range(1, 16)]
    + [f"RTMAX-{n}" for n in range(1, 15)]
)
_MAX_SIGNAL = 64

_PORT_KEY = re.compile(r"^(\d+)(?:-(\d+))?(?:/(tcp|udp|sctp))?$")
_PORT_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")
WAIT_CONDITIONS = ("not-running", "next-exit", "removed")


class CreateOptions(TypedDict, total=False):
    """The keywords of :meth:`ContainerCollection.create`, for ``run`` and
    ``running``."""

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
    """The keywords of :meth:`ContainerCollection.update`, for the handle."""

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


def check_ref(ref: object, what: str = "container") -> str:
    """A container id or name: a non-empty string."""
    if not isinstance(ref, str):
        raise TypeError(f"{what} must be an id or a name (a string), not {ref!r}")
    if not ref or ref.strip() != ref:
        raise ValueError(f"{what} must be a non-empty id or name without spaces, not {ref!r}")
    return ref


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


def string_mapping(what: str, mapping: object) -> dict[str, str]:
    """A mapping of strings to strings (labels)."""
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{what} must be a mapping of strings to strings, not {mapping!r}")
    out: dict[str, str] = {}
    for key, value in mapping.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"{what}: keys must be non-empty strings, not {key!r}")
        if not isinstance(value, str):
            raise TypeError(
                f"{what}: the value of {key!r} must be a string, not"
                f" {type(value).__name__} ({value!r})"
            )
        out[key] = value
    return out


def env_list(env: object) -> list[str]:
    """``{"A": "1"}`` or ``["A=1"]`` -> ``["A=1"]``.

    Example:
        >>> env_list({"A": "1", "B": ""})
        ['A=1', 'B=']
    """
    if isinstance(env, Mapping):
        out = []
        for key, value in env.items():
            if not isinstance(key, str) or not key or "=" in key:
                raise ValueError(f"env: invalid variable name {key!r}")
            if not isinstance(value, str):
                raise TypeError(
                    f"env: the value of {key!r} must be a string, not"
                    f" {type(value).__name__} ({value!r})"
                )
            out.append(f"{key}={value}")
        return out
    if isinstance(env, str | bytes) or not isinstance(env, Iterable):
        raise TypeError(f"env must be a mapping or a list of 'KEY=VALUE' strings, not {env!r}")
    out = []
    for item in env:
        if not isinstance(item, str):
            raise TypeError(f"env: entries must be 'KEY=VALUE' strings, not {item!r}")
        if not item or item.startswith("="):
            raise ValueError(f"env: invalid entry {item!r} (expected 'KEY=VALUE')")
        out.append(item)
    return out


def command_list(what: str, command: object) -> list[str]:
    """A command as a list: a string is split like a shell would (no
    expansion); a sequence must hold strings."""
    if isinstance(command, str):
        return shlex.split(command)
    if isinstance(command, bytes) or not isinstance(command, Sequence):
        raise TypeError(f"{what} must be a string or a list of strings, not {command!r}")
    for item in command:
        if not isinstance(item, str):
            raise TypeError(f"{what}: every argument must be a string, not {item!r}")
    return list(command)


def signal_name(signal: object, what: str = "signal") -> str:
    """A signal as the engine takes it: ``"SIGTERM"`` for a name (``"TERM"``
    and ``"sigterm"`` too), the number as text for a number (1 to 64).

    Example:
        >>> signal_name("term"), signal_name(9), signal_name("SIGRTMIN+3")
        ('SIGTERM', '9', 'SIGRTMIN+3')
    """
    if isinstance(signal, bool):
        raise TypeError(f"{what} must be a signal name or number, not {signal!r}")
    if isinstance(signal, int):
        if not 1 <= signal <= _MAX_SIGNAL:
            raise ValueError(f"{what} number must be between 1 and {_MAX_SIGNAL}, not {signal}")
        return str(signal)
    if not isinstance(signal, str):
        raise TypeError(f"{what} must be a signal name or number, not {signal!r}")
    if signal.isdigit():
        return signal_name(int(signal), what)
    name = signal.upper().removeprefix("SIG")
    if name not in _SIGNALS:
        raise ValueError(f"unknown {what} {signal!r} (expected a name like 'SIGTERM' or a number)")
    return f"SIG{name}"


def whole_seconds(what: str, value: object) -> int | None:
    """A non-negative timeout in whole seconds (rounded up), or ``None``.

    The engine takes whole seconds, so infinity is refused (``None`` leaves
    the engine's own default).

    Example:
        >>> whole_seconds("timeout", 1.2), whole_seconds("timeout", None)
        (2, None)
    """
    seconds = check_timeout(what, value)
    if seconds is None:
        return None
    if math.isinf(seconds):
        raise ValueError(f"{what} must be a finite number of seconds, not {value!r}")
    return math.ceil(seconds)


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


def create_body(
    image: str,
    *,
    config: ContainerCreate | None,
    command: object,
    entrypoint: object,
    env: object,
    labels: object,
    working_dir: str | None,
    user: str | None,
    hostname: str | None,
    tty: bool,
    open_stdin: bool,
    stdin_once: bool,
    exposed: object,
    healthcheck: HealthConfig | None,
    stop_signal: object,
    stop_timeout: object,
    host_config: HostConfig | None,
    networking_config: NetworkingConfig | None,
    network: str | None,
    network_aliases: Sequence[str] | None,
) -> ContainerCreate:
    """The create body: ``config`` (if given) with every keyword that was
    given (not ``None``, not ``False``) put over it, checked."""
    if not isinstance(image, str) or not image:
        raise TypeError(f"image must be a non-empty string, not {image!r}")
    check_image_ref(image)
    if config is not None and not isinstance(config, ContainerCreate):
        raise TypeError(f"config must be a ContainerCreate, not {type(config).__name__}")
    host_config = _model(HostConfig, "host_config", host_config)
    networking_config = _model(NetworkingConfig, "networking_config", networking_config)
    healthcheck = _model(HealthConfig, "healthcheck", healthcheck)
    updates: dict[str, Any] = {"image": image}
    if command is not None:
        updates["cmd"] = command_list("command", command)
    if entrypoint is not None:
        updates["entrypoint"] = command_list("entrypoint", entrypoint)
    if env is not None:
        updates["env"] = env_list(env)
    if labels is not None:
        updates["labels"] = string_mapping("labels", labels)
    for key, value in (("working_dir", working_dir), ("user", user), ("hostname", hostname)):
        if value is not None:
            if not isinstance(value, str):
                raise TypeError(f"{key} must be a string, not {value!r}")
            updates[key] = value
    for key, flag in (("tty", tty), ("open_stdin", open_stdin), ("stdin_once", stdin_once)):
        if not isinstance(flag, bool):
            raise TypeError(f"{key} must be True or False, not {flag!r}")
        if flag:
            updates[key] = True
    if exposed is not None:
        updates["exposed_ports"] = exposed_ports(exposed)
    if healthcheck is not None:
        updates["healthcheck"] = healthcheck
    if stop_signal is not None:
        updates["stop_signal"] = signal_name(stop_signal, "stop_signal")
    if stop_timeout is not None:
        updates["stop_timeout"] = whole_seconds("stop_timeout", stop_timeout)
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
        string_mapping("labels", body.labels)
    if body.stop_signal is not None and body.stop_signal != updates.get("stop_signal"):
        body.stop_signal = signal_name(body.stop_signal, "stop_signal")
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
