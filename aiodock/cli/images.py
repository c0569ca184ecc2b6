"""``images``, ``pull``, ``push``, ``rmi`` and ``build``."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from aiodock.models import ImageSummary

from . import options, output
from .context import CLIContext, UsageError, for_each
from .progress import show_progress

IMAGES_COLUMNS = ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")


def image_rows(image: ImageSummary) -> list[list[str]]:
    """The ``images`` lines of one image: one per tag (``<none>`` when untagged)."""
    tags = [t for t in image.repo_tags or () if t != "<none>:<none>"] or ["<none>:<none>"]
    rows = []
    for tag in tags:
        repository, _, name = tag.rpartition(":")
        rows.append(
            [
                repository,
                name,
                output.short_id(image.id),
                output.ago(image.created),
                output.size(image.size),
            ]
        )
    return rows


async def images(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock images``: the local images, docker's columns."""
    found = await ctx.docker.images.list(all=args.all, filters=options.filters(args.filter))
    if args.json:
        ctx.print_line(output.dumps(found))
        return 0
    rows = [row for image in found for row in image_rows(image)]
    if args.format == "json":
        for row in rows:
            ctx.print_line(
                json.dumps(
                    dict(zip(("Repository", "Tag", "ID", "CreatedSince", "Size"), row, strict=True))
                )
            )
    elif args.quiet:
        for image_id in dict.fromkeys(row[2] for row in rows):
            ctx.print_line(image_id)
    else:
        ctx.print_line(output.table(IMAGES_COLUMNS, rows))
    return 0


async def pull(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock pull REF``: live bars on a terminal, a summary line otherwise."""
    stream = ctx.docker.images.pull(args.ref, platform=args.platform)
    await show_progress(aiter(stream), ctx.out, verb="Pulled", ref=args.ref)
    return 0


async def push(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock push REF``: live bars on a terminal, a summary line otherwise."""
    stream = ctx.docker.images.push(args.ref)
    await show_progress(aiter(stream), ctx.out, verb="Pushed", ref=args.ref)
    return 0


async def rmi(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock rmi [-f] IMAGE...``: print what was untagged and deleted."""

    async def remove(ref: str) -> None:
        for item in await ctx.docker.images.remove(ref, force=args.force):
            if item.untagged:
                ctx.print_line(f"Untagged: {item.untagged}")
            if item.deleted:
                ctx.print_line(f"Deleted: {item.deleted}")

    return await for_each(ctx, args.images, remove, echo=False)


def context_and_dockerfile(directory: str, dockerfile: str | None) -> tuple[Path, str]:
    """The build context, and ``-f FILE`` as a path inside it (docker reads
    ``-f`` from the working directory; the library wants it inside the
    context)."""
    context = Path(directory)
    if not context.is_dir():
        raise UsageError(f"the build context {directory!r} is not a directory")
    return context, _dockerfile_in(context, dockerfile)


def _dockerfile_in(context: Path, dockerfile: str | None) -> str:
    if dockerfile is None:
        return "Dockerfile"
    path = Path(dockerfile)
    if not path.exists():
        return dockerfile  # the library checks it inside the context
    relative = os.path.relpath(path.resolve(), context.resolve())
    if relative.startswith(".."):
        raise UsageError(f"-f {dockerfile}: the Dockerfile must be inside the context {context}")
    return relative


async def build(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``aiodock build [-t TAG] [-f FILE] [--build-arg K=V] DIR``: the build
    output as it comes; ``-q`` prints only the image ID."""
    context, dockerfile = context_and_dockerfile(args.directory, args.file)
    stream = ctx.docker.images.build(
        context,
        tag=args.tag or None,
        dockerfile=dockerfile,
        buildargs=options.mapping("--build-arg", args.build_arg),
        labels=options.mapping("--label", args.label),
        nocache=args.no_cache,
        pull=args.pull,
    )
    image_id = None
    async for event in stream:
        if event.image_id:
            image_id = event.image_id
        if args.quiet:
            continue
        if event.stream:
            ctx.write_bytes(event.stream.encode())
        elif event.status:
            ctx.print_line(f"{event.id + ': ' if event.id else ''}{event.status}")
    if args.quiet and image_id:
        ctx.print_line(image_id)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the image commands."""
    parser = commands.add_parser("images", help="list images")
    parser.add_argument("-a", "--all", action="store_true", help="intermediate images too")
    parser.add_argument("-f", "--filter", action="append", metavar="K=V")
    parser.add_argument("-q", "--quiet", action="store_true", help="only IDs")
    parser.add_argument("--format", choices=["table", "json"], default="table")
    parser.add_argument("--json", action="store_true", help="the engine's JSON, as a list")
    parser.set_defaults(handler=images)

    parser = commands.add_parser("pull", help="pull an image from its registry")
    parser.add_argument("--platform", help="linux/amd64, ...")
    parser.add_argument("ref", metavar="NAME[:TAG|@DIGEST]")
    parser.set_defaults(handler=pull)

    parser = commands.add_parser("push", help="push an image to its registry")
    parser.add_argument("ref", metavar="NAME[:TAG]")
    parser.set_defaults(handler=push)

    parser = commands.add_parser("rmi", help="remove images")
    parser.add_argument("-f", "--force", action="store_true")
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.set_defaults(handler=rmi)

    parser = commands.add_parser("build", help="build an image from a directory")
    parser.add_argument("-t", "--tag", action="append", metavar="NAME[:TAG]")
    parser.add_argument(
        "-f", "--file", metavar="FILE", help="the Dockerfile (default: DIR/Dockerfile)"
    )
    parser.add_argument("--build-arg", action="append", metavar="K=V")
    parser.add_argument("--label", action="append", metavar="K=V")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--pull", action="store_true", help="always pull the base image")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the image ID")
    parser.add_argument("directory", metavar="DIR")
    parser.set_defaults(handler=build)
