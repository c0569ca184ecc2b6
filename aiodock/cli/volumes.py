"""``aiodock volume ls|create|rm``."""

from __future__ import annotations

import argparse

from . import options, output
from .context import CLIContext, for_each

VOLUME_COLUMNS = ("DRIVER", "VOLUME NAME")


async def ls(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``volume ls``: docker's columns, or ``--json``/``-q``."""
    listing = await ctx.docker.volumes.list(filters=options.filters(args.filter))
    found = sorted(listing.volumes or [], key=lambda v: v.name or "")
    if args.json:
        ctx.print_line(output.dumps(found))
    elif args.quiet:
        for volume in found:
            ctx.print_line(volume.name or "")
    else:
        ctx.print_line(
            output.table(VOLUME_COLUMNS, [[v.driver or "", v.name or ""] for v in found])
        )
    return 0


async def create(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``volume create [-d DRIVER] [-o K=V] [--label K=V] [NAME]``: print its name."""
    volume = await ctx.docker.volumes.create(
        args.name,
        driver=args.driver,
        driver_opts=options.mapping("--opt", args.opt),
        labels=options.mapping("--label", args.label),
    )
    ctx.print_line(volume.name or "")
    return 0


async def rm(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``volume rm [-f] VOLUME...``."""
    volumes = ctx.docker.volumes
    return await for_each(ctx, args.volumes, lambda name: volumes.remove(name, force=args.force))


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``volume`` and its subcommands."""
    group = commands.add_parser("volume", help="manage volumes")
    sub = group.add_subparsers(dest="subcommand", metavar="COMMAND", required=True)

    parser = sub.add_parser("ls", aliases=["list"], help="list volumes")
    parser.add_argument("-f", "--filter", action="append", metavar="K=V")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--json", action="store_true", help="the engine's JSON, as a list")
    parser.set_defaults(handler=ls)

    parser = sub.add_parser("create", help="create a volume")
    parser.add_argument("-d", "--driver", default="local")
    parser.add_argument("-o", "--opt", action="append", metavar="K=V", help="driver option")
    parser.add_argument("--label", action="append", metavar="K=V")
    parser.add_argument("name", nargs="?")
    parser.set_defaults(handler=create)

    parser = sub.add_parser("rm", aliases=["remove"], help="remove volumes")
    parser.add_argument("-f", "--force", action="store_true")
    parser.add_argument("volumes", nargs="+", metavar="VOLUME")
    parser.set_defaults(handler=rm)
