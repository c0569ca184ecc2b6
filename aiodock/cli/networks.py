"""``aiodock network ls|create|rm|connect|disconnect``."""

from __future__ import annotations

import argparse

from aiodock.models import IPAM, IPAMConfig

from . import options, output
from .context import CLIContext, UsageError, for_each

NETWORK_COLUMNS = ("NETWORK ID", "NAME", "DRIVER", "SCOPE")


async def ls(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``network ls``: docker's columns, or ``--json``/``-q``."""
    found = await ctx.docker.networks.list(filters=options.filters(args.filter))
    found.sort(key=lambda n: n.name or "")
    if args.json:
        ctx.print_line(output.dumps(found))
    elif args.quiet:
        for net in found:
            ctx.print_line(output.short_id(net.id))
    else:
        ctx.print_line(
            output.table(
                NETWORK_COLUMNS,
                [
                    [output.short_id(n.id), n.name or "", n.driver or "", n.scope or ""]
                    for n in found
                ],
            )
        )
    return 0


async def create(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``network create [--driver D] [--subnet CIDR] [--gateway IP] [--internal]
    [--label K=V] NAME``: print the new network's ID."""
    ipam = None
    if args.subnet:
        ipam = IPAM(config=[IPAMConfig(subnet=args.subnet, gateway=args.gateway)])
    elif args.gateway:
        raise UsageError("--gateway needs --subnet")
    net = await ctx.docker.networks.create(
        args.name,
        driver=args.driver,
        internal=args.internal,
        attachable=args.attachable,
        ipam=ipam,
        labels=options.mapping("--label", args.label),
    )
    ctx.print_line(net.id or "")
    return 0


async def rm(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``network rm NETWORK...``."""
    return await for_each(ctx, args.networks, ctx.docker.networks.remove)


async def connect(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``network connect [--alias A] NETWORK CONTAINER``."""
    await ctx.docker.networks.connect(args.network, args.container, aliases=args.alias)
    return 0


async def disconnect(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``network disconnect [-f] NETWORK CONTAINER``."""
    await ctx.docker.networks.disconnect(args.network, args.container, force=args.force)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``network`` and its subcommands."""
    group = commands.add_parser("network", help="manage networks")
    sub = group.add_subparsers(dest="subcommand", metavar="COMMAND", required=True)

    parser = sub.add_parser("ls", aliases=["list"], help="list networks")
    parser.add_argument("-f", "--filter", action="append", metavar="K=V")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--json", action="store_true", help="the engine's JSON, as a list")
    parser.set_defaults(handler=ls)

    parser = sub.add_parser("create", help="create a network")
    parser.add_argument("-d", "--driver", default="bridge")
    parser.add_argument("--subnet", metavar="CIDR")
    parser.add_argument("--gateway", metavar="IP")
    parser.add_argument("--internal", action="store_true", help="no access to the outside")
    parser.add_argument("--attachable", action="store_true")
    parser.add_argument("--label", action="append", metavar="K=V")
    parser.add_argument("name")
    parser.set_defaults(handler=create)

    parser = sub.add_parser("rm", aliases=["remove"], help="remove networks")
    parser.add_argument("networks", nargs="+", metavar="NETWORK")
    parser.set_defaults(handler=rm)

    parser = sub.add_parser("connect", help="connect a container to a network")
    parser.add_argument("--alias", action="append")
    parser.add_argument("network")
    parser.add_argument("container")
    parser.set_defaults(handler=connect)

    parser = sub.add_parser("disconnect", help="disconnect a container from a network")
    parser.add_argument("-f", "--force", action="store_true")
    parser.add_argument("network")
    parser.add_argument("container")
    parser.set_defaults(handler=disconnect)
