"""Network models.

The specification's own objects (``NetworkInspect``, ``NetworkSummary``,
``IPAM``, ``IPAMConfig``, ``EndpointSettings``...) are generated; what aiodock
adds to them (``IPAMConfig.aux_addresses``, the docstrings) is declared in the
generator's overlay table (``tools/gen_models.py``), so these names are the
generated classes, re-exported here. This module adds what the
specification leaves inline: the prune report.
"""

from __future__ import annotations

from pydantic import Field

from ._base import NullsAsDefaults
from ._generated import IPAM, IPAMConfig, NetworkInspect, NetworkSummary

__all__ = ["IPAM", "IPAMConfig", "NetworkInspect", "NetworkPruneReport", "NetworkSummary"]


class NetworkPruneReport(NullsAsDefaults):
    """What ``networks.prune`` removed: the names of the deleted networks.

    Example:
        >>> NetworkPruneReport.model_validate({"NetworksDeleted": None}).networks_deleted
        []
    """

    networks_deleted: list[str] = Field(default_factory=list, alias="NetworksDeleted")
