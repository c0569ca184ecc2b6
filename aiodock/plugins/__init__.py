"""Plugins: ``docker.plugins`` (install, enable, configure, upgrade, publish).

:class:`PluginCollection` has one method per Engine API plugin operation.
``pull`` and ``upgrade`` grant a plugin only the privileges the caller
accepted (:class:`PrivilegesNotAccepted` otherwise); they, and ``push``,
return progress streams like image pulls: ``await`` them for the result,
``async for`` them for the progress.
"""

from ._collection import (
    PluginCollection,
    PluginContext,
    PluginPushStream,
    PluginRef,
    PluginStream,
)
from ._privileges import ACCEPT_ALL, Privileges, PrivilegesNotAccepted

__all__ = [
    "ACCEPT_ALL",
    "PluginCollection",
    "PluginContext",
    "PluginPushStream",
    "PluginRef",
    "PluginStream",
    "Privileges",
    "PrivilegesNotAccepted",
]
