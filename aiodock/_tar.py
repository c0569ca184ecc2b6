"""Tar byte streams from the engine, and unpacking them safely.

:class:`TarStream` is what ``export`` and ``get_archive`` return: a byte
stream (``async for``, ``to_file``) that can also unpack itself with
:meth:`TarStream.extract_to`. Unpacking streams: the tar is parsed as it
arrives (``tarfile`` in stream mode, in a worker thread fed chunk by chunk),
never held whole in memory.

Every entry is checked before it touches the disk. Refused: absolute names,
names with ``..``, device files and FIFOs, hard links to anything outside
the directory, symbolic links whose target leaves the directory, and
writing through a link already on disk that leads outside. Ownership is not
restored and set-id bits are dropped.
"""

from __future__ import annotations

import errno
import os
import stat
import tarfile
from pathlib import Path
from typing import IO, Literal, NoReturn, cast

import anyio
import anyio.from_thread
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .errors import StreamError
from .errors import UnsafeArchiveError as UnsafeArchiveError  # defined with its family
from .streams import ByteStream

AbsoluteLinks = Literal["refuse", "rebase", "skip"]
_ABSOLUTE_LINK_CHOICES = ("refuse", "rebase", "skip")
_COPY_CHUNK = 256 * 1024
_MAX_DEPTH = 256
# What an archive's own entries can cause on the disk (a name both a file and
# a directory, a link loop, a name too long): refused as unsafe, by name.
_ARCHIVE_CONFLICTS = frozenset(
    {
        errno.EEXIST,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.ELOOP,
        errno.ENAMETOOLONG,
        errno.EINVAL,
        errno.EMLINK,
        errno.ENOENT,
    }
)


class TarStream(ByteStream):
    """A stream of tar bytes (``export``, ``get_archive``).

    ``async for chunk in stream`` gives the raw bytes, ``await
    stream.to_file(path)`` writes them, ``await stream.extract_to(directory)``
    unpacks them safely.

    Example:
        >>> await docker.containers.get_archive("web", "/etc").extract_to("out")  # doctest: +SKIP
        42
    """

    async def to_file(self, path: str | os.PathLike[str]) -> int:
        """Write the tar to ``path`` as it arrives; return the byte count.
        The file is created only once the engine has accepted the request.

        Args:
            path: The file to write (replaced if it exists).

        Returns:
            The number of bytes written.
        """
        if not self._started:
            await self._open()
        try:
            return await super().to_file(path)
        finally:
            await self.aclose()  # also when the file cannot be written

    async def extract_to(
        self,
        directory: str | os.PathLike[str],
        *,
        absolute_links: AbsoluteLinks = "refuse",
    ) -> int:
        """Unpack the archive into ``directory`` (created if missing) as it
        arrives; return the number of entries written.

        Entries that would escape ``directory`` (or that clash with each
        other: a name that is both a file and a directory, a link loop)
        raise :class:`UnsafeArchiveError` (a ``ValueError``) and nothing
        more is written; a tar that cannot be read raises
        :class:`~aiodock.errors.StreamError`; trouble of the local disk
        (full, read-only) stays an ``OSError``.

        ``absolute_links`` says what to do with a symbolic link to an
        absolute path (a container's root file system has some, such as
        ``etc/mtab -> /proc/mounts``): ``"refuse"`` (the default),
        ``"rebase"`` (rewrite it to the same path inside ``directory``,
        which is what it means inside the container), or ``"skip"``.

        Args:
            directory: Where to unpack (created if missing).
            absolute_links: ``"refuse"``, ``"rebase"`` or ``"skip"`` (above).

        Returns:
            The number of entries written.

        Raises:
            UnsafeArchiveError: An entry would escape ``directory`` or clashes
                with another (a ``ValueError``).
            StreamError: The tar cannot be read.
            ValueError: An unknown ``absolute_links``.

        Example:
            >>> n = await docker.containers.export("web").extract_to(  # doctest: +SKIP
            ...     "rootfs", absolute_links="rebase")
        """
        if absolute_links not in _ABSOLUTE_LINK_CHOICES:
            raise ValueError(
                f"absolute_links must be one of {', '.join(_ABSOLUTE_LINK_CHOICES)},"
                f" not {absolute_links!r}"
            )
        target = Path(os.fspath(directory))
        if await anyio.Path(target).exists() and not await anyio.Path(target).is_dir():
            raise NotADirectoryError(f"cannot extract into {target}: not a directory")
        if not self._started:
            await self._open()  # engine errors (NotFound...) before touching the disk
        send, receive = anyio.create_memory_object_stream[bytes](8)
        feed_errors: list[BaseException] = []
        outcome: list[int | BaseException] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._feed, send, feed_errors)
            with receive:
                try:
                    outcome.append(
                        await anyio.to_thread.run_sync(
                            _extract_all, _ThreadReader(receive), target, absolute_links
                        )
                    )
                except Exception as exc:  # raised below, outside the task group
                    outcome.append(exc)
            tg.cancel_scope.cancel()  # done, or refused: stop reading from the engine
        if feed_errors:
            raise feed_errors[0]  # the real cause of a truncated archive
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    async def _feed(self, send: MemoryObjectSendStream[bytes], errors: list[BaseException]) -> None:
        with send:
            try:
                async for chunk in self:
                    await send.send(chunk)
            except anyio.get_cancelled_exc_class():
                raise
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass  # the unpacker stopped reading (done, or refused an entry)
            except Exception as exc:
                errors.append(exc)


class _ThreadReader:
    """A blocking, file-like ``read`` for ``tarfile`` in a worker thread,
    fed from the event loop through a memory stream, one chunk at a time."""

    def __init__(self, receive: MemoryObjectReceiveStream[bytes]) -> None:
        self._receive = receive
        self._chunk = b""
        self._pos = 0
        self._eof = False

    def read(self, size: int = -1) -> bytes:
        if self._pos >= len(self._chunk):
            if self._eof:
                return b""
            try:
                self._chunk = anyio.from_thread.run(self._receive.receive)
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                self._eof = True
                self._chunk = b""
            self._pos = 0
        end = len(self._chunk) if size < 0 else min(len(self._chunk), self._pos + size)
        data = self._chunk[self._pos : end]
        self._pos = end
        return data  # a short read: tarfile asks again for the rest


# --------------------------------------------------------------------------
# the unpacker (runs in a worker thread)


def _extract_all(reader: _ThreadReader, target: Path, absolute_links: AbsoluteLinks) -> int:
    target.mkdir(parents=True, exist_ok=True)
    root = os.path.realpath(target)
    directories: list[tuple[str, tarfile.TarInfo]] = []
    count = 0
    try:
        with tarfile.open(fileobj=cast(IO[bytes], reader), mode="r|*") as tar:
            for member in tar:
                try:
                    path = _extract_member(tar, member, root, absolute_links)
                except OSError as exc:
                    _raise_conflict(member, exc)
                if path is None:
                    continue
                count += 1
                if member.isdir():
                    directories.append((path, member))
    except tarfile.TarError as exc:
        raise StreamError(
            200, f"the engine sent an archive that is not a readable tar: {exc}"
        ) from None
    # Directory modes and times last: a read-only directory must not block
    # its own entries, and writing entries changes a directory's mtime.
    for path, member in reversed(directories):
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                continue  # a later entry put something else there (through a link)
            os.chmod(path, _safe_mode(member.mode))
            os.utime(path, (member.mtime, member.mtime))
        except OSError as exc:
            _raise_conflict(member, exc)
    return count


def _raise_conflict(member: tarfile.TarInfo, exc: OSError) -> NoReturn:
    """Refuse an entry the disk refused because of the archive's own
    entries; re-raise the local disk's own trouble."""
    if exc.errno not in _ARCHIVE_CONFLICTS:
        raise exc
    where = f" ({exc.filename})" if exc.filename else ""
    raise UnsafeArchiveError(
        None, f"refusing to unpack {member.name!r}: {os.strerror(exc.errno)}{where}"
    ) from None


def _extract_member(
    tar: tarfile.TarFile, member: tarfile.TarInfo, root: str, absolute_links: AbsoluteLinks
) -> str | None:
    name = _checked_name(member.name)
    if name is None:
        return None  # the archive's root itself ("./")
    if member.ischr() or member.isblk() or member.isfifo():
        kind = "FIFO" if member.isfifo() else "device file"
        raise UnsafeArchiveError(None, f"refusing to unpack {member.name!r}: it is a {kind}")
    path = os.path.join(root, *name.split("/"))
    real_parent = os.path.realpath(os.path.dirname(path))
    _check_inside(root, real_parent, member.name, "its parent directory")
    os.makedirs(real_parent, exist_ok=True)
    if member.isdir():
        if os.path.lexists(path) and not os.path.isdir(path):
            os.unlink(path)
        os.makedirs(path, mode=0o700, exist_ok=True)
        _check_inside(root, os.path.realpath(path), member.name, "the directory")
        return path
    if os.path.isdir(path) and not os.path.islink(path):
        raise UnsafeArchiveError(
            None, f"refusing to unpack {member.name!r}: a directory of that name is already there"
        )
    if member.issym():
        link = _checked_symlink(root, real_parent, member, absolute_links)
        if link is None:
            return None
        _replace(path)
        os.symlink(link, path)
        return path
    if member.islnk():
        source = _checked_hardlink(root, member)
        _replace(path)
        os.link(source, path, follow_symlinks=False)
        return path
    if not member.isreg():
        raise UnsafeArchiveError(
            None, f"refusing to unpack {member.name!r}: unsupported entry type {member.type!r}"
        )
    _replace(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    source_file = tar.extractfile(member)
    with os.fdopen(fd, "wb") as out:
        if source_file is not None:
            while chunk := source_file.read(_COPY_CHUNK):
                out.write(chunk)
    os.chmod(path, _safe_mode(member.mode))
    os.utime(path, (member.mtime, member.mtime))
    return path


def _checked_name(name: str) -> str | None:
    """The entry's normalised relative name; refuse absolute and ``..``."""
    if name.startswith("/"):
        raise UnsafeArchiveError(None, f"refusing to unpack {name!r}: absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if len(parts) > _MAX_DEPTH:
        raise UnsafeArchiveError(
            None, f"refusing to unpack {name[:100]!r}...: more than {_MAX_DEPTH} directories deep"
        )
    if ".." in parts:
        raise UnsafeArchiveError(None, f"refusing to unpack {name!r}: the path contains '..'")
    return "/".join(parts) if parts else None


def _checked_symlink(
    root: str, real_parent: str, member: tarfile.TarInfo, absolute_links: AbsoluteLinks
) -> str | None:
    """The link text to create, or ``None`` to skip it.

    A relative target may climb (``../..``) only at its start and no higher
    than the directory, then only descend: every link then stays inside
    whatever is unpacked later (a ``..`` after a name could climb out of a
    link that a later entry points elsewhere).
    """
    link = member.linkname
    if not link:
        raise UnsafeArchiveError(None, f"refusing to unpack {member.name!r}: empty link target")
    parent_rel = os.path.relpath(real_parent, root)
    depth = 0 if parent_rel == "." else len(parent_rel.split(os.sep))
    if link.startswith("/"):
        if absolute_links == "skip":
            return None
        if absolute_links == "refuse":
            raise UnsafeArchiveError(
                None,
                f"refusing to unpack {member.name!r}: it links to the absolute path {link!r},"
                " outside the directory (absolute_links='rebase' rewrites such links to the"
                " same path inside it, 'skip' leaves them out)",
            )
        inside: list[str] = []
        for part in link.split("/"):
            if part == "..":
                if inside:
                    inside.pop()
            elif part not in ("", "."):
                inside.append(part)
        link = "/".join([".."] * depth + inside) or "."
    parts = [part for part in link.split("/") if part not in ("", ".")]
    ups = 0
    while ups < len(parts) and parts[ups] == "..":
        ups += 1
    if ".." in parts[ups:]:
        raise UnsafeArchiveError(
            None,
            f"refusing to unpack {member.name!r}: its link target {member.linkname!r} has"
            " '..' after a name",
        )
    if ups > depth:
        raise UnsafeArchiveError(
            None,
            f"refusing to unpack {member.name!r}: its link target {member.linkname!r}"
            " points outside the directory",
        )
    real = os.path.realpath(os.path.join(real_parent, link))
    _check_inside(root, real, member.name, f"its link target {member.linkname!r}")
    return link


def _checked_hardlink(root: str, member: tarfile.TarInfo) -> str:
    target_name = _checked_name(member.linkname)
    if target_name is None:
        raise UnsafeArchiveError(
            None, f"refusing to unpack {member.name!r}: a hard link to the directory itself"
        )
    source = os.path.join(root, *target_name.split("/"))
    _check_inside(
        root, os.path.realpath(os.path.dirname(source)), member.name, "its hard link target"
    )
    if not os.path.lexists(source) or (os.path.isdir(source) and not os.path.islink(source)):
        raise UnsafeArchiveError(
            None,
            f"refusing to unpack {member.name!r}: its hard link target {member.linkname!r}"
            " is not a file unpacked before it",
        )
    return source


def _check_inside(root: str, real: str, name: str, what: str) -> None:
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise UnsafeArchiveError(
            None, f"refusing to unpack {name!r}: {what} resolves outside the directory ({real})"
        )


def _replace(path: str) -> None:
    if os.path.lexists(path):
        os.unlink(path)


def _safe_mode(mode: int) -> int:
    return mode & 0o777
