"""Handles whose methods are their collection's operations with ``ref`` filled in.

A handle (``Container``, ``Exec``) declares ``inspect = delegate(ContainerCollection.inspect)``
instead of a method that copies the collection's parameters. On a handle,
``delegate`` gives the collection's method with the handle passed as ``ref``,
so the two cannot drift: for mypy and editors the bound method has the
collection method's signature without ``self`` and ``ref``, and at run time
its docstring and ``inspect.signature`` are the collection method's too.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import MethodType
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

P = ParamSpec("P")
R = TypeVar("R")
DelegateT = TypeVar("DelegateT", bound="delegate[Any, Any]")


class HasID(Protocol):
    """Anything with an ``id``: a handle (``Container``, ``Exec``), or a
    model the engine answered with."""

    @property
    def id(self) -> str:
        """The engine's id for it."""
        ...


class Handle:
    """What handles share: the collection they delegate to and the id they stand for."""

    _collection: Any
    id: str


class delegate(Generic[P, R]):
    """A handle attribute that calls ``method(handle._collection, handle, ...)``.

    On a handle it is a bound method like any other (``__name__``,
    ``__self__``, the docstring, ``inspect.signature``), made from one
    function built when the class is.
    """

    def __init__(self, method: Callable[Concatenate[Any, Any, P], R]) -> None:
        self.__wrapped__ = method
        self.__name__ = method.__name__
        self.__doc__ = method.__doc__

        def call(handle: Handle, /, *args: P.args, **kwargs: P.kwargs) -> R:
            return method(handle._collection, handle, *args, **kwargs)

        functools.update_wrapper(call, method)
        params = list(inspect.signature(method).parameters.values())
        # The collection's ``self`` stays (it becomes the handle); ``ref`` goes.
        call.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [params[0], *params[2:]], return_annotation=inspect.signature(method).return_annotation
        )
        self._function = call

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._function.__qualname__ = f"{owner.__qualname__}.{name}"

    @overload
    def __get__(self: DelegateT, handle: None, owner: type[Any] | None = None) -> DelegateT: ...

    @overload
    def __get__(self, handle: Handle, owner: type[Any] | None = None) -> Callable[P, R]: ...

    def __get__(self, handle: Handle | None, owner: type[Any] | None = None) -> Any:
        if handle is None:
            return self
        return MethodType(self._function, handle)

    def __repr__(self) -> str:
        return f"<delegate to {self.__wrapped__.__qualname__}>"
