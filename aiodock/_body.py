"""Request bodies that stream: bytes, a path, a file object, or an async
iterator of bytes, sent without holding the whole body in memory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import IO, TypeAlias

import anyio

CHUNK_SIZE = 256 * 1024

Source: TypeAlias = (
    "bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes] | AsyncIterable[bytes]"
)
"""What an upload accepts: bytes, a file path, a binary file object, or an
async iterator of bytes."""


def body_from(source: Source, *, what: str = "source") -> bytes | AsyncIterator[bytes]:
    """Turn an upload source into an httpx request body.

    A path must exist (checked now, before any request); a file object is
    read in chunks in a worker thread; an async iterator is passed through.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"{what}: no such file: {path}")
        return _read_path(path)
    if isinstance(source, AsyncIterable):
        return _checked(source, what)
    if hasattr(source, "read"):
        return _read_file(source)
    raise TypeError(
        f"{what} must be bytes, a path, a binary file object or an async iterator of bytes,"
        f" not {type(source).__name__}"
    )


async def _read_path(path: Path) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as file:
        while chunk := await file.read(CHUNK_SIZE):
            yield chunk


async def _read_file(file: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await anyio.to_thread.run_sync(file.read, CHUNK_SIZE):
        if not isinstance(chunk, bytes | bytearray):
            raise TypeError("the file object must be opened in binary mode")
        yield bytes(chunk)


async def _checked(source: AsyncIterable[bytes], what: str) -> AsyncIterator[bytes]:
    async for chunk in source:
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise TypeError(f"{what} yielded {type(chunk).__name__}, not bytes")
        if chunk:
            yield bytes(chunk)
