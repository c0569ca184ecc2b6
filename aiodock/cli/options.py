"""Turning docker-style option values (``K=V``, ``-p``, ``-v``, ``--filter``)
into the library's keyword arguments; a malformed value raises
:class:`~aiodock.cli.context.UsageError` naming it, before any request."""

from __future__ import annotations

import os
import re

from aiodock.models import PortBinding

from .context import UsageError

_PORT = re.compile(r"^\d{1,5}$")
_PROTOCOLS = ("tcp", "udp", "sctp")


def key_value(option: str, text: str, *, value_required: bool = True) -> tuple[str, str]:
    """``"K=V"`` -> ``("K", "V")``.

    Example:
        >>> key_value("--label", "app=web")
        ('app', 'web')
    """
    key, sep, value = text.partition("=")
    if not key or (value_required and not sep):
        raise UsageError(f"{option} takes KEY=VALUE, not {text!r}")
    return key, value


def mapping(option: str, items: list[str] | None) -> dict[str, str] | None:
    """Repeated ``K=V`` options as a mapping (``None`` when none given).

    Example:
        >>> mapping("--label", ["a=1", "b=2"])
        {'a': '1', 'b': '2'}
    """
    if not items:
        return None
    return dict(key_value(option, item) for item in items)


def env_entries(items: list[str] | None) -> list[str] | None:
    """``-e K=V`` entries; a bare ``-e K`` takes ``K`` from this process's
    environment, as the docker CLI does (and is left out when unset).

    Example:
        >>> env_entries(["A=1"])
        ['A=1']
    """
    if not items:
        return None
    entries = []
    for item in items:
        key, sep, _ = item.partition("=")
        if not key:
            raise UsageError(f"-e takes KEY=VALUE or KEY, not {item!r}")
        if sep:
            entries.append(item)
        elif key in os.environ:
            entries.append(f"{key}={os.environ[key]}")
    return entries


def filters(items: list[str] | None) -> dict[str, list[str]] | None:
    """Repeated ``--filter k=v`` as the engine's filter mapping.

    Example:
        >>> filters(["label=app=web", "status=exited"])
        {'label': ['app=web'], 'status': ['exited']}
    """
    if not items:
        return None
    found: dict[str, list[str]] = {}
    for item in items:
        key, value = key_value("--filter", item)
        found.setdefault(key, []).append(value)
    return found


def _port_number(spec: str, text: str) -> str:
    if not _PORT.match(text) or not 0 < int(text) < 65536:
        raise UsageError(f"-p {spec}: {text!r} is not a port number (1-65535)")
    return text


def port_binding(spec: str) -> tuple[str, PortBinding]:
    """``-p [IP:][HOST:]CONTAINER[/PROTO]`` -> ``("CONTAINER/PROTO", PortBinding)``.

    An empty or missing host port lets the engine choose one.

    Example:
        >>> port_binding("127.0.0.1:8080:80")
        ('80/tcp', PortBinding(host_ip='127.0.0.1', host_port='8080'))
    """
    rest, _, proto = spec.partition("/")
    proto = proto or "tcp"
    if proto not in _PROTOCOLS:
        raise UsageError(f"-p {spec}: protocol must be one of {', '.join(_PROTOCOLS)}")
    host_ip = ""
    if rest.startswith("["):  # [IPv6]:HOST:CONTAINER
        host_ip, bracket, rest = rest[1:].partition("]:")
        if not bracket:
            raise UsageError(f"-p {spec}: an IPv6 address goes in brackets: [::1]:8080:80")
    parts = rest.split(":")
    if len(parts) > 3 or (host_ip and len(parts) != 2):
        raise UsageError(f"-p takes [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], not {spec!r}")
    if len(parts) == 3:
        host_ip = parts.pop(0)
    container_port = parts[-1]
    host_port = parts[0] if len(parts) == 2 else ""
    container_port = _port_number(spec, container_port)
    if host_port:
        _port_number(spec, host_port)
    binding = PortBinding(host_ip=host_ip or None, host_port=host_port or None)
    return f"{container_port}/{proto}", binding


def port_bindings(specs: list[str] | None) -> dict[str, list[PortBinding] | None] | None:
    """Every ``-p`` as the engine's port map.

    Example:
        >>> port_bindings(["127.0.0.1:8080:80"])["80/tcp"][0].host_port
        '8080'
    """
    if not specs:
        return None
    bindings: dict[str, list[PortBinding] | None] = {}
    for spec in specs:
        key, binding = port_binding(spec)
        listed = bindings.setdefault(key, [])
        assert listed is not None
        listed.append(binding)
    return bindings


def volume_bind(spec: str) -> str:
    """``-v SRC:DST[:OPTIONS]`` as a bind entry: a relative host path
    (``./data``) is made absolute, as the docker CLI does; a bare name is a
    named volume.

    Example:
        >>> volume_bind("data:/data:ro")
        'data:/data:ro'
    """
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1].startswith("/"):
        raise UsageError(
            f"-v takes SOURCE:/container/path[:ro], not {spec!r}"
            " (SOURCE: a host path or a volume name)"
        )
    source = parts[0]
    if source.startswith((".", "~")):
        parts[0] = os.path.abspath(os.path.expanduser(source))
    if len(parts) == 3 and not parts[2]:
        raise UsageError(f"-v {spec}: empty options after the last ':'")
    return ":".join(parts)
