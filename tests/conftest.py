"""Fixtures: the real engine, the test image, labelled clean-up.

Integration tests FAIL (never skip) when no engine answers: run
``scripts/test.sh`` (the README's test command), which starts one.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from aiodock import Docker
from tests.helpers import (
    LABEL_FILTER,
    LABEL_KEY,
    RUN_ID,
    TEST_IMAGE,
    TEST_IMAGE_REPO,
    CapturingHandler,
    busybox_rootfs_tar,
    engine_socket,
)

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.path) or "/docs/" in str(item.path):
            item.add_marker(pytest.mark.integration)


def _ping_socket(path: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(path)
        sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    return data.decode("latin-1")


@pytest.fixture(scope="session")
def engine() -> str:
    """The engine's socket path; fails the test when no engine answers."""
    path = engine_socket()
    try:
        answer = _ping_socket(path)
    except OSError as exc:
        pytest.fail(
            f"no Docker engine answers at unix://{path} ({exc}). The integration tests need"
            " a real engine: run scripts/test.sh, which installs and starts one.",
            pytrace=False,
        )
    if " 200 " not in answer.split("\r\n", 1)[0]:
        pytest.fail(f"the engine at {path} answered /_ping with: {answer[:200]!r}", pytrace=False)
    return path


@pytest.fixture
async def docker(engine: str) -> AsyncIterator[Docker]:
    async with Docker(f"unix://{engine}") as client:
        yield client


@pytest.fixture(scope="session")
async def test_image(engine: str) -> AsyncIterator[str]:
    """A tiny busybox image made here through the engine's import API."""
    tar = busybox_rootfs_tar()
    async with Docker(f"unix://{engine}") as client:
        response = await client._api.request(
            "POST",
            "/images/create",
            params={
                "fromSrc": "-",
                "repo": TEST_IMAGE_REPO,
                "tag": RUN_ID,
                "changes": [f"LABEL {LABEL_KEY}={RUN_ID}", 'CMD ["sh"]'],
            },
            content=tar,
            headers={"Content-Type": "application/x-tar"},
            timeout=None,
        )
        for line in response.content.splitlines():
            if line.strip() and "error" in json.loads(line):
                pytest.fail(f"importing the test image failed: {line!r}")
    yield TEST_IMAGE


@pytest.fixture(scope="session", autouse=True)
def _remove_labelled_leftovers(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the run, remove whatever this run created and left behind."""
    yield
    try:
        path = engine_socket()
        _ping_socket(path)
    except (OSError, RuntimeError):
        return
    import anyio

    async def clean() -> None:
        async with Docker(f"unix://{path}") as client:
            api = client._api
            filters = json.dumps(LABEL_FILTER)
            containers = await api.get(
                list, "/containers/json", params={"all": True, "filters": filters}
            )
            for c in containers:
                await api.request(
                    "DELETE", f"/containers/{c['Id']}", params={"force": True, "v": True}
                )
            for kind in ("networks", "volumes"):
                await api.request(
                    "POST", f"/{kind}/prune", params={"filters": filters}, timeout=None
                )
            images = await api.get(list, "/images/json", params={"filters": filters})
            for image in images:
                await api.request("DELETE", f"/images/{image['Id']}", params={"force": True})

    anyio.run(clean)


@pytest.fixture
def captured_logs() -> Iterator[CapturingHandler]:
    """Every log record at DEBUG: the root logger and httpx/httpcore."""
    handler = CapturingHandler()
    loggers = [logging.getLogger(name) for name in ("", "httpx", "httpcore", "aiodock")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
