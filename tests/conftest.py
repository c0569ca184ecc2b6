"""Fixtures: the real engine, the test image, labelled clean-up, and the
two event loops.

Integration tests FAIL (never skip) when no engine answers: run
``scripts/test.sh`` (the README's test command), which starts one.

Two pytest plugins run coroutine tests here. pytest-asyncio (auto mode)
runs every ``async def`` test and fixture on asyncio, with the session's
loop. A test marked ``@pytest.mark.anyio`` is written once and run by
anyio's plugin on each backend of the ``anyio_backend`` fixture below
(``test_x[asyncio]``, ``test_x[trio]``). Such a test takes only sync
fixtures (``engine``, ``test_image``, ``tmp_path``...) and opens its own
client inside its loop (``tests.helpers.own_client``): the async fixtures
(``docker``...) belong to asyncio's session loop.

The suite runs on every engine the test command starts (``DOCKER_HOST``
says which). Tests assert the API version the engine negotiates (the
``api_version`` fixture), never a constant. A test of an option that needs
a newer API is marked ``@pytest.mark.api("1.42")`` (runs where the client
negotiates 1.42 or newer); the test of its refusal ``@pytest.mark.api_below("1.42")``.
Elsewhere they are skipped with the reason, which ``-ra`` reports.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest
from pytest_asyncio.plugin import PytestAsyncioFunction

from aiodock import Conflict, Docker
from aiodock._api import APIClient
from tests.helpers import (
    LABEL_FILTER,
    LABEL_KEY,
    RUN_ID,
    TEST_IMAGE,
    CapturingHandler,
    busybox_rootfs_tar,
    engine_socket,
    is_podman,
    negotiated_api_version,
    ping_socket,
    version_tuple,
)

ROOT = Path(__file__).resolve().parents[1]


BACKENDS = ("asyncio", "trio")


@pytest.fixture(params=BACKENDS)
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """The event loop a test marked ``anyio`` runs on: it runs once on each."""
    backend: str = request.param
    return backend


def _run_by_anyio(item: pytest.Item) -> pytest.Item:
    """The item for a test marked ``anyio``, as anyio's plugin must see it.

    pytest-asyncio's auto mode turns every coroutine test into an item of
    its own that runs the coroutine on asyncio, even the ``[trio]`` case
    (which then passes without ever running on trio). A marked test gets
    back a plain ``Function`` without the ``asyncio`` mark, so anyio's
    ``pytest_pyfunc_call`` runs it on the backend it was given.
    """
    if not isinstance(item, pytest.Function):
        return item
    for name, definitions in item._fixtureinfo.name2fixturedefs.items():
        function = definitions[-1].func
        if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
            raise pytest.UsageError(
                f"{item.nodeid} is marked anyio but uses the async fixture {name!r}: which"
                " plugin sets that up depends on their load order. Make the fixture sync,"
                " or open the resource inside the test (tests.helpers.own_client)."
            )
    if not isinstance(item, PytestAsyncioFunction):
        return item
    keywords = {key: value for key, value in item.keywords.items() if key != "asyncio"}
    plain = pytest.Function.from_parent(
        item.parent,
        name=item.name,
        callspec=getattr(item, "callspec", None),
        callobj=item.obj,
        fixtureinfo=item._fixtureinfo,
        keywords=keywords,
        originalname=item.originalname,
    )
    plain.own_markers = [mark for mark in item.own_markers if mark.name != "asyncio"]
    return plain


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "api(version): needs an engine the client negotiates API `version` or newer with"
        " (skipped elsewhere, with the reason)",
    )
    config.addinivalue_line(
        "markers",
        "api_below(version): needs an engine below API `version`: the refusal of a newer"
        " option (skipped elsewhere, with the reason)",
    )
    config.addinivalue_line(
        "markers",
        "docker_only(reason): what Podman lacks; a podman_only test checks Podman's refusal"
        " (skipped on Podman, with the reason)",
    )
    config.addinivalue_line(
        "markers",
        "podman_only(reason): how aiodock refuses what Podman lacks (skipped elsewhere)",
    )


_API_VERSION: dict[str, str | None] = {}


def _negotiated_or_none() -> tuple[str, str | None]:
    """(socket, negotiated version), the version ``None`` when no engine
    answers (the ``engine`` fixture then fails the test)."""
    path = engine_socket()
    if path not in _API_VERSION:
        try:
            _API_VERSION[path] = negotiated_api_version(path)
        except (OSError, RuntimeError):
            _API_VERSION[path] = None
    return path, _API_VERSION[path]


_PODMAN: dict[str, bool | None] = {}


def _engine_is_podman() -> bool | None:
    """Whether the engine under test is Podman; ``None`` when none answers."""
    path = engine_socket()
    if path not in _PODMAN:
        try:
            _PODMAN[path] = is_podman(path)
        except OSError:
            _PODMAN[path] = None
    return _PODMAN[path]


def _skip_by_engine_kind(item: pytest.Item) -> None:
    for mark in item.iter_markers("docker_only"):
        if _engine_is_podman():
            pytest.skip(f"not on Podman: {mark.args[0]}")
    for mark in item.iter_markers("podman_only"):
        if _engine_is_podman() is False:
            pytest.skip(f"Podman only: {mark.args[0]}")


def pytest_runtest_setup(item: pytest.Item) -> None:
    _skip_by_engine_kind(item)
    marks = [*item.iter_markers("api"), *item.iter_markers("api_below")]
    if not marks:
        return
    path, version = _negotiated_or_none()
    if version is None:
        return
    for mark in marks:
        (needed,) = mark.args
        newer = version_tuple(version) >= version_tuple(needed)
        if mark.name == "api" and not newer:
            pytest.skip(
                f"needs API {needed} or newer; the engine at {path} negotiates {version}"
                " (the refusal runs there instead)"
            )
        if mark.name == "api_below" and newer:
            pytest.skip(
                f"the refusal below API {needed}; the engine at {path} negotiates {version},"
                " which has it (the option itself runs there instead)"
            )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for index, item in enumerate(items):
        if item.get_closest_marker("anyio") is not None:
            item = items[index] = _run_by_anyio(item)
        if "/integration/" in str(item.path) or "/docs/" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def engine() -> str:
    """The engine's socket path; fails the test when no engine answers."""
    path = engine_socket()
    try:
        answer = ping_socket(path)
    except OSError as exc:
        pytest.fail(
            f"no Docker engine answers at unix://{path} ({exc}). The integration tests need"
            " a real engine: run scripts/test.sh, which installs and starts one.",
            pytrace=False,
        )
    if " 200 " not in answer.split("\r\n", 1)[0]:
        pytest.fail(f"the engine at {path} answered /_ping with: {answer[:200]!r}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def api_version(engine: str) -> str:
    """The API version a client negotiates with the engine (``"1.41"`` with
    dockerd 20.10, ``"1.45"`` with 26.1): what tests assert instead of a constant."""
    return negotiated_api_version(engine)


@pytest.fixture(scope="session")
def podman(engine: str) -> bool:
    """Whether the engine is Podman's Docker-compatible service: tests assert
    what aiodock makes of its differences (docs/engines.md has the table)."""
    return is_podman(engine)


@pytest.fixture
async def docker(engine: str) -> AsyncIterator[Docker]:
    async with Docker(f"unix://{engine}") as client:
        yield client


@pytest.fixture(scope="session")
def test_image(engine: str) -> str:
    """A tiny busybox image made here through the engine's import API (in a
    loop of its own: a sync fixture, so tests on any backend can use it)."""
    tar = busybox_rootfs_tar()

    async def import_image() -> list[bytes]:
        async with Docker(f"unix://{engine}") as client:
            response = await client._api.request(
                "POST",
                "/images/create",
                params={
                    "fromSrc": "-",
                    "repo": TEST_IMAGE,  # whole: Podman ignores a separate tag
                    "changes": [f"LABEL {LABEL_KEY}={RUN_ID}", 'CMD ["sh"]'],
                },
                content=tar,
                headers={"Content-Type": "application/x-tar"},
                timeout=None,
            )
        lines = response.content.splitlines()
        return [line for line in lines if line.strip() and "error" in json.loads(line)]

    for line in anyio.run(import_image):
        pytest.fail(f"importing the test image failed: {line!r}")
    return TEST_IMAGE


@pytest.fixture(scope="session", autouse=True)
def _remove_labelled_leftovers(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the run, remove whatever this run created and left behind."""
    yield
    try:
        path = engine_socket()
        ping_socket(path)
    except (OSError, RuntimeError):
        return

    async def prune(api: APIClient, kind: str, filters: str) -> None:
        # The engine runs one prune at a time (409 "a prune operation is
        # already running"): another run on this engine may be pruning.
        for _ in range(20):
            try:
                await api.request(
                    "POST", f"/{kind}/prune", params={"filters": filters}, timeout=None
                )
                return
            except Conflict:
                await anyio.sleep(0.5)

    async def clean() -> None:
        async with Docker(f"unix://{path}") as client:
            api = client._api
            filters = json.dumps(LABEL_FILTER)
            # From API 1.42 volume prune removes named volumes only when asked.
            every = (
                {**LABEL_FILTER, "all": ["true"]}
                if await client._api.version_at_least("1.42")
                else LABEL_FILTER
            )
            containers = await api.get(
                list, "/containers/json", params={"all": True, "filters": filters}
            )
            for c in containers:
                await api.request(
                    "DELETE", f"/containers/{c['Id']}", params={"force": True, "v": True}
                )
            await prune(api, "networks", filters)
            await prune(api, "volumes", json.dumps(every))
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
