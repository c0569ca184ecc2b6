"""Every public class and method has a docstring with a short example.

The public API is what ``aiodock`` exports, the hand-written models of
``aiodock.models``, the collections a ``Docker`` client owns, and the public
classes and functions of the modules users import from (streams, logs,
errors, config, auth, ...). Generated models (``aiodock/models/_generated.py``)
are made from the specification and are left out. Properties need a
docstring; classes, methods and functions need one with an example
(``Example:`` section or a ``>>>`` line).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest

import aiodock
import aiodock.models
from aiodock import Docker
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


def problems() -> list[str]:
    found: list[str] = []
    seen: set[object] = set()
    for obj in public_objects():
        if obj in seen or not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        seen.add(obj)
        where = public_name(obj)  # type: ignore[arg-type]
        own_doc = obj.__doc__ if inspect.isfunction(obj) else vars(obj).get("__doc__")
        if not has_example(own_doc):
            found.append(f"{where}: no docstring with an example")
        if not inspect.isclass(obj):
            continue
        for name, member in vars(obj).items():
            if name.startswith("_"):
                continue
            if isinstance(member, property):
                if not member.__doc__:
                    found.append(f"{where}.{name}: property without a docstring")
                continue
            func = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
            if inspect.isfunction(func) and not has_example(func.__doc__):
                found.append(f"{where}.{name}: no docstring with an example")
    return found


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


def test_every_public_class_and_method_has_a_docstring_with_an_example() -> None:
    missing = problems()
    assert not missing, f"{len(missing)} without a docstring example:\n" + "\n".join(missing)


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
