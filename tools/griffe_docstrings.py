"""A griffe extension for the API reference: reads aiodock's docstrings as written.

aiodock's docstrings are Google style with an ``Example:`` section (singular)
and Sphinx-style roles (``:class:`~aiodock.errors.NotFound```). Before griffe
parses a docstring, this turns ``Example:`` into the ``Examples:`` section
Google style knows (so ``>>>`` lines render as code), and each role into
inline code naming the object (``NotFound``). Loaded by mkdocs.yml.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

EXAMPLE_HEADING = re.compile(r"^(\s*)Example:\s*$", re.M)
ROLE = re.compile(r":(?:class|meth|func|mod|attr|exc|data|obj):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def rewrite(text: str) -> str:
    """The docstring ``text`` with the section name and roles rewritten.

    Example:
        >>> rewrite("See :meth:`~aiodock.Docker.close`.\\n\\nExample:\\n    >>> 1")
        'See `close`.\\n\\nExamples:\\n    >>> 1'
    """
    return ROLE.sub(_role, EXAMPLE_HEADING.sub(r"\1Examples:", text))


class AiodockDocstrings(griffe.Extension):
    """Rewrites each docstring as griffe loads it (see the module docstring)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Called by griffe for every object it loads."""
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Show each handle method made with ``delegate(Collection.method)``
        as the collection's method without ``ref``: its signature and docstring."""
        for cls in _classes(pkg):
            for name, member in list(cls.members.items()):
                target = _delegated(member, pkg)
                if target is None:
                    continue
                method = griffe.Function(
                    name,
                    lineno=member.lineno,
                    endlineno=member.endlineno,
                    parameters=griffe.Parameters(
                        *[p for i, p in enumerate(target.parameters) if i != 1]
                    ),
                    returns=target.returns,
                    decorators=[],
                    docstring=target.docstring,
                )
                method.labels |= target.labels
                cls.set_member(name, method)
            _borrow_docstrings(cls, pkg)


def _classes(obj: griffe.Object | griffe.Alias) -> list[griffe.Class]:
    """Every class defined in ``obj`` and the modules and classes under it."""
    found: list[griffe.Class] = []
    for member in obj.members.values():
        if member.is_alias:
            continue
        if isinstance(member, griffe.Class):
            found.append(member)
            found += _classes(member)
        elif isinstance(member, griffe.Module):
            found += _classes(member)
    return found


def _delegated(member: griffe.Object | griffe.Alias, pkg: griffe.Module) -> griffe.Function | None:
    """The collection method a ``name = delegate(Collection.method)`` stands for."""
    if member.is_alias or not isinstance(member, griffe.Attribute):
        return None
    value = member.value
    if not isinstance(value, griffe.ExprCall) or str(value.function) != "delegate":
        return None
    argument = value.arguments[0]
    path = getattr(argument, "canonical_path", None)
    target = _lookup(pkg, path)
    if isinstance(target, griffe.Alias):
        target = target.final_target
    return target if isinstance(target, griffe.Function) else None


def _borrow_docstrings(cls: griffe.Class, pkg: griffe.Module) -> None:
    """A handle's spelled-out method (``stats``, overloaded) has the docstring
    of the collection's method (``_collection: Collection`` names it)."""
    collection = cls.members.get("_collection")
    annotation = getattr(collection, "annotation", None)
    path = getattr(annotation, "canonical_path", None)
    owner = _lookup(pkg, path)
    if not isinstance(owner, griffe.Class):
        return
    for name, member in cls.members.items():
        if member.is_alias or not isinstance(member, griffe.Function) or member.docstring:
            continue
        source = owner.all_members.get(name)
        if isinstance(source, griffe.Function) and source.docstring is not None:
            member.docstring = griffe.Docstring(source.docstring.value, parent=member)


def _lookup(pkg: griffe.Module, path: object) -> griffe.Object | griffe.Alias | None:
    """The object at dotted ``path`` among the loaded modules, if it is one of them."""
    if not isinstance(path, str):
        return None
    try:
        found: griffe.Object | griffe.Alias = pkg.modules_collection.get_member(path)
    except (KeyError, ValueError):
        return None
    return found
