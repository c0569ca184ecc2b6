"""``containers.create``/``run`` pull the image as ``docker run`` does
(``pull="missing"|"always"|"never"``), against the real engine and the open
local registry (127.0.0.1:5000).

Each test pushes the test image under a name of this run's own, removes that
name locally, and counts what the client sends (``/images/create`` is a
pull) through a counting transport.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from aiodock import Docker, NotFound
from tests.helpers import LABELS, RUN_ID, CountingTransport, pushed_away

REGISTRY = "127.0.0.1:5000"
REPOSITORY = f"aiodock-test-{RUN_ID}/pull-on-run"


@pytest.fixture
async def counted(engine: str) -> AsyncIterator[tuple[Docker, CountingTransport]]:
    counting = CountingTransport(httpx.AsyncHTTPTransport(uds=engine))
    async with Docker(f"unix://{engine}", transport=counting, env={}) as docker:
        yield docker, counting


@pytest.fixture
async def remote(
    docker: Docker, test_image: str, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """The test image pushed to the open registry under a name of this
    test's own, and that name removed locally: a pull away."""
    tag = request.node.name.removeprefix("test_")[:60].replace("[", "-").rstrip("]")
    async with pushed_away(docker, test_image, f"{REGISTRY}/{REPOSITORY}:{tag}") as name:
        yield name


def pulls(counting: CountingTransport) -> int:
    return sum(n for path, n in counting.paths.items() if path.endswith("/images/create"))


def creates(counting: CountingTransport) -> int:
    return sum(n for path, n in counting.paths.items() if path.endswith("/containers/create"))


async def test_missing_pulls_an_absent_image_once_and_nothing_when_present(
    counted: tuple[Docker, CountingTransport], remote: str, test_image: str
) -> None:
    docker, counting = counted
    image_id = (await docker.images.inspect(test_image)).id
    first = await docker.containers.create(remote, ["true"], labels=LABELS)  # pull="missing"
    try:
        assert (pulls(counting), creates(counting)) == (1, 2)  # refused, pulled, created
        assert (await docker.images.inspect(remote)).id == image_id
        assert (await first.inspect()).image == image_id
        second = await docker.containers.create(remote, ["true"], labels=LABELS, pull="missing")
        await second.remove()
        assert (pulls(counting), creates(counting)) == (1, 3)  # present: one request
    finally:
        await first.remove()


async def test_never_raises_not_found_and_pulls_nothing(
    counted: tuple[Docker, CountingTransport], remote: str
) -> None:
    docker, counting = counted
    with pytest.raises(NotFound, match=r"(?i)no such image"):
        await docker.containers.create(remote, ["true"], labels=LABELS, pull="never")
    with pytest.raises(NotFound, match=r"(?i)no such image"):
        await docker.containers.run(remote, ["true"], labels=LABELS, pull="never")
    assert pulls(counting) == 0
    with pytest.raises(NotFound):
        await docker.images.inspect(remote)


async def test_always_pulls_again_when_present_and_moves_the_tag(
    counted: tuple[Docker, CountingTransport], remote: str, test_image: str
) -> None:
    docker, counting = counted
    pushed_id = (await docker.images.inspect(test_image)).id
    # The name present locally, but on another image than the registry's.
    other = await docker.containers.create(test_image, ["true"], labels=LABELS, pull="never")
    try:
        repository, _, tag = remote.rpartition(":")
        stale = await docker.images.commit(other, repo=repository, tag=tag, changes="ENV STALE=1")
    finally:
        await other.remove()
    assert stale != pushed_id
    before = pulls(counting)
    result = await docker.containers.run(remote, ["echo", "fresh"], labels=LABELS, pull="always")
    assert result.stdout == b"fresh\n"
    assert pulls(counting) == before + 1
    assert (await docker.images.inspect(remote)).id == pushed_id  # the registry's again
    with contextlib.suppress(NotFound):
        await docker.images.remove(stale, force=True)


async def test_run_pulls_quietly_and_bad_policies_send_nothing(
    counted: tuple[Docker, CountingTransport],
    remote: str,
    capfd: pytest.CaptureFixture[str],
) -> None:
    docker, counting = counted
    result = await docker.containers.run(remote, ["echo", "pulled"], labels=LABELS)
    assert (result.exit_code, result.stdout) == (0, b"pulled\n")
    assert pulls(counting) == 1
    assert capfd.readouterr() == ("", "")  # the library prints nothing
    sent = sum(counting.paths.values())
    for bad in ("sometimes", "", None, True):
        with pytest.raises(ValueError, match="pull must be one of 'missing', 'always', 'never'"):
            await docker.containers.create(remote, pull=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="pull must be one of"):
            await docker.containers.run(remote, pull=bad)  # type: ignore[arg-type]
    assert sum(counting.paths.values()) == sent


async def test_an_image_no_registry_has_raises_the_pulls_not_found(
    counted: tuple[Docker, CountingTransport],
) -> None:
    docker, counting = counted
    absent = f"{REGISTRY}/{REPOSITORY}-absent:1"
    with pytest.raises(NotFound) as raised:
        await docker.containers.create(absent, ["true"], labels=LABELS)
    assert f"{REPOSITORY}-absent" in raised.value.message
    assert pulls(counting) == 1 and creates(counting) == 1
    # An image id is not pulled: the engine's own answer.
    with pytest.raises(NotFound, match=r"(?i)no such image"):
        await docker.containers.create("sha256:" + "0" * 64, labels=LABELS)
    assert pulls(counting) == 1
