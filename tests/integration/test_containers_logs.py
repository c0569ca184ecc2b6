"""Container logs against the real engine: stdout and stderr apart and in
order, TTY, follow, tail, since/until, timestamps, and 50 MiB exactly."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import anyio
import pytest

from aiodock import Docker, LogChunk
from aiodock.containers import Container
from tests.helpers import LABELS


@pytest.fixture
async def finished(docker: Docker, test_image: str) -> AsyncIterator[Finisher]:
    made = Finisher(docker, test_image)
    try:
        yield made
    finally:
        with anyio.CancelScope(shield=True):
            for c in made.containers:
                await docker.containers.remove(c.id, force=True)


class Finisher:
    """Runs a command to its end in a container kept for reading its logs."""

    def __init__(self, docker: Docker, image: str) -> None:
        self.docker = docker
        self.image = image
        self.containers: list[Container] = []

    async def create(self, script: str, *, tty: bool = False) -> Container:
        c = await self.docker.containers.create(
            self.image, ["sh", "-c", script], labels=LABELS, tty=tty
        )
        self.containers.append(c)
        return c

    async def run(self, script: str, *, tty: bool = False) -> Container:
        c = await self.create(script, tty=tty)
        await c.start()
        assert (await c.wait()).exit_code == 0
        return c


def merged(chunks: list[LogChunk]) -> list[LogChunk]:
    out: list[LogChunk] = []
    for chunk in chunks:
        if out and out[-1].stream == chunk.stream:
            out[-1] = LogChunk(chunk.stream, out[-1].data + chunk.data)
        else:
            out.append(chunk)
    return out


async def test_stdout_and_stderr_are_kept_apart_and_in_order(finished: Finisher) -> None:
    c = await finished.run(
        "for i in 1 2 3 4 5 6 7 8; do echo out $i; sleep 0.05; echo err $i >&2; sleep 0.05; done"
    )
    chunks = merged([chunk async for chunk in c.logs()])
    expected = []
    for i in range(1, 9):
        expected += [
            LogChunk("stdout", f"out {i}\n".encode()),
            LogChunk("stderr", f"err {i}\n".encode()),
        ]
    assert chunks == expected
    output = await c.logs()
    assert output.stdout == b"".join(f"out {i}\n".encode() for i in range(1, 9))
    assert output.stderr == b"".join(f"err {i}\n".encode() for i in range(1, 9))
    only_err = await c.logs(stdout=False)
    assert only_err.stdout == b"" and only_err.stderr == output.stderr


async def test_tty_logs_are_raw(finished: Finisher, docker: Docker) -> None:
    c = await finished.run("echo out; echo err >&2; printf '\\001\\000\\000\\000'", tty=True)
    output = await c.logs()
    assert output.stdout == b"out\r\nerr\r\n\x01\x00\x00\x00" and output.stderr == b""
    # A lazy handle does not know the flag: one inspect finds it.
    assert (await docker.container(c.id).logs()).stdout == output.stdout


async def test_follow_receives_lines_as_printed_and_ends_at_exit(finished: Finisher) -> None:
    c = await finished.create("echo first; sleep 1; echo second")
    await c.start()
    received: list[bytes] = []
    with anyio.fail_after(30):
        async for chunk in c.logs(follow=True):
            received.append(chunk.data)
            if chunk.data == b"first\n":
                info = await c.inspect()
                assert info.state is not None and info.state.status == "running", (
                    "the first line arrived while the container still ran"
                )
    assert b"".join(received) == b"first\nsecond\n"
    assert (await c.inspect()).state.status == "exited"  # type: ignore[union-attr]


async def test_tail_and_timestamps(finished: Finisher) -> None:
    c = await finished.run("for i in 1 2 3 4 5 6 7 8 9 10; do echo line $i; done")
    assert (await c.logs(tail=3)).stdout == b"line 8\nline 9\nline 10\n"
    assert (await c.logs(tail=0)).stdout == b""
    assert (await c.logs(tail="all")).stdout.count(b"\n") == 10
    stamped = (await c.logs(timestamps=True, tail=2)).stdout.decode().splitlines()
    assert [line.split(" ", 1)[1] for line in stamped] == ["line 9", "line 10"]
    for line in stamped:
        parse_timestamp(line.split(" ", 1)[0])


def parse_timestamp(text: str) -> datetime:
    """RFC 3339 with nanoseconds (the engine's) -> datetime."""
    whole, _, fraction = text.rstrip("Z").partition(".")
    stamp = datetime.fromisoformat(whole).replace(tzinfo=timezone.utc)
    return stamp + timedelta(microseconds=int((fraction or "0")[:6].ljust(6, "0")))


async def test_since_and_until(finished: Finisher) -> None:
    c = await finished.run("echo early; sleep 1.5; echo late")
    lines = (await c.logs(timestamps=True)).stdout.decode().splitlines()
    late_at = parse_timestamp(lines[1].split(" ", 1)[0])
    # Podman's timestamps stop at the second: "late" came at or after late_at,
    # "early" (1.5 s before) before it
    middle = late_at - timedelta(seconds=0 if finished.docker._api.podman else 0.7)
    assert (await c.logs(since=middle)).stdout == b"late\n"
    assert (await c.logs(until=middle)).stdout == b"early\n"
    assert (await c.logs(since=middle.timestamp())).stdout == b"late\n"


async def test_fifty_mebibytes_arrive_complete(finished: Finisher) -> None:
    size = 50 * 2**20
    # base64 of 37.5 MiB of random bytes: exactly 50 MiB of text, one line;
    # the hash of what was printed goes to stderr.
    c = await finished.run(
        f"head -c {size * 3 // 4} /dev/urandom | base64 -w 0 > /tmp/out;"
        " sha256sum /tmp/out >&2; cat /tmp/out"
    )
    digest = hashlib.sha256()
    count = 0
    stderr = b""
    async for chunk in c.logs():
        if chunk.stream == "stdout":
            digest.update(chunk.data)
            count += len(chunk.data)
        else:
            stderr += chunk.data
    assert count == size
    assert stderr.split()[0].decode() == digest.hexdigest()
