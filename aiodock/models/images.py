"""Hand-written image models: progress events, push results, reports.

The image's own shape (``ImageInspect``, ``ImageSummary``) is generated from
the specification; the fields engines up to API 1.43 still send on
``ImageInspect`` (``Parent``, ``DockerVersion``, ``ContainerConfig``...) are
declared in the generator's overlay table (``tools/gen_models.py``), so
``ImageInspect`` here is the generated class, re-exported.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import EngineModel, NullsAsDefaults
from ._generated import (
    ImageDeleteResponseItem,
    ImageHistoryResponseItem,
    ImageInspect,
    ProgressDetail,
)

__all__ = [
    "BuildEvent",
    "BuildPruneReport",
    "ImageDeleteItem",
    "ImageHistoryItem",
    "ImageInspect",
    "ImagePruneReport",
    "ImageSearchResult",
    "ProgressEvent",
    "PushResult",
]


class ProgressEvent(EngineModel):
    """One line of a pull, push, import or load progress stream.

    ``status`` says what happens (``"Downloading"``, ``"Pushed"``...), ``id``
    which layer, ``progress_detail`` how far (``current`` of ``total``
    bytes), ``progress`` the engine's own progress bar; ``aux`` carries
    structured results (push: ``Tag``, ``Digest``, ``Size``); ``stream``
    text lines (load: ``"Loaded image: ..."``).

    Example:
        >>> event = ProgressEvent.model_validate(
        ...     {"status": "Downloading", "id": "70a61b38d2d9",
        ...      "progressDetail": {"current": 512, "total": 1024}})
        >>> event.status, event.progress_detail.current, event.progress_detail.total
        ('Downloading', 512, 1024)
    """

    status: str | None = Field(default=None, alias="status")
    id: str | None = Field(default=None, alias="id")
    progress: str | None = Field(default=None, alias="progress")
    progress_detail: ProgressDetail | None = Field(default=None, alias="progressDetail")
    aux: dict[str, Any] | None = Field(default=None, alias="aux")
    stream: str | None = Field(default=None, alias="stream")


class BuildEvent(EngineModel):
    """One line of a build stream.

    ``stream`` is build output text (``"Step 1/3 : FROM busybox"``, the
    output of ``RUN``); ``status``/``id``/``progress_detail`` report pulls
    the build makes; ``aux`` carries the built image's ID (``image_id``).

    Example:
        >>> BuildEvent.model_validate({"aux": {"ID": "sha256:cf14e5b3"}}).image_id
        'sha256:cf14e5b3'
    """

    stream: str | None = Field(default=None, alias="stream")
    status: str | None = Field(default=None, alias="status")
    id: str | None = Field(default=None, alias="id")
    progress: str | None = Field(default=None, alias="progress")
    progress_detail: ProgressDetail | None = Field(default=None, alias="progressDetail")
    aux: dict[str, Any] | None = Field(default=None, alias="aux")

    @property
    def image_id(self) -> str | None:
        """The built image's ID when this event reports it."""
        if self.aux is not None and isinstance(self.aux.get("ID"), str):
            return str(self.aux["ID"])
        return None


class PushResult(EngineModel):
    """What a push reports when it is done: the tag, the manifest digest the
    registry now holds, and the manifest's size in bytes.

    Example:
        >>> PushResult.model_validate({"Tag": "1", "Digest": "sha256:cff6", "Size": 527})
        PushResult(tag='1', digest='sha256:cff6', size=527)
    """

    tag: str = Field(alias="Tag")
    digest: str = Field(alias="Digest")
    size: int = Field(alias="Size")


class ImageHistoryItem(ImageHistoryResponseItem):
    """One layer of ``images.history`` (``docker history``): ``created_by``
    is the instruction that made it, ``id`` is ``"<missing>"`` for layers
    pulled from a registry.

    Example:
        >>> layer = ImageHistoryItem.model_validate({
        ...     "Id": "<missing>", "Created": 1, "CreatedBy": '/bin/sh -c #(nop) CMD ["sh"]',
        ...     "Tags": None, "Size": 0, "Comment": ""})
        >>> layer.id, layer.size, layer.created_by
        ('<missing>', 0, '/bin/sh -c #(nop) CMD ["sh"]')
    """


class ImageDeleteItem(ImageDeleteResponseItem):
    """One step of removing an image: a tag ``untagged`` or an image
    ``deleted``.

    Example:
        >>> step = ImageDeleteItem.model_validate({"Untagged": "app:1"})
        >>> step.untagged, step.deleted
        ('app:1', None)
    """


class ImagePruneReport(NullsAsDefaults):
    """What ``images.prune`` removed, and the bytes freed.

    Example:
        >>> ImagePruneReport.model_validate({"ImagesDeleted": None, "SpaceReclaimed": 0})
        ImagePruneReport(images_deleted=[], space_reclaimed=0)
    """

    images_deleted: list[ImageDeleteItem] = Field(default_factory=list, alias="ImagesDeleted")
    space_reclaimed: int = Field(default=0, alias="SpaceReclaimed")


class BuildPruneReport(NullsAsDefaults):
    """What ``images.prune_builds`` removed: build cache IDs, bytes freed.

    Example:
        >>> BuildPruneReport.model_validate({"CachesDeleted": None, "SpaceReclaimed": 0})
        BuildPruneReport(caches_deleted=[], space_reclaimed=0)
    """

    caches_deleted: list[str] = Field(default_factory=list, alias="CachesDeleted")
    space_reclaimed: int = Field(default=0, alias="SpaceReclaimed")


class ImageSearchResult(EngineModel):
    """One repository found by ``images.search`` (``docker search``).

    Example:
        >>> ImageSearchResult.model_validate(
        ...     {"name": "busybox", "star_count": 3000, "is_official": True,
        ...      "is_automated": False, "description": "Busybox base image."}).name
        'busybox'
    """

    name: str = Field(alias="name")
    description: str | None = Field(default=None, alias="description")
    star_count: int | None = Field(default=None, alias="star_count")
    is_official: bool | None = Field(default=None, alias="is_official")
    is_automated: bool | None = Field(default=None, alias="is_automated")
