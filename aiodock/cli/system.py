"""``version``, ``info`` and ``events``."""

from __future__ import annotations

import argparse
import json
import platform
from datetime import datetime, timezone

from aiodock import DockerError, __version__
from aiodock.models import EventMessage

from . import options, output
from .context import CLIContext, UsageError


async def version(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock version``: this client and the engine (the client's part
    even when the engine cannot be reached, as docker does)."""
    client = {
        "Version": __version__,
        "ApiVersion": None,
        "Python": platform.python_version(),
        "Os": platform.system().lower(),
        "Arch": platform.machine(),
        "Host": ctx.docker.address.url,
    }
    try:
        engine = await ctx.docker.system.version()
    except DockerError:
        if args.json:
            ctx.print_line(output.dumps({"Client": client, "Server": None}))
        else:
            ctx.print_line("\n".join(_client_lines(client, "(no engine answered)")))
        raise
    client["ApiVersion"] = ctx.docker.api_version
    if args.json:
        ctx.print_line(output.dumps({"Client": client, "Server": engine}))
        return 0
    lines = [
        *_client_lines(client, "(negotiated)"),
        "",
        "Server:",
        f" Engine version:    {engine.version}",
        f" API version:       {engine.api_version} (minimum version {engine.min_api_version})",
        f" Go version:        {engine.go_version}",
        f" Git commit:        {engine.git_commit}",
        f" Built:             {engine.build_time}",
        f" OS/Arch:           {engine.os}/{engine.arch}",
        f" Kernel version:    {engine.kernel_version}",
    ]
    ctx.print_line("\n".join(lines))
    return 0


def _client_lines(client: dict[str, str | None], api_note: str) -> list[str]:
    return [
        "Client: aiodock",
        f" Version:           {client['Version']}",
        f" API version:       {client['ApiVersion'] or '-'} {api_note}",
        f" Python version:    {client['Python']}",
        f" OS/Arch:           {client['Os']}/{client['Arch']}",
        f" Host:              {client['Host']}",
    ]


async def info(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock info``: the engine's main facts (``--json``: all of them)."""
    facts = await ctx.docker.system.info()
    if args.json:
        ctx.print_line(output.dumps(facts))
        return 0
    lines = [
        "Server:",
        f" Containers: {facts.containers}",
        f"  Running: {facts.containers_running}",
        f"  Paused: {facts.containers_paused}",
        f"  Stopped: {facts.containers_stopped}",
        f" Images: {facts.images}",
        f" Server Version: {facts.server_version}",
        f" Storage Driver: {facts.driver}",
        f" Logging Driver: {facts.logging_driver}",
        f" Cgroup Driver: {facts.cgroup_driver}",
        f" Cgroup Version: {facts.cgroup_version}",
        f" Kernel Version: {facts.kernel_version}",
        f" Operating System: {facts.operating_system}",
        f" OSType: {facts.os_type}",
        f" Architecture: {facts.architecture}",
        f" CPUs: {facts.ncpu}",
        f" Total Memory: {output.binary_size(facts.mem_total)}",
        f" Name: {facts.name}",
        f" ID: {facts.id}",
        f" Docker Root Dir: {facts.docker_root_dir}",
        f" Debug Mode: {str(bool(facts.debug)).lower()}",
    ]
    ctx.print_line("\n".join(lines))
    return 0


def event_line(event: EventMessage) -> str:
    """One event as ``docker events`` prints it.

    Example:
        >>> event_line(EventMessage.model_validate({"Type": "container", "Action": "start",
        ...     "Actor": {"ID": "abc", "Attributes": {"name": "web"}}, "timeNano": 0}))
        '1970-01-01T00:00:00.000000000Z container start abc (name=web)'
    """
    nanos = event.time_nano if event.time_nano is not None else (event.time or 0) * 10**9
    seconds, fraction = divmod(nanos, 10**9)
    stamp = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    actor = event.actor
    attributes = (
        ", ".join(f"{k}={v}" for k, v in sorted((actor.attributes or {}).items()))
        if actor is not None
        else ""
    )
    ident = actor.id if actor is not None and actor.id else ""
    return f"{stamp}.{fraction:09d}Z {event.type} {event.action} {ident}" + (
        f" ({attributes})" if attributes else ""
    )


async def events(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock events [--filter K=V] [--since T] [--until T]``: until
    Ctrl-C (or ``--until``); ``--json`` prints one JSON object per line."""
    stream = ctx.docker.system.events(
        filters=options.filters(args.filter), since=_time(args.since), until=_time(args.until)
    )
    async with stream as subscribed:
        async for event in subscribed:
            ctx.print_line(
                json.dumps(output.engine_json(event)) if args.json else event_line(event)
            )
    return 0


def _time(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise UsageError(
            f"times are unix seconds or ISO dates (2026-01-31T12:00:00), not {text!r}"
        ) from None


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``version``, ``info`` and ``events``."""
    parser = commands.add_parser("version", help="client and engine versions")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=version)

    parser = commands.add_parser("info", help="engine-wide information")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=info)

    parser = commands.add_parser("events", help="follow the engine's events")
    parser.add_argument("-f", "--filter", action="append", metavar="K=V")
    parser.add_argument("--since", metavar="TIME")
    parser.add_argument("--until", metavar="TIME")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=events)
