"""``aiodock plugin ls|inspect|install|enable|disable|rm|create|push|set|upgrade``."""

from __future__ import annotations

import argparse

from aiodock import DockerError
from aiodock.plugins import ACCEPT_ALL, Privileges, PrivilegesNotAccepted

from . import options, output
from .context import EXIT_FAILED, CLIContext, error_message, for_each
from .progress import show_progress

PLUGIN_COLUMNS = ("ID", "NAME", "DESCRIPTION", "ENABLED")


async def ls(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``plugin ls``: docker's columns, or ``--json``/``-q``."""
    found = await ctx.docker.plugins.list(filters=options.filters(args.filter))
    if args.json:
        ctx.print_line(output.dumps(found))
    elif args.quiet:
        for plugin in found:
            ctx.print_line(output.short_id(plugin.id))
    else:
        rows = [
            [
                output.short_id(p.id),
                p.name or "",
                (p.config.description if p.config else None) or "",
                "true" if p.enabled else "false",
            ]
            for p in found
        ]
        ctx.print_line(output.table(PLUGIN_COLUMNS, rows))
    return 0


async def inspect(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``plugin inspect PLUGIN...``: the engine's JSON, as a list."""
    found = []
    failed = False
    for ref in args.plugins:
        try:
            found.append(await ctx.docker.plugins.inspect(ref))
        except DockerError as exc:
            ctx.warn(error_message(exc))
            failed = True
    ctx.print_line(output.dumps(found))
    return EXIT_FAILED if failed else 0


async def install(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``plugin install [--alias NAME] [--disable] [--grant-all-permissions]
    PLUGIN [KEY=VALUE...]``: pull, set, enable (as docker does)."""
    settings = _settings(args.settings)
    stream = ctx.docker.plugins.pull(args.plugin, name=args.alias, privileges=_granted(args))
    try:
        await show_progress(aiter(stream), ctx.err, verb="Installed", ref=args.plugin)
    except PrivilegesNotAccepted as exc:
        return _refused(ctx, exc)
    name = args.alias or args.plugin
    if settings:
        await ctx.docker.plugins.set(name, settings)
    if not args.disable:
        await ctx.docker.plugins.enable(name)
    ctx.print_line(name)
    return 0


async def enable(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``plugin enable [--timeout N] PLUGIN``."""
    await ctx.docker.plugins.enable(args.plugin, timeout=args.timeout)
    ctx.print_line(args.plugin)
    return 0


async def disable(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``plugin disable [-f] PLUGIN``."""
    await ctx.docker.plugins.disable(args.plugin, force=args.force)
    ctx.print_line(args.plugin)
    return 0


async def rm(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``plugin rm [-f] PLUGIN...``."""
    plugins = ctx.docker.plugins
    return await for_each(ctx, args.plugins, lambda name: plugins.remove(name, force=args.force))


async def create(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``plugin create NAME DIR``: DIR holds config.json and rootfs/."""
    plugin = await ctx.docker.plugins.create(args.name, args.directory)
    ctx.print_line(plugin.name or args.name)
    return 0


async def push(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``plugin push PLUGIN``: progress on a terminal, a summary line otherwise."""
    await show_progress(
        aiter(ctx.docker.plugins.push(args.plugin)), ctx.out, verb="Pushed", ref=args.plugin
    )
    return 0


async def set_(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``plugin set PLUGIN KEY=VALUE...``."""
    await ctx.docker.plugins.set(args.plugin, _settings(args.settings))
    return 0


async def upgrade(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``plugin upgrade [--grant-all-permissions] PLUGIN REMOTE``."""
    stream = ctx.docker.plugins.upgrade(args.plugin, args.remote, privileges=_granted(args))
    try:
        await show_progress(aiter(stream), ctx.err, verb="Upgraded", ref=args.remote)
    except PrivilegesNotAccepted as exc:
        return _refused(ctx, exc)
    ctx.print_line(args.plugin)
    return 0


def _settings(items: list[str]) -> list[str]:
    for item in items:
        options.key_value("KEY=VALUE", item)
    return items


def _granted(args: argparse.Namespace) -> Privileges:
    return ACCEPT_ALL if args.grant_all_permissions else None


def _refused(ctx: CLIContext, exc: PrivilegesNotAccepted) -> int:
    """What docker would ask at its prompt, and how to grant it here."""
    ctx.warn(f"Error: plugin {exc.remote} asks for these privileges:")
    for item in exc.required:
        ctx.warn(f" - {item.name}: {', '.join(item.value or [])}")
    ctx.warn("Pass --grant-all-permissions to grant them.")
    return EXIT_FAILED


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plugin`` and its subcommands."""
    group = commands.add_parser("plugin", help="manage plugins")
    sub = group.add_subparsers(dest="subcommand", metavar="COMMAND", required=True)

    parser = sub.add_parser("ls", aliases=["list"], help="list plugins")
    parser.add_argument("-f", "--filter", action="append", metavar="K=V")
    parser.add_argument("-q", "--quiet", action="store_true", help="only IDs")
    parser.add_argument("--json", action="store_true", help="the engine's JSON, as a list")
    parser.set_defaults(handler=ls)

    parser = sub.add_parser("inspect", help="the engine's JSON for plugins")
    parser.add_argument("plugins", nargs="+", metavar="PLUGIN")
    parser.set_defaults(handler=inspect)

    parser = sub.add_parser("install", help="pull a plugin, set it up and enable it")
    parser.add_argument("--alias", help="the local name")
    parser.add_argument("--disable", action="store_true", help="do not enable it")
    parser.add_argument(
        "--grant-all-permissions", action="store_true", help="grant the privileges it asks for"
    )
    parser.add_argument("plugin", metavar="PLUGIN")
    parser.add_argument("settings", nargs="*", metavar="KEY=VALUE")
    parser.set_defaults(handler=install)

    parser = sub.add_parser("enable", help="enable a plugin")
    parser.add_argument("--timeout", type=int, default=30, help="seconds (default 30)")
    parser.add_argument("plugin", metavar="PLUGIN")
    parser.set_defaults(handler=enable)

    parser = sub.add_parser("disable", help="disable a plugin")
    parser.add_argument("-f", "--force", action="store_true", help="even while in use")
    parser.add_argument("plugin", metavar="PLUGIN")
    parser.set_defaults(handler=disable)

    parser = sub.add_parser("rm", aliases=["remove"], help="remove plugins")
    parser.add_argument("-f", "--force", action="store_true", help="even enabled ones")
    parser.add_argument("plugins", nargs="+", metavar="PLUGIN")
    parser.set_defaults(handler=rm)

    parser = sub.add_parser("create", help="create a plugin from config.json and rootfs/")
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("directory", metavar="DIR")
    parser.set_defaults(handler=create)

    parser = sub.add_parser("push", help="push a plugin to its registry")
    parser.add_argument("plugin", metavar="PLUGIN")
    parser.set_defaults(handler=push)

    parser = sub.add_parser("set", help="change settings of a disabled plugin")
    parser.add_argument("plugin", metavar="PLUGIN")
    parser.add_argument("settings", nargs="+", metavar="KEY=VALUE")
    parser.set_defaults(handler=set_)

    parser = sub.add_parser("upgrade", help="upgrade a disabled plugin")
    parser.add_argument(
        "--grant-all-permissions", action="store_true", help="grant the privileges it asks for"
    )
    parser.add_argument("plugin", metavar="PLUGIN")
    parser.add_argument("remote", metavar="REMOTE")
    parser.set_defaults(handler=upgrade)
