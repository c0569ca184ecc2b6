"""``ps``, the lifecycle commands (``start``, ``stop``, ``kill``, ``pause``,
``unpause``, ``restart``, ``rm``), ``logs`` and ``exec``."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

from aiodock.models import ContainerSummary

from . import options, output
from .context import EXIT_CLIENT, CLIContext, UsageError, for_each
from .sessions import detach_key_bytes, pump, refuse_non_terminal
from .stdio import raw_terminal

PS_COLUMNS = ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")
_COMMAND_WIDTH = 20


def _command(summary: ContainerSummary, truncate: bool) -> str:
    text = summary.command or ""
    if truncate and len(text) > _COMMAND_WIDTH:
        text = text[: _COMMAND_WIDTH - 1] + "…"
    return f'"{text}"'


def _ports(summary: ContainerSummary) -> str:
    shown = []
    for port in summary.ports or ():
        inside = f"{port.private_port}/{port.type or 'tcp'}"
        if port.public_port:
            shown.append(f"{port.ip or '0.0.0.0'}:{port.public_port}->{inside}")
        else:
            shown.append(inside)
    return ", ".join(dict.fromkeys(shown))


def _names(summary: ContainerSummary) -> str:
    return ",".join(name.lstrip("/") for name in summary.names or ())


def ps_row(summary: ContainerSummary, *, truncate: bool = True) -> list[str]:
    """One ``ps`` line, in :data:`PS_COLUMNS` order."""
    return [
        output.short_id(summary.id) if truncate else summary.id or "",
        summary.image or "",
        _command(summary, truncate),
        output.ago(summary.created),
        summary.status or "",
        _ports(summary),
        _names(summary),
    ]


def ps_record(summary: ContainerSummary) -> dict[str, str]:
    """One ``ps --format json`` line, with the docker CLI's keys."""
    created = datetime.fromtimestamp(summary.created or 0, tz=timezone.utc)
    return {
        "ID": output.short_id(summary.id),
        "Image": summary.image or "",
        "Command": _command(summary, True),
        "CreatedAt": created.strftime("%Y-%m-%d %H:%M:%S +0000 UTC"),
        "RunningFor": output.ago(summary.created),
        "Status": summary.status or "",
        "State": summary.state or "",
        "Ports": _ports(summary),
        "Names": _names(summary),
        "Labels": ",".join(f"{k}={v}" for k, v in (summary.labels or {}).items()),
    }


async def ps(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock ps``: running containers (``-a``: all) as a table, IDs
    (``-q``), the engine's JSON (``--json``) or JSON lines (``--format json``)."""
    found = await ctx.docker.containers.list(all=args.all, filters=options.filters(args.filter))
    if args.json:
        ctx.print_line(output.dumps(found))
    elif args.format == "json":
        for summary in found:
            ctx.print_line(json.dumps(ps_record(summary)))
    elif args.quiet:
        for summary in found:
            ctx.print_line(output.short_id(summary.id) if not args.no_trunc else summary.id or "")
    else:
        ctx.print_line(
            output.table(PS_COLUMNS, [ps_row(s, truncate=not args.no_trunc) for s in found])
        )
    return 0


async def start(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock start CONTAINER...``."""
    return await for_each(ctx, args.containers, ctx.docker.containers.start)


async def stop(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock stop [-t N] CONTAINER...``."""
    containers = ctx.docker.containers
    return await for_each(ctx, args.containers, lambda ref: containers.stop(ref, timeout=args.time))


async def restart(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock restart [-t N] CONTAINER...``."""
    containers = ctx.docker.containers
    return await for_each(
        ctx, args.containers, lambda ref: containers.restart(ref, timeout=args.time)
    )


async def kill(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock kill [-s SIGNAL] CONTAINER...``."""
    containers = ctx.docker.containers
    return await for_each(
        ctx, args.containers, lambda ref: containers.kill(ref, signal=args.signal)
    )


async def pause(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock pause CONTAINER...``."""
    return await for_each(ctx, args.containers, ctx.docker.containers.pause)


async def unpause(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock unpause CONTAINER...``."""
    return await for_each(ctx, args.containers, ctx.docker.containers.unpause)


async def rm(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock rm [-f] [-v] CONTAINER...``."""
    containers = ctx.docker.containers
    return await for_each(
        ctx,
        args.containers,
        lambda ref: containers.remove(ref, force=args.force, volumes=args.volumes),
    )


async def logs(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock logs [-f] [--tail N] [-t] CONTAINER``: stdout to stdout,
    stderr to stderr, as the engine sends them."""
    tail = None if args.tail in (None, "all") else _tail(args.tail)
    stream = ctx.docker.containers.logs(
        args.container, follow=args.follow, tail=tail, timestamps=args.timestamps
    )
    async for chunk in stream:
        ctx.write_bytes(chunk.data, stderr=chunk.stream == "stderr")
    return 0


def _tail(text: str) -> int:
    if not text.isdigit():
        raise UsageError(f"--tail takes a number of lines or 'all', not {text!r}")
    return int(text)


async def exec_(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock exec [-i] [-t] CONTAINER CMD...``: stdin fed with ``-i``
    (closed at end-of-file); the command's exit code becomes ours. With
    ``-it`` (stdin a terminal, or exit 1), Ctrl-P Ctrl-Q (or
    ``--detach-keys``) detaches (exit 0, the command goes on) and the TTY
    follows the terminal's size."""
    if not args.command:
        raise UsageError("exec needs a command to run in the container")
    detach_keys = detach_key_bytes(args.detach_keys)
    refused = refuse_non_terminal(ctx, tty=args.tty, interactive=args.interactive)
    if refused is not None:
        return refused
    async with ctx.docker.execs.session(
        args.container,
        args.command,
        stdin=args.interactive,
        tty=args.tty,
        env=options.env_entries(args.env),
        workdir=args.workdir,
        user=args.user,
        detach_keys=args.detach_keys,
    ) as session:
        with raw_terminal(args.tty and args.interactive):
            detached = await pump(ctx, session, stdin=args.interactive, detach_keys=detach_keys)
        return 0 if detached else await session.wait()


def _containers_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("containers", nargs="+", metavar="CONTAINER")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the container commands."""
    parser = commands.add_parser("ps", help="list containers")
    parser.add_argument("-a", "--all", action="store_true", help="show stopped ones too")
    parser.add_argument(
        "-f",
        "--filter",
        action="append",
        metavar="K=V",
        help="filter (label=K=V, status=exited, name=N, ...)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only IDs")
    parser.add_argument("--no-trunc", action="store_true", help="full IDs and commands")
    parser.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="json: one JSON object per line",
    )
    parser.add_argument("--json", action="store_true", help="the engine's JSON, as a list")
    parser.set_defaults(handler=ps)

    for name, handler, help_text in (
        ("start", start, "start stopped containers"),
        ("pause", pause, "pause containers"),
        ("unpause", unpause, "unpause containers"),
    ):
        parser = commands.add_parser(name, help=help_text)
        _containers_arg(parser)
        parser.set_defaults(handler=handler)

    for name, handler, help_text in (
        ("stop", stop, "stop containers"),
        ("restart", restart, "restart containers"),
    ):
        parser = commands.add_parser(name, help=help_text)
        parser.add_argument(
            "-t", "--time", type=int, metavar="N", help="seconds to wait before killing"
        )
        _containers_arg(parser)
        parser.set_defaults(handler=handler)

    parser = commands.add_parser("kill", help="send a signal to containers")
    parser.add_argument("-s", "--signal", default="SIGKILL", help="the signal (SIGKILL)")
    _containers_arg(parser)
    parser.set_defaults(handler=kill)

    parser = commands.add_parser("rm", help="remove containers")
    parser.add_argument("-f", "--force", action="store_true", help="kill a running one first")
    parser.add_argument(
        "-v", "--volumes", action="store_true", help="also remove its anonymous volumes"
    )
    _containers_arg(parser)
    parser.set_defaults(handler=rm)

    parser = commands.add_parser("logs", help="show a container's output")
    parser.add_argument("-f", "--follow", action="store_true", help="keep following")
    parser.add_argument("-n", "--tail", metavar="N", help="only the last N lines")
    parser.add_argument("-t", "--timestamps", action="store_true", help="show timestamps")
    parser.add_argument("container")
    parser.set_defaults(handler=logs)

    parser = commands.add_parser("exec", help="run a command in a running container")
    parser.add_argument("-i", "--interactive", action="store_true", help="feed stdin to it")
    parser.add_argument("-t", "--tty", action="store_true", help="allocate a TTY")
    parser.add_argument("-e", "--env", action="append", metavar="K=V")
    parser.add_argument("-w", "--workdir")
    parser.add_argument("-u", "--user")
    parser.add_argument(
        "--detach-keys",
        metavar="KEYS",
        help="the keys that detach from -it (default: ctrl-p,ctrl-q)",
    )
    parser.add_argument("container")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    parser.set_defaults(handler=exec_, error_exit=EXIT_CLIENT)
