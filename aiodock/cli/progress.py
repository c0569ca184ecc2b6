"""Pull and push progress: a live bar per layer on a terminal, one summary
line otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
)

from aiodock.models import ProgressEvent

from . import output

_DONE = (
    "Pull complete",
    "Already exists",
    "Pushed",
    "Layer already exists",
    "Download complete",
    "Mounted from",
)
_LAYER_STATUSES = (
    *_DONE,
    "Pulling fs layer",
    "Waiting",
    "Downloading",
    "Verifying Checksum",
    "Extracting",
    "Preparing",
    "Pushing",
    "Retrying",
)


@dataclass
class TransferSummary:
    """What a pull or push did, for the one-line summary."""

    layers: set[str] = field(default_factory=set)
    reused: set[str] = field(default_factory=set)
    sizes: dict[str, int] = field(default_factory=dict)
    status: str = ""
    digest: str = ""

    def record(self, event: ProgressEvent) -> None:
        """Account for one progress event."""
        status = event.status or ""
        if event.id and event.progress_detail is not None and status not in ("Extracting",):
            total = event.progress_detail.total
            if total:
                self.sizes[event.id] = total
        if event.id and is_layer_status(status):
            self.layers.add(event.id)
        if event.id and status in ("Already exists", "Layer already exists"):
            self.reused.add(event.id)
        if status.startswith("Digest: "):
            self.digest = status.removeprefix("Digest: ")
        elif status.startswith("Status: "):
            self.status = status.removeprefix("Status: ")
        if event.aux and isinstance(event.aux.get("Digest"), str):
            self.digest = event.aux["Digest"]

    def line(self, verb: str, ref: str) -> str:
        """The one-line summary.

        Example:
            >>> TransferSummary(layers={"a", "b"}, reused={"a"}, sizes={"b": 1500},
            ...                 digest="sha256:cff6").line("Pulled", "app:1")
            'Pulled app:1: 2 layers (1 already present), 1.5kB, digest sha256:cff6'
        """
        parts = []
        if self.layers:
            count = len(self.layers)
            parts.append(
                f"{count} layer{'s' if count != 1 else ''} ({len(self.reused)} already present)"
            )
        if self.sizes:
            parts.append(output.size(sum(self.sizes.values())))
        if self.digest:
            parts.append(f"digest {self.digest}")
        if self.status:
            parts.append(self.status)
        return f"{verb} {ref}: " + ", ".join(parts or ["done"])


async def show_progress(
    events: AsyncIterator[ProgressEvent], console: Console, *, verb: str, ref: str
) -> TransferSummary:
    """Consume ``events``: draw them live on a terminal (one bar per layer,
    other messages above), or print the summary line when done otherwise."""
    summary = TransferSummary()
    if not console.is_terminal:
        async for event in events:
            summary.record(event)
        console.print(summary.line(verb, ref), markup=False, highlight=False, soft_wrap=True)
        return summary
    tasks: dict[str, TaskID] = {}
    totals: dict[str, float] = {}
    with Progress(
        TextColumn("{task.fields[layer]}"),
        TextColumn("{task.description:<20}"),
        BarColumn(),
        DownloadColumn(),
        console=console,
    ) as progress:
        async for event in events:
            summary.record(event)
            status = event.status or ""
            if not event.id or not is_layer_status(status):
                if status:
                    progress.console.print(
                        f"{event.id + ': ' if event.id else ''}{status}",
                        markup=False,
                        highlight=False,
                    )
                continue
            task = tasks.get(event.id)
            if task is None:
                task = tasks[event.id] = progress.add_task(status, layer=event.id, total=None)
            detail = event.progress_detail
            if detail is not None and detail.total:
                totals[event.id] = detail.total
                progress.update(
                    task, description=status, completed=detail.current or 0, total=detail.total
                )
            elif status.startswith(_DONE):
                total = totals.get(event.id, 1.0)
                progress.update(task, description=status, completed=total, total=total)
            else:
                progress.update(task, description=status)
    console.print(summary.line(verb, ref), markup=False, highlight=False, soft_wrap=True)
    return summary


def is_layer_status(status: str) -> bool:
    """Whether a status with an id is about one layer (not ``Pulling from``).

    Example:
        >>> is_layer_status("Downloading"), is_layer_status("Pulling from team/app")
        (True, False)
    """
    return status.startswith(_LAYER_STATUSES)
