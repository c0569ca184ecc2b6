"""The :class:`Docker` client: one per engine, shared by many tasks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType
from typing import Literal

import httpx

from ._api import APIClient
from ._transport import EngineTransport
from .auth import CredentialStore
from .config import EngineAddress, SSHOptions, TLSConfig, resolve_address
from .containers import Container, ContainerCollection
from .distribution import DistributionAPI
from .exec import ExecCollection
from .images import ImageCollection
from .models import PingInfo
from .networks import NetworkCollection
from .plugins import PluginCollection
from .system import SystemAPI
from .volumes import VolumeCollection

__all__ = ["Docker"]


class Docker:
    """An async client of one Docker engine.

    Connects the way the docker CLI does (``host=``, ``DOCKER_HOST``,
    ``DOCKER_CONTEXT``, the current context, ``/var/run/docker.sock``; see
    :mod:`aiodock.config`) and negotiates the API version on first use (or
    uses ``api_version=`` / ``DOCKER_API_VERSION``). Safe to share among
    many tasks; close it with ``async with`` or :meth:`close`.

    Args:
        host: The engine's address (``unix:///var/run/docker.sock``,
            ``tcp://host:2376``, ``https://...``, ``ssh://user@host``);
            ``None`` finds it as the docker CLI does.
        tls: ``True`` for TLS with the certificates of ``DOCKER_CERT_PATH``,
            a :class:`~aiodock.config.TLSConfig` to give them, ``False`` for
            none; ``None`` decides from the address and ``DOCKER_TLS_VERIFY``.
        context: A docker context to use, as ``docker --context`` takes it.
        api_version: Pin the API version (``"1.41"``) instead of negotiating
            it; ``None`` uses ``DOCKER_API_VERSION`` when set.
        timeout: Seconds that bound each short request (raising
            :class:`~aiodock.errors.DockerTimeout`); ``None`` for no bound.
            Streams and long operations (``wait``, ``pull``,
            ``logs(follow=True)``) have no timeout.
        max_connections: The size of the connection pool.
        transport: How requests travel: ``"aiodock"`` (aiodock's own
            HTTP/1.1 transport for ``unix://`` and plain ``tcp://``),
            ``"httpx"`` (httpx's stock transport; always used for TLS), or
            any ``httpx.AsyncBaseTransport``; ``None`` for the one the
            ``AIODOCK_TRANSPORT`` environment variable names, else
            ``"aiodock"``. An ``ssh://`` engine always uses aiodock's own
            (its connections are channels on one SSH connection).
        env: The environment to read (``DOCKER_HOST``, ``DOCKER_CONFIG``,
            ...) instead of ``os.environ``; credentials are looked up there too.
        ssh: How an ``ssh://`` engine's SSH connection is made (known_hosts,
            keys, ssh_config: :class:`~aiodock.config.SSHOptions`); ``None``
            for ``ssh``'s defaults. Needs the ``aiodock[ssh]`` extra.

    Raises:
        ValueError: An address that cannot be used (unknown scheme, missing
            context), naming it and where it came from.

    Example:
        >>> async with Docker() as docker:  # doctest: +SKIP
        ...     print(docker.api_version)
        ...     print((await docker.system.version()).version)
        1.41
        20.10.24+dfsg1
    """

    def __init__(
        self,
        host: str | None = None,
        *,
        tls: TLSConfig | bool | None = None,
        context: str | None = None,
        api_version: str | None = None,
        timeout: float | None = 60.0,
        max_connections: int = 100,
        transport: httpx.AsyncBaseTransport | Literal["aiodock", "httpx"] | None = None,
        env: Mapping[str, str] | None = None,
        ssh: SSHOptions | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self._address = resolve_address(host, tls=tls, context=context, env=env, ssh=ssh)
        version_source = "api_version argument"
        if api_version is None and env.get("DOCKER_API_VERSION"):
            api_version = env["DOCKER_API_VERSION"]
            version_source = "DOCKER_API_VERSION"
        if self._address.ssh is not None and (transport is None or isinstance(transport, str)):
            # an ssh:// engine's connections are SSH channels: aiodock's own
            # transport's business, whichever transport is named
            transport = EngineTransport(ssh=self._address.ssh, max_connections=max_connections)
        self._api = APIClient(
            self._address,
            api_version=api_version,
            api_version_source=version_source,
            timeout=timeout,
            max_connections=max_connections,
            transport=transport,
            credentials=CredentialStore(env=env),
        )
        self.system = SystemAPI(self._api)
        """Engine-wide operations: version, info, df, events, login."""
        self.containers = ContainerCollection(self._api)
        """Containers: create, start, stop, logs, ... (``docker.containers``)."""
        self.images = ImageCollection(self._api)
        """Images: pull, push, build, tag, save, load, ... (``docker.images``)."""
        self.networks = NetworkCollection(self._api)
        """Networks (``docker.networks``)."""
        self.volumes = VolumeCollection(self._api)
        """Volumes (``docker.volumes``)."""
        self.execs = ExecCollection(self._api)
        """Exec instances: low-level exec operations and sessions (``docker.execs``)."""
        self.distribution = DistributionAPI(self._api)
        """Registry-side image information (``docker.distribution``)."""
        self.plugins = PluginCollection(self._api)
        """Managed plugins: install, enable, set, upgrade, push (``docker.plugins``)."""

    @property
    def address(self) -> EngineAddress:
        """Where this client connects, and where that came from."""
        return self._address

    @property
    def api_version(self) -> str:
        """The API version in use (``"1.41"``).

        Known once the client has been entered (``async with``) or has made a
        request; before that, only when pinned.
        """
        version = self._api.version
        if version is None:
            raise RuntimeError(
                "the API version is negotiated on first use:"
                " enter the client (async with Docker() as docker) or make a request first"
            )
        return version

    def container(self, ref: str) -> Container:
        """A handle on the container ``ref`` (id or name), without any request
        (so a missing container shows only when the handle is used).

        Example:
            >>> web = docker.container("web")  # doctest: +SKIP
            >>> await web.stop(timeout=1)  # doctest: +SKIP
        """
        return Container(self.containers, ref)

    async def ping(self) -> PingInfo:
        """Ping the engine (``GET /_ping``); see :meth:`SystemAPI.ping`.

        Raises:
            EngineUnavailable: Nothing answers where the client looked.
        """
        return await self.system.ping()

    async def close(self) -> None:
        """Close every connection. Idempotent.

        Example:
            >>> docker = Docker()  # doctest: +SKIP
            >>> try:  # doctest: +SKIP
            ...     print(await docker.system.info())
            ... finally:
            ...     await docker.close()
        """
        await self._api.aclose()

    async def __aenter__(self) -> Docker:
        try:
            await self._api.negotiated_version()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"Docker({self._address.url!r}, api_version={self._api.version!r})"
