"""Shared test helpers: the run's label, the test image, transports that count,
a client of a test's own."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import socket
import struct
import subprocess
import tarfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx

from aiodock import Docker, NotFound
from aiodock._api import MAX_API_VERSION
from aiodock.streams import LogChunk

RUN_ID = os.environ.get("AIODOCK_TEST_RUN_ID") or uuid.uuid4().hex[:12]
LABEL_KEY = "aiodock.test"
LABELS = {LABEL_KEY: RUN_ID}
LABEL_FILTER = {"label": [f"{LABEL_KEY}={RUN_ID}"]}
TEST_IMAGE_REPO = "aiodock-test/busybox"
TEST_IMAGE = f"{TEST_IMAGE_REPO}:{RUN_ID}"

BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
# Directories a bare busybox tree lacks but containers and tests expect.
ROOTFS_DIRS = (
    "bin",
    "dev",
    "etc",
    "home",
    "proc",
    "root",
    "sys",
    "tmp",
    "usr/bin",
    "var",
    "var/tmp",
    "data",
)


def busybox_path() -> Path:
    for candidate in BUSYBOX_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            out = subprocess.run(
                ["file", "-L", str(path)], capture_output=True, text=True, check=False
            ).stdout
            if "dynamically linked" not in out:
                return path
    raise RuntimeError(
        "no static busybox found (looked at /bin/busybox, /usr/bin/busybox):"
        " install Debian's busybox-static (scripts/engine-up.sh does)"
    )


def busybox_rootfs_tar() -> bytes:
    """A tiny root file system: static busybox, its applet links, the usual dirs."""
    busybox = busybox_path()
    applets = subprocess.run(
        [str(busybox), "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for directory in ROOTFS_DIRS:
            info = tarfile.TarInfo(directory)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if directory in ("tmp", "var/tmp") else 0o755
            tar.addfile(info)
        data = busybox.read_bytes()
        info = tarfile.TarInfo("bin/busybox")
        info.size = len(data)
        info.mode = 0o755
        tar.addfile(info, io.BytesIO(data))
        for applet in applets:
            if applet == "busybox":
                continue
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            tar.addfile(link)
        for name, text in (
            (
                "etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/sh\n",
            ),
            ("etc/group", "root:x:0:\nnogroup:x:65534:\n"),
        ):
            raw = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


class CountingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and counts requests per path."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.paths: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths[request.url.path] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def engine_socket() -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        raise RuntimeError(f"the integration tests need a unix:// DOCKER_HOST, not {host!r}")
    return host.removeprefix("unix://")


def version_tuple(version: str) -> tuple[int, int]:
    """``"1.41"`` -> ``(1, 41)``, for comparing API versions."""
    major, _, minor = version.partition(".")
    return int(major), int(minor)


def ping_socket(path: str) -> str:
    """The whole answer of the engine at socket ``path`` to ``GET /_ping``
    (HTTP/1.0, so it ends by closing), without aiodock in the way."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(path)
        sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    return data.decode("latin-1")


def ping_api_version(path: str) -> str:
    """The ``Api-Version`` the engine at socket ``path`` sends on ``/_ping``."""
    head = ping_socket(path).partition("\r\n\r\n")[0]
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "api-version":
            return value.strip()
    raise RuntimeError(f"the engine at {path} sent no Api-Version on /_ping: {head!r}")


def default_network(docker: Docker) -> str:
    """The key of a container's default network in its inspect: ``bridge``
    on dockerd, ``podman`` on Podman (whose ``NetworkID`` there holds the name)."""
    return "podman" if docker._api.podman else "bridge"


def is_podman(path: str) -> bool:
    """Whether the engine at socket ``path`` is Podman's Docker-compatible
    service (its ``/_ping`` sends ``Libpod-Api-Version``)."""
    head = ping_socket(path).partition("\r\n\r\n")[0]
    return any(
        line.partition(":")[0].strip().lower() == "libpod-api-version"
        for line in head.split("\r\n")[1:]
    )


def negotiated_api_version(path: str) -> str:
    """The API version a client negotiates with the engine at ``path``, as
    aiodock does: ``DOCKER_API_VERSION`` when set, else the engine's, capped
    at the newest aiodock speaks. What tests assert instead of a constant."""
    pinned = os.environ.get("DOCKER_API_VERSION")
    if pinned:
        return pinned
    engine = ping_api_version(path)
    newest = MAX_API_VERSION
    return newest if version_tuple(engine) > version_tuple(newest) else engine


@asynccontextmanager
async def own_client(engine: str, *, seconds: float = 120) -> AsyncIterator[Docker]:
    """A client for the engine at socket path ``engine``, made inside the
    running test's own loop (asyncio or trio), and a deadline for what the
    test does with it. Tests marked ``anyio`` use it instead of the
    ``docker`` fixture, whose client lives on asyncio's session loop."""
    with anyio.fail_after(seconds):
        async with Docker(f"unix://{engine}") as docker:
            yield docker


class CapturingHandler(logging.Handler):
    """Keeps every log record's logger name, message and arguments as text
    (the ``captured_logs`` fixture installs one at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(f"{record.name} {record.getMessage()} {record.args!r}")


def frame(stream: int, payload: bytes) -> bytes:
    """One frame of the engine's multiplexed stream."""
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def merged(chunks: list[LogChunk]) -> list[tuple[str, bytes]]:
    """Join adjacent chunks of one stream: the order-preserving content."""
    out: list[tuple[str, bytes]] = []
    for stream, data in chunks:
        if not data:
            continue
        if out and out[-1][0] == stream:
            out[-1] = (stream, out[-1][1] + data)
        else:
            out.append((stream, data))
    return out


PODMAN_STDIN_NOTICE = re.compile(
    rb"Error: (read|write) unixpacket [^\n]*: (connection reset by peer|broken pipe)\n\Z"
)
"""What Podman itself appends to the process's stderr when it cannot pass
the rest of stdin on (its attach socket was closed by the exited process)."""


async def on_podman(docker: Docker) -> bool:
    version = await docker.system.version()
    return any("podman" in (c.name or "").lower() for c in version.components or [])


def check_early_exit(
    got: tuple[int, bytes, bytes], expected: tuple[int, bytes, bytes], podman: bool
) -> None:
    """The exit code and the output of a process that exited before reading
    its stdin. Podman 4.3 appends its own notice to stderr, and sometimes
    stops relaying the output when it cannot pass stdin on (engine-side:
    the output never reaches the socket): there the exit code is exact and
    the output a prefix of what the process wrote."""
    code, stdout, stderr = got
    if not podman:
        assert got == expected
        return
    stderr = PODMAN_STDIN_NOTICE.sub(b"", stderr)
    assert code == expected[0]
    assert expected[1].startswith(stdout) and expected[2].startswith(stderr), got


async def delete_from_registry(name: str, auth: tuple[str, str] | None = None) -> None:
    """Delete the pushed ``registry/repository:tag`` from its local test
    registry (they allow deletes), if it is there."""
    registry, _, rest = name.partition("/")
    repository, _, tag = rest.rpartition(":")
    accept = "application/vnd.docker.distribution.manifest.v2+json"
    async with httpx.AsyncClient(base_url=f"http://{registry}", auth=auth, timeout=10) as http:
        head = await http.head(f"/v2/{repository}/manifests/{tag}", headers={"Accept": accept})
        digest = head.headers.get("Docker-Content-Digest")
        if head.status_code == 200 and digest:
            await http.delete(f"/v2/{repository}/manifests/{digest}")


@asynccontextmanager
async def pushed_away(docker: Docker, image: str, name: str) -> AsyncIterator[str]:
    """``image`` pushed to an open local registry as ``name``
    (``registry/repository:tag``) and that name removed here: a pull away.
    Afterwards the name is removed here and from the registry."""
    await docker.images.tag(image, name)
    try:
        await docker.images.push(name)
        await docker.images.remove(name)
        yield name
    finally:
        with contextlib.suppress(NotFound):
            await docker.images.remove(name, force=True)
        await delete_from_registry(name)
