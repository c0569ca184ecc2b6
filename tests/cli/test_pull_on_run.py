"""``aiodock run``/``create --pull missing|always|never`` against the real
engine and the open local registry (127.0.0.1:5000): docker's notice and
the pull's progress on stderr, the container's output alone on stdout.

Each case pushes the test image under a tag of this run's own and removes
that tag locally first.
"""

from __future__ import annotations

import contextlib

import anyio

from aiodock import Docker, NotFound
from tests.helpers import LABELS, RUN_ID, pushed_away

from .runner import LABEL, Result, aiodock, assert_clean_failure

REGISTRY = "127.0.0.1:5000"
REPOSITORY = f"aiodock-test-{RUN_ID}/cli-pull-on-run"


def notice(name: str) -> str:
    return f"Unable to find image '{name}' locally"


async def test_missing_is_the_default_and_pulls_only_when_absent(
    docker: Docker, test_image: str
) -> None:
    async with (
        pushed_away(docker, test_image, f"{REGISTRY}/{REPOSITORY}:run") as for_run,
        pushed_away(docker, test_image, f"{REGISTRY}/{REPOSITORY}:create") as for_create,
    ):
        results: dict[str, Result] = {}

        async def attempt(key: str, *args: str) -> None:
            results[key] = await aiodock(*args)

        async with anyio.create_task_group() as tg:
            tg.start_soon(attempt, "run", "run", "--rm", "-l", LABEL, for_run, "echo", "hi")
            tg.start_soon(attempt, "create", "create", "-l", LABEL, for_create, "true")
        ran, created = results["run"].ok(), results["create"].ok()
        assert ran.stdout == "hi\n"
        assert ran.stderr.startswith(notice(for_run) + "\n"), ran
        assert f"Pulled {for_run}: " in ran.stderr, ran
        container_id = created.stdout.strip()
        assert len(container_id) == 64, created  # stdout: the id alone
        assert notice(for_create) in created.stderr and "Pulled" in created.stderr
        image_id = (await docker.images.inspect(test_image)).id
        assert (await docker.containers.inspect(container_id)).image == image_id
        await docker.containers.remove(container_id)

        again = (
            await aiodock("run", "--rm", "--pull", "missing", "-l", LABEL, for_run, "true")
        ).ok()
        assert again.stderr == "", again  # present: no notice, no pull


async def test_never_fails_clearly_and_always_pulls_a_present_image_again(
    docker: Docker, test_image: str
) -> None:
    async with pushed_away(docker, test_image, f"{REGISTRY}/{REPOSITORY}:never-always") as name:
        results: dict[str, Result] = {}

        async def attempt(key: str, *args: str) -> None:
            results[key] = await aiodock(*args)

        async with anyio.create_task_group() as tg:
            for command in ("run", "create"):
                never = ("--rm", "--pull", "never", "-l", LABEL, name, "true")
                tg.start_soon(attempt, command, command, *never)
            tg.start_soon(attempt, "unknown", "create", "--pull", "sometimes", name)
        for command in ("run", "create"):
            refused = results[command]
            assert_clean_failure(refused, 125, f"No such image: {name}")
            assert notice(name) not in refused.stderr and "Pulled" not in refused.stderr
        assert_clean_failure(results["unknown"], 125, "--pull", "'sometimes'")

        # The name here, on another image than the registry's: always fetches it anew.
        other = await docker.containers.create(test_image, ["true"], labels=LABELS, pull="never")
        try:
            stale = await docker.images.commit(other, repo=name, changes="ENV STALE=1")
        finally:
            await other.remove()
        ran = (
            await aiodock("run", "--rm", "--pull", "always", "-l", LABEL, name, "echo", "ok")
        ).ok()
        assert ran.stdout == "ok\n"
        assert f"Pulled {name}: " in ran.stderr and notice(name) not in ran.stderr, ran
        assert (await docker.images.inspect(name)).id == (
            await docker.images.inspect(test_image)
        ).id
        with contextlib.suppress(NotFound):
            await docker.images.remove(stale, force=True)
