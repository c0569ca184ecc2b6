"""Build contexts: a directory tarred on the fly, honouring ``.dockerignore``.

:class:`DockerIgnore` reads ``.dockerignore`` with the docker CLI's rules:

- one pattern a line; lines starting with ``#`` are comments, blank lines
  are skipped, surrounding spaces trimmed;
- patterns are cleaned like paths (``./a//b/`` is ``a/b``) and a leading
  ``/`` is dropped: every pattern is relative to the context root;
- ``*`` matches any run of characters but ``/``, ``?`` one character but
  ``/``, ``[a-c]`` or ``[^a-c]`` a class, ``\\`` escapes; ``**`` matches
  any number of directories, none included (``**/*.log``, ``docs/**``);
- a pattern that matches a directory excludes everything under it;
- ``!pattern`` re-includes what an earlier pattern excluded; the last
  matching line wins;
- the Dockerfile and ``.dockerignore`` itself are always sent.

One difference, on purpose: the walk goes into an excluded directory
whenever a ``!`` pattern could re-include something inside it, so
``!**/keep.log`` works at any depth (as with BuildKit); the CLI's classic
builder path goes in only for ``!`` patterns naming the directory literally.

The build streams the context as a tar archive, a chunk at a
time, from a worker thread: the context is never held whole in memory.
Symbolic links are archived as links and never followed, so nothing
outside the context directory is ever read. Owners are written as root
(``0:0``), as the docker CLI does; modes and modification times are kept.

Example:
    >>> rules = DockerIgnore.parse("*.log\\n!keep.log\\nbuild/\\n")
    >>> rules.excludes("debug.log"), rules.excludes("keep.log"), rules.excludes("build/out.o")
    (True, False, True)
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
import stat
import tarfile
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import anyio

IGNORE_FILE: Final = ".dockerignore"
CHUNK_SIZE: Final = 1024 * 1024
"""Bytes per chunk of the streamed archive."""

_BLOCK = tarfile.BLOCKSIZE
_WILDCARDS = frozenset("*?[\\")


__all__ = [
    "ContextError",
    "DockerIgnore",
]


class ContextError(ValueError):
    """A build context cannot be sent: a file is unreadable, or changed
    while it was being sent.

    Example:
        >>> issubclass(ContextError, ValueError)
        True
    """


@dataclass(frozen=True)
class IgnorePattern:
    """One line of ``.dockerignore``: the cleaned pattern, and whether it
    re-includes (``!``)."""

    pattern: str
    exception: bool
    regex: re.Pattern[str]

    def matches(self, path: str) -> bool:
        """Whether the pattern matches ``path`` itself."""
        return self.regex.match(path) is not None

    def matches_or_parent(self, path: str) -> bool:
        """Whether the pattern matches ``path`` or one of its parent directories."""
        if self.regex.match(path):
            return True
        index = path.find("/")
        while index > 0:
            if self.regex.match(path[:index]):
                return True
            index = path.find("/", index + 1)
        return False


MatchInfo = tuple[bool, ...]
"""Which patterns matched a directory: what its children inherit."""


class DockerIgnore:
    """The exclusion rules of a build context (``.dockerignore``).

    Args:
        patterns: The patterns, one each (``"build"``, ``"**/*.pyc"``,
            ``"!keep.txt"``), without the file's comments and blank lines
            (see :meth:`parse` for a file's text).

    Example:
        >>> rules = DockerIgnore.parse("# caches\\n**/__pycache__\\n/secret*\\n")
        >>> rules.excludes("pkg/__pycache__/m.pyc"), rules.excludes("secret.txt")
        (True, True)
        >>> rules.excludes("docs/secret.txt")
        False
    """

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self._patterns: list[IgnorePattern] = []
        for line in patterns:
            self._add(line)

    @classmethod
    def parse(cls, text: str) -> DockerIgnore:
        """Rules from the text of a ``.dockerignore`` file.

        Args:
            text: The file's text: one pattern a line, ``#`` comments,
                ``!`` to re-include.

        Raises:
            ValueError: An illegal pattern (a lone ``!``), with its line number.

        Example:
            >>> rules = DockerIgnore.parse("# comment\\n\\n ./build// \\n!build/keep")
            >>> [p.pattern for p in rules.patterns]
            ['build', 'build/keep']
        """
        rules = cls()
        for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
            if raw.startswith("#"):
                continue
            line = raw.strip()
            if not line:
                continue
            try:
                rules._add(line)
            except ValueError as exc:
                raise ValueError(f".dockerignore line {number}: {exc}") from None
        return rules

    @classmethod
    def from_directory(cls, directory: str | os.PathLike[str]) -> DockerIgnore:
        """The rules of ``directory/.dockerignore`` (none if it has no such file).

        Args:
            directory: The build context's directory.

        Example:
            >>> DockerIgnore.from_directory("/nonexistent").patterns
            []
        """
        path = Path(directory) / IGNORE_FILE
        try:
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
        except FileNotFoundError:
            return cls()
        return cls.parse(text)

    @property
    def patterns(self) -> list[IgnorePattern]:
        """The patterns, in order."""
        return list(self._patterns)

    @property
    def has_exceptions(self) -> bool:
        """Whether any pattern re-includes (``!``)."""
        return any(p.exception for p in self._patterns)

    def _add(self, line: str) -> None:
        exception = line.startswith("!")
        if exception:
            line = line[1:].strip()
            if not line:
                raise ValueError('illegal exclusion pattern: "!"')
        pattern = posixpath.normpath(line.replace(os.sep, "/"))
        if len(pattern) > 1 and pattern.startswith("/"):
            pattern = pattern.lstrip("/") or "."
        self._patterns.append(IgnorePattern(pattern, exception, _compile(pattern)))

    def keep(self, path: str) -> None:
        """Make sure ``path`` is sent (the Dockerfile, ``.dockerignore``).

        Args:
            path: Relative to the context, ``/``-separated.

        Example:
            >>> rules = DockerIgnore.parse("*")
            >>> rules.keep("Dockerfile")
            >>> rules.excludes("Dockerfile"), rules.excludes("app.py")
            (False, True)
        """
        if self.excludes(path):
            self._add(f"!{path}")

    def excludes(self, path: str) -> bool:
        """Whether ``path`` is left out.

        Args:
            path: Relative to the context, ``/``-separated.

        Example:
            >>> DockerIgnore.parse("logs\\n!logs/keep.log").excludes("logs/a.log")
            True
        """
        info: MatchInfo | None = None
        excluded = False
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            excluded, info = self.match("/".join(parts[:depth]), info)
        return excluded

    def match(self, path: str, parent: MatchInfo | None = None) -> tuple[bool, MatchInfo]:
        """Whether ``path`` is left out, given what matched its parent
        directory (``parent``, from this method; ``None`` at the top or when
        unknown); returns that and what ``path``'s own children inherit.

        Patterns are tried in order and the last one that applies wins. A
        pattern that matched the parent directory applies to everything in
        it; one that did not is tried on the path itself (on the path and
        each of its parent directories when ``parent`` is ``None``). As in
        the docker CLI, a pattern that cannot change the outcome at that
        point is skipped, and records no match for the children.

        Args:
            path: Relative to the context, ``/``-separated.
            parent: What matched its parent directory (the second item this
                method returned for it); ``None`` at the top or when unknown.

        Returns:
            ``(excluded, inherited)``: whether ``path`` is left out, and what
            its children inherit (pass it as their ``parent``).

        Example:
            >>> rules = DockerIgnore.parse("build")
            >>> excluded, inherited = rules.match("build")
            >>> excluded, rules.match("build/out.o", inherited)[0]
            (True, True)
        """
        excluded = False
        matched: list[bool] = []
        for index, pattern in enumerate(self._patterns):
            hit = parent[index] if parent is not None else False
            if not hit and pattern.exception == excluded:
                hit = (
                    pattern.matches(path) if parent is not None else pattern.matches_or_parent(path)
                )
            matched.append(hit)
            if hit:
                excluded = not pattern.exception
        return excluded, tuple(matched)

    def may_reinclude_under(self, directory: str) -> bool:
        """Whether some ``!`` pattern could re-include a path inside the
        excluded ``directory`` (so the walk must go into it).

        Args:
            directory: Relative to the context, ``/``-separated.

        Example:
            >>> rules = DockerIgnore.parse("vendor\\n!vendor/LICENSE")
            >>> rules.may_reinclude_under("vendor"), rules.may_reinclude_under("other")
            (True, False)
        """
        prefix = directory + "/"
        for pattern in self._patterns:
            if not pattern.exception:
                continue
            literal = _literal_prefix(pattern.pattern)
            if literal != pattern.pattern:  # has wildcards: compare the fixed part
                if prefix.startswith(literal) or literal.startswith(prefix):
                    return True
            elif (pattern.pattern + "/").startswith(prefix):
                return True
        return False


def _literal_prefix(pattern: str) -> str:
    for index, char in enumerate(pattern):
        if char in _WILDCARDS:
            return pattern[:index]
    return pattern


def _compile(pattern: str) -> re.Pattern[str]:
    """Translate a cleaned pattern into an anchored regular expression."""
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                out.append(".*" if i >= n else "(?:.*/)?")
                continue
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\":
            if i + 1 < n:
                i += 1
                out.append(re.escape(pattern[i]))
            else:
                out.append(re.escape("\\"))
        elif char == "[":
            end = _class_end(pattern, i)
            if end < 0:
                raise ValueError(f"unterminated character class in pattern {pattern!r}")
            body = pattern[i + 1 : end]
            negate = body.startswith("^")
            if negate:
                body = body[1:]
            if not body:
                raise ValueError(f"empty character class in pattern {pattern!r}")
            body = body.replace("[", r"\[")  # a literal '[' inside a class
            out.append(f"[^{body}]" if negate else f"[{body}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    out.append("$")
    try:
        return re.compile("".join(out), re.S)
    except re.error as exc:
        raise ValueError(f"invalid pattern {pattern!r}: {exc}") from None


def _class_end(pattern: str, start: int) -> int:
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i
        i += 1
    return -1


# --------------------------------------------------------------------------
# walking and tarring


@dataclass(frozen=True)
class _ContextEntry:
    """One member of a build context: its archive name and where it is."""

    name: str
    path: str
    stat: os.stat_result


def _context_entries(
    root: str | os.PathLike[str], rules: DockerIgnore | None = None
) -> list[_ContextEntry]:
    """Walk ``root`` in name order and list what the context sends.

    Symbolic links are listed as links, never followed. Raises
    :class:`ContextError` for an entry that cannot be read (as the docker CLI
    checks before it sends anything).
    """
    base = os.fspath(root)
    rules = rules if rules is not None else DockerIgnore()
    entries: list[_ContextEntry] = []

    def walk(directory: str, prefix: str, parent: MatchInfo | None) -> None:
        try:
            names = sorted(os.listdir(directory))
        except OSError as exc:
            raise ContextError(f"cannot list {directory}: {_reason(exc)}") from None
        for entry_name in names:
            name = prefix + entry_name
            path = os.path.join(directory, entry_name)
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue  # removed while walking
            except OSError as exc:
                raise ContextError(f"cannot stat {path}: {_reason(exc)}") from None
            is_dir = stat.S_ISDIR(info.st_mode)
            excluded, matched = rules.match(name, parent)
            if excluded:
                if is_dir and rules.may_reinclude_under(name):
                    walk(path, name + "/", matched)
                continue
            if stat.S_ISSOCK(info.st_mode):
                continue  # tar cannot hold sockets; the docker CLI skips them too
            if stat.S_ISREG(info.st_mode) and not os.access(path, os.R_OK):
                raise ContextError(f"cannot read {path}: permission denied")
            entries.append(_ContextEntry(name, path, info))
            if is_dir:
                if not os.access(path, os.R_OK | os.X_OK):
                    raise ContextError(f"cannot read the directory {path}: permission denied")
                walk(path, name + "/", matched)

    walk(base, "", None)
    return entries


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _header(entry: _ContextEntry, links: dict[tuple[int, int], str]) -> tuple[bytes, int]:
    """The tar header of ``entry`` and how many content bytes follow it."""
    st = entry.stat
    info = tarfile.TarInfo(entry.name)
    info.mode = stat.S_IMODE(st.st_mode)
    info.mtime = int(st.st_mtime)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    size = 0
    if stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(st.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(entry.path)
    elif stat.S_ISREG(st.st_mode):
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in links:
            info.type = tarfile.LNKTYPE
            info.linkname = links[key]
        else:
            if st.st_nlink > 1:
                links[key] = entry.name
            info.type = tarfile.REGTYPE
            size = info.size = st.st_size
    elif stat.S_ISFIFO(st.st_mode):
        info.type = tarfile.FIFOTYPE
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        info.type = tarfile.CHRTYPE if stat.S_ISCHR(st.st_mode) else tarfile.BLKTYPE
        info.devmajor = os.major(st.st_rdev)
        info.devminor = os.minor(st.st_rdev)
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"), size


def _file_content(entry: _ContextEntry, size: int) -> Iterator[bytes]:
    """Exactly ``size`` bytes of a regular file, opened without following links."""
    try:
        fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ContextError(f"{entry.path} became a symbolic link while sending") from None
        raise ContextError(f"cannot read {entry.path}: {_reason(exc)}") from None
    with os.fdopen(fd, "rb") as file:
        left = size
        while left:
            chunk = file.read(min(CHUNK_SIZE, left))
            if not chunk:
                raise ContextError(f"{entry.path} shrank while it was being sent")
            left -= len(chunk)
            yield chunk


def _iter_tar(entries: Iterable[_ContextEntry]) -> Generator[bytes, None, None]:
    """The tar archive of ``entries``, as chunks of about :data:`CHUNK_SIZE` bytes."""
    links: dict[tuple[int, int], str] = {}
    pending: list[bytes] = []
    pending_size = 0
    for entry in entries:
        try:
            header, size = _header(entry, links)
        except OSError as exc:
            raise ContextError(f"cannot read {entry.path}: {_reason(exc)}") from None
        pending.append(header)
        pending_size += len(header)
        if size:
            for chunk in _file_content(entry, size):
                pending.append(chunk)
                pending_size += len(chunk)
                if pending_size >= CHUNK_SIZE:
                    yield b"".join(pending)
                    pending, pending_size = [], 0
            padding = -size % _BLOCK
            if padding:
                pending.append(b"\0" * padding)
                pending_size += padding
        if pending_size >= CHUNK_SIZE:
            yield b"".join(pending)
            pending, pending_size = [], 0
    pending.append(b"\0" * (2 * _BLOCK))
    yield b"".join(pending)


def _prepare_context(
    directory: str | os.PathLike[str], *, dockerfile: str = "Dockerfile"
) -> tuple[Path, DockerIgnore]:
    """Check a context directory and read its rules, before any request.

    ``dockerfile`` is a path inside the context; it and ``.dockerignore``
    are always sent. Raises :class:`FileNotFoundError`,
    :class:`NotADirectoryError` or :class:`ValueError` (a bad
    ``.dockerignore`` line) naming the problem.
    """
    root = Path(directory)
    if not root.exists():
        raise FileNotFoundError(f"build context: no such directory: {root}")
    if not root.is_dir():
        raise NotADirectoryError(f"build context: not a directory: {root}")
    name = _dockerfile_name(dockerfile)
    target = root / name
    if not target.is_file():
        raise FileNotFoundError(
            f"build context: no Dockerfile {name!r} in {root}"
            " (dockerfile= names a file inside the context)"
        )
    rules = DockerIgnore.from_directory(root)
    rules.keep(IGNORE_FILE)
    rules.keep(name)
    return root, rules


def _dockerfile_name(dockerfile: str) -> str:
    """``dockerfile`` cleaned as a path inside the context; :class:`ValueError`
    when it is absolute or climbs out."""
    if not isinstance(dockerfile, str) or not dockerfile.strip():
        raise ValueError(f"dockerfile must be a non-empty path, not {dockerfile!r}")
    name = posixpath.normpath(dockerfile.replace(os.sep, "/"))
    if name.startswith("/") or name == ".." or name.startswith("../"):
        raise ValueError(f"dockerfile must be a path inside the build context, not {dockerfile!r}")
    return name


async def _tar_context(
    directory: str | os.PathLike[str], *, rules: DockerIgnore | None = None
) -> AsyncIterator[bytes]:
    """Stream the build context ``directory`` as a tar archive.

    The walk (and its readability checks) happens before the first chunk is
    produced, so an unreadable file raises :class:`ContextError` before the
    engine sees any byte. Files are read a chunk at a time in a worker
    thread.

    Example:
        >>> async for chunk in _tar_context("app/"):  # doctest: +SKIP
        ...     upload(chunk)
    """
    entries = await anyio.to_thread.run_sync(_context_entries, directory, rules)
    async for chunk in _stream_tar(entries):
        yield chunk


async def _stream_tar(entries: Iterable[_ContextEntry]) -> AsyncIterator[bytes]:
    """The tar archive of ``entries`` (from :func:`_context_entries`), made
    and read a chunk at a time in a worker thread."""
    chunks = _iter_tar(entries)
    try:
        while True:
            chunk = await anyio.to_thread.run_sync(next, chunks, None)
            if chunk is None:
                return
            yield chunk
    finally:
        chunks.close()
