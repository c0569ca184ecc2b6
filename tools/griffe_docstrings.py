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
