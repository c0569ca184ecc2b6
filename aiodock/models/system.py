"""Hand-written models of the system API's answers that the specification
leaves inline (the ping headers, the disk-usage report)."""

from __future__ import annotations

from pydantic import Field

from ._base import EngineModel
from ._generated import (
    BuildCache,
    BuildCacheDiskUsage,
    ContainersDiskUsage,
    ContainerSummary,
    ImagesDiskUsage,
    ImageSummary,
    Volume,
    VolumesDiskUsage,
)

__all__ = [
    "PingInfo",
    "SystemDataUsage",
]


class PingInfo(EngineModel):
    """What ``GET /_ping`` says in its headers.

    ``builder_version`` and ``swarm`` are ``None`` when the engine does not
    send them (dockerd 20.10 sends no ``Swarm`` header).

    Example:
        >>> info = PingInfo.model_validate({"Api-Version": "1.41", "OSType": "linux"})
        >>> info.api_version, info.os_type, info.swarm
        ('1.41', 'linux', None)
    """

    api_version: str = Field(alias="Api-Version")
    os_type: str | None = Field(default=None, alias="OSType")
    experimental: bool = Field(default=False, alias="Docker-Experimental")
    builder_version: str | None = Field(default=None, alias="Builder-Version")
    swarm: str | None = Field(default=None, alias="Swarm")


class SystemDataUsage(EngineModel):
    """The engine's disk usage (``GET /system/df``).

    Engines up to API 1.51 list every object (``images``, ``containers``,
    ``volumes``, ``build_cache``); newer ones summarise per kind
    (``images_usage``..., API 1.52 and later). Whatever the engine did not send is ``None``.

    Example:
        >>> usage = SystemDataUsage.model_validate({"LayersSize": 4929456, "Volumes": [
        ...     {"Name": "v", "Driver": "local", "Mountpoint": "/x", "Labels": {},
        ...      "Scope": "local", "Options": {}, "UsageData": {"Size": 4096, "RefCount": 1}}]})
        >>> usage.layers_size, sum(v.usage_data.size for v in usage.volumes or [] if v.usage_data)
        (4929456, 4096)
    """

    layers_size: int | None = Field(default=None, alias="LayersSize")
    images: list[ImageSummary] | None = Field(default=None, alias="Images")
    containers: list[ContainerSummary] | None = Field(default=None, alias="Containers")
    volumes: list[Volume] | None = Field(default=None, alias="Volumes")
    build_cache: list[BuildCache] | None = Field(default=None, alias="BuildCache")
    images_usage: ImagesDiskUsage | None = Field(default=None, alias="ImageUsage")
    containers_usage: ContainersDiskUsage | None = Field(default=None, alias="ContainerUsage")
    volumes_usage: VolumesDiskUsage | None = Field(default=None, alias="VolumeUsage")
    build_cache_usage: BuildCacheDiskUsage | None = Field(default=None, alias="BuildCacheUsage")
