"""Argument checks shared by every resource: one rule each.

Each check takes the argument's name as the user wrote it (``what``) so the
error names the problem, and returns the value the request needs. They run
before anything is sent: bad input never reaches the engine.

Example:
    >>> boolean("force", True), text("name", "web"), optional_text("user", None)
    (True, 'web', None)
    >>> command("cmd", "echo 'hello world'")
    ['echo', 'hello world']
    >>> signal("signal", "term"), whole_seconds("timeout", 1.2)
    ('SIGTERM', 2)
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

# Signal names the engine accepts (Linux), without "SIG".
SIGNALS = frozenset(
    [
        "ABRT",
        "ALRM",
        "BUS",
        "CHLD",
        "CLD",
        "CONT",
        "FPE",
        "HUP",
        "ILL",
        "INT",
        "IO",
        "IOT",
        "KILL",
        "PIPE",
        "POLL",
        "PROF",
        "PWR",
        "QUIT",
        "SEGV",
        "STKFLT",
        "STOP",
        "SYS",
        "TERM",
        "TRAP",
        "TSTP",
        "TTIN",
        "TTOU",
        "URG",
        "USR1",
        "USR2",
        "VTALRM",
        "WINCH",
        "XCPU",
        "XFSZ",
        "RTMIN",
        "RTMAX",
    ]
    + [f"RTMIN+{n}" for n in range(1, 16)]
    + [f"RTMAX-{n}" for n in range(1, 15)]
)
MAX_SIGNAL = 64


def boolean(what: str, value: object) -> bool:
    """``value`` if it is a real ``bool`` (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, not {value!r}")
    return value


def integer(what: str, value: object) -> int:
    """An ``int`` (any sign; a ``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an integer, not {value!r}")
    return value


def byte_count(what: str, value: object) -> int:
    """A number of bytes: an ``int`` of at least 0."""
    if integer(what, value) < 0:
        raise ValueError(f"{what} must be a number of bytes (0 or more), not {value!r}")
    return value  # type: ignore[return-value]


def text(what: str, value: object) -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__} ({value!r})")
    if not value:
        raise ValueError(f"{what} must not be empty")
    return value


def optional_text(what: str, value: object) -> str | None:
    """``None``, or a non-empty string (an empty one is refused: leave it out)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__} ({value!r})")
    if not value:
        raise ValueError(f"{what} must not be empty (leave it out instead)")
    return value


def ref(what: str, value: object) -> str:
    """A resource's id or name: a non-empty string without surrounding
    spaces, or anything with such an ``id`` (a handle, a model)."""
    if not isinstance(value, str):
        value = getattr(value, "id", value)
    if not isinstance(value, str):
        raise TypeError(
            f"{what} must be an id or name (a string), not {type(value).__name__} ({value!r})"
        )
    if not value:
        raise ValueError(f"{what} must not be empty (got {value!r})")
    if value.strip() != value:
        raise ValueError(f"{what} must be an id or name without surrounding spaces, not {value!r}")
    return value


def path_ref(what: str, value: object) -> str:
    """:func:`ref`, quoted for a URL path segment."""
    return quote(ref(what, value), safe="")


def string_map(what: str, value: object) -> dict[str, str]:
    """A mapping of non-empty strings to strings (labels, options)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a mapping of strings to strings, not {value!r}")
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or not isinstance(item, str):
            raise TypeError(
                f"{what} must map strings to strings (keys not empty); got {key!r}: {item!r}"
            )
        out[key] = item
    return out


def string_list(what: str, value: object) -> list[str]:
    """A list of non-empty strings (a lone string is refused: wrap it)."""
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Sequence):
        raise TypeError(f"{what} must be a list of strings, not {value!r}")
    for item in value:
        if not isinstance(item, str) or not item:
            raise TypeError(f"{what} must be a list of non-empty strings; got {item!r}")
    return list(value)


def env(value: object) -> list[str]:
    """``{"K": "V"}`` or ``["K=V"]`` as the engine's ``["K=V"]``.

    Example:
        >>> env({"A": "1", "B": "x=y"}), env(["C="])
        (['A=1', 'B=x=y'], ['C='])
    """
    if isinstance(value, Mapping):
        out = []
        for key, item in value.items():
            if not isinstance(key, str) or not key or "=" in key:
                raise ValueError(f"env: invalid variable name {key!r} (non-empty, without '=')")
            if not isinstance(item, str):
                raise TypeError(
                    f"env: the value of {key!r} must be a string, not"
                    f" {type(item).__name__} ({item!r})"
                )
            out.append(f"{key}={item}")
        return out
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Sequence):
        raise TypeError(
            "env must be a mapping of names to values or a list of 'NAME=value' strings,"
            f" not {value!r}"
        )
    out = list(value)
    for item in out:
        if not isinstance(item, str):
            raise TypeError(f"env: entries must be 'NAME=value' strings, not {item!r}")
        if not item or item.startswith("="):
            raise ValueError(f"env: invalid entry {item!r} (expected 'NAME=value')")
    return out


def command(what: str, value: object, *, may_be_empty: bool = False) -> list[str]:
    """A command as the engine's argument list: a string is split like a
    shell would (``shlex.split``, without running a shell), a list must
    hold strings; an empty command is refused, but for an entrypoint
    (``may_be_empty``: an empty one clears the image's).

    Example:
        >>> command("cmd", ["sh", "-c", "echo hi | wc -c"])
        ['sh', '-c', 'echo hi | wc -c']
    """
    if isinstance(value, str):
        try:
            args = shlex.split(value)
        except ValueError as exc:
            raise ValueError(f"cannot split {what} {value!r}: {exc}") from None
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        args = list(value)
        for arg in args:
            if not isinstance(arg, str):
                raise TypeError(
                    f"{what}: every argument must be a string, not {type(arg).__name__} ({arg!r})"
                )
    else:
        raise TypeError(f"{what} must be a string or a list of strings, not {type(value).__name__}")
    if not may_be_empty and (not args or not args[0]):
        raise ValueError(f"{what} is empty")
    return args


def signal(what: str, value: object) -> str:
    """A signal as the engine takes it: ``"SIGTERM"`` for a name (``"TERM"``
    and ``"sigterm"`` too), the number as text for a number (1 to 64).

    Example:
        >>> signal("signal", 9), signal("signal", "SIGRTMIN+3")
        ('9', 'SIGRTMIN+3')
    """
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a signal name or number, not {value!r}")
    if isinstance(value, int):
        if not 1 <= value <= MAX_SIGNAL:
            raise ValueError(f"{what} number must be between 1 and {MAX_SIGNAL}, not {value}")
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a signal name or number, not {value!r}")
    if value.isdigit():
        return signal(what, int(value))
    name = value.upper().removeprefix("SIG")
    if name not in SIGNALS:
        raise ValueError(f"unknown {what} {value!r} (expected a name like 'SIGTERM' or a number)")
    return f"SIG{name}"


def seconds(what: str, value: Any) -> float | None:
    """A non-negative number of seconds, or ``None`` (no limit)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} must be a number of seconds or None, not {value!r}")
    if math.isnan(value) or value < 0:
        raise ValueError(f"{what} must be a non-negative number of seconds, not {value!r}")
    return float(value)


def whole_seconds(what: str, value: object) -> int | None:
    """:func:`seconds` rounded up to whole seconds, as the engine takes
    them; infinity is refused (``None`` leaves the engine's default)."""
    found = seconds(what, value)
    if found is None:
        return None
    if math.isinf(found):
        raise ValueError(f"{what} must be a finite number of seconds, not {value!r}")
    return math.ceil(found)


def stop_seconds(what: str, value: object) -> int | None:
    """:func:`whole_seconds`, or ``-1``: wait for the process to exit
    however long it takes, never kill it (stop and restart)."""
    if isinstance(value, int) and not isinstance(value, bool) and value == -1:
        return -1
    return whole_seconds(what, value)


def terminal_size(height: object, width: object) -> tuple[int, int]:
    """Positive integers for a terminal's height and width (rows, columns)."""
    size = []
    for what, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{what} must be an integer, not {value!r}")
        if value < 1:
            raise ValueError(f"{what} must be at least 1, not {value}")
        size.append(value)
    return size[0], size[1]


def stdin_source(value: object) -> None:
    """Input for a process: ``None``, bytes, or an async iterable of bytes."""
    if value is None or isinstance(value, bytes | bytearray | memoryview):
        return
    if isinstance(value, str):
        raise TypeError("stdin must be bytes, not str: encode it first (text.encode())")
    if not hasattr(value, "__aiter__"):
        raise TypeError(
            f"stdin must be bytes or an async iterable of bytes, not {type(value).__name__}"
        )


def keywords(what: str, given: Mapping[str, object], allowed: frozenset[str]) -> None:
    """Refuse keywords outside ``allowed`` (the keys of an options
    ``TypedDict``), as Python does for a function that names them."""
    unknown = sorted(set(given) - allowed)
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise TypeError(f"{what} got unexpected keyword argument(s) {names}")
