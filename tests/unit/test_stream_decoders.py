"""Incremental decoders fed every chunking: JSON lines and multiplexed frames."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiodock.errors import ConnectionLost, DockerError, StreamError
from aiodock.streams import FrameDemuxer, JSONLinesDecoder, LogChunk, _split_json_values
from tests.helpers import frame, merged

PROGRESS_SAMPLE = (
    b'{"status":"Pulling from library/busybox","id":"1"}\r\n'
    b'{"status":"Downloading","progressDetail":{"current":10,"total":100},'
    b'"progress":"[=>   ]","id":"abc"}\r\n'
    b'{"status":"Digest: sha256:\\u00e9"}\n'
    b"\n"
    b'{"aux":{"ID":"sha256:1"}}{"stream":"two on a line"}\r\n'
    b'{"status":"Done"}'
)
EXPECTED = [
    {"status": "Pulling from library/busybox", "id": "1"},
    {
        "status": "Downloading",
        "progressDetail": {"current": 10, "total": 100},
        "progress": "[=>   ]",
        "id": "abc",
    },
    {"status": "Digest: sha256:\u00e9"},
    {"aux": {"ID": "sha256:1"}},
    {"stream": "two on a line"},
    {"status": "Done"},
]


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in points:
        pieces.append(data[last:p])
        last = p
    pieces.append(data[last:])
    return pieces


def decode_all(pieces: list[bytes]) -> list[object]:
    decoder = JSONLinesDecoder()
    lines = [line for piece in pieces for line in decoder.feed(piece)] + decoder.close()
    return [value for line in lines for value in _split_json_values(line)]


@settings(max_examples=300)
@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=40))
def test_json_lines_any_chunking(cuts: list[int]) -> None:
    assert decode_all(chunked(PROGRESS_SAMPLE, cuts)) == EXPECTED


def test_json_lines_every_single_cut_and_bytewise() -> None:
    for i in range(len(PROGRESS_SAMPLE) + 1):
        assert decode_all([PROGRESS_SAMPLE[:i], PROGRESS_SAMPLE[i:]]) == EXPECTED
    assert decode_all([bytes([b]) for b in PROGRESS_SAMPLE]) == EXPECTED


def test_one_object_over_many_chunks() -> None:
    big = json.dumps({"stream": "x" * 100_000}).encode() + b"\n"
    pieces = [big[i : i + 7] for i in range(0, len(big), 7)]
    assert decode_all(pieces) == [{"stream": "x" * 100_000}]


def test_malformed_json_is_a_stream_error() -> None:
    with pytest.raises(StreamError, match="malformed JSON"):
        decode_all([b'{"a": 1}\n{"b": \n'])


@settings(max_examples=200)
@given(st.binary(max_size=300), st.lists(st.integers(min_value=0, max_value=400), max_size=10))
def test_json_lines_random_bytes_never_escape(data: bytes, cuts: list[int]) -> None:
    with contextlib.suppress(DockerError):
        decode_all(chunked(data, cuts))


FRAMES = [
    (1, b"hello\n"),
    (2, b"oops\n"),
    (1, b""),
    (1, b"more "),
    (1, b"stdout"),
    (2, b"e" * 3),
    (1, bytes(range(256)) * 4),
]
FRAME_BYTES = b"".join(frame(s, p) for s, p in FRAMES)


def demux_all(pieces: list[bytes]) -> list[LogChunk]:
    demuxer = FrameDemuxer()
    out = [chunk for piece in pieces for chunk in demuxer.feed(piece)]
    demuxer.close()
    return out


EXPECTED_FRAMES = merged([LogChunk("stdout" if s == 1 else "stderr", p) for s, p in FRAMES])


@settings(max_examples=300)
@given(st.lists(st.integers(min_value=0, max_value=5_000), max_size=30))
def test_frames_any_chunking(cuts: list[int]) -> None:
    chunks = demux_all(chunked(FRAME_BYTES, cuts))
    assert merged(chunks) == EXPECTED_FRAMES
    assert all(chunk.data for chunk in chunks)


def test_frames_bytewise_and_coalesced() -> None:
    assert merged(demux_all([bytes([b]) for b in FRAME_BYTES])) == EXPECTED_FRAMES
    whole = demux_all([FRAME_BYTES])
    # In one buffer, adjacent frames of the same stream come out as one chunk.
    assert whole == [LogChunk(s, d) for s, d in EXPECTED_FRAMES]


def test_zero_and_one_mebibyte_frames() -> None:
    big = b"\xab" * (1 << 20)
    data = frame(1, b"") + frame(2, big) + frame(1, b"") + frame(1, b"end")
    for size in (1, 8, 4096, 65536, len(data)):
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        assert merged(demux_all(pieces)) == [("stderr", big), ("stdout", b"end")]


def test_frame_header_fields() -> None:
    assert demux_all([frame(0, b"in"), frame(3, b"sys")]) == [
        LogChunk("stdin", b"in"),
        LogChunk("system", b"sys"),
    ]


def test_bad_header_and_truncation() -> None:
    with pytest.raises(StreamError, match="malformed frame header"):
        FrameDemuxer().feed(b"\x01\x00\x01\x00\x00\x00\x00\x01x")
    with pytest.raises(StreamError, match="malformed frame header"):
        FrameDemuxer().feed(b"\x07\x00\x00\x00\x00\x00\x00\x01x")
    d = FrameDemuxer()
    d.feed(frame(1, b"abcdef")[:-2])
    with pytest.raises(ConnectionLost, match="middle of a frame"):
        d.close()


@settings(max_examples=200)
@given(st.binary(max_size=500), st.lists(st.integers(min_value=0, max_value=600), max_size=10))
def test_frames_random_bytes_never_escape(data: bytes, cuts: list[int]) -> None:
    with contextlib.suppress(DockerError):
        demux_all(chunked(data, cuts))
