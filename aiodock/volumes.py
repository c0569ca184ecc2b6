"""The volume API: create, inspect, list, remove, prune.

Wire details (Engine API 1.41):

- ``POST /volumes/create`` ``{"Name", "Driver", "DriverOpts", "Labels"}``
  answers ``201`` with the volume. Creating a volume whose name exists with
  the same driver returns the existing one (the engine's rule).
- ``GET /volumes/{name}``; ``GET /volumes?filters=`` answers
  ``{"Volumes": [...], "Warnings": [...]}`` (either may be ``null``).
- ``DELETE /volumes/{name}?force=``: ``204``; ``409`` while a container (even
  a stopped one) uses it, ``404`` when missing (``force`` turns that into
  ``204``).
- ``POST /volumes/prune?filters=`` answers ``{"VolumesDeleted": [names],
  "SpaceReclaimed": bytes}``. Up to API 1.41 it removes every unused volume
  that matches; from 1.42 only anonymous ones unless the filters hold
  ``{"all": ["true"]}`` (``prune(all=True)``; a 1.41 engine does not know
  that filter, so it is refused before anything is sent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from . import _check
from ._api import APIClient
from ._labels import matching, needs_client_side, split_label_filters
from ._operation import operation
from ._query import Filters, filters_param
from .errors import Conflict, NotFound
from .models import Volume, VolumeCreateRequest, VolumeList, VolumePruneReport

__all__ = [
    "VolumeCollection",
    "VolumeRef",
]


VolumeRef = str | Volume
"""A volume's name, or a :class:`~aiodock.models.Volume` (its ``name`` is used)."""


class VolumeCollection:
    """``docker.volumes``: named and anonymous volumes.

    Example:
        >>> vol = await docker.volumes.create("web-data", labels={"app": "web"})  # doctest: +SKIP
        >>> vol.mountpoint  # doctest: +SKIP
        '/var/lib/docker/volumes/web-data/_data'
        >>> await docker.volumes.remove(vol)  # doctest: +SKIP
    """

    def __init__(self, api: APIClient) -> None:
        self._api = api

    @operation("VolumeCreate")
    async def create(
        self,
        name: str | None = None,
        *,
        driver: str = "local",
        driver_opts: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Volume:
        """``POST /volumes/create`` (``docker volume create``).

        Args:
            name: The volume's name; ``None`` lets the engine make one up (an
                anonymous volume).
            driver: The volume driver.
            driver_opts: Options for the driver; for ``local`` they are the
                ``mount`` options: ``{"type": "tmpfs", "device": "tmpfs", "o":
                "size=16m"}`` makes a volume in memory, ``{"type": "none",
                "device": "/srv/data", "o": "bind"}`` one backed by a host
                directory.
            labels: Labels, a mapping of strings to strings.

        Returns:
            The new volume (``.name``, ``.mountpoint``...).

        Raises:
            ValueError: A name the ``local`` driver refuses (a host path, say:
                bind-mount it instead), or an empty one.
            TypeError: Labels or options that are not strings.

        Example:
            >>> vol = await docker.volumes.create(  # doctest: +SKIP
            ...     "scratch", driver_opts={"type": "tmpfs", "device": "tmpfs", "o": "size=16m"})
            >>> vol.options  # doctest: +SKIP
            {'device': 'tmpfs', 'o': 'size=16m', 'type': 'tmpfs'}
        """
        body = VolumeCreateRequest(
            name=None if name is None else _check.text("name", name),
            driver=_check.text("driver", driver),
            driver_opts=None
            if driver_opts is None
            else _check.string_map("driver_opts", driver_opts),
            labels=None if labels is None else _check.string_map("labels", labels),
        )
        if name is not None and driver == "local" and not _LOCAL_NAME.match(name):
            raise ValueError(
                f"invalid volume name {name!r}: a local volume's name starts with a letter"
                " or digit and holds only letters, digits, '_', '.' and '-' (at least 2"
                " characters); to mount a host directory, bind-mount its absolute path"
            )
        return await self._api.get(Volume, "/volumes/create", method="POST", json=body.to_engine())

    @operation("VolumeInspect")
    async def inspect(self, ref: VolumeRef) -> Volume:
        """``GET /volumes/{name}`` (``docker volume inspect``).

        Raises:
            NotFound: No such volume.
        """
        return await self._api.get(Volume, f"/volumes/{_volume_ref(ref)}")

    @operation("VolumeList")
    async def list(self, *, filters: Filters | None = None) -> VolumeList:
        """``GET /volumes`` (``docker volume ls``).

        Args:
            filters: As in ``docker volume ls --filter``: ``name``, ``label``
                (``"key"`` or ``"key=value"``), ``driver``, ``dangling``
                (``"true"``: used by no container); ``None`` for every volume.

        Returns:
            A :class:`~aiodock.models.VolumeList`: the ``volumes`` (and the
            engine's ``warnings``).
        """
        if needs_client_side(filters) and await self._api.is_podman():
            assert filters is not None
            sent, match = split_label_filters(filters)
            listing: VolumeList = await self._api.get(
                VolumeList, "/volumes", params={"filters": filters_param(sent)}
            )
            listing.volumes = matching(listing.volumes, _labels_of, match)
            return listing
        params = {"filters": filters_param(filters)}
        return await self._api.get(VolumeList, "/volumes", params=params)

    @operation("VolumeDelete")
    async def remove(self, ref: VolumeRef, *, force: bool = False) -> None:
        """``DELETE /volumes/{name}`` (``docker volume rm``).

        Args:
            force: A missing volume is not an error. (It does not remove a
                volume in use.)

        Raises:
            NotFound: No such volume (without ``force``).
            Conflict: A container (running or stopped) still uses it,
                ``force`` or not: remove the container first.
        """
        path = f"/volumes/{_volume_ref(ref)}"
        if not isinstance(force, bool):
            raise TypeError(f"force must be True or False, not {force!r}")
        try:
            await self._api.request("DELETE", path, params={"force": True if force else None})
        except NotFound:
            if not force:
                raise

    @operation("VolumePrune")
    async def prune(
        self, *, filters: Filters | None = None, all: bool = False
    ) -> VolumePruneReport:
        """``POST /volumes/prune`` (``docker volume prune``): remove unused
        volumes that match ``filters`` and report what went.

        Which unused volumes the engine considers depends on its API version:
        up to 1.41 (Docker 20.10) every one, named or anonymous; from 1.42
        (Docker 23) only anonymous volumes, unless ``all=True`` (``docker
        volume prune --all``).

        Args:
            filters: ``label`` (``"key"``, ``"key=value"``; ``label!`` to
                exclude). ``None`` can remove ALL unused volumes on the engine
                (all anonymous ones, from API 1.42).
            all: Named volumes too (API 1.42 and later: sent as the ``all``
                filter). ``False`` leaves it to the engine's default above.

        Returns:
            The names deleted (``volumes_deleted``) and the bytes reclaimed.

        Raises:
            APIVersionError: ``all=True`` (or an ``all`` filter) with an
                engine below API 1.42, which would refuse the filter; nothing
                is sent.
            ValueError: ``all=True`` with an ``all`` filter that says otherwise.
        """
        if not isinstance(all, bool):
            raise TypeError(f"all must be True or False, not {all!r}")
        if all:
            if (
                filters is not None
                and "all" in filters
                and filters_param({"all": filters["all"]}) != filters_param({"all": "true"})
            ):
                raise ValueError(f"all=True conflicts with the filter all={filters['all']!r}")
            filters = {**(filters or {}), "all": "true"}
        if filters is not None and "all" in filters:
            await self._api.require_version("volumes.prune(all=...)", "1.42")
        if needs_client_side(filters) and await self._api.is_podman():
            assert filters is not None
            return await self._prune_one_by_one(filters)
        params = {"filters": filters_param(filters)}
        return await self._api.get(
            VolumePruneReport, "/volumes/prune", method="POST", params=params, timeout=None
        )

    async def _prune_one_by_one(self, filters: Filters) -> VolumePruneReport:
        # Podman ORs several label filters: list the unused volumes, match
        # every label here, and remove only those, one by one. One that a
        # container took meanwhile refuses (Conflict) and stays.
        unused = {key: value for key, value in filters.items() if key != "all"}
        unused["dangling"] = "true"
        deleted: list[str] = []
        for volume in (await self.list(filters=unused)).volumes:
            if not volume.name:
                continue
            try:
                await self._api.request("DELETE", f"/volumes/{quote(volume.name, safe='')}")
            except (Conflict, NotFound):
                continue
            deleted.append(volume.name)
        return VolumePruneReport(volumes_deleted=deleted, space_reclaimed=0)


def _labels_of(volume: Volume) -> Mapping[str, str] | None:
    return volume.labels


_LOCAL_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
"""The engine's rule for names of volumes of the ``local`` driver."""


def _volume_ref(ref: object) -> str:
    if isinstance(ref, Volume):
        if not ref.name:
            raise ValueError("this volume model has no name: pass the volume's name")
        ref = ref.name
    return quote(_check.text("volume name", ref), safe="")
