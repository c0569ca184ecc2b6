"""Streaming responses: incremental decoders and the stream objects.

Decoders work on whole buffers (no await per frame or per line):

- :class:`JSONLinesDecoder` splits a JSON-lines body (LF or CRLF; several
  objects in a chunk or one object over many chunks) into lines;
- :class:`FrameDemuxer` splits the engine's multiplexed stdout/stderr frames
  (8-byte header: stream type, three zero bytes, big-endian size).

A stream object (:class:`EngineStream`) is what a streaming operation
returns: ``await`` it to run it to the end and get its result, ``async for``
to consume items as they arrive, or ``async with`` to wait until the engine
has accepted the request, then iterate inside. Leaving the loop or the block
early, or cancelling, closes the connection.
"""

from __future__ import annotations

import json
import os
import struct
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Generic, Literal, NamedTuple, TypeVar

import anyio

from ._api import decode_json
from ._reply import Reply
from .errors import ConnectionLost, StreamError

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._api import APIClient

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
ModelT = TypeVar("ModelT")

StreamName = Literal["stdin", "stdout", "stderr", "system"]
__all__ = [
    "ByteStream",
    "EngineStream",
    "FrameDemuxer",
    "JSONLinesDecoder",
    "JSONStream",
    "LogChunk",
]

_FRAME_HEADER = struct.Struct(">II")  # stream type + three zero bytes, payload size
_STREAM_NAMES: tuple[StreamName, ...] = ("stdin", "stdout", "stderr", "system")


class LogChunk(NamedTuple):
    """A piece of a container's or exec's output.

    ``stream`` is ``"stdout"`` or ``"stderr"`` (``"stdout"`` for everything
    behind a TTY, where the engine cannot tell them apart); ``data`` is bytes,
    decoding is the caller's choice.

    Example:
        >>> chunk = LogChunk("stderr", b"oops\\n")
        >>> chunk.stream, chunk.data.decode()
        ('stderr', 'oops\\n')
    """

    stream: StreamName
    data: bytes


# --------------------------------------------------------------------------
# decoders


class JSONLinesDecoder:
    """Incremental JSON-lines splitter.

    Example:
        >>> d = JSONLinesDecoder()
        >>> d.feed(b'{"a": 1}\\r\\n{"b"'), d.feed(b': 2}\\n'), d.close()
        ([b'{"a": 1}'], [b'{"b": 2}'], [])
    """

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the complete, non-empty lines they finish.

        Args:
            data: The next bytes of the stream, cut anywhere.

        Example:
            >>> JSONLinesDecoder().feed(b'{"a": 1}\\n{"b"')
            [b'{"a": 1}']
        """
        if self._pending:
            data = self._pending + data
        lines = data.split(b"\n")
        self._pending = lines.pop()
        return [s for s in (line.strip() for line in lines) if s]

    def close(self) -> list[bytes]:
        """The last line, if the stream ended without a newline.

        Example:
            >>> d = JSONLinesDecoder(); d.feed(b'{"a": 1}')
            []
            >>> d.close()
            [b'{"a": 1}']
        """
        last = self._pending.strip()
        self._pending = b""
        return [last] if last else []


def _split_json_values(line: bytes) -> list[Any]:
    """Parse one line that may hold several JSON values back to back."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StreamError(200, f"the engine sent a line that is not UTF-8: {exc}") from None
    decoder = json.JSONDecoder()
    values: list[Any] = []
    index = 0
    while index < len(text):
        try:
            value, index = decoder.raw_decode(text, index)
        except ValueError as exc:
            raise StreamError(200, f"the engine sent malformed JSON in a stream: {exc}") from None
        except RecursionError:
            raise StreamError(200, "the engine sent JSON nested too deeply to decode") from None
        values.append(value)
        while index < len(text) and text[index] in " \t\r\n":
            index += 1
    return values


def _raise_stream_error(value: Any) -> None:
    """Raise :class:`StreamError` when a stream object reports an error."""
    if not isinstance(value, dict):
        return
    detail = value.get("errorDetail")
    message = value.get("error")
    if detail is None and message is None:
        return
    code = None
    if isinstance(detail, dict):
        message = message or detail.get("message")
        raw_code = detail.get("code")
        code = raw_code if isinstance(raw_code, int) else None
    raise StreamError(200, str(message or detail), code=code)


class FrameDemuxer:
    """Incremental parser of the engine's multiplexed stream.

    Each frame is an 8-byte header (stream type 0-3, three zero bytes, size
    as a big-endian 32-bit number) and that many bytes of payload. Adjacent
    frames of the same stream within one :meth:`feed` are joined.

    Example:
        >>> d = FrameDemuxer()
        >>> d.feed(b"\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x02hi\\x02\\x00\\x00\\x00\\x00")
        [LogChunk(stream='stdout', data=b'hi')]
        >>> d.feed(b"\\x00\\x00\\x01!")
        [LogChunk(stream='stderr', data=b'!')]
    """

    __slots__ = ("_buffer", "_consumed", "_need", "_stream")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._stream = -1  # inside a payload: its stream; -1 between frames
        self._need = 0  # payload bytes still to come for the current frame
        self._consumed = 0

    def feed(self, data: bytes) -> list[LogChunk]:
        """Add bytes; return the chunks of the payload they complete or continue.

        Args:
            data: The next bytes of the multiplexed stream, cut anywhere
                (inside a header too).

        Example:
            >>> FrameDemuxer().feed(b"\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x03err")
            [LogChunk(stream='stderr', data=b'err')]
        """
        buffer = self._buffer
        buffer += data
        view = memoryview(buffer)
        try:
            return self._parse(view, len(buffer))
        finally:
            view.release()
            if self._consumed:
                del buffer[: self._consumed]

    def _parse(self, view: memoryview, end: int) -> list[LogChunk]:
        out: list[LogChunk] = []
        pieces: list[memoryview] = []
        current = -1
        stream = self._stream
        need = self._need
        pos = 0
        self._consumed = 0
        header = _FRAME_HEADER.unpack_from
        while pos < end:
            if stream < 0:
                if end - pos < 8:
                    break
                word, need = header(view, pos)
                stream = word >> 24
                if stream > 3 or word & 0xFFFFFF:
                    bad = bytes(view[pos : pos + 8]).hex()
                    self._stream, self._need = -1, 0
                    self._consumed = end
                    # Drop the views into the buffer first: the traceback keeps
                    # this frame alive, and the buffer cannot shrink under a view.
                    pieces.clear()
                    raise StreamError(200, f"malformed frame header in a multiplexed stream: {bad}")
                pos += 8
                if need == 0:
                    stream = -1
                continue
            take = need if need <= end - pos else end - pos
            if current != stream:
                if pieces:
                    out.append(LogChunk(_STREAM_NAMES[current], b"".join(pieces)))
                    pieces = []
                current = stream
            pieces.append(view[pos : pos + take])
            pos += take
            need -= take
            if need == 0:
                stream = -1
        if pieces:
            out.append(LogChunk(_STREAM_NAMES[current], b"".join(pieces)))
        self._stream = stream
        self._need = need
        self._consumed = pos
        return out

    def close(self) -> None:
        """Check the stream ended on a frame boundary (else :class:`ConnectionLost`).

        Example:
            >>> d = FrameDemuxer(); d.feed(b"\\x01\\x00\\x00\\x00")
            []
            >>> d.close()
            Traceback (most recent call last):
            aiodock.errors.ConnectionLost: the stream ended in the middle of a frame
        """
        if self._stream >= 0 or self._buffer:
            self._buffer = bytearray()
            self._stream = -1
            raise ConnectionLost(None, "the stream ended in the middle of a frame")


# --------------------------------------------------------------------------
# stream objects


async def _aclose(iterator: object) -> None:
    """Close an async iterator that can be closed (an async generator),
    unless it is running (closing itself: the event loop's finalizer may
    have got there first)."""
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None and not getattr(iterator, "ag_running", False):
        await aclose()


Opener = Callable[[], AbstractAsyncContextManager[Reply]]


class _Pipeline(Generic[ItemT]):
    """The generators that turn a response into items, closed together on
    exit, outermost first, rather than left to the garbage collector (trio
    warns about each one). A class, not a generator: the event loop's
    finalizer may close the generators first, in any order."""

    __slots__ = ("_chunks", "_items")

    def __init__(self, items: AsyncIterator[ItemT], chunks: AsyncIterator[bytes]) -> None:
        self._items = items
        self._chunks = chunks

    async def __aenter__(self) -> AsyncIterator[ItemT]:
        return self._items

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await _aclose(self._items)
        finally:
            await _aclose(self._chunks)


class EngineStream(Generic[ItemT, ResultT]):
    """A streaming operation: await it, iterate it, or enter it.

    - ``result = await stream``: run to the end, return the result;
    - ``async for item in stream``: items as they arrive;
    - ``async with stream as s``: returns once the engine has accepted the
      request (an events subscription is then live); iterate ``s`` inside.

    A stream runs once. Leaving the loop early, an exception, or
    cancellation closes its connection. To leave a loop early on trio,
    loop inside ``async with``: its exit closes the stream's generators
    at once (trio warns about an async generator left to the garbage
    collector, as a plain ``break`` leaves it).

    Example:
        >>> logs = await docker.containers.logs("web")  # doctest: +SKIP
        >>> async for chunk in docker.containers.logs("web", follow=True):  # doctest: +SKIP
        ...     print(chunk.data)
        >>> async with docker.system.events() as events:  # doctest: +SKIP
        ...     await docker.containers.start("web")  # the subscription is live
        ...     async for event in events:
        ...         break
    """

    def __init__(self, api: APIClient, opener: Opener) -> None:
        self._api = api
        self._opener = opener
        self._cm: AbstractAsyncContextManager[Reply] | None = None
        self._response: Reply | None = None
        self._started = False
        self._closed = False
        # The loop's generator, for aclose() to close when a loop was left
        # early. Held strongly only inside ``async with`` (whose exit closes
        # it); a bare loop left early must let it go at once (its finalizer
        # closes the connection).
        self._entered = False
        self._iterator: AsyncIterator[ItemT] | weakref.ref[AsyncIterator[ItemT]] | None = None

    @property
    def response(self) -> Reply:
        """The HTTP response (once the stream is open)."""
        if self._response is None:
            raise RuntimeError("the stream is not open yet")
        return self._response

    async def _open(self) -> None:
        if self._started:
            raise RuntimeError("a stream can be consumed only once")
        self._started = True
        cm = self._opener()
        self._response = await cm.__aenter__()
        self._cm = cm

    async def aclose(self) -> None:
        """Close the connection (idempotent): stop following early.

        Leaving an ``async for`` loop or an ``async with`` block closes it too.
        """
        if self._closed:
            return
        self._closed = True
        held, self._iterator = self._iterator, None
        iterator = held() if isinstance(held, weakref.ref) else held
        if iterator is not None:
            # A loop left early: close its generators now (trio warns about
            # one left to the garbage collector), which closes the stream.
            await _aclose(iterator)
        cm, self._cm = self._cm, None
        if cm is not None:
            await cm.__aexit__(None, None, None)

    async def __aenter__(self) -> Self:
        await self._open()
        self._entered = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[ItemT]:
        iterator = self._iterate()
        self._iterator = iterator if self._entered else weakref.ref(iterator)
        return iterator

    async def _begin(self) -> None:
        """Open the stream for iterating, unless ``async with`` already did."""
        if not self._started:
            await self._open()
        elif self._closed:
            raise RuntimeError("this stream is closed")

    async def _iterate(self) -> AsyncIterator[ItemT]:
        await self._begin()
        try:
            async with self._pipeline() as items:
                async for item in items:
                    yield item
        finally:
            await self.aclose()

    def _pipeline(self) -> _Pipeline[ItemT]:
        """The response's items (``async with`` it): on exit, every generator
        between them and the socket is closed."""
        chunks = self._chunks()
        return _Pipeline(self._items(chunks), chunks)

    async def _chunks(self) -> AsyncIterator[bytes]:
        response = self.response
        if response.is_read:  # already read (an in-memory test transport)
            if response.content:
                yield response.content
            return
        # One translating block around the whole loop: only the transport
        # can raise inside it (the consumer's code runs outside the generator).
        raw = response.aiter_raw()
        try:
            with self._api.translate_errors():
                async for chunk in raw:
                    yield chunk
        finally:
            with self._api.translate_errors():
                await _aclose(raw)

    def _items(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[ItemT]:
        raise NotImplementedError

    async def _result(self, items: list[ItemT]) -> ResultT:
        raise NotImplementedError

    async def _run(self) -> ResultT:
        items = [item async for item in self]
        return await self._result(items)

    def __await__(self) -> Generator[Any, None, ResultT]:
        return self._run().__await__()


class JSONStream(EngineStream[ModelT, ResultT]):
    """A JSON-lines stream of typed items (progress, events, stats).

    An object carrying ``error``/``errorDetail`` raises :class:`StreamError`.

    Example:
        >>> async for event in docker.images.pull("busybox:latest"):  # doctest: +SKIP
        ...     print(event.id, event.status)
    """

    def __init__(
        self,
        api: APIClient,
        opener: Opener,
        item_type: type[ModelT] | Any,
        finish: Callable[[list[ModelT]], Awaitable[ResultT]] | None = None,
    ) -> None:
        super().__init__(api, opener)
        self._item_type = item_type
        self._finish = finish

    async def _items(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[ModelT]:
        decoder = JSONLinesDecoder()
        async for chunk in chunks:
            for line in decoder.feed(chunk):
                for item in self._decode_line(line):
                    yield item
        for line in decoder.close():
            for item in self._decode_line(line):
                yield item

    def _decode_line(self, line: bytes) -> list[ModelT]:
        if b'"error' not in line:
            try:
                return [decode_json(line, self._item_type)]
            except Exception:  # several values on one line, or bad JSON: parse below
                pass
        values = _split_json_values(line)
        for value in values:
            _raise_stream_error(value)
        return [decode_json(json.dumps(value).encode(), self._item_type) for value in values]

    async def _result(self, items: list[ModelT]) -> ResultT:
        if self._finish is None:
            return items  # type: ignore[return-value]
        return await self._finish(items)


class ByteStream(EngineStream[bytes, bytes]):
    """A stream of raw bytes (export, archives, saved images).

    ``await`` returns all the bytes (mind the size); prefer ``async for`` or
    :meth:`to_file` for anything large.

    Example:
        >>> size = 0
        >>> async for chunk in docker.images.save("busybox:latest"):  # doctest: +SKIP
        ...     size += len(chunk)
    """

    async def _items(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            if chunk:
                yield chunk

    async def _result(self, items: list[bytes]) -> bytes:
        return b"".join(items)

    async def to_file(self, path: str | os.PathLike[str]) -> int:
        """Write the stream to ``path`` as it arrives; return the byte count.

        Nothing is created when the engine refuses the request, and a
        stream that breaks halfway leaves no partial file behind.

        Args:
            path: The file to write (replaced if it exists).

        Returns:
            The number of bytes written.

        Raises:
            ConnectionLost: The connection broke before the end (the partial
                file is removed).
            OSError: The file cannot be written.
        """
        written = 0
        if not self._started:
            await self._open()  # an error answer raises before the file exists
        try:
            async with await anyio.open_file(path, "wb") as file:
                async for chunk in self:
                    await file.write(chunk)
                    written += len(chunk)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.aclose()
                await anyio.Path(path).unlink(missing_ok=True)  # no half-written file left
            raise
        return written
