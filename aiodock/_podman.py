"""Podman's answers in dockerd's shapes.

Podman's Docker-compatible service (checked with Podman 4.3) answers some
requests in shapes of its own. The collections call these functions on
what such an engine sent (``APIClient.podman``), so code written against
dockerd reads the same fields the same way:

- image names are fully qualified (``docker.io/library/busybox:1``, where
  dockerd says ``busybox:1``);
- ``/system/df`` sends image ids without ``sha256:`` and ``RepoTags`` that
  hold only the tag (``["1"]``);
- ``top`` sends each title line and each process as one unsplit string;
- stats name the container without dockerd's leading ``/``.

docs/engines.md has the whole table of differences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

from .models import ContainerSummary, ContainerTop, ImageInspect, ImageSummary, SystemDataUsage
from .models.images import ImageDeleteItem

_DOCKER_HUB_PREFIXES = ("docker.io/library/", "docker.io/")
_BARE_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def image_name(name: str) -> str:
    """An image name as dockerd writes it: Docker Hub's names short.

    Example:
        >>> image_name("docker.io/library/busybox:1"), image_name("docker.io/me/app:2")
        ('busybox:1', 'me/app:2')
        >>> image_name("127.0.0.1:5000/app:1")
        '127.0.0.1:5000/app:1'
    """
    for prefix in _DOCKER_HUB_PREFIXES:
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            # docker.io/library/x/y is not an official image: keep "library/".
            if prefix == _DOCKER_HUB_PREFIXES[0] and "/" in rest.split("@")[0].split(":")[0]:
                return name[len(_DOCKER_HUB_PREFIXES[1]) :]
            return rest
    return name


def image_id(value: str) -> str:
    """An image id with its ``sha256:`` prefix.

    Example:
        >>> image_id("104abe2c" * 8)[:15]
        'sha256:104abe2c'
    """
    return f"sha256:{value}" if _BARE_DIGEST.match(value) else value


def _names(names: Iterable[str] | None) -> list[str] | None:
    return None if names is None else [image_name(name) for name in names]


ImageT = TypeVar("ImageT", ImageSummary, ImageInspect)


def image(item: ImageT) -> ImageT:
    """An image list entry or inspect with dockerd's ids and names."""
    item.id = image_id(item.id) if item.id else item.id
    item.repo_tags = _names(item.repo_tags)
    item.repo_digests = _names(item.repo_digests)
    return item


def deleted(item: ImageDeleteItem) -> ImageDeleteItem:
    """A removal's report with ids and names in dockerd's form."""
    if item.deleted:
        item.deleted = image_id(item.deleted)
    if item.untagged:
        item.untagged = image_name(image_id(item.untagged))
    return item


def container_summary(container: ContainerSummary) -> ContainerSummary:
    if container.image:
        container.image = image_name(container.image)
    return container


def data_usage(usage: SystemDataUsage, images: list[ImageSummary]) -> SystemDataUsage:
    """``df`` with the images' ids and full tags (from ``images``, the
    image list: df's own ``RepoTags`` hold only the tag)."""
    by_id = {image.id: image for image in images if image.id}
    for item in usage.images or []:
        if item.id:
            item.id = image_id(item.id)
            listed = by_id.get(item.id)
            if listed is not None:
                item.repo_tags = listed.repo_tags
                item.repo_digests = listed.repo_digests
    return usage


def top(answer: ContainerTop) -> ContainerTop:
    """``top`` split into columns: one title per column, one value each
    (the last column, the command, keeps its spaces)."""
    titles = answer.titles or []
    if len(titles) != 1:
        return answer
    columns = titles[0].split()
    answer.titles = columns
    answer.processes = [
        row[0].split(None, len(columns) - 1) if len(row) == 1 else row
        for row in answer.processes or []
    ]
    return answer


def container_name(name: str | None) -> str | None:
    """A container name with dockerd's leading ``/``."""
    if name and not name.startswith("/"):
        return f"/{name}"
    return name
