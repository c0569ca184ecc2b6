"""Hand-written volume models: the list answer and the prune report.

``Volume`` itself (name, driver, mountpoint, labels, options, scope,
usage data, cluster volume) is generated from the specification.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from ._base import EngineModel, NullsAsDefaults
from ._generated import Volume

__all__ = [
    "VolumeList",
    "VolumePruneReport",
]


class VolumeList(EngineModel):
    """The answer of ``volumes.list``: the volumes, and the engine's warnings
    (for instance about a volume driver that did not answer).

    Both are lists, empty when the engine sends nothing.

    Example:
        >>> listing = VolumeList.model_validate({"Volumes": None, "Warnings": None})
        >>> listing.volumes, listing.warnings
        ([], [])
    """

    volumes: list[Volume] = Field(default_factory=list, alias="Volumes")
    warnings: list[str] = Field(default_factory=list, alias="Warnings")

    @field_validator("volumes", "warnings", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class VolumePruneReport(NullsAsDefaults):
    """What ``volumes.prune`` removed: volume names and the bytes freed.

    Example:
        >>> VolumePruneReport.model_validate(
        ...     {"VolumesDeleted": ["old-data"], "SpaceReclaimed": 4096})
        VolumePruneReport(volumes_deleted=['old-data'], space_reclaimed=4096)
    """

    volumes_deleted: list[str] = Field(default_factory=list, alias="VolumesDeleted")
    space_reclaimed: int = Field(default=0, alias="SpaceReclaimed")
