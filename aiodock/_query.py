"""Query-string encoding for the Engine API.

The engine reads booleans as ``1``/``0``, lists as repeated keys, and
``filters`` as a JSON object whose values are lists of strings (a bare string
is rejected, so a single string is sent as a one-element list).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TypeAlias

FilterValue: TypeAlias = "str | Iterable[str] | Mapping[str, bool]"
Filters: TypeAlias = "Mapping[str, FilterValue]"
QueryValue: TypeAlias = "str | int | float | bool | Iterable[str | int] | None"


def encode_filters(filters: Filters) -> str:
    """Encode a ``filters`` mapping as the engine's JSON.

    Example:
        >>> encode_filters({"label": "app=web", "status": ["running", "paused"]})
        '{"label":["app=web"],"status":["running","paused"]}'
    """
    if not isinstance(filters, Mapping):
        raise TypeError(
            f"filters must be a mapping of names to strings or lists of strings,"
            f" not {type(filters).__name__}"
        )
    encoded: dict[str, list[str]] = {}
    for key, value in filters.items():
        if not isinstance(key, str):
            raise TypeError(f"filter names must be strings, not {key!r}")
        if isinstance(value, str):
            encoded[key] = [value]
        elif isinstance(value, Mapping):
            items = []
            for item, enabled in value.items():
                if not isinstance(item, str) or not isinstance(enabled, bool):
                    raise TypeError(f"filter {key!r}: a mapping value must map strings to booleans")
                if enabled:
                    items.append(item)
            encoded[key] = items
        elif isinstance(value, Iterable) and not isinstance(value, bytes | bytearray):
            items = list(value)
            for item in items:
                if not isinstance(item, str):
                    raise TypeError(
                        f"filter {key!r}: values must be strings, not {type(item).__name__}"
                        f" ({item!r})"
                    )
            encoded[key] = items
        else:
            raise TypeError(
                f"filter {key!r}: expected a string or a list of strings,"
                f" not {type(value).__name__} ({value!r})"
            )
    return json.dumps(encoded, separators=(",", ":"))


def filters_param(filters: Filters | None) -> str | None:
    """The ``filters`` query value: ``None`` (and an empty mapping) send no
    filter; anything else must be a mapping, checked by :func:`encode_filters`.

    A value of the wrong shape raises even when it is empty (``[]``, ``""``):
    silently sending no filter would turn a filtered ``prune`` into one that
    removes everything.

    Example:
        >>> filters_param(None), filters_param({}), filters_param({"label": "a"})
        (None, None, '{"label":["a"]}')
    """
    if filters is None:
        return None
    if isinstance(filters, Mapping) and not filters:
        return None
    return encode_filters(filters)


def encode_query(params: Mapping[str, QueryValue]) -> list[tuple[str, str]]:
    """Encode query parameters: ``None`` is left out, booleans become
    ``1``/``0``, lists repeat their key.

    Example:
        >>> encode_query({"all": True, "limit": None, "names": ["a", "b"]})
        [('all', '1'), ('names', 'a'), ('names', 'b')]
    """
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out.append((key, "1" if value else "0"))
        elif isinstance(value, str | int | float):
            out.append((key, str(value)))
        else:
            out.extend((key, str(item)) for item in value)
    return out


def unix_time(value: datetime | int | float | str) -> str:
    """A point in time as the engine's query wants it: unix seconds.

    Accepts a datetime (naive means UTC), a number of seconds, or a string
    the engine understands itself (``"10m"``, an RFC 3339 date).

    Example:
        >>> from datetime import datetime, timezone
        >>> unix_time(datetime(2026, 1, 1, tzinfo=timezone.utc))
        '1767225600'
        >>> unix_time(1.5)
        '1.500000000'
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.timestamp()
    if isinstance(value, bool):
        raise TypeError(f"a time must be a datetime, seconds or a string, not {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a time must be finite, not {value!r}")
        if value.is_integer():
            return str(int(value))
        return f"{value:.9f}"
    if isinstance(value, str) and value:
        return value
    raise TypeError(f"a time must be a datetime, seconds or a string, not {value!r}")
