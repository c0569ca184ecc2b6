"""Containers: ``docker.containers`` and the :class:`Container` handle.

Every Engine API container operation is one method of
:class:`ContainerCollection` taking the container first (``ref``: an id, a
name or a :class:`Container`); a :class:`Container` handle (from
:meth:`ContainerCollection.create` or the lazy ``docker.container(ref)``)
has the same methods with ``ref`` filled in. On top of those,
:meth:`ContainerCollection.run` is ``docker run --rm`` and
:meth:`ContainerCollection.running` a container for the length of a block.

Options are checked before any request is sent.
"""

from ._collection import ContainerCollection
from ._handle import Container
from ._operations import TimeArg
from ._streams import ArchiveStream, StatsStream, WaitStream, path_stat

__all__ = [
    "ArchiveStream",
    "Container",
    "ContainerCollection",
    "StatsStream",
    "TimeArg",
    "WaitStream",
    "path_stat",
]
