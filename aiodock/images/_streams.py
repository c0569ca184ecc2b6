"""The progress streams of image operations (pull, push, import, load)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

from .._api import APIClient
from .._query import QueryValue
from .._reply import Reply
from ..errors import DockerError, NotFound, StreamError, _registry_error
from ..models.images import (
    ImageInspect,
    ProgressEvent,
    PushResult,
)
from ..reference import (
    ImageReference,
)
from ..streams import JSONStream, Opener

ItemT = TypeVar("ItemT")


ResultT = TypeVar("ResultT")


ErrorMap = Callable[[DockerError], DockerError]


Prepare = Callable[[], Awaitable[tuple[dict[str, str], Any]]]


class ProgressStream(JSONStream[ItemT, ResultT]):
    """A JSON progress stream (pull, push, import, load, build).

    ``await`` it for the result, ``async for`` it for the events. An error
    the engine reports inside the stream raises :class:`StreamError`
    (:class:`~aiodock.errors.Unauthorized` when a registry refused the
    credentials).

    Example:
        >>> async for event in docker.images.pull("127.0.0.1:5000/app:1"):  # doctest: +SKIP
        ...     print(event.id, event.status, event.progress_detail)
        >>> pushed = await docker.images.push("127.0.0.1:5000/app:1")  # doctest: +SKIP
        >>> pushed.digest  # doctest: +SKIP
        'sha256:...'
    """

    def __init__(
        self,
        api: APIClient,
        opener: Opener,
        item_type: type[ItemT],
        finish: Callable[[list[ItemT]], Awaitable[ResultT]],
        *,
        on_error: ErrorMap,
    ) -> None:
        super().__init__(api, opener, item_type, finish)
        self._on_error = on_error

    async def _items(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[ItemT]:
        try:
            async for item in super()._items(chunks):
                yield item
        except StreamError as exc:
            mapped = self._on_error(exc)
            if mapped is exc:
                raise
            raise mapped from exc


PullStream = ProgressStream[ProgressEvent, ImageInspect]
"""``images.pull``: ``await`` gives the pulled image's :class:`ImageInspect`."""


PushStream = ProgressStream[ProgressEvent, PushResult]
"""``images.push``: ``await`` gives a :class:`~aiodock.models.PushResult`."""


ImportStream = ProgressStream[ProgressEvent, list[str]]
"""``images.import_image`` / ``images.load``: ``await`` gives the image IDs
or names the engine reports."""


def same_error(exc: DockerError) -> DockerError:
    return exc


def open_with(
    api: APIClient,
    method: str,
    path: str,
    params: Mapping[str, QueryValue] | None,
    prepare: Prepare,
    on_error: ErrorMap,
) -> Opener:
    """An opener for a stream object: look up headers and body (credentials,
    the context walk) first, then send; errors go through ``on_error``."""

    @asynccontextmanager
    async def open_stream() -> AsyncIterator[Reply]:
        headers, content = await prepare()
        async with AsyncExitStack() as stack:
            try:
                response = await stack.enter_async_context(
                    api.stream(method, path, params=params, headers=headers, content=content)
                )
            except DockerError as exc:
                mapped = on_error(exc)
                if mapped is exc:
                    raise
                raise mapped from exc
            yield response

    return open_stream


def naming(reference: ImageReference, action: str) -> ErrorMap:
    """Map registry 401s to Unauthorized, a registry's "manifest unknown"
    to NotFound, and make sure errors name the image."""

    def on_error(exc: DockerError) -> DockerError:
        mapped = _registry_error(exc)
        if mapped is not exc:
            return mapped
        if isinstance(exc, StreamError) and "manifest unknown" in exc.message.lower():
            # dockerd answers a missing tag with a 404 before the stream;
            # Podman reports it inside the stream: the same NotFound for both.
            message = (
                exc.message
                if str(reference) in exc.message
                else f"{action} {reference}: {exc.message}"
            )
            return NotFound(404, message)
        if str(reference) in exc.message:
            return exc
        message = f"{action} {reference}: {exc.message}"
        if isinstance(exc, StreamError):
            return StreamError(exc.status, message, code=exc.code)
        if isinstance(exc, NotFound):
            return NotFound(exc.status, message)
        return exc

    return on_error
