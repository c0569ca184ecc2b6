"""Text the way the docker CLI prints it: aligned columns, short IDs,
"2 minutes ago", "1.23MB", and JSON for scripts."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

_COLUMN_GAP = "   "


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Left-aligned columns separated by three spaces (docker's layout).

    Example:
        >>> print(table(["NAME", "DRIVER"], [["data", "local"]]))
        NAME   DRIVER
        data   local
    """
    all_rows = [list(headers), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(headers))]
    lines = []
    for row in all_rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append(_COLUMN_GAP.join(cells).rstrip())
    return "\n".join(lines)


def short_id(identifier: str | None) -> str:
    """The 12-character form of an ID, without ``sha256:``.

    Example:
        >>> short_id("sha256:0123456789abcdef0123")
        '0123456789ab'
    """
    return (identifier or "").removeprefix("sha256:")[:12]


def ago(timestamp: float | None, *, now: float | None = None) -> str:
    """How long ago a unix time was, in docker's words.

    Example:
        >>> ago(100, now=100 + 150)
        '2 minutes ago'
    """
    if not timestamp:
        return ""
    return f"{duration(max(0.0, (now or time.time()) - timestamp))} ago"


def duration(seconds: float) -> str:
    """A duration in docker's words ("About a minute", "3 hours").

    Example:
        >>> duration(7200)
        '2 hours'
    """
    if seconds < 1:
        return "Less than a second"
    if seconds < 60:
        return f"{int(seconds)} seconds" if int(seconds) != 1 else "1 second"
    minutes = round(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(seconds / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    days = hours // 24
    if days < 14:
        return f"{days} days"
    if days < 60:
        return f"{days // 7} weeks"
    if days < 365 * 2:
        return f"{days // 30} months"
    return f"{days // 365} years"


def size(count: float | None) -> str:
    """Bytes in decimal units with three significant digits (docker's form).

    Example:
        >>> size(1_234_567)
        '1.23MB'
    """
    value = float(count or 0)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.3g}{unit}"
        value /= 1000
    raise AssertionError("unreachable")


def binary_size(count: float | None) -> str:
    """Bytes in binary units (``docker stats`` memory: ``1.5MiB``).

    Example:
        >>> binary_size(1536 * 1024)
        '1.5MiB'
    """
    value = float(count or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.4g}{unit}"
        value /= 1024
    raise AssertionError("unreachable")


def engine_json(value: Any) -> Any:
    """A model (or list of models) as the engine's JSON (engine keys)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, list | tuple):
        return [engine_json(item) for item in value]
    if isinstance(value, dict):
        return {key: engine_json(item) for key, item in value.items()}
    return value


def dumps(value: Any, *, indent: int | None = 4) -> str:
    """JSON text of ``value`` (models in the engine's form).

    Example:
        >>> dumps({"a": 1}, indent=None)
        '{"a": 1}'
    """
    return json.dumps(engine_json(value), indent=indent)
