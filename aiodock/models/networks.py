"""Hand-written network models.

The specification's own objects (``NetworkInspect``, ``IPAM``,
``IPAMConfig``, ``EndpointSettings``...) are generated; this module adds
what the specification leaves inline (the prune report) and refines the
IP address management models so that ``IPAMConfig`` takes the short
``aux_addresses`` name and every network the engine returns carries these
refined classes.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from . import _generated as generated
from ._base import NullsAsDefaults


class IPAMConfig(generated.IPAMConfig):
    """One address pool of a network: subnet, range, gateway, reserved addresses.

    ``aux_addresses`` (engine key ``AuxiliaryAddresses``) maps host names to
    addresses the engine must not hand out; ``auxiliary_addresses`` is the
    same field under the specification's name.

    Example:
        >>> IPAMConfig(subnet="10.213.7.0/24", gateway="10.213.7.1",
        ...            aux_addresses={"printer": "10.213.7.5"}).to_engine()
        {'Subnet': '10.213.7.0/24', 'Gateway': '10.213.7.1', 'AuxiliaryAddresses': {'printer': '10.213.7.5'}}
    """  # noqa: E501

    auxiliary_addresses: dict[str, str] | None = Field(
        default=None,
        alias="AuxiliaryAddresses",
        validation_alias=AliasChoices("AuxiliaryAddresses", "auxiliary_addresses", "aux_addresses"),
    )

    @property
    def aux_addresses(self) -> dict[str, str] | None:
        """The reserved addresses (``auxiliary_addresses`` under its short name)."""
        return self.auxiliary_addresses


class IPAM(generated.IPAM):
    """How a network assigns addresses: the IPAM driver, its pools and options.

    Example:
        >>> IPAM(config=[IPAMConfig(subnet="10.213.7.0/24")]).to_engine()
        {'Config': [{'Subnet': '10.213.7.0/24'}]}
    """

    # Narrows the generated ``list[IPAMConfig]`` to the refined class (lists
    # are invariant, hence the ignore; every item is still a generated IPAMConfig).
    config: list[IPAMConfig] | None = Field(  # type: ignore[assignment]
        default=None, alias="Config"
    )


class NetworkInspect(generated.NetworkInspect):
    """A network as ``inspect``, ``list`` and ``create`` return it.

    ``containers`` (filled by ``inspect``) maps container IDs to their
    endpoint: name, addresses, MAC.

    Example:
        >>> net = await docker.networks.inspect("bridge")  # doctest: +SKIP
        >>> net.driver, net.ipam.config[0].subnet  # doctest: +SKIP
        ('bridge', '172.17.0.0/16')
    """

    ipam: IPAM | None = Field(default=None, alias="IPAM")


class NetworkSummary(generated.NetworkSummary):
    """A network as engines from API 1.52 on list it (no ``containers``).

    Example:
        >>> for net in await docker.networks.list():  # doctest: +SKIP
        ...     print(net.name, net.driver, net.ipam.config if net.ipam else None)
    """

    ipam: IPAM | None = Field(default=None, alias="IPAM")


class NetworkPruneReport(NullsAsDefaults):
    """What ``networks.prune`` removed: the names of the deleted networks.

    Example:
        >>> NetworkPruneReport.model_validate({"NetworksDeleted": None}).networks_deleted
        []
    """

    networks_deleted: list[str] = Field(default_factory=list, alias="NetworksDeleted")
