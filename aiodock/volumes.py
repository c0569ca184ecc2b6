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
  that matches; from 1.42 only anonymous ones unless ``{"all": "true"}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from . import _check
from ._api import APIClient
from ._operation import operation
from ._query import Filters, filters_param
from .errors import NotFound
from .models import Volume, VolumeCreateRequest, VolumeList, VolumePruneReport

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

        Without ``name`` the engine makes up one (an anonymous volume).
        ``driver_opts`` go to the volume driver; for ``local`` they are the
        ``mount`` options: ``{"type": "tmpfs", "device": "tmpfs", "o":
        "size=16m"}`` makes a volume in memory, ``{"type": "none",
        "device": "/srv/data", "o": "bind"}`` one backed by a host directory.

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
        """``GET /volumes/{name}`` (``docker volume inspect``); a missing
        volume raises :class:`~aiodock.errors.NotFound`.

        Example:
            >>> (await docker.volumes.inspect("web-data")).labels  # doctest: +SKIP
            {'app': 'web'}
        """
        return await self._api.get(Volume, f"/volumes/{_volume_ref(ref)}")

    @operation("VolumeList")
    async def list(self, *, filters: Filters | None = None) -> VolumeList:
        """``GET /volumes`` (``docker volume ls``).

        ``filters`` as in ``docker volume ls --filter``: ``name``, ``label``
        (``"key"`` or ``"key=value"``), ``driver``, ``dangling`` (``"true"``:
        used by no container).

        Example:
            >>> listing = await docker.volumes.list(filters={"label": "app=web"})  # doctest: +SKIP
            >>> [v.name for v in listing.volumes]  # doctest: +SKIP
            ['web-data']
        """
        params = {"filters": filters_param(filters)}
        return await self._api.get(VolumeList, "/volumes", params=params)

    @operation("VolumeDelete")
    async def remove(self, ref: VolumeRef, *, force: bool = False) -> None:
        """``DELETE /volumes/{name}`` (``docker volume rm``).

        A volume that a container (running or stopped) still uses raises
        :class:`~aiodock.errors.Conflict`, ``force`` or not: remove the
        container first. A missing volume raises
        :class:`~aiodock.errors.NotFound`, or nothing with ``force``.

        Example:
            >>> await docker.volumes.remove("web-data")  # doctest: +SKIP
            >>> await docker.volumes.remove("already-gone", force=True)  # doctest: +SKIP
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
    async def prune(self, *, filters: Filters | None = None) -> VolumePruneReport:
        """``POST /volumes/prune`` (``docker volume prune``): remove unused
        volumes that match ``filters`` and report what went.

        ``filters``: ``label`` (``"key"``, ``"key=value"``; ``label!`` to
        exclude). Engines up to API 1.41 consider every unused volume, newer
        ones only anonymous volumes unless ``filters`` has ``{"all": "true"}``.
        Without filters this can remove ALL unused volumes on the engine.

        Example:
            >>> report = await docker.volumes.prune(filters={"label": "app=web"})  # doctest: +SKIP
            >>> report.volumes_deleted, report.space_reclaimed  # doctest: +SKIP
            (['web-data'], 4096)
        """
        params = {"filters": filters_param(filters)}
        return await self._api.get(
            VolumePruneReport, "/volumes/prune", method="POST", params=params, timeout=None
        )


_LOCAL_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
"""The engine's rule for names of volumes of the ``local`` driver."""


def _volume_ref(ref: object) -> str:
    if isinstance(ref, Volume):
        if not ref.name:
            raise ValueError("this volume model has no name: pass the volume's name")
        ref = ref.name
    return quote(_check.text("volume name", ref), safe="")
