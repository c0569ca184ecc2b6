"""The ``aiodock`` command: the docker CLI's everyday commands, built on the
aiodock library alone (``pip install aiodock[cli]``).

Only this package imports ``rich``; the library works without it, and the
command says which extra to install when it is missing.

Example:
    >>> from aiodock.cli import main
    >>> main(["ps", "--json"])  # doctest: +SKIP
    []
    0
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

MISSING_EXTRA = "aiodock: the command needs the 'cli' extra (rich): pip install aiodock[cli]"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``aiodock`` command with ``argv`` (default: ``sys.argv[1:]``)
    and return its exit code.

    Example:
        >>> main(["version"])  # doctest: +SKIP
        0
    """
    try:
        import rich  # noqa: F401
    except ImportError:
        print(MISSING_EXTRA, file=sys.stderr)
        return 1
    from .app import run

    return run(sys.argv[1:] if argv is None else list(argv))
