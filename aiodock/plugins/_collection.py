"""The plugin API: ``docker.plugins``.

Wire details (Engine API 1.41; Docker 20.10 and 26.1 answer alike):

- ``GET /plugins?filters=`` lists the installed plugins; the filters are
  ``capability`` (``volumedriver``, ``networkdriver``...) and ``enabled``
  (the engine refuses ``enable``, the name the specification gives).
- ``GET /plugins/{name}/json``: ``404`` when not installed.
- ``GET /plugins/privileges?remote=`` with ``X-Registry-Auth`` answers the
  privileges a remote plugin asks for (a list of ``{"Name", "Description",
  "Value"}``).
- ``POST /plugins/pull?remote=&name=`` and ``POST /plugins/{name}/upgrade?remote=``
  with ``X-Registry-Auth`` and a JSON body that must be exactly the
  privileges the plugin asks for (anything else ends the ``200`` progress
  stream with ``incorrect privileges`` after the download). The answer is
  JSON-lines progress, like an image pull; pull's ``Docker-Plugin-Name``
  header names the local plugin. A name already installed is ``400``
  (pull) or ``409`` (create); upgrading an enabled plugin is ``409``.
- ``POST /plugins/{name}/enable?timeout=``: the engine fails with ``500``
  when ``timeout`` is missing (it parses the empty string), so aiodock always
  sends it; enabling an enabled plugin, or disabling a disabled one, is
  ``409``. ``POST /plugins/{name}/disable?force=``.
- ``DELETE /plugins/{name}?force=``: ``200`` with an empty body (the
  specification promises the plugin); ``409`` while enabled (without
  ``force``).
- ``POST /plugins/create?name=`` with a tar body (``application/x-tar``)
  holding ``config.json`` and ``rootfs/``: ``204``; no ``rootfs`` is ``500
  no rootfs found``.
- ``POST /plugins/{name}/push`` with ``X-Registry-Auth`` streams push
  progress ending with an ``aux`` ``{"Tag", "Digest", "Size"}``; a name
  without a registry goes to Docker Hub.
- ``POST /plugins/{name}/set`` with a JSON list of ``"KEY=VALUE"``
  (environment, ``mount.source``, ``device.path``, args): ``204``; ``500``
  on an enabled plugin.
"""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio

from .. import _check
from .._api import APIClient
from .._body import Source, body_from
from .._operation import operation
from .._query import Filters, QueryValue, filters_param
from ..archive import _context_entries, _stream_tar
from ..auth import RegistryAuth, auth_header_for
from ..errors import Conflict, NotFound, StreamError
from ..images._streams import ProgressStream, naming, open_with, same_error
from ..models import Plugin, PluginPrivilege
from ..models.images import ProgressEvent, PushResult
from ..reference import ImageReference, parse_reference
from ._privileges import (
    Privileges,
    PrivilegesNotAccepted,
    accepted_set,
    not_accepted,
    privileges_body,
)

PluginRef = str | Plugin
"""A plugin's name (``vieux/sshfs``, ``:latest`` implied) or ID, or a
:class:`~aiodock.models.Plugin` (its name is used)."""

PluginContext = Source
"""What ``plugins.create`` installs: a directory holding ``config.json`` and
``rootfs/`` (tarred on the fly), or such a tar as a path, bytes, a binary
file object or an async iterator of bytes."""

PluginStream = ProgressStream[ProgressEvent, Plugin]
"""``plugins.pull`` / ``plugins.upgrade``: ``await`` gives the installed
:class:`~aiodock.models.Plugin`; ``async for`` the progress events."""

PluginPushStream = ProgressStream[ProgressEvent, PushResult]
"""``plugins.push``: ``await`` gives a :class:`~aiodock.models.PushResult`."""

_JSON = "application/json"


class PluginCollection:
    """``docker.plugins``: managed (v2) plugins: install, enable, configure,
    upgrade, publish.

    ``ref`` names an installed plugin: its name (the ``:latest`` tag may be
    left out), its ID, or a :class:`~aiodock.models.Plugin`. ``remote`` is a
    registry reference to pull from.

    Example:
        >>> remote = "127.0.0.1:5000/team/vol:1"
        >>> await docker.plugins.privileges(remote)  # doctest: +SKIP
        [PluginPrivilege(name='network', description='...', value=['none'])]
        >>> plugin = await docker.plugins.pull(remote, privileges="accept all")  # doctest: +SKIP
        >>> await docker.plugins.enable(plugin)  # doctest: +SKIP
        >>> await docker.volumes.create("data", driver=remote)  # doctest: +SKIP
    """

    def __init__(self, api: APIClient) -> None:
        self._api = api

    # -- installed plugins -------------------------------------------------

    @operation("PluginList")
    async def list(self, *, filters: Filters | None = None) -> builtins.list[Plugin]:
        """``docker plugin ls``: the installed plugins.

        Args:
            filters: ``capability`` (``"volumedriver"``, ``"networkdriver"``,
                ``"logdriver"``, ``"authz"``...) and ``enabled``
                (``"true"``/``"false"``); ``None`` for all.

        Returns:
            One :class:`~aiodock.models.Plugin` each (``.name``,
            ``.enabled``, ``.config``, ``.settings``).

        Raises:
            BadRequest: An unknown filter.
        """
        params = {"filters": filters_param(filters)}
        return await self._api.get(builtins.list[Plugin], "/plugins", params=params)

    @operation("PluginInspect")
    async def inspect(self, ref: PluginRef) -> Plugin:
        """``docker plugin inspect``: one installed plugin.

        Raises:
            NotFound: No such plugin.
        """
        return await self._api.get(Plugin, f"/plugins/{_plugin_ref(ref)}/json")

    @operation("PluginEnable")
    async def enable(self, ref: PluginRef, *, timeout: float = 0) -> None:
        """``docker plugin enable``: start the plugin; its driver is then
        usable (``volumes.create(driver=name)``).

        Args:
            timeout: Seconds the engine waits for the plugin to answer its
                activation (rounded up); ``0`` for the engine's default.

        Raises:
            NotFound: No such plugin.
            Conflict: It is enabled already.
            ServerError: The plugin did not start or answer (the engine says why).
        """
        path = f"/plugins/{_plugin_ref(ref)}/enable"
        seconds = _check.whole_seconds("timeout", timeout)
        await self._api.request("POST", path, params={"timeout": seconds}, timeout=None)

    @operation("PluginDisable")
    async def disable(self, ref: PluginRef, *, force: bool = False) -> None:
        """``docker plugin disable``: stop the plugin.

        Args:
            force: Disable it even while something (a volume, a container)
                uses it.

        Raises:
            NotFound: No such plugin.
            Conflict: It is disabled already, or in use (without ``force``).
        """
        path = f"/plugins/{_plugin_ref(ref)}/disable"
        params = {"force": True if _check.boolean("force", force) else None}
        await self._api.request("POST", path, params=params, timeout=None)

    @operation("PluginDelete")
    async def remove(self, ref: PluginRef, *, force: bool = False) -> None:
        """``docker plugin rm``: uninstall the plugin.

        Args:
            force: Disable it first when enabled (whatever still uses it
                then loses it).

        Raises:
            NotFound: No such plugin.
            Conflict: It is enabled (without ``force``).
        """
        path = f"/plugins/{_plugin_ref(ref)}"
        params = {"force": True if _check.boolean("force", force) else None}
        await self._api.request("DELETE", path, params=params, timeout=None)

    @operation("PluginSet")
    async def set(self, ref: PluginRef, settings: Sequence[str] | Mapping[str, str]) -> None:
        """``docker plugin set``: change settings of a disabled plugin.

        Args:
            settings: ``["KEY=VALUE", ...]`` (or ``{"KEY": "VALUE"}``): an
                environment variable the plugin declares settable, or
                ``mount.source=``, ``device.path=``, or its ``args``.

        Raises:
            NotFound: No such plugin.
            ServerError: The plugin is enabled, or the setting is not one it
                declares settable (the engine says which).

        Example:
            >>> await docker.plugins.set("team/vol:1", ["DEBUG=1"])  # doctest: +SKIP
        """
        path = f"/plugins/{_plugin_ref(ref)}/set"
        body = _check.env(settings)
        for item in body:
            if "=" not in item:
                raise ValueError(f"plugin settings are 'KEY=VALUE' strings, not {item!r}")
        await self._api.request("POST", path, json=body)

    @operation("PluginCreate")
    async def create(self, name: str, context: PluginContext) -> Plugin:
        """``docker plugin create``: install a plugin from its files.

        The context holds ``config.json`` (the plugin's configuration: its
        entrypoint, interface socket and types, settings, privileges) and
        ``rootfs/`` (its root file system). A directory is checked now and
        streamed as a tar, as build contexts are; a tar is sent as it is.
        The plugin is installed disabled.

        Args:
            name: The plugin's name (``:latest`` implied); to push it later,
                a reference with a registry (``127.0.0.1:5000/team/vol:1``).
            context: A directory, or a tar of one (path, bytes, binary file
                object, async iterator of bytes).

        Returns:
            The new plugin, inspected.

        Raises:
            FileNotFoundError: A directory without ``config.json`` or ``rootfs/``.
            ValueError: A malformed name, or a ``config.json`` that is not a
                JSON object.
            Conflict: A plugin of that name is installed (asked before the
                files are sent).
            ServerError: The engine refused the files (it says why).

        Example:
            >>> name = "127.0.0.1:5000/team/vol:1"
            >>> plugin = await docker.plugins.create(name, "vol/")  # doctest: +SKIP
            >>> plugin.enabled, plugin.config.interface.socket  # doctest: +SKIP
            (False, 'vol.sock')
        """
        reference = _name(name, "plugin name")
        entries = None
        if isinstance(context, str | os.PathLike):
            entries = await anyio.to_thread.run_sync(_directory_entries, context)
        content: Any = (
            _stream_tar(entries)
            if entries is not None
            else body_from(context, what="plugin context")
        )
        # The engine answers 409 for a name in use before it reads the body,
        # and closes the connection while it is still being sent: ask first.
        try:
            await self.inspect(str(reference))
        except NotFound:
            pass
        else:
            raise Conflict(409, f"plugin {reference} already exists")
        await self._api.request(
            "POST",
            "/plugins/create",
            params={"name": str(reference)},
            content=content,
            headers={"Content-Type": "application/x-tar"},
            timeout=None,
        )
        return await self.inspect(str(reference))

    # -- registries --------------------------------------------------------

    @operation("GetPluginPrivileges")
    async def privileges(
        self, remote: str, *, auth: RegistryAuth | None = None
    ) -> builtins.list[PluginPrivilege]:
        """``docker plugin install`` asks these: the privileges a plugin in
        a registry needs (host network, mounts, devices, capabilities).

        Args:
            remote: The plugin's reference (``:latest`` implied).
            auth: Credentials for its registry; ``None`` looks them up in the
                Docker config, else asks anonymously.

        Returns:
            One :class:`~aiodock.models.PluginPrivilege` per kind (``.name``,
            ``.description``, ``.value``); empty when it asks for none.

        Raises:
            ValueError: A malformed reference.
            ServerError: The registry could not be asked (the engine says why).
        """
        reference = _name(remote, "remote")
        header = await auth_header_for(reference.registry, auth, store=self._api.credentials)
        return await self._privileges(reference, header)

    @operation("PluginPull")
    def pull(
        self,
        remote: str,
        *,
        name: str | None = None,
        privileges: Privileges = None,
        auth: RegistryAuth | None = None,
    ) -> PluginStream:
        """``docker plugin install``: pull a plugin from a registry and install
        it (disabled), granting it the privileges it asks for.

        First asks the registry which privileges the plugin needs
        (:meth:`privileges`); when the caller did not accept them all, the
        plugin is not pulled: :class:`PrivilegesNotAccepted` shows what it
        asks for and names what is missing.

        Args:
            remote: The plugin's reference (``:latest`` implied).
            name: The local name to install it as; ``None`` for ``remote``.
            privileges: ``None`` grants nothing (a plugin that asks for
                anything is refused), ``"accept all"`` whatever it asks for,
                or a list of the privileges accepted (as :meth:`privileges`
                gives them, or ``{"Name": ..., "Value": [...]}``).
            auth: Credentials for the registry; ``None`` looks them up in the
                Docker config, else pulls anonymously.

        Returns:
            A stream: ``await`` it for the installed
            :class:`~aiodock.models.Plugin`, ``async for`` its progress.

        Raises:
            PrivilegesNotAccepted: The plugin asks for privileges not
                accepted (nothing was pulled).
            ValueError: A malformed reference or ``privileges``.
            BadRequest: A plugin of that name is installed.
            StreamError: The pull failed (the engine says why).

        Example:
            >>> remote = "127.0.0.1:5000/team/vol:1"
            >>> asked = await docker.plugins.privileges(remote)  # doctest: +SKIP
            >>> async for event in docker.plugins.pull(remote, privileges=asked):  # doctest: +SKIP
            ...     print(event.status)
        """
        reference = _name(remote, "remote")
        local = None if name is None else _name(name, "name")
        accepted = accepted_set(privileges)
        params: dict[str, QueryValue] = {
            "remote": str(reference),
            "name": None if local is None else str(local),
        }

        async def finish(events: builtins.list[ProgressEvent]) -> Plugin:
            return await self.inspect(str(local or reference))

        return self._install("/plugins/pull", params, reference, accepted, auth, finish, "pull")

    @operation("PluginUpgrade")
    def upgrade(
        self,
        ref: PluginRef,
        remote: str,
        *,
        privileges: Privileges = None,
        auth: RegistryAuth | None = None,
    ) -> PluginStream:
        """``docker plugin upgrade``: replace a disabled plugin's files with
        ``remote``'s, keeping its name and settings.

        Privileges work as in :meth:`pull`: the new version's are asked
        first, and it is refused when they are not all accepted.

        Args:
            remote: The reference to upgrade to (``:latest`` implied).
            privileges: ``None``, ``"accept all"``, or the privileges
                accepted (see :meth:`pull`).
            auth: Credentials for the registry; ``None`` looks them up in the
                Docker config, else pulls anonymously.

        Returns:
            A stream: ``await`` it for the upgraded
            :class:`~aiodock.models.Plugin`, ``async for`` its progress.

        Raises:
            PrivilegesNotAccepted: The new version asks for privileges not
                accepted (nothing was pulled).
            NotFound: No such plugin.
            Conflict: The plugin is enabled: disable it first.
            StreamError: The pull failed (the engine says why).
        """
        plugin = _plugin_ref(ref)
        reference = _name(remote, "remote")
        accepted = accepted_set(privileges)
        params: dict[str, QueryValue] = {"remote": str(reference)}

        async def finish(events: builtins.list[ProgressEvent]) -> Plugin:
            return await self.inspect(ref)

        path = f"/plugins/{plugin}/upgrade"
        return self._install(path, params, reference, accepted, auth, finish, "upgrade")

    @operation("PluginPush")
    def push(self, ref: PluginRef, *, auth: RegistryAuth | None = None) -> PluginPushStream:
        """``docker plugin push``: upload a plugin to the registry its name
        points at (Docker Hub for a name without one).

        Args:
            auth: Credentials for the registry; ``None`` looks them up in the
                Docker config, else sends ``{}``.

        Returns:
            A stream: ``await`` it for the
            :class:`~aiodock.models.PushResult` (tag, digest, size),
            ``async for`` its progress.

        Raises:
            NotFound: No such plugin.
            StreamError: The push failed (the engine says why).
            Unauthorized: The registry refused the credentials.
        """
        name = _ref_text(ref)
        reference = parse_reference(name) if not _looks_like_id(name) else None
        registry = reference.registry if reference is not None else "docker.io"
        path = f"/plugins/{quote(name, safe='')}/push"

        async def prepare() -> tuple[dict[str, str], Any]:
            header = await auth_header_for(registry, auth, store=self._api.credentials)
            return {"X-Registry-Auth": header}, None

        async def finish(events: builtins.list[ProgressEvent]) -> PushResult:
            for event in reversed(events):
                if event.aux and {"Tag", "Digest", "Size"} <= event.aux.keys():
                    return PushResult.model_validate(event.aux)
            raise StreamError(200, f"the push of plugin {name} ended without reporting a digest")

        on_error = naming(reference, "push plugin") if reference is not None else same_error
        opener = open_with(self._api, "POST", path, None, prepare, on_error)
        return ProgressStream(self._api, opener, ProgressEvent, finish, on_error=on_error)

    # -- shared ------------------------------------------------------------

    async def _privileges(
        self, reference: ImageReference, header: str
    ) -> builtins.list[PluginPrivilege]:
        return await self._api.get(
            builtins.list[PluginPrivilege],
            "/plugins/privileges",
            params={"remote": str(reference)},
            headers={"X-Registry-Auth": header},
            timeout=None,
        )

    def _install(
        self,
        path: str,
        params: dict[str, QueryValue],
        reference: ImageReference,
        accepted: builtins.set[tuple[str, str]] | None,
        auth: RegistryAuth | None,
        finish: Callable[[builtins.list[ProgressEvent]], Awaitable[Plugin]],
        action: str,
    ) -> PluginStream:
        async def prepare() -> tuple[dict[str, str], Any]:
            header = await auth_header_for(reference.registry, auth, store=self._api.credentials)
            required = await self._privileges(reference, header)
            missing = not_accepted(required, accepted)
            if missing:
                raise PrivilegesNotAccepted(str(reference), required, missing)
            body = json.dumps(privileges_body(required)).encode()
            return {"X-Registry-Auth": header, "Content-Type": _JSON}, body

        on_error = naming(reference, f"{action} plugin")
        opener = open_with(self._api, "POST", path, params, prepare, on_error)
        return ProgressStream(self._api, opener, ProgressEvent, finish, on_error=on_error)


def _name(text: object, what: str) -> ImageReference:
    """A plugin name or remote as a reference with its tag (``latest`` implied)."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a plugin reference (a string), not {text!r}")
    try:
        reference = parse_reference(text)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None
    return reference


def _ref_text(ref: object) -> str:
    if isinstance(ref, Plugin):
        found = ref.name or ref.id
        if not found:
            raise ValueError("this plugin model has neither a name nor an id: pass the name")
        return found
    return _check.ref("plugin", ref)


def _plugin_ref(ref: object) -> str:
    return quote(_ref_text(ref), safe="")


def _looks_like_id(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _directory_entries(context: str | os.PathLike[str]) -> builtins.list[Any] | None:
    """What a context directory sends (checked first); ``None`` when
    ``context`` is not a directory (a tar file)."""
    root = Path(context)
    if not root.is_dir():
        return None
    return _context_entries(_check_context_directory(root))


def _check_context_directory(root: Path) -> Path:
    config = root / "config.json"
    if not config.is_file():
        raise FileNotFoundError(f"plugin context: no config.json in {root}")
    if not (root / "rootfs").is_dir():
        raise FileNotFoundError(f"plugin context: no rootfs/ directory in {root}")
    try:
        parsed = json.loads(config.read_bytes())
    except (OSError, ValueError) as exc:
        raise ValueError(f"plugin context: {config} is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"plugin context: {config} must hold a JSON object")
    return root
