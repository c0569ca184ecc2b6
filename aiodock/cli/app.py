"""Parsing the command line, connecting, running one command, and turning
errors and Ctrl-C into a message on stderr and an exit code."""

from __future__ import annotations

import argparse
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

import anyio
from rich.console import Console

from aiodock import Docker, DockerError, __version__

from . import (
    containers,
    create_run,
    images,
    inspect,
    networks,
    plugins,
    stats,
    system,
    volumes,
)
from .context import (
    EXIT_CLIENT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    CLIContext,
    Handler,
    UsageError,
    error_message,
)


class _Parser(argparse.ArgumentParser):
    """argparse, with docker's exit code (125) for a bad command line."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_CLIENT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """Every command and option."""
    parser = _Parser(
        prog="aiodock",
        description="The docker CLI's everyday commands, on the aiodock library.",
    )
    parser.add_argument(
        "-H",
        "--host",
        metavar="URL",
        help="the engine (unix:///var/run/docker.sock, tcp://host:2376;"
        " default: DOCKER_HOST, then the current context)",
    )
    parser.add_argument("-c", "--context", dest="docker_context", help="use this docker context")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument("--version", action="version", version=f"aiodock {__version__}")
    commands = parser.add_subparsers(
        dest="command_name", metavar="COMMAND", required=True, parser_class=_Parser
    )
    for module in (
        containers,
        create_run,
        inspect,
        stats,
        images,
        networks,
        volumes,
        plugins,
        system,
    ):
        module.register(commands)
    return parser


async def _run_handler(ctx_args: argparse.Namespace, handler: Handler) -> int:
    """Connect, run ``handler``, and stop at once on SIGINT/SIGTERM (which
    cancels it: every stream and connection is closed on the way out)."""
    interrupted: list[int] = []
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    async with anyio.create_task_group() as tg:

        async def watch_signals() -> None:
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as received:
                async for signum in received:
                    interrupted.append(128 + signum)
                    tg.cancel_scope.cancel()
                    return

        tg.start_soon(watch_signals)
        docker = Docker(ctx_args.host, context=ctx_args.docker_context)
        try:
            if handler is system.version:  # says its client's part before it asks the engine
                try:
                    code = await handler(CLIContext(docker, out, err), ctx_args)
                finally:
                    await docker.close()
            else:
                async with docker:
                    code = await handler(CLIContext(docker, out, err), ctx_args)
        finally:
            tg.cancel_scope.cancel()
    if interrupted:
        return EXIT_INTERRUPTED if interrupted[0] == 128 + signal.SIGINT else interrupted[0]
    return code


def _report(args: argparse.Namespace, exc: BaseException, message: str) -> int:
    if args.debug:
        traceback.print_exception(exc, file=sys.stderr)
    print(message, file=sys.stderr)
    return int(getattr(args, "error_exit", EXIT_FAILED))


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside (nested) exception groups from task groups."""
    inner = getattr(exc, "exceptions", None)  # BaseExceptionGroup (3.11+ or backport)
    while isinstance(inner, tuple) and inner and isinstance(inner[0], BaseException):
        exc = inner[0]
        inner = getattr(exc, "exceptions", None)
    return exc


def run(argv: Sequence[str]) -> int:
    """Run one command line; return the exit code.

    Example:
        >>> run(["volume", "ls", "-q"])  # doctest: +SKIP
        0
    """
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return anyio.run(_run_handler, args, handler)
    except BaseException as raised:
        exc = _leaf(raised)
        if isinstance(exc, UsageError):
            args.error_exit = EXIT_CLIENT
            return _report(args, exc, f"aiodock {args.command_name}: {exc}")
        if isinstance(exc, KeyboardInterrupt):  # Ctrl-C before the signal watcher was up
            return EXIT_INTERRUPTED
        if isinstance(exc, BrokenPipeError):  # stdout closed by a reader (| head)
            return EXIT_FAILED
        if isinstance(exc, DockerError | ValueError | TypeError | OSError):
            return _report(args, exc, error_message(exc))
        if isinstance(exc, Exception):
            return _report(args, exc, f"Error: unexpected {type(exc).__name__}: {exc}")
        raise
