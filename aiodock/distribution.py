"""Registry-side image information: ``docker.distribution``.

Wire details (Engine API 1.41): ``GET /distribution/{name}/json`` with
``X-Registry-Auth``; the engine asks the registry for the manifest and
answers ``{"Descriptor": {mediaType, digest, size}, "Platforms": [...]}``.
A tag the registry lacks is ``404`` (the message says "manifest unknown",
not which image: aiodock adds it); refused credentials come back as a
``500`` carrying the registry's 401 (aiodock raises
:class:`~aiodock.errors.Unauthorized`).
"""

from __future__ import annotations

from urllib.parse import quote

from ._api import APIClient
from ._operation import operation
from .auth import RegistryAuth, auth_header_for
from .errors import DockerError, NotFound, _registry_error
from .models import DistributionInspect
from .reference import parse_reference

__all__ = [
    "DistributionAPI",
]


class DistributionAPI:
    """``docker.distribution``: what a registry holds for an image, without
    pulling it.

    Example:
        >>> info = await docker.distribution.inspect("127.0.0.1:5000/app:1")  # doctest: +SKIP
        >>> info.descriptor.digest  # doctest: +SKIP
        'sha256:cff6e6e96041631070dc545252c8a5380a867c153854d2b61ad8639df4109316'
    """

    def __init__(self, api: APIClient) -> None:
        self._api = api

    @operation("DistributionInspect")
    async def inspect(self, ref: str, *, auth: RegistryAuth | None = None) -> DistributionInspect:
        """The manifest descriptor (digest, media type, size) and platforms
        the registry has for ``ref`` (``docker manifest inspect``, roughly).

        Args:
            ref: ``[registry/]repository[:tag][@digest]``.
            auth: Credentials for the registry; ``None`` uses what the Docker
                config holds for it, else asks anonymously.

        Returns:
            The ``descriptor`` (``digest``, ``media_type``, ``size``) and the
            ``platforms``.

        Raises:
            ValueError: A malformed reference (before any request).
            NotFound: The registry lacks that tag (it is named).
            Unauthorized: The registry refuses the credentials.
            TypeError: ``auth`` that is not a ``RegistryAuth``.
        """
        reference = parse_reference(ref)
        if auth is not None and not isinstance(auth, RegistryAuth):
            raise TypeError(f"auth must be a RegistryAuth, not {type(auth).__name__}")
        header = await auth_header_for(reference.registry, auth, store=self._api.credentials)
        path = f"/distribution/{quote(str(reference), safe='/:@')}/json"
        try:
            return await self._api.get(
                DistributionInspect, path, headers={"X-Registry-Auth": header}
            )
        except NotFound as exc:
            if str(reference) in exc.message:
                raise
            raise NotFound(exc.status, f"{reference}: {exc.message}") from None
        except DockerError as exc:
            mapped = _registry_error(exc)
            if mapped is exc:
                raise
            raise mapped from None
