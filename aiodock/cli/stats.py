"""``aiodock stats``: a live table of the containers' resource use
(``--no-stream``: one sample each)."""

from __future__ import annotations

import argparse

import anyio
from rich.live import Live
from rich.table import Table

from aiodock import Docker, DockerError
from aiodock.models import ContainerStats

from . import output
from .context import CLIContext

STATS_COLUMNS = (
    "CONTAINER ID",
    "NAME",
    "CPU %",
    "MEM USAGE / LIMIT",
    "MEM %",
    "NET I/O",
    "BLOCK I/O",
    "PIDS",
)


def stats_row(container_id: str, sample: ContainerStats) -> list[str]:
    """One line of the table, in :data:`STATS_COLUMNS` order."""
    memory = sample.memory_stats
    usage = memory.usage or 0 if memory else 0
    if memory is not None and memory.stats:  # docker leaves the page cache out
        usage -= memory.stats.get("total_inactive_file") or memory.stats.get("inactive_file") or 0
    limit = memory.limit or 0 if memory else 0
    rx = sum(n.rx_bytes or 0 for n in (sample.networks or {}).values())
    tx = sum(n.tx_bytes or 0 for n in (sample.networks or {}).values())
    read = write = 0
    for entry in sample.blkio_stats.io_service_bytes_recursive or [] if sample.blkio_stats else []:
        op = (entry.op or "").lower()
        if op == "read":
            read += entry.value or 0
        elif op == "write":
            write += entry.value or 0
    cpu = sample.cpu_percent
    return [
        output.short_id(sample.id or container_id),
        (sample.name or "").lstrip("/"),
        f"{cpu:.2f}%" if cpu is not None else "--",
        f"{output.binary_size(usage)} / {output.binary_size(limit)}",
        f"{usage / limit * 100:.2f}%" if limit else "--",
        f"{output.size(rx)} / {output.size(tx)}",
        f"{output.size(read)} / {output.size(write)}",
        str(sample.pids_stats.current or 0) if sample.pids_stats else "0",
    ]


def render(rows: dict[str, list[str]]) -> Table:
    """The live table (rich)."""
    grid = Table(box=None, pad_edge=False, padding=(0, 3, 0, 0), show_edge=False)
    for column in STATS_COLUMNS:
        grid.add_column(column, no_wrap=True)
    for row in rows.values():
        grid.add_row(*row)
    return grid


async def _targets(docker: Docker, refs: list[str]) -> list[str]:
    if refs:
        return refs
    return [c.id for c in await docker.containers.list() if c.id]


async def stats(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Sample every named (or running) container; redraw as samples come."""
    refs = await _targets(ctx.docker, args.containers)
    rows: dict[str, list[str]] = {}
    containers = ctx.docker.containers

    if args.no_stream or not ctx.out.is_terminal:

        async def one(ref: str) -> None:
            try:
                rows[ref] = stats_row(ref, await containers.stats(ref, stream=False))
            except DockerError as exc:
                if args.containers:
                    raise
                ctx.warn(f"{ref[:12]}: {exc.message}")  # gone meanwhile

        async with anyio.create_task_group() as tg:
            for ref in refs:
                tg.start_soon(one, ref)
        ctx.print_line(output.table(STATS_COLUMNS, [rows[r] for r in refs if r in rows]))
        return 0

    with Live(render(rows), console=ctx.out, auto_refresh=False) as live:

        async def follow(ref: str) -> None:
            async for sample in containers.stats(ref):
                rows[ref] = stats_row(ref, sample)
                live.update(render(rows), refresh=True)

        async with anyio.create_task_group() as tg:
            for ref in refs:
                tg.start_soon(follow, ref)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``stats``."""
    parser = commands.add_parser("stats", help="live resource use of containers")
    parser.add_argument("--no-stream", action="store_true", help="one sample, then exit")
    parser.add_argument("containers", nargs="*", metavar="CONTAINER")
    parser.set_defaults(handler=stats)
