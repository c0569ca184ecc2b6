"""Typed models of the Engine API's objects.

Generated from the specification (``_generated``) and hand-written where the
specification leaves an answer inline; all re-exported here.
"""

from ._base import EngineModel
from ._generated import *  # noqa: F403
from ._generated import __all__ as _generated_all
from .system import PingInfo, SystemDataUsage

__all__ = ["EngineModel", "PingInfo", "SystemDataUsage", *_generated_all]
