"""Every public class and method has a docstring that explains it.

The public API is what ``aiodock`` exports, the hand-written models of
``aiodock.models``, the collections a ``Docker`` client owns, and the public
classes and functions of the modules users import from (streams, logs,
errors, config, auth, ...). Generated models (``aiodock/models/_generated.py``)
are made from the specification and are left out.

The rule (Google style, which the reference pages render as tables):

- every public class, function, method and property has a docstring;
- every class has an example (an ``Example:`` section or a ``>>>`` line);
  methods need none, and keep one only where it teaches something;
- every public function or method that takes parameters besides ``self``,
  ``cls`` and ``ref`` (the resource, explained once on each collection) has
  an ``Args:`` section naming each of them. ``**options: Unpack[SomeOptions]``
  is satisfied either by naming every key of the TypedDict (in ``Args:``
  or in a ``Keyword Args:`` section, which the reference pages show as a
  table without the "required" a key missing from the signature would
  get there), or by an ``**options`` entry whose text names the TypedDict
  (``SomeOptions``);
- a handle's delegated methods (:class:`aiodock._handle.delegate`) are their
  collection's methods, with the same docstring: they are checked there.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator

import pytest
import typing_extensions

import aiodock
import aiodock.models
from aiodock import Docker
from aiodock._handle import Handle, delegate
from aiodock._operation import collections_of, handles_of, public_name

GENERATED = "aiodock.models._generated"


def public_modules() -> list[str]:
    """The modules users import from: every module of the package with no
    private part in its name (``aiodock.containers``, not
    ``aiodock.containers._handle``), but the command line's."""
    return sorted(
        info.name
        for info in pkgutil.walk_packages(aiodock.__path__, "aiodock.")
        if not any(part.startswith("_") for part in info.name.split("."))
        and not info.name.startswith("aiodock.cli")
    )


def module_api(module_name: str) -> Iterator[object]:
    """A public module's public API: its ``__all__`` when it has one, else its
    public names that it (or a private module under it) defines."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    for name, obj in vars(module).items():
        if name.startswith("_") or (names is not None and name not in names):
            continue
        defined_in = getattr(obj, "__module__", None)
        if (
            defined_in != GENERATED
            and isinstance(defined_in, str)
            and (defined_in == module_name or defined_in.startswith(module_name + "._"))
        ):
            yield obj


def public_objects() -> Iterator[object]:
    exported = [getattr(aiodock, name) for name in aiodock.__all__]
    exported += [getattr(aiodock.models, name) for name in aiodock.models.__all__]
    for obj in exported:
        module = getattr(obj, "__module__", None) or GENERATED
        if module.startswith("aiodock") and module != GENERATED:
            yield obj
    docker = Docker("unix:///nonexistent.sock", env={})
    for collection in collections_of(docker).values():
        yield type(collection)
        yield from handles_of(collection)
    for module_name in public_modules():
        yield from module_api(module_name)


def has_example(doc: str | None) -> bool:
    return bool(doc) and (">>>" in doc or "Example:" in doc or "Examples:" in doc)  # type: ignore[operator]


ARG_LINE = re.compile(r"^\s+(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:")
SECTION = re.compile(r"^\s*[A-Z][A-Za-z ]*:\s*$")
NOT_ARGUMENTS = {"self", "cls", "ref"}
ARG_SECTIONS = {"Args:", "Keyword Args:"}
"""The sections that name parameters (``Keyword Args:`` for a TypedDict's keys)."""


def documented_args(doc: str) -> dict[str, str]:
    """The entries of a docstring's ``Args:`` (and ``Keyword Args:``)
    sections: name -> its text."""
    found: dict[str, str] = {}
    lines = inspect.cleandoc(doc).splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() in ARG_SECTIONS]
    for start in starts:
        current = None
        for line in lines[start + 1 :]:
            if line.strip() and not line.startswith(" "):
                break  # the next section (or prose) at the left margin
            match = ARG_LINE.match(line)
            if match and len(line) - len(line.lstrip()) <= 4:
                current = match.group(1).lstrip("*")
                found[current] = line[match.end() :]
            elif current is not None and line.strip():
                found[current] += " " + line.strip()
    return {name: text.strip() for name, text in found.items()}


def arg_problems(where: str, func: object) -> list[str]:
    """What ``func``'s ``Args:`` section lacks for its signature."""
    try:
        params = inspect.signature(func).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []
    wanted = [p for p in params if p.name not in NOT_ARGUMENTS]
    if not wanted:
        return []
    doc = inspect.getdoc(func) or ""
    named = documented_args(doc)
    if not named:
        return [f"{where}: no Args: section"]
    missing = []
    for p in wanted:
        if p.name in named:
            typed = unpacked(p.annotation) if p.kind is p.VAR_KEYWORD else None
            if typed is not None and typed.__name__ not in named[p.name]:
                missing.append(f"**{p.name} (say it takes {typed.__name__})")
            continue
        if p.kind is p.VAR_KEYWORD and (typed := unpacked(p.annotation)):
            keys = [k for k in typed.__annotations__ if k not in named]
            if keys:
                missing.append(f"**{p.name} ({typed.__name__}: {', '.join(keys)})")
            continue
        missing.append(p.name)
    return [f"{where}: Args: lacks {', '.join(missing)}"] if missing else []


def unpacked(annotation: object) -> type | None:
    """The TypedDict of an ``Unpack[SomeOptions]`` annotation (a string, with
    postponed annotations, whose name may be imported only for type checking:
    it is looked up among the library's modules), else ``None``."""
    match = re.fullmatch(r"(?:typing_extensions\.|typing\.)?Unpack\[(\w+)\]", str(annotation))
    if match is None:
        return None
    for module_name in library_modules():
        typed = getattr(importlib.import_module(module_name), match.group(1), None)
        if isinstance(typed, type) and typing_extensions.is_typeddict(typed):
            return typed
    raise AssertionError(f"no TypedDict named {match.group(1)} in the library")


def problems() -> list[str]:
    found: list[str] = []
    seen: set[object] = set()
    for obj in public_objects():
        if obj in seen or not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        seen.add(obj)
        where = public_name(obj)  # type: ignore[arg-type]
        if inspect.isfunction(obj):
            if not obj.__doc__:
                found.append(f"{where}: no docstring")
            else:
                found += arg_problems(where, obj)
            continue
        if not has_example(vars(obj).get("__doc__")):
            found.append(f"{where}: no class docstring with an example")
        for name, member, _owner in own_members(obj):
            if isinstance(member, delegate):
                continue
            if isinstance(member, property):
                if not member.__doc__:
                    found.append(f"{where}.{name}: property without a docstring")
                continue
            func = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
            if not inspect.isfunction(func):
                continue
            if not func.__doc__:
                found.append(f"{where}.{name}: no docstring")
            else:
                found += arg_problems(f"{where}.{name}", func)
    return found


def own_members(cls: type) -> Iterator[tuple[str, object, type]]:
    """The public members ``cls`` and its hand-written aiodock bases define
    (``ContainerCollection`` gets ``ContainerOperations``'s), each once."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        module = klass.__module__
        if not module.startswith("aiodock") or module == GENERATED or klass is Handle:
            continue
        for name, member in vars(klass).items():
            if not name.startswith("_") and name not in seen:
                seen.add(name)
                yield name, member, klass


def test_the_walk_finds_the_public_api() -> None:
    names = {
        public_name(o)  # type: ignore[arg-type]
        for o in public_objects()
        if inspect.isclass(o) or inspect.isfunction(o)
    }
    for expected in (
        "aiodock.client.Docker",
        "aiodock.containers.ContainerCollection",
        "aiodock.containers.Container",
        "aiodock.exec.ExecCollection",
        "aiodock.exec.ExecSession",
        "aiodock.images.ImageCollection",
        "aiodock.networks.NetworkCollection",
        "aiodock.volumes.VolumeCollection",
        "aiodock.system.SystemAPI",
        "aiodock.distribution.DistributionAPI",
        "aiodock.streams.EngineStream",
        "aiodock.logs.LogStream",
        "aiodock.errors.NotFound",
        "aiodock.config.TLSConfig",
        "aiodock.auth.RegistryAuth",
        "aiodock.models.containers.ContainerInspect",
    ):
        assert expected in names
    assert not any(n.startswith(GENERATED) for n in names)


def test_every_public_class_and_method_has_a_docstring_that_explains_it() -> None:
    missing = problems()
    assert not missing, f"{len(missing)} docstring problem(s):\n" + "\n".join(missing)


def test_args_sections_are_read_as_the_reference_pages_read_them() -> None:
    def sample(image: str, *, tag: str | None = None, **options: int) -> None:
        """Do it.

        Args:
            image: The image,
                on two lines.
            tag (str): A tag.
            **options: The rest.

        Returns:
            Nothing.
        """

    assert documented_args(sample.__doc__ or "") == {
        "image": "The image, on two lines.",
        "tag": "A tag.",
        "options": "The rest.",
    }
    assert arg_problems("sample", sample) == []
    assert arg_problems("no args", lambda image: None) == ["no args: no Args: section"]


def library_modules() -> list[str]:
    """Every module of the library but the generated models and the command line."""
    return sorted(
        info.name
        for info in pkgutil.walk_packages(aiodock.__path__, "aiodock.")
        if not info.name.endswith(("._generated", ".__main__"))
        and not info.name.startswith("aiodock.cli")
    )


@pytest.mark.parametrize("module_name", library_modules())
def test_docstring_examples_that_need_no_engine_run(module_name: str) -> None:
    """``>>>`` examples run as doctests; those that need an engine say ``+SKIP``."""
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {module_name} failed"


def test_keyword_args_sections_count_as_args() -> None:
    def sample(image: str, **options: int) -> None:
        """Do it.

        Args:
            image: The image.
            **options: Keywords, below.

        Keyword Args:
            name: A name.
        """

    assert documented_args(sample.__doc__ or "") == {
        "image": "The image.",
        "options": "Keywords, below.",
        "name": "A name.",
    }
