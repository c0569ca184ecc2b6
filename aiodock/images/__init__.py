"""Images: ``docker.images`` (pull, push, build, tag, save, load, import, remove).

:class:`ImageCollection` has one method per Engine API image operation;
streaming ones return a :class:`ProgressStream` (``await`` it for the
result, ``async for`` it for the progress) or a :class:`BuildStream`.
"""

from ._build import BuildStream, ContextSource
from ._collection import ImageCollection, ImageRef
from ._streams import ImportStream, ProgressStream, PullStream, PushStream

__all__ = [
    "BuildStream",
    "ContextSource",
    "ImageCollection",
    "ImageRef",
    "ImportStream",
    "ProgressStream",
    "PullStream",
    "PushStream",
]
