"""``images.build``'s pieces: query values, the context body, the build stream and its result."""

from __future__ import annotations

import builtins
import json
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio

from .._api import APIClient
from .._body import Source, body_from
from .._query import QueryValue
from ..archive import _context_entries, _dockerfile_name, _prepare_context, _stream_tar
from ..auth import (
    RegistryAuth,
    registry_key,
)
from ..errors import BuildError, StreamError
from ..models.images import (
    BuildEvent,
)
from ..reference import (
    parse_reference,
)
from ..streams import Opener
from ._streams import ProgressStream, same_error

ContextSource = Source
"""A build context: a directory path (tarred on the fly), a path to a tar
file, tar bytes, a binary file object, or an async iterator of bytes
(plain or compressed tar)."""


_SUCCESSFULLY_BUILT = re.compile(r"^Successfully built ([0-9a-f]+)\s*$")


class BuildStream(ProgressStream[BuildEvent, str]):
    """The stream of ``images.build``: ``await`` it for the image ID.

    A failing step raises :class:`~aiodock.errors.BuildError`, whose ``log``
    holds the build output up to the failure.

    Example:
        >>> build = docker.images.build("app/", tag="app:1")  # doctest: +SKIP
        >>> async for event in build:  # doctest: +SKIP
        ...     print(event.stream or "", end="")
        >>> print(build.log[-200:])  # doctest: +SKIP
    """

    def __init__(
        self,
        api: APIClient,
        opener: Opener,
        finish: Callable[[list[BuildEvent]], Awaitable[str]],
    ) -> None:
        super().__init__(api, opener, BuildEvent, finish, on_error=same_error)
        self._log: list[str] = []

    @property
    def log(self) -> str:
        """The build output so far."""
        return "".join(self._log)

    async def _items(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[BuildEvent]:
        try:
            async for event in super()._items(chunks):
                if event.stream:
                    self._log.append(event.stream)
                yield event
        except BuildError:
            raise
        except StreamError as exc:
            code = exc.code
            if code is None and (status := _EXIT_STATUS.search(exc.message)):
                code = int(status[1])  # Podman's words, without errorDetail's code
            raise BuildError(exc.status, exc.message, log=self.log, code=code) from exc


_EXIT_STATUS = re.compile(r"exit status (\d+)\s*$")


def context_body(
    context: ContextSource, dockerfile: str, params: dict[str, QueryValue]
) -> Callable[[], Awaitable[Any]]:
    """Check the context now; return what makes the request body later."""
    if isinstance(context, str | os.PathLike) and os.path.isdir(context):
        root, rules = _prepare_context(context, dockerfile=dockerfile)
        params["dockerfile"] = _dockerfile_name(dockerfile)

        async def walk() -> Any:
            entries = await anyio.to_thread.run_sync(_context_entries, root, rules)
            return _stream_tar(entries)

        return walk
    if not isinstance(dockerfile, str) or not dockerfile.strip():
        raise ValueError(f"dockerfile must be a non-empty path, not {dockerfile!r}")
    body = body_from(context, what="build context")

    async def ready() -> Any:
        return body

    return ready


def built_image_id(events: builtins.list[BuildEvent], log: str) -> str:
    for event in reversed(events):
        if event.image_id:
            return event.image_id
    for event in reversed(events):
        match = _SUCCESSFULLY_BUILT.match(event.stream or "")
        if match:
            return match[1]
    raise BuildError(200, "the build ended without reporting an image ID", log=log)


def json_map(name: str, value: Mapping[str, str] | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of strings, not {type(value).__name__}")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise TypeError(f"{name} must map strings to strings (bad entry {key!r}: {item!r})")
    return json.dumps(dict(value), separators=(",", ":"))


def json_list(name: str, value: Sequence[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{name} must be a list of image references")
    return json.dumps(builtins.list(value), separators=(",", ":"))


def extra_hosts_param(value: Mapping[str, str] | Sequence[str] | None) -> builtins.list[str] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        entries = [f"{host}:{address}" for host, address in value.items()]
    elif isinstance(value, str):
        raise TypeError("extra_hosts must be a mapping {host: ip} or a list of 'host:ip'")
    else:
        entries = builtins.list(value)
    for entry in entries:
        if not isinstance(entry, str) or ":" not in entry or entry.startswith(":"):
            raise ValueError(f"extra_hosts entries must look like 'host:ip', not {entry!r}")
    return entries or None


def build_tags(tag: str | Sequence[str] | None) -> builtins.list[str]:
    if tag is None:
        return []
    tags = [tag] if isinstance(tag, str) else builtins.list(tag)
    for item in tags:
        if not isinstance(item, str):
            raise TypeError(f"tag must be a reference or a list of them, not {item!r}")
        if parse_reference(item, default_tag=None).digest is not None:
            raise ValueError(f"build tag {item!r} names a digest; give a tag")
    return tags


def build_auth(
    auth: RegistryAuth | Mapping[str, RegistryAuth] | None,
) -> dict[str, RegistryAuth] | None:
    if auth is None:
        return None
    if isinstance(auth, RegistryAuth):
        if not auth.serveraddress:
            raise ValueError(
                "build(auth=RegistryAuth(...)) needs serveraddress= (the registry it is for)"
            )
        return {registry_key(auth.serveraddress): auth}
    if isinstance(auth, Mapping):
        found: dict[str, RegistryAuth] = {}
        for registry, item in auth.items():
            if not isinstance(registry, str) or not isinstance(item, RegistryAuth):
                raise TypeError("build(auth=...) must map registries to RegistryAuth")
            found[registry_key(registry)] = item
        return found
    raise TypeError(f"auth must be a RegistryAuth or a mapping of them, not {type(auth).__name__}")
