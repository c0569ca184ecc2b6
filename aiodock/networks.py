"""The network API: create, inspect, list, remove, connect, disconnect, prune.

Wire details (Engine API 1.41):

- ``POST /networks/create`` takes ``{"Name", "CheckDuplicate", "Driver",
  "Internal", "Attachable", "Ingress", "IPAM", "EnableIPv6", "Options",
  "Labels"}`` and answers ``201 {"Id", "Warning"}``; a name already in use
  is ``409`` while ``CheckDuplicate`` is on (from API 1.44 the engine always
  checks). aiodock then inspects the new network by ID and returns it.
- ``GET /networks/{id}?verbose=&scope=``, ``GET /networks?filters=``.
- ``DELETE /networks/{id}``: ``204``; a network that still has containers is
  ``403`` on dockerd 20.10 (``409`` on newer engines), predefined networks
  (``bridge``, ``host``, ``none``) are ``403``.
- ``POST /networks/{id}/connect`` ``{"Container", "EndpointConfig"}`` and
  ``POST /networks/{id}/disconnect`` ``{"Container", "Force"}``: ``200``.
- ``POST /networks/prune?filters=`` answers ``{"NetworksDeleted": [names]}``.
"""

from __future__ import annotations

import builtins
import ipaddress
import warnings
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import anyio

from . import _check
from ._api import APIClient
from ._handle import HasID
from ._operation import operation
from ._query import Filters, filters_param
from .errors import InvalidResponse, ServerError, UnsupportedOperation
from .models import (
    EndpointIPAMConfig,
    EndpointSettings,
    EngineModel,
    NetworkConnectRequest,
    NetworkCreateResponse,
    NetworkDisconnectRequest,
    _generated,
)

# From the defining module, not the package: the package re-exports these
# over the generated classes of the same names, which type checkers cannot
# follow (they keep the generated type for the package's name).
from .models.networks import NetworkInspect, NetworkPruneReport

_SCOPES = ("local", "global", "swarm")


__all__ = [
    "ContainerRef",
    "NetworkCollection",
    "NetworkRef",
]


NetworkRef = str | _generated.NetworkInspect | _generated.NetworkSummary
"""A network's ID or name, or a network model (its ``id`` is used)."""

ContainerRef = str | HasID
"""A container's ID or name, or a container handle (its ``id`` is used)."""


_PODMAN_ROUTE_RETRIES = 3
"""Times a network create is asked again after Podman's transient route error."""


class NetworkCollection:
    """``docker.networks``: user-defined networks and the containers on them.

    Example:
        >>> net = await docker.networks.create("backend", labels={"app": "demo"})  # doctest: +SKIP
        >>> await docker.networks.connect(net, "web", aliases=["api"])  # doctest: +SKIP
        >>> await docker.networks.remove(net)  # doctest: +SKIP
    """

    def __init__(self, api: APIClient) -> None:
        self._api = api

    @operation("NetworkCreate")
    async def create(
        self,
        name: str,
        *,
        driver: str = "bridge",
        internal: bool = False,
        attachable: bool = False,
        ingress: bool = False,
        ipam: _generated.IPAM | None = None,
        enable_ipv6: bool = False,
        options: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        check_duplicate: bool = True,
        scope: str | None = None,
        config_only: bool = False,
        config_from: str | None = None,
        enable_ipv4: bool | None = None,
    ) -> NetworkInspect:
        """``POST /networks/create`` (``docker network create``); returns the
        new network as ``inspect`` shows it.

        Args:
            name: The network's name.
            driver: The network driver (``"bridge"``, ``"overlay"``,
                ``"macvlan"``...).
            internal: Cut the network off from outside (no gateway to the
                host's networks).
            attachable: Let standalone containers attach to a swarm network.
            ingress: Make it the swarm's routing-mesh network.
            ipam: Subnets, ranges and gateways (an :class:`~aiodock.models.IPAM`);
                ``None`` lets the engine pick.
            enable_ipv6: Enable IPv6 on it.
            options: Driver options (``com.docker.network.bridge.name``...).
            labels: Labels, a mapping of strings to strings.
            check_duplicate: Refuse a name already in use. Without it the
                engine creates a second network of that name and aiodock
                passes on its warning as a :class:`UserWarning` (engines
                from API 1.44 always refuse; aiodock does not send it to them).
            scope: ``"local"``, ``"global"`` or ``"swarm"``; ``None`` for the
                driver's default.
            config_only: Create a configuration-only network: a placeholder
                holding settings (``ipam``, ``options``) that other networks
                take with ``config_from``; no container attaches to it.
            config_from: The name of the configuration-only network to take
                this network's configuration from.
            enable_ipv4: ``False`` for a network without IPv4 addresses;
                ``None`` for the engine's default (on). Needs API 1.48.

        Returns:
            The new network, as :meth:`inspect` shows it.

        Raises:
            Conflict: The name is in use.
            ValueError: A bad IPAM configuration (an address that is not one,
                an unknown field).
            TypeError: ``ipam`` that is not an ``IPAM``, a flag that is not a ``bool``.
            APIVersionError: ``enable_ipv4`` on an engine older than API 1.48.
            UnsupportedOperation: ``config_only`` or ``config_from`` on Podman.

        Example:
            >>> net = await docker.networks.create(  # doctest: +SKIP
            ...     "backend",
            ...     ipam=IPAM(config=[IPAMConfig(subnet="10.213.7.0/24", gateway="10.213.7.1")]),
            ...     labels={"app": "demo"},
            ... )
            >>> net.ipam.config[0].subnet  # doctest: +SKIP
            '10.213.7.0/24'
        """
        _check.text("name", name)
        _check.text("driver", driver)
        for flag, value in (
            ("internal", internal),
            ("attachable", attachable),
            ("ingress", ingress),
            ("enable_ipv6", enable_ipv6),
            ("check_duplicate", check_duplicate),
            ("config_only", config_only),
        ):
            _check.boolean(flag, value)
        if enable_ipv4 is not None:
            _check.boolean("enable_ipv4", enable_ipv4)
        if scope is not None and scope not in _SCOPES:
            raise ValueError(f"scope must be one of {', '.join(_SCOPES)}, not {scope!r}")
        if ipam is not None:
            _check_ipam(ipam)
        body: dict[str, Any] = {
            "Name": name,
            "CheckDuplicate": check_duplicate,
            "Driver": driver,
            "Internal": internal,
            "Attachable": attachable,
            "Ingress": ingress,
            "EnableIPv6": enable_ipv6,
        }
        if ipam is not None:
            body["IPAM"] = ipam.to_engine()
        if options is not None:
            body["Options"] = _check.string_map("options", options)
        if labels is not None:
            body["Labels"] = _check.string_map("labels", labels)
        if scope is not None:
            body["Scope"] = scope
        if (config_only or config_from is not None) and await self._api.is_podman():
            # Podman would make an ordinary network of it, without a word
            raise UnsupportedOperation(
                None, f"Podman has no configuration-only networks (create of {name!r})"
            )
        if config_only:
            body["ConfigOnly"] = True
        if config_from is not None:
            body["ConfigFrom"] = {"Network": _check.text("config_from", config_from)}
        if enable_ipv4 is not None:
            body["EnableIPv4"] = enable_ipv4
        for attempt in range(_PODMAN_ROUTE_RETRIES + 1):
            try:
                created: NetworkCreateResponse = await self._api.get(
                    NetworkCreateResponse, "/networks/create", method="POST", json=body
                )
                break
            except ServerError as exc:
                # Podman (netavark) reads the host's routes to pick a subnet and
                # fails when an interface goes away meanwhile (another
                # network's removal): nothing was created, so ask again.
                transient = self._api.podman and "no such network interface" in exc.message
                if not transient or attempt == _PODMAN_ROUTE_RETRIES:
                    raise
                await anyio.sleep(0.2 * (attempt + 1))
        if not created.id:
            raise InvalidResponse(None, f"the engine created network {name!r} but sent no ID")
        if created.warning:
            warnings.warn(f"the engine warns: {created.warning}", UserWarning, stacklevel=2)
        return await self.inspect(created.id)

    @operation("NetworkInspect")
    async def inspect(
        self, ref: NetworkRef, *, verbose: bool = False, scope: str | None = None
    ) -> NetworkInspect:
        """``GET /networks/{id}`` (``docker network inspect``): the network
        and the containers attached to it.

        Args:
            verbose: Add swarm service details.
            scope: Only find a network of that scope: ``"local"``,
                ``"global"`` or ``"swarm"``; ``None`` for any.

        Raises:
            NotFound: No such network.
            ValueError: An unknown ``scope``.
        """
        path = f"/networks/{_network_ref(ref)}"
        _check.boolean("verbose", verbose)
        if scope is not None and scope not in _SCOPES:
            raise ValueError(f"scope must be one of {', '.join(_SCOPES)}, not {scope!r}")
        params = {"verbose": True if verbose else None, "scope": scope}
        return await self._api.get(NetworkInspect, path, params=params)

    @operation("NetworkList")
    async def list(self, *, filters: Filters | None = None) -> builtins.list[NetworkInspect]:
        """``GET /networks`` (``docker network ls``).

        Listed networks carry no ``containers``: ``inspect`` one for those.

        Args:
            filters: As in ``docker network ls --filter``: ``name``, ``id``,
                ``driver``, ``label`` (``"key"`` or ``"key=value"``), ``scope``,
                ``type`` (``"custom"``, ``"builtin"``), ``dangling`` (``"true"``);
                ``None`` for every network.
        """
        params = {"filters": filters_param(filters)}
        return await self._api.get(builtins.list[NetworkInspect], "/networks", params=params)

    @operation("NetworkDelete")
    async def remove(self, ref: NetworkRef) -> None:
        """``DELETE /networks/{id}`` (``docker network rm``).

        Raises:
            NotFound: No such network.
            Forbidden: It still has containers, on dockerd 20.10 (or it is a
                predefined network); the engine's message says which.
            Conflict: It still has containers, on newer engines.
        """
        await self._api.request("DELETE", f"/networks/{_network_ref(ref)}")

    @operation("NetworkConnect")
    async def connect(
        self,
        ref: NetworkRef,
        container: ContainerRef,
        *,
        aliases: Sequence[str] | None = None,
        ipv4_address: str | None = None,
        ipv6_address: str | None = None,
        links: Sequence[str] | None = None,
        driver_opts: Mapping[str, str] | None = None,
        gw_priority: int | None = None,
    ) -> None:
        """``POST /networks/{id}/connect`` (``docker network connect``):
        attach a container (running or not) to a network.

        Args:
            container: The container: its id, its name, or its handle.
            aliases: Extra names other containers on the network resolve to
                this one.
            ipv4_address: Pin its IPv4 address (the network needs a subnet
                given at creation).
            ipv6_address: Pin its IPv6 address, likewise.
            links: Legacy ``"container:alias"`` links.
            driver_opts: Options for the network driver.
            gw_priority: Which of the container's networks gives its default
                gateway: the one with the highest priority (``0`` by
                default; negative numbers are allowed). Needs API 1.48.

        Raises:
            NotFound: No such network or container.
            ValueError: An address that is not one of its IP version.
            APIVersionError: ``gw_priority`` on an engine older than API 1.48.
        """
        path = f"/networks/{_network_ref(ref)}/connect"
        container_id = _check.ref("container", container)
        pinned = EndpointIPAMConfig(
            ipv4_address=_address("ipv4_address", ipv4_address, 4),
            ipv6_address=_address("ipv6_address", ipv6_address, 6),
        )
        endpoint = EndpointSettings(
            aliases=None if aliases is None else _check.string_list("aliases", aliases),
            links=None if links is None else _check.string_list("links", links),
            driver_opts=None
            if driver_opts is None
            else _check.string_map("driver_opts", driver_opts),
            ipam_config=pinned if pinned.to_engine() else None,
            gw_priority=None if gw_priority is None else _check.integer("gw_priority", gw_priority),
        )
        body = NetworkConnectRequest(container=container_id, endpoint_config=endpoint)
        await self._api.request("POST", path, json=body.to_engine())

    @operation("NetworkDisconnect")
    async def disconnect(
        self, ref: NetworkRef, container: ContainerRef, *, force: bool = False
    ) -> None:
        """``POST /networks/{id}/disconnect`` (``docker network disconnect``).

        Args:
            container: The container: its id, its name, or its handle.
            force: Disconnect even when the engine cannot reach the container
                cleanly (for instance one that no longer exists).

        Raises:
            NotFound: No such network or container.
        """
        path = f"/networks/{_network_ref(ref)}/disconnect"
        container_id = _check.ref("container", container)
        body = NetworkDisconnectRequest(
            container=container_id, force=_check.boolean("force", force)
        )
        await self._api.request("POST", path, json=body.to_engine())

    @operation("NetworkPrune")
    async def prune(self, *, filters: Filters | None = None) -> NetworkPruneReport:
        """``POST /networks/prune`` (``docker network prune``): remove every
        unused user-defined network that matches ``filters``.

        Args:
            filters: ``label`` (``"key"``, ``"key=value"``; ``label!`` to
                exclude) and ``until`` (a timestamp or a duration like
                ``"10m"``). ``None`` removes ALL unused networks on the engine.

        Returns:
            The names deleted (``networks_deleted``).
        """
        params = {"filters": filters_param(filters)}
        return await self._api.get(
            NetworkPruneReport, "/networks/prune", method="POST", params=params, timeout=None
        )


# -- input checks (all run before any request is sent) ---------------------


def _network_ref(ref: object) -> str:
    if isinstance(ref, _generated.NetworkInspect | _generated.NetworkSummary):
        if not ref.id:
            raise ValueError("this network model has no id: pass the network's ID or name")
        ref = ref.id
    return quote(_check.text("network", ref), safe="")


def _address(what: str, value: str | None, version: int) -> str | None:
    if value is None:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{what} is not an IP address: {value!r}") from None
    if address.version != version:
        raise ValueError(f"{what} must be an IPv{version} address, not {value!r}")
    return str(address)


def _check_ipam(ipam: object) -> None:
    if not isinstance(ipam, _generated.IPAM):
        raise TypeError(f"ipam must be an aiodock.models.IPAM, not {type(ipam).__name__}")
    _no_unknown_fields("ipam", ipam)
    for index, pool in enumerate(ipam.config or ()):
        where = f"ipam.config[{index}]"
        _no_unknown_fields(where, pool)
        for field in ("subnet", "ip_range"):
            value = getattr(pool, field)
            if value is not None:
                try:
                    ipaddress.ip_network(value, strict=False)
                except ValueError as exc:
                    raise ValueError(
                        f"{where}.{field} is not a network in CIDR form: {exc}"
                    ) from None
        addresses: dict[str, str | None] = {f"{where}.gateway": pool.gateway}
        for host, reserved in (pool.auxiliary_addresses or {}).items():
            addresses[f"{where}.aux_addresses[{host!r}]"] = reserved
        for label, address in addresses.items():
            if address is not None:
                try:
                    ipaddress.ip_address(address)
                except ValueError:
                    raise ValueError(f"{label} is not an IP address: {address!r}") from None


def _no_unknown_fields(where: str, model: EngineModel) -> None:
    # Models keep unknown keys (for the engine's answers); in a request one
    # is a misspelt option the engine would silently ignore.
    if model.model_extra:
        names = ", ".join(sorted(model.model_extra))
        raise ValueError(f"{where}: unknown field(s) {names}")
