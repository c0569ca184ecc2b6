"""A container's logs as a stream of ``LogChunk(stream, data)``.

Without a TTY the engine multiplexes stdout and stderr in frames; behind a
TTY it sends the terminal's raw bytes (one stream, reported as stdout).
Which one it is comes from the container's configuration, not from the
response (dockerd 20.10 labels both ``raw-stream``): a handle made by
``create`` knows it; otherwise one inspect finds out before the logs are
requested.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from ._api import APIClient
from .streams import EngineStream, FrameDemuxer, LogChunk, Opener

__all__ = [
    "LogOutput",
    "LogStream",
]


if TYPE_CHECKING:
    from typing_extensions import Self


class LogOutput:
    """Everything a log stream carried, stdout and stderr apart.

    Example:
        >>> out = await docker.containers.logs("web")  # doctest: +SKIP
        >>> out.stdout, out.stderr  # doctest: +SKIP
        (b'hello\\n', b'')
    """

    __slots__ = ("stderr", "stdout")

    def __init__(self, stdout: bytes, stderr: bytes) -> None:
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self) -> str:
        return f"LogOutput(stdout={_preview(self.stdout)}, stderr={_preview(self.stderr)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogOutput):
            return NotImplemented
        return (self.stdout, self.stderr) == (other.stdout, other.stderr)

    __hash__ = None  # type: ignore[assignment]


def _preview(data: bytes, limit: int = 60) -> str:
    if len(data) <= limit:
        return repr(data)
    return f"{data[:limit]!r}... ({len(data)} bytes)"


RAW_STREAM = "application/vnd.docker.raw-stream"
"""The ``Content-Type`` of output behind a TTY (API 1.42 and later)."""
MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream"
"""The ``Content-Type`` of multiplexed stdout/stderr (API 1.42 and later)."""


class LogStream(EngineStream[LogChunk, LogOutput]):
    """The logs of a container (``docker logs``).

    - ``async for chunk in stream``: ``LogChunk("stdout" | "stderr", bytes)``
      in the engine's order, as they arrive (with ``follow=True`` until the
      container stops);
    - ``await stream``: a :class:`LogOutput` with ``.stdout`` and
      ``.stderr`` bytes;
    - ``async with stream as s``: returns once the engine answered (on
      Podman a follow returns at once and opens at the first read: Podman
      sends no answer before the first line).

    ``tty`` is the container's TTY flag when known; ``None`` means learn it
    from the answer's ``Content-Type`` (API 1.42 and later) or else ask the
    engine (one inspect through ``tty_lookup``) before opening.

    Example:
        >>> async for chunk in docker.containers.logs("web", follow=True):  # doctest: +SKIP
        ...     print(chunk.stream, chunk.data)
    """

    def __init__(
        self,
        api: APIClient,
        opener: Opener,
        *,
        tty: bool | None,
        tty_lookup: Callable[[], Awaitable[bool]],
        follow: bool = False,
    ) -> None:
        super().__init__(api, opener)
        self._tty = tty
        self._tty_lookup = tty_lookup
        self._follow = follow

    async def __aenter__(self) -> Self:
        if self._follow and self._api.podman:
            # Podman answers a follow only with its first line: opened at the
            # first read instead, so the block can make the container talk.
            self._entered = True
            return self
        return await super().__aenter__()

    @property
    def tty(self) -> bool | None:
        """Whether the container has a TTY (``None`` until known)."""
        return self._tty

    async def _open(self) -> None:
        # API 1.42 and later name the framing in the answer's Content-Type;
        # older engines send none, so only they cost an inspect.
        known = self._tty is not None or self._started
        if not known and not await self._api.version_at_least("1.42"):
            self._tty = await self._tty_lookup()
        await super()._open()
        if self._tty is None:
            content_type = self.response.headers.get("Content-Type") or ""
            if content_type.startswith(RAW_STREAM):
                self._tty = True
            elif content_type.startswith(MULTIPLEXED_STREAM):
                self._tty = False
            else:
                self._tty = await self._tty_lookup()

    async def _items(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[LogChunk]:
        if self._tty:
            async for data in chunks:
                if data:
                    yield LogChunk("stdout", data)
            return
        demuxer = FrameDemuxer()
        async for data in chunks:
            for chunk in demuxer.feed(data):
                yield chunk
        demuxer.close()

    async def _run(self) -> LogOutput:
        stdout = bytearray()
        stderr = bytearray()
        async for chunk in self:
            if chunk.stream == "stderr":
                stderr += chunk.data
            else:
                stdout += chunk.data
        return LogOutput(bytes(stdout), bytes(stderr))

    async def _result(self, items: list[LogChunk]) -> LogOutput:
        stdout = b"".join(c.data for c in items if c.stream != "stderr")
        stderr = b"".join(c.data for c in items if c.stream == "stderr")
        return LogOutput(stdout, stderr)
