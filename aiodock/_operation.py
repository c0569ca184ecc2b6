"""Marks which Engine API operation a method implements, and finds them.

Every public method that sends a request records the spec's ``operationId``
(``@operation``). Those records are also how tools and tests find the
collections: a public attribute of a ``Docker`` client whose methods record
operations is a collection (:func:`collections_of`), and the handles of a
collection are the :class:`~aiodock._handle.Handle` classes its package
exports (:func:`handles_of`). Adding a resource is its package plus one
attribute on ``Docker``; the operations page, the coverage test, the
docstring test and the reference docs find it from there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "__engine_operations__"


def operation(*operation_ids: str) -> Callable[[F], F]:
    """Record the Engine API operation(s) the decorated method implements."""

    def mark(func: F) -> F:
        setattr(func, ATTRIBUTE, operation_ids)
        return func

    return mark


def recorded(member: object) -> tuple[str, ...]:
    """The operation ids a class attribute records: a method's own, or the
    method a handle's ``delegate`` stands for."""
    found: tuple[str, ...] | None = getattr(member, ATTRIBUTE, None)
    if found is None:
        found = getattr(getattr(member, "__wrapped__", None), ATTRIBUTE, ())
    return tuple(found or ())


def methods_of(obj: object) -> dict[str, tuple[str, ...]]:
    """Each public method of ``obj`` (a collection or a handle, or their
    class) that records operations, by name, with the operation ids."""
    cls = obj if isinstance(obj, type) else type(obj)
    found: dict[str, tuple[str, ...]] = {}
    for name in sorted(dir(cls)):
        if not name.startswith("_") and (ops := recorded(getattr(cls, name, None))):
            found[name] = ops
    return found


def operations_of(obj: object) -> dict[str, str]:
    """Map each operationId implemented by ``obj``'s methods to the first
    method (by name) that implements it."""
    found: dict[str, str] = {}
    for name, ops in methods_of(obj).items():
        for op in ops:
            found.setdefault(op, name)
    return found


def public_module(cls: type) -> str:
    """The module users import ``cls`` from: its defining module without the
    private parts (``aiodock.containers._handle`` -> ``aiodock.containers``)."""
    return ".".join(part for part in cls.__module__.split(".") if not part.startswith("_"))


def public_name(cls: type) -> str:
    """``cls``'s dotted name as users import it (see :func:`public_module`)."""
    return f"{public_module(cls)}.{cls.__qualname__}"


def collections_of(docker: object) -> dict[str, object]:
    """The collections of a ``Docker`` client, by attribute name, in the order
    the client sets them: its public attributes whose methods record operations."""
    return {
        attr: value
        for attr, value in vars(docker).items()
        if not attr.startswith("_") and operations_of(value)
    }


def handles_of(collection: object) -> list[type]:
    """The handle classes that a collection's package exports (``Container``
    for ``docker.containers``), in the package's ``__all__`` order."""
    from ._handle import Handle

    package = importlib.import_module(public_module(type(collection)))
    names = getattr(package, "__all__", None) or [n for n in vars(package) if n[:1] != "_"]
    found = []
    for name in names:
        value = getattr(package, name, None)
        if isinstance(value, type) and issubclass(value, Handle) and value is not Handle:
            found.append(value)
    return found
