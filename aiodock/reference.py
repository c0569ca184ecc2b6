"""Image references: ``[registry/]repository[:tag][@digest]``.

Parsed with the rules the docker CLI and the engine apply, so a malformed
reference is refused here, with a message naming the problem, before any
request is sent:

- the registry is the first ``/``-separated part when it holds a ``.`` or a
  ``:``, is ``localhost``, or has an uppercase letter; otherwise the
  reference is on Docker Hub (``docker.io``), where a one-part name lives
  under ``library/`` (``busybox`` is ``docker.io/library/busybox``);
- repository path components are lowercase letters and digits, joined by
  ``.``, ``_``, ``__`` or dashes; the whole name is at most 255 characters;
- a tag is a word character then up to 127 word characters, ``.`` or ``-``;
- a digest is ``algorithm:hex`` (``sha256`` needs 64 lowercase hex digits);
- a bare 64-digit hex string is an image ID, never a repository name;
- no tag and no digest means the tag ``latest``.

Example:
    >>> ref = parse_reference("127.0.0.1:5000/team/app")
    >>> ref.registry, ref.path, ref.tag, str(ref)
    ('127.0.0.1:5000', 'team/app', 'latest', '127.0.0.1:5000/team/app:latest')
    >>> parse_reference("busybox").repository
    'docker.io/library/busybox'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

__all__ = [
    "ImageReference",
    "check_image_ref",
    "check_tag",
    "parse_reference",
    "pull_reference",
    "push_reference",
    "registry_of",
    "target_reference",
]


DOCKER_HUB: Final = "docker.io"
"""The registry of references that name none."""

DOCKER_HUB_ALIASES: Final = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
"""Names under which Docker Hub is known."""

DEFAULT_TAG: Final = "latest"
NAME_MAX_LENGTH: Final = 255

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|-+)"
_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_PATH = rf"{_COMPONENT}(?:/{_COMPONENT})*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[a-fA-F0-9:]+\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"

_PATH_RE = re.compile(rf"^{_PATH}$")
_DOMAIN_RE = re.compile(rf"^{_DOMAIN}$")
_TAG_RE = re.compile(rf"^{_TAG}$", re.ASCII)
_DIGEST_RE = re.compile(rf"^{_DIGEST}$")
_IMAGE_ID_RE = re.compile(r"^(?:sha256:)?[a-f0-9]{1,64}$")
_FULL_ID_RE = re.compile(r"^[a-f0-9]{64}$")
_DIGEST_LENGTHS: Final = {"sha256": 64, "sha384": 96, "sha512": 128}


@dataclass(frozen=True)
class ImageReference:
    """A parsed image reference.

    ``registry`` is ``docker.io`` for Docker Hub; ``path`` the repository
    inside it (``library/busybox``); ``tag`` and ``digest`` may be ``None``
    (but not both when parsed with the default tag). ``str()`` gives the
    short form the docker CLI prints (``busybox:latest``,
    ``127.0.0.1:5000/app@sha256:...``).

    Example:
        >>> ref = parse_reference("Registry.example.com:443/a/b:v1")
        >>> ref.registry, ref.name, ref.tag
        ('Registry.example.com:443', 'Registry.example.com:443/a/b', 'v1')
        >>> ref.with_tag("v2")
        ImageReference('Registry.example.com:443/a/b:v2')
    """

    registry: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def repository(self) -> str:
        """The fully qualified repository: ``docker.io/library/busybox``."""
        return f"{self.registry}/{self.path}"

    @property
    def name(self) -> str:
        """The repository as the docker CLI shows it: Docker Hub's
        ``docker.io/`` and ``library/`` left out (``busybox``, ``me/app``,
        ``127.0.0.1:5000/app``)."""
        if self.registry == DOCKER_HUB:
            return self.path.removeprefix("library/")
        return self.repository

    @property
    def is_docker_hub(self) -> bool:
        """Whether the reference points at Docker Hub (under any of its names)."""
        return self.registry.lower() in DOCKER_HUB_ALIASES

    def with_tag(self, tag: str) -> ImageReference:
        """The same repository with ``tag`` (and no digest).

        Args:
            tag: The new tag.

        Raises:
            ValueError: An invalid tag.

        Example:
            >>> str(parse_reference("127.0.0.1:5000/app:1").with_tag("2"))
            '127.0.0.1:5000/app:2'
        """
        check_tag(tag)
        return replace(self, tag=tag, digest=None)

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    def __repr__(self) -> str:
        return f"ImageReference({str(self)!r})"


def parse_reference(text: str, *, default_tag: str | None = DEFAULT_TAG) -> ImageReference:
    """Parse ``[registry/]repository[:tag][@digest]``.

    Docker Hub names are completed as the engine does (``busybox`` is
    ``docker.io/library/busybox``).

    Args:
        text: The reference.
        default_tag: The tag a reference without a tag or digest gets;
            ``None`` leaves it without.

    Raises:
        ValueError: An invalid reference, naming the problem.
        TypeError: ``text`` that is not a string.

    Example:
        >>> parse_reference("me/app@sha256:" + "a" * 64).digest[:10]
        'sha256:aaa'
        >>> parse_reference("MyApp")
        Traceback (most recent call last):
        ...
        ValueError: invalid image reference 'MyApp': repository name must be lowercase
    """
    if not isinstance(text, str):
        raise TypeError(f"an image reference must be a string, not {type(text).__name__}")
    if text == "":
        raise ValueError("invalid image reference '': the reference is empty")
    if _FULL_ID_RE.match(text):
        raise ValueError(
            f"invalid image reference {text!r}: a 64-digit hex string is an image ID,"
            " not a repository name"
        )
    rest, digest = _split_digest(text)
    registry, remainder = _split_registry(rest)
    path, tag = _split_tag(remainder)
    if path.lower() != path:
        _fail(text, "repository name must be lowercase")
    if not _PATH_RE.match(path):
        _fail(text, _path_problem(path))
    if not _DOMAIN_RE.match(registry):
        _fail(text, f"{registry!r} is not a valid registry host[:port]")
    if tag is not None and not _TAG_RE.match(tag):
        _fail(
            text,
            f"{tag!r} is not a valid tag (a letter, digit or _, then up to 127 of those or . -)",
        )
    if digest is not None:
        problem = _digest_problem(digest)
        if problem:
            _fail(text, problem)
    if registry == "index.docker.io":
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if len(f"{registry}/{path}") > NAME_MAX_LENGTH:
        _fail(text, f"the repository name is longer than {NAME_MAX_LENGTH} characters")
    if tag is None and digest is None:
        tag = default_tag
    return ImageReference(registry, path, tag, digest)


def check_tag(tag: str) -> str:
    """Return ``tag`` if it is a valid tag.

    Args:
        tag: A letter, digit or ``_``, then up to 127 of those or ``.`` ``-``.

    Raises:
        ValueError: An invalid tag.
        TypeError: ``tag`` that is not a string.

    Example:
        >>> check_tag("v1.2-rc")
        'v1.2-rc'
    """
    if not isinstance(tag, str):
        raise TypeError(f"a tag must be a string, not {type(tag).__name__}")
    if not _TAG_RE.match(tag):
        raise ValueError(
            f"invalid tag {tag!r}: a letter, digit or _, then up to 127 of those or . -"
        )
    return tag


def check_image_ref(ref: str) -> str:
    """Validate an image ID (``sha256:...`` or a hex prefix) or reference
    for operations on local images; return it unchanged.

    Example:
        >>> check_image_ref("sha256:7bddb0152ca2"), check_image_ref("busybox")
        ('sha256:7bddb0152ca2', 'busybox')
    """
    if not isinstance(ref, str):
        raise TypeError(f"an image reference must be a string, not {type(ref).__name__}")
    if not _IMAGE_ID_RE.match(ref):
        parse_reference(ref, default_tag=None)
    return ref


def registry_of(text: str) -> str:
    """The registry a reference points at (``docker.io`` for Docker Hub).

    Args:
        text: An image reference.

    Raises:
        ValueError: An invalid reference.

    Example:
        >>> registry_of("127.0.0.1:5001/app:1"), registry_of("busybox")
        ('127.0.0.1:5001', 'docker.io')
    """
    return parse_reference(text, default_tag=None).registry


def pull_reference(ref: str, tag: str | None = None) -> ImageReference:
    """The reference a pull fetches: ``ref``'s tag or digest, else ``tag``
    (a tag or a digest), else ``latest``.

    Args:
        ref: ``[registry/]repository[:tag][@digest]``.
        tag: A tag or a digest (``"sha256:..."``) when ``ref`` names neither.

    Raises:
        ValueError: An invalid reference, or ``tag`` when ``ref`` has one.

    Example:
        >>> str(pull_reference("127.0.0.1:5000/app", "1"))
        '127.0.0.1:5000/app:1'
    """
    reference = parse_reference(ref, default_tag=None)
    if tag is not None:
        if reference.tag is not None or reference.digest is not None:
            raise ValueError(
                f"{ref!r} already names a tag or digest; do not pass tag={tag!r} as well"
            )
        if isinstance(tag, str) and ":" in tag:
            return parse_reference(f"{reference.repository}@{tag}")
        return reference.with_tag(check_tag(tag))
    if reference.tag is None and reference.digest is None:
        return reference.with_tag("latest")
    return reference


def push_reference(ref: str, tag: str | None = None) -> ImageReference:
    """The one tag a push uploads: ``ref``'s, else ``tag``, else ``latest``
    (a digest cannot be pushed).

    Args:
        ref: ``[registry/]repository[:tag]``.
        tag: The tag when ``ref`` has none.

    Raises:
        ValueError: An invalid reference, a digest, or two different tags.

    Example:
        >>> push_reference("127.0.0.1:5000/app").tag
        'latest'
    """
    reference = parse_reference(ref, default_tag=None)
    if reference.digest is not None:
        raise ValueError(f"cannot push {ref!r}: push takes a tag, not a digest")
    if tag is not None:
        if reference.tag is not None and reference.tag != tag:
            raise ValueError(f"{ref!r} already names a tag; do not pass tag={tag!r} as well")
        return reference.with_tag(check_tag(tag))
    return reference if reference.tag is not None else reference.with_tag("latest")


def target_reference(repo: str, tag: str | None = None, *, what: str = "tag") -> ImageReference:
    """The name an image gets (``tag``, ``commit``, ``import_image``): the
    repository with ``repo``'s tag, else ``tag``, else ``latest``; never a
    digest.

    Args:
        repo: The repository, which may carry the tag.
        tag: The tag when ``repo`` has none.
        what: The operation, named in error messages.

    Raises:
        ValueError: An invalid name, a digest, or two different tags.
        TypeError: ``repo`` that is not a string.

    Example:
        >>> str(target_reference("127.0.0.1:5000/app:2"))
        '127.0.0.1:5000/app:2'
    """
    if not isinstance(repo, str):
        raise TypeError(f"{what}: repo must be a string, not {type(repo).__name__}")
    reference = parse_reference(repo, default_tag=None)
    if reference.digest is not None:
        raise ValueError(f"{what}: {repo!r} names a digest; an image is named by a tag")
    if tag is not None:
        if reference.tag is not None and reference.tag != tag:
            raise ValueError(
                f"{what}: {repo!r} already names a tag; do not pass tag={tag!r} as well"
            )
        return reference.with_tag(check_tag(tag))
    return reference if reference.tag is not None else reference.with_tag("latest")


def _fail(text: str, problem: str) -> None:
    raise ValueError(f"invalid image reference {text!r}: {problem}")


def _split_digest(text: str) -> tuple[str, str | None]:
    name, at, digest = text.partition("@")
    if not at:
        return text, None
    if not name:
        _fail(text, "no repository name before '@'")
    if "@" in digest:
        _fail(text, "more than one '@'")
    return name, digest


def _split_registry(name: str) -> tuple[str, str]:
    first, slash, rest = name.partition("/")
    if slash and (any(c in first for c in ".:") or first == "localhost" or first.lower() != first):
        if not rest:
            _fail(name, "no repository name after the registry")
        return first, rest
    return DOCKER_HUB, name


def _split_tag(remainder: str) -> tuple[str, str | None]:
    path, colon, tag = remainder.rpartition(":")
    if not colon or "/" in tag:
        return remainder, None
    return path, tag


def _path_problem(path: str) -> str:
    if not path:
        return "the repository name is empty"
    for component in path.split("/"):
        if not component:
            return "empty path component (two '/' in a row, or a leading or trailing '/')"
        if not re.match(rf"^{_COMPONENT}$", component):
            return (
                f"{component!r} is not a valid path component (lowercase letters and digits,"
                " separated by '.', '_', '__' or '-', starting and ending with a letter or"
                " digit)"
            )
    return "invalid repository name"


def _digest_problem(digest: str) -> str | None:
    if not _DIGEST_RE.match(digest):
        return f"{digest!r} is not a valid digest (algorithm:hex)"
    algorithm, _, hex_part = digest.partition(":")
    length = _DIGEST_LENGTHS.get(algorithm)
    if length is None:
        return f"unsupported digest algorithm {algorithm!r}"
    if len(hex_part) != length or hex_part.lower() != hex_part:
        return f"a {algorithm} digest needs {length} lowercase hex digits"
    return None
