"""Marks which Engine API operation a method implements.

Every public method that sends a request records the spec's ``operationId``
so that a test can compare coverage against the specification, and the docs
can list which method implements which operation.
"""

from __future__ import annotations

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


def operations_of(obj: object) -> dict[str, str]:
    """Map each operationId implemented by ``obj``'s methods to the method name."""
    found: dict[str, str] = {}
    for name in dir(type(obj)):
        member = getattr(type(obj), name, None)
        for op in getattr(member, ATTRIBUTE, ()):
            found.setdefault(op, name)
    return found
