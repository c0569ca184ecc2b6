"""``aiodock create`` and ``aiodock run``: the container's options as the
docker CLI spells them, then create, start, attach, wait."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any, Literal

import anyio

from aiodock import Conflict, Container, NotFound
from aiodock.containers._collection import PULL_POLICIES, image_missing, pull_name
from aiodock.models import HostConfig

from . import options
from .context import EXIT_CLIENT, CLIContext
from .progress import show_progress
from .sessions import detach_key_bytes, pump, refuse_non_terminal
from .stdio import raw_terminal

_CLEANUP_SECONDS = 30
_NETWORK_MODES = ("none", "host", "bridge")


def add_create_arguments(parser: argparse.ArgumentParser) -> None:
    """The options ``create`` and ``run`` share (docker's letters)."""
    parser.add_argument(
        "-i",
        "--interactive",
        action="store_true",
        help="keep stdin open and feed it to the container",
    )
    parser.add_argument("-t", "--tty", action="store_true", help="allocate a TTY")
    parser.add_argument(
        "-e",
        "--env",
        action="append",
        metavar="K=V",
        help="set an environment variable (repeatable)",
    )
    parser.add_argument(
        "-v",
        "--volume",
        action="append",
        metavar="SRC:DST[:ro]",
        help="bind a host path or a named volume (repeatable)",
    )
    parser.add_argument(
        "-p",
        "--publish",
        action="append",
        metavar="[IP:]HOST:CONTAINER",
        help="publish a container port on the host (repeatable)",
    )
    parser.add_argument(
        "-l", "--label", action="append", metavar="K=V", help="set a label (repeatable)"
    )
    parser.add_argument("--name", help="the container's name")
    parser.add_argument("--network", help="network to connect to (or none/host/bridge)")
    parser.add_argument("-w", "--workdir", help="working directory inside the container")
    parser.add_argument("-u", "--user", help="user[:group] to run as")
    parser.add_argument("--entrypoint", help="override the image's entrypoint")
    parser.add_argument("--hostname", help="the container's host name")
    parser.add_argument("--rm", action="store_true", help="remove the container when it exits")
    parser.add_argument(
        "--pull",
        choices=PULL_POLICIES,
        default="missing",
        help="pull the image: when it is not here (missing, the default), always, or never",
    )
    parser.add_argument("image", help="the image to run")
    parser.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        help="the command (and arguments) to run instead of the image's",
    )


def create_arguments(args: argparse.Namespace, *, auto_remove: bool) -> dict[str, Any]:
    """The keywords of ``docker.containers.create`` for these options."""
    binds = [options.volume_bind(spec) for spec in args.volume or ()]
    ports = options.port_bindings(args.publish)
    host_config = HostConfig(
        binds=binds or None,
        port_bindings=ports,
        auto_remove=auto_remove or None,
    )
    kwargs: dict[str, Any] = {
        "name": args.name,
        "env": options.env_entries(args.env),
        "labels": options.mapping("--label", args.label),
        "working_dir": args.workdir,
        "user": args.user,
        "hostname": args.hostname,
        "entrypoint": args.entrypoint,
        "tty": args.tty,
        "open_stdin": args.interactive,
        "stdin_once": args.interactive,
        "exposed_ports": list(ports) if ports else None,
        "host_config": host_config if host_config.to_engine() else None,
    }
    if args.network in _NETWORK_MODES or (args.network or "").startswith("container:"):
        kwargs["host_config"] = host_config.model_copy(update={"network_mode": args.network})
    elif args.network:
        kwargs["network"] = args.network
    return kwargs


async def _pull(ctx: CLIContext, ref: str) -> None:
    """Pull ``ref``, its progress on stderr (as docker does: stdout is the
    container's)."""
    await show_progress(aiter(ctx.docker.images.pull(ref)), ctx.err, verb="Pulled", ref=ref)


async def create_container(ctx: CLIContext, args: argparse.Namespace, **kwargs: Any) -> Container:
    """Create the container as ``docker create``/``run`` do, pulling the
    image as ``--pull`` says: with ``missing``, create, and when the engine
    has no such image say so on stderr, pull it (progress on stderr) and
    create again; with ``always``, pull first; with ``never``, do not."""
    containers = ctx.docker.containers
    name = pull_name(args.image)
    if args.pull == "always" and name is not None:
        await _pull(ctx, name)
    elif args.pull == "missing" and name is not None:
        try:
            return await containers.create(args.image, args.command or None, pull="never", **kwargs)
        except NotFound as exc:
            if not image_missing(exc):
                raise
        ctx.warn(f"Unable to find image '{name}' locally")
        await _pull(ctx, name)
    return await containers.create(args.image, args.command or None, pull="never", **kwargs)


async def create(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock create``: print the new container's ID."""
    container = await create_container(ctx, args, **create_arguments(args, auto_remove=args.rm))
    ctx.print_line(container.id)
    return 0


async def run(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock run``: with ``-d`` print the ID and leave it running;
    otherwise stream its output (and feed stdin with ``-i``) and exit with
    the container's exit code. With ``-it`` (stdin must be a terminal, or
    exit 1 at once) the TTY follows the terminal's size, and Ctrl-P Ctrl-Q
    (or ``--detach-keys``) detaches: exit 0, the container goes on (with
    ``--rm`` the engine removes it when it exits)."""
    detach_keys = detach_key_bytes(args.detach_keys)
    if not args.detach:
        refused = refuse_non_terminal(ctx, tty=args.tty, interactive=args.interactive)
        if refused is not None:
            return refused
    container = await create_container(ctx, args, **create_arguments(args, auto_remove=args.rm))
    containers = ctx.docker.containers
    if args.detach:
        await container.start()
        ctx.print_line(container.id)
        return 0
    detached = False
    try:
        # Waiting before the start, as docker does: no exit is missed, and
        # with --rm (removed by the engine) the exit code is still had.
        condition: Literal["removed", "next-exit"] = "removed" if args.rm else "next-exit"
        async with containers.wait(container, condition=condition) as waiting:
            async with containers.attach(
                container.id,
                stdin=args.interactive,
                stdout=True,
                stderr=True,
                tty=args.tty,
                detach_keys=args.detach_keys,
            ) as session:
                await container.start()
                with raw_terminal(args.tty and args.interactive):
                    detached = await pump(
                        ctx, session, stdin=args.interactive, detach_keys=detach_keys
                    )
            if detached:
                return 0
            return (await waiting).exit_code
    finally:
        if args.rm and not detached:
            with anyio.move_on_after(_CLEANUP_SECONDS, shield=True):
                with contextlib.suppress(NotFound, Conflict):  # removed, or being removed
                    await container.remove(force=True, volumes=True)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``create`` and ``run``."""
    parser = commands.add_parser("create", help="create a container (not started)")
    add_create_arguments(parser)
    parser.set_defaults(handler=create, error_exit=EXIT_CLIENT)
    parser = commands.add_parser("run", help="create and start a container, show its output")
    parser.add_argument(
        "-d",
        "--detach",
        action="store_true",
        help="run in the background and print the container ID",
    )
    parser.add_argument(
        "--detach-keys",
        metavar="KEYS",
        help="the keys that detach from -it (default: ctrl-p,ctrl-q)",
    )
    add_create_arguments(parser)
    parser.set_defaults(handler=run, error_exit=EXIT_CLIENT)
