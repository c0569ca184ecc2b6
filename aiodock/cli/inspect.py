"""``aiodock inspect``: the engine's JSON for containers, images, networks
or volumes, as a list (what ``docker inspect`` prints)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from aiodock import Docker, NotFound

from . import output
from .context import EXIT_FAILED, CLIContext

KINDS = ("container", "image", "network", "volume")


async def find(docker: Docker, ref: str, kind: str | None) -> Any:
    """The first object named ``ref`` among ``kind`` (or all kinds, in
    docker's order); ``NotFound`` names the ref when there is none."""
    lookups: dict[str, Callable[[str], Awaitable[Any]]] = {
        "container": docker.containers.inspect,
        "image": docker.images.inspect,
        "network": docker.networks.inspect,
        "volume": docker.volumes.inspect,
    }
    for name in (kind,) if kind else KINDS:
        try:
            return await lookups[name](ref)
        except NotFound:
            continue
    raise NotFound(404, f"No such {kind or 'object'}: {ref}")


async def inspect(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Print what was found as a JSON list; report each missing one on
    stderr and exit 1 (after printing the others)."""
    found = []
    failed = False
    for ref in args.refs:
        try:
            found.append(await find(ctx.docker, ref, args.type))
        except NotFound as exc:
            ctx.warn(f"Error: {exc.message}")
            failed = True
    ctx.print_line(output.dumps(found))
    return EXIT_FAILED if failed else 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``inspect``."""
    parser = commands.add_parser("inspect", help="the engine's JSON for objects")
    parser.add_argument("--type", choices=KINDS, help="only look among this kind")
    parser.add_argument("--json", action="store_true", help="JSON (the default and only form)")
    parser.add_argument("refs", nargs="+", metavar="NAME|ID")
    parser.set_defaults(handler=inspect)
