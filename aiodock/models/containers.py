"""Hand-written container models: the shapes the specification leaves
inline (prune report, path stat, create and update bodies) and friendlier
subclasses of generated ones (inspect, stats, wait).

The generated :class:`~aiodock.models.HostConfig`,
:class:`~aiodock.models.ContainerConfig`, :class:`~aiodock.models.Mount`,
:class:`~aiodock.models.PortBinding`, :class:`~aiodock.models.RestartPolicy`,
:class:`~aiodock.models.ContainerSummary` and
:class:`~aiodock.models.ContainerState` are used as they are.
"""

from __future__ import annotations

import base64
import binascii
import json
import stat
from typing import NamedTuple

from pydantic import Field, ValidationError

from ._base import EngineModel
from ._generated import (
    ContainerConfig,
    ContainerInspectResponse,
    ContainerStatsResponse,
    ContainerTopResponse,
    ContainerWaitResponse,
    FilesystemChange,
    HostConfig,
    NetworkingConfig,
    NetworkSettings,
    Resources,
    RestartPolicy,
)

__all__ = [
    "ContainerChange",
    "ContainerCreate",
    "ContainerInspect",
    "ContainerNetworkSettings",
    "ContainerPruneReport",
    "ContainerStats",
    "ContainerTop",
    "ContainerUpdate",
    "PathStat",
    "PruneReport",
    "RunResult",
    "WaitResult",
]


class ContainerCreate(ContainerConfig):
    """The whole body of ``POST /containers/create``: a container's
    configuration plus its host and networking configuration.

    Pass it as ``docker.containers.create(image, config=...)`` when the
    keywords are not enough, or to reuse one configuration.

    Example:
        >>> from aiodock.models import ContainerCreate, HostConfig
        >>> body = ContainerCreate(cmd=["sleep", "5"], host_config=HostConfig(init=True))
        >>> body.to_engine()
        {'Cmd': ['sleep', '5'], 'HostConfig': {'Init': True}}
    """

    host_config: HostConfig | None = Field(default=None, alias="HostConfig")
    networking_config: NetworkingConfig | None = Field(default=None, alias="NetworkingConfig")
    mac_address: str | None = Field(default=None, alias="MacAddress")
    """The container's MAC address (API 1.41's place for it; newer engines
    take it per network in ``EndpointSettings``)."""


class ContainerUpdate(Resources):
    """The body of ``POST /containers/{id}/update``: resource limits and the
    restart policy of an existing container.

    Example:
        >>> ContainerUpdate(memory=64 * 2**20, memory_swap=-1).to_engine()
        {'Memory': 67108864, 'MemorySwap': -1}
    """

    restart_policy: RestartPolicy | None = Field(default=None, alias="RestartPolicy")


class ContainerNetworkSettings(NetworkSettings):
    """A container's network settings, with the per-container fields that
    API 1.41 engines still send for the default bridge network (``ip_address``,
    ``gateway``, ``mac_address``...; newer engines keep them in ``networks``).

    Example:
        >>> settings = ContainerNetworkSettings.model_validate(
        ...     {"IPAddress": "172.17.0.2", "Networks": {"bridge": {"IPAddress": "172.17.0.2"}}})
        >>> settings.ip_address, settings.networks["bridge"].ip_address
        ('172.17.0.2', '172.17.0.2')
    """

    bridge: str | None = Field(default=None, alias="Bridge")
    hairpin_mode: bool | None = Field(default=None, alias="HairpinMode")
    link_local_ipv6_address: str | None = Field(default=None, alias="LinkLocalIPv6Address")
    link_local_ipv6_prefix_len: int | None = Field(default=None, alias="LinkLocalIPv6PrefixLen")
    secondary_ip_addresses: list[dict[str, object]] | None = Field(
        default=None, alias="SecondaryIPAddresses"
    )
    secondary_ipv6_addresses: list[dict[str, object]] | None = Field(
        default=None, alias="SecondaryIPv6Addresses"
    )
    endpoint_id: str | None = Field(default=None, alias="EndpointID")
    gateway: str | None = Field(default=None, alias="Gateway")
    global_ipv6_address: str | None = Field(default=None, alias="GlobalIPv6Address")
    global_ipv6_prefix_len: int | None = Field(default=None, alias="GlobalIPv6PrefixLen")
    ip_address: str | None = Field(default=None, alias="IPAddress")
    ip_prefix_len: int | None = Field(default=None, alias="IPPrefixLen")
    ipv6_gateway: str | None = Field(default=None, alias="IPv6Gateway")
    mac_address: str | None = Field(default=None, alias="MacAddress")


class ContainerInspect(ContainerInspectResponse):
    """Everything the engine knows about one container
    (``docker.containers.inspect``, ``docker inspect``).

    Example:
        The engine's PascalCase keys are aliases of snake_case fields:

        >>> info = ContainerInspect.model_validate({
        ...     "Id": "4f1c", "State": {"Status": "running"}, "Config": {"Tty": False},
        ...     "HostConfig": {"NetworkMode": "bridge"}})
        >>> info.state.status, info.config.tty, info.host_config.network_mode
        ('running', False, 'bridge')
    """

    network_settings: ContainerNetworkSettings | None = Field(default=None, alias="NetworkSettings")
    node: dict[str, object] | None = Field(default=None, alias="Node")
    """The swarm node running the container (classic swarm only)."""


class ContainerStats(ContainerStatsResponse):
    """One sample of a container's resource usage (``docker stats``).

    Example:
        >>> sample = ContainerStats.model_validate(
        ...     {"memory_stats": {"usage": 4124672}, "pids_stats": {"current": 1}})
        >>> sample.memory_stats.usage, sample.pids_stats.current
        (4124672, 1)
    """

    @property
    def cpu_percent(self) -> float | None:
        """CPU use since the previous sample, in percent of one CPU times the
        number of CPUs (what ``docker stats`` shows); ``None`` without a
        previous sample (a one-shot sample has none)."""
        now, before = self.cpu_stats, self.precpu_stats
        if (
            now is None
            or before is None
            or now.cpu_usage is None
            or before.cpu_usage is None
            or now.cpu_usage.total_usage is None
            or before.cpu_usage.total_usage is None
            or now.system_cpu_usage is None
            or before.system_cpu_usage is None
        ):
            return None
        cpu_delta = now.cpu_usage.total_usage - before.cpu_usage.total_usage
        system_delta = now.system_cpu_usage - before.system_cpu_usage
        if system_delta <= 0:
            return None
        cpus = now.online_cpus or len(now.cpu_usage.percpu_usage or ()) or 1
        return cpu_delta / system_delta * cpus * 100.0


class WaitResult(ContainerWaitResponse):
    """How a container ended (``docker.containers.wait``).

    Example:
        >>> WaitResult.model_validate({"StatusCode": 137, "Error": None}).exit_code
        137
    """

    @property
    def exit_code(self) -> int:
        """The process's exit code (the engine's ``StatusCode``)."""
        return self.status_code if self.status_code is not None else -1


class ContainerPruneReport(EngineModel):
    """What ``docker.containers.prune`` removed.

    Example:
        >>> report = ContainerPruneReport.model_validate(
        ...     {"ContainersDeleted": ["4f1c"], "SpaceReclaimed": 0})
        >>> report.containers_deleted, report.space_reclaimed
        (['4f1c'], 0)
    """

    containers_deleted: list[str] | None = Field(default=None, alias="ContainersDeleted")
    space_reclaimed: int | None = Field(default=None, alias="SpaceReclaimed")


PruneReport = ContainerPruneReport
"""The container prune report (the name the containers API uses)."""


_CHANGE_KINDS = {0: "modified", 1: "added", 2: "deleted"}


class ContainerChange(FilesystemChange):
    """One changed path in a container's file system (``docker diff``).

    ``kind`` is the engine's number; ``kind_name`` says it in words.

    Example:
        >>> ContainerChange.model_validate({"Path": "/tmp/x", "Kind": 1}).kind_name
        'added'
    """

    @property
    def kind_name(self) -> str:
        """``"modified"``, ``"added"`` or ``"deleted"`` (or the number as text)."""
        return _CHANGE_KINDS.get(self.kind if self.kind is not None else -1, str(self.kind))


class ContainerTop(ContainerTopResponse):
    """The processes running in a container (``docker top``).

    Example:
        >>> top = ContainerTop(Titles=["PID", "CMD"], Processes=[["7", "sleep 30"]])
        >>> [row["CMD"] for row in top.rows()]
        ['sleep 30']
    """

    def rows(self) -> list[dict[str, str]]:
        """Each process as a mapping of column title to value.

        Example:
            >>> top = ContainerTop(Titles=["PID", "CMD"], Processes=[["7", "sleep 30"]])
            >>> top.rows()
            [{'PID': '7', 'CMD': 'sleep 30'}]
        """
        titles = self.titles or []
        return [dict(zip(titles, process, strict=False)) for process in self.processes or []]


# Go's os.FileMode type bits, as the engine reports them.
_GO_MODE_DIR = 1 << 31
_GO_MODE_SYMLINK = 1 << 27
_GO_MODE_PERM = 0o777


class PathStat(EngineModel):
    """A path's metadata inside a container (``docker.containers.stat_path``),
    decoded from the ``X-Docker-Container-Path-Stat`` header.

    ``mode`` is the engine's (Go's) file mode: permission bits plus type bits.

    Example:
        >>> s = PathStat(name="passwd", size=72, mode=0o644, mtime="2026-01-01T00:00:00Z")
        >>> s.is_dir, s.is_symlink, oct(s.permissions)
        (False, False, '0o644')
    """

    name: str = Field(alias="name")
    size: int = Field(alias="size")
    mode: int = Field(alias="mode")
    mtime: str = Field(alias="mtime")
    link_target: str = Field(default="", alias="linkTarget")

    @property
    def is_dir(self) -> bool:
        """The path is a directory."""
        return bool(self.mode & _GO_MODE_DIR)

    @property
    def is_symlink(self) -> bool:
        """The path is a symbolic link (``link_target`` says where to)."""
        return bool(self.mode & _GO_MODE_SYMLINK)

    @property
    def permissions(self) -> int:
        """The permission bits (``0o644``)."""
        return self.mode & _GO_MODE_PERM

    @property
    def filemode(self) -> str:
        """The mode as ``ls -l`` shows it (``-rw-r--r--``)."""
        kind = stat.S_IFDIR if self.is_dir else stat.S_IFLNK if self.is_symlink else stat.S_IFREG
        return stat.filemode(kind | self.permissions)

    @classmethod
    def from_header(cls, value: str) -> PathStat:
        """Decode the header's value (base64 of a JSON object).

        Args:
            value: The ``X-Docker-Container-Path-Stat`` header's value.

        Raises:
            ValueError: It is not base64 of a path stat.

        Example:
            >>> PathStat.from_header("eyJuYW1lIjoiaG9zdHMiLCJzaXplIjo3LCJtb2RlIjo0MjAsIm10aW1lIjoi"
            ...                      "MjAyNi0wMS0wMVQwMDowMDowMFoifQ==").size
            7
        """
        try:
            raw = base64.b64decode(value.encode("ascii"), validate=False)
            return cls.model_validate(json.loads(raw))
        except (binascii.Error, UnicodeError, ValueError, ValidationError) as exc:
            raise ValueError(
                f"unreadable X-Docker-Container-Path-Stat header {value!r}: {exc}"
            ) from None


class RunResult(NamedTuple):
    """What ``docker.containers.run`` returns: the container's id, its exit
    code, and everything it wrote to stdout and stderr (bytes; behind a
    TTY everything is in ``stdout``).

    Example:
        >>> result = RunResult("4f1c", 0, b"hi\\n", b"")
        >>> result.exit_code, result.stdout
        (0, b'hi\\n')
    """

    container_id: str
    exit_code: int
    stdout: bytes
    stderr: bytes
