"""Typed models of the Engine API's objects.

Generated from the specification (``_generated``, with the additions that
the generator's overlay table declares) and hand-written where the
specification leaves an answer inline; all re-exported here.
"""

from ._base import EngineModel
from ._generated import *  # noqa: F403
from ._generated import __all__ as _generated_all
from .containers import (
    ContainerChange,
    ContainerCreate,
    ContainerInspect,
    ContainerNetworkSettings,
    ContainerPruneReport,
    ContainerStats,
    ContainerTop,
    ContainerUpdate,
    PathStat,
    PruneReport,
    RunResult,
    WaitResult,
)
from .exec import ExecInspect
from .images import (
    BuildEvent,
    BuildPruneReport,
    ImageDeleteItem,
    ImageHistoryItem,
    ImagePruneReport,
    ImageSearchResult,
    ProgressEvent,
    PushResult,
)
from .networks import NetworkPruneReport
from .system import PingInfo, SystemDataUsage
from .volumes import VolumeList, VolumePruneReport

__all__ = [
    "BuildEvent",
    "BuildPruneReport",
    "ImageDeleteItem",
    "ImageHistoryItem",
    "ImagePruneReport",
    "ImageSearchResult",
    "ProgressEvent",
    "PushResult",
    "ContainerChange",
    "ContainerCreate",
    "ContainerInspect",
    "ContainerNetworkSettings",
    "ContainerPruneReport",
    "ContainerStats",
    "ContainerTop",
    "ContainerUpdate",
    "EngineModel",
    "ExecInspect",
    "NetworkPruneReport",
    "PathStat",
    "PingInfo",
    "PruneReport",
    "RunResult",
    "SystemDataUsage",
    "VolumeList",
    "VolumePruneReport",
    "WaitResult",
    *_generated_all,
]
