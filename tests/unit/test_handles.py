"""Handles bind their collection's methods instead of copying them.

For every collection a ``Docker`` client has and every handle its package
exports, each handle method is the collection method with ``ref`` filled
in: the same parameters (names, kinds, defaults, annotations), the same
return annotation, the same overloads and the same docstring. And every
collection method that takes a resource first calls it ``ref``, with the
options after the required operands keyword-only.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aiodock import Docker
from aiodock._operation import collections_of, handles_of, methods_of
from tests import fakes

# First parameters that are not an existing resource: what a create, a pull,
# a build or a load starts from (a Swarm object's spec, too).
NOT_A_REF = {"name", "image", "source", "context", "auth", "term", "refs", "cmd", "spec", "remote"}
# Creators whose optional second operand reads like the docker CLI's.
POSITIONAL_OPTIONS = {
    ("containers", "create", "command"),  # docker create IMAGE [COMMAND]
    ("volumes", "create", "name"),  # docker volume create [NAME]
}


def client() -> Docker:
    return fakes.client(fakes.no_requests)


def pairs() -> Iterator[tuple[str, type, type, str]]:
    for attr, collection in collections_of(client()).items():
        for handle in handles_of(collection):
            for name in methods_of(handle):
                yield attr, type(collection), handle, name


PAIRS = list(pairs())


def without_ref(signature: inspect.Signature) -> list[inspect.Parameter]:
    params = list(signature.parameters.values())
    assert params[0].name == "self" and params[1].name == "ref", signature
    return params[2:]


def without_self(signature: inspect.Signature) -> list[inspect.Parameter]:
    params = list(signature.parameters.values())
    assert params[0].name == "self", signature
    return params[1:]


def overloads(func: Callable[..., Any]) -> list[Callable[..., Any]]:
    return list(typing.get_overloads(func))


def test_the_walk_finds_the_handles() -> None:
    found = {(attr, handle.__name__) for attr, _c, handle, _n in PAIRS}
    assert found == {("containers", "Container"), ("execs", "Exec")}
    assert len(PAIRS) >= 25


@pytest.mark.parametrize(
    ("collection", "handle", "name"),
    [(c, h, n) for _a, c, h, n in PAIRS],
    ids=[f"{h.__name__}.{n}" for _a, _c, h, n in PAIRS],
)
def test_handle_method_is_the_collection_method_with_ref_filled_in(
    collection: type, handle: type, name: str
) -> None:
    method = getattr(collection, name)
    bound = getattr(handle.__new__(handle), name)
    wanted = inspect.signature(method)
    got = inspect.signature(bound)
    assert list(got.parameters.values()) == without_ref(wanted)
    assert got.return_annotation == wanted.return_annotation
    assert bound.__doc__ == method.__doc__ and method.__doc__
    assert bound.__name__ == name
    # Overloads (spelled out on the handle, since a delegate keeps only the
    # first for mypy) match one for one.
    spelled_out = vars(handle)[name]
    if inspect.isfunction(spelled_out):
        mine = [without_self(inspect.signature(f)) for f in overloads(spelled_out)]
        theirs = [without_ref(inspect.signature(f)) for f in overloads(method)]
        assert mine == theirs and theirs, f"{handle.__name__}.{name}: overloads differ"
        assert [inspect.signature(f).return_annotation for f in overloads(spelled_out)] == [
            inspect.signature(f).return_annotation for f in overloads(method)
        ]
    else:
        assert not overloads(method), f"{name} has overloads: spell it out on the handle"


@pytest.mark.parametrize(
    ("collection", "handle"),
    sorted({(c, h) for _a, c, h, _n in PAIRS}, key=lambda p: p[1].__name__),
    ids=lambda t: t.__name__,
)
def test_a_handle_has_every_collection_method_that_takes_ref(
    collection: type, handle: type
) -> None:
    takes_ref = {
        name
        for name in methods_of(collection)
        if list(inspect.signature(getattr(collection, name)).parameters)[1:2] == ["ref"]
    }
    assert takes_ref == set(methods_of(handle))


def collection_methods() -> Iterator[tuple[str, str, inspect.Signature]]:
    for attr, collection in collections_of(client()).items():
        for name in methods_of(collection):
            yield attr, name, inspect.signature(getattr(type(collection), name))


def test_resource_first_is_named_ref_and_options_are_keyword_only() -> None:
    problems = []
    for attr, name, signature in collection_methods():
        params = list(signature.parameters.values())[1:]
        positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        if positional and positional[0].name not in NOT_A_REF | {"ref", "container"}:
            problems.append(f"{attr}.{name}: first parameter {positional[0].name!r}")
        for p in positional:
            if p.default is not p.empty and (attr, name, p.name) not in POSITIONAL_OPTIONS:
                problems.append(f"{attr}.{name}: option {p.name!r} is not keyword-only")
    assert not problems, "\n".join(problems)
