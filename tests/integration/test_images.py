"""Images against the real engine and the open local registry (127.0.0.1:5000):
the seed's image lifecycle (build, run, tag, push, rmi, pull, run, remove),
.dockerignore, a 200 MiB context with bounded memory, build failures, build
arguments and stages, save/load, import, history, commit, list filters, prune.

Every image is labelled with this run's label and removed by the test;
repositories live under ``aiodock-test-<run>/`` so parallel runs never clash.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import sys
import tarfile
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from aiodock import BuildError, Docker, NotFound, UnsupportedOperation
from aiodock.models import BuildEvent, ProgressEvent
from tests.helpers import LABEL_KEY, LABELS, RUN_ID, busybox_rootfs_tar, delete_from_registry

REGISTRY = "127.0.0.1:5000"
REPO = f"aiodock-test-{RUN_ID}"
LABEL_LINE = f"LABEL {LABEL_KEY}={RUN_ID}"


@pytest.fixture
async def cleanup(docker: Docker) -> AsyncIterator[list[str]]:
    """Names and IDs to remove (forcibly) when the test ends."""
    created: list[str] = []
    yield created
    for ref in reversed(created):
        with contextlib.suppress(NotFound):
            await docker.images.remove(ref, force=True)


async def run(docker: Docker, image: str, command: list[str]) -> str:
    """Run a labelled container to the end; its stdout (asserting success)."""
    result = await docker.containers.run(image, command, labels=LABELS)
    assert result.exit_code == 0, result.stderr.decode()
    return result.stdout.decode()


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def tar_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# --------------------------------------------------------------------------
# the seed's lifecycle


async def test_image_lifecycle_through_the_open_registry(
    docker: Docker, test_image: str, tmp_path: Path, cleanup: list[str]
) -> None:
    context = write(
        tmp_path / "ctx",
        {
            "hello.txt": "hello from the build context\n",
            "Dockerfile": textwrap.dedent(f"""\
            FROM {test_image}
            ARG GREETING=unset
            {LABEL_LINE}
            LABEL stage=lifecycle
            COPY hello.txt /app/hello.txt
            RUN echo "$GREETING" > /app/greeting
        """),
        },
    )
    local = f"{REPO}/lifecycle:1"
    remote = f"{REGISTRY}/{REPO}/lifecycle:1"
    cleanup.extend([local, remote])

    image_id = await docker.images.build(context, tag=local, buildargs={"GREETING": "hi!"})
    assert image_id.startswith("sha256:")
    built = await docker.images.inspect(local)
    assert built.id == image_id and built.config is not None
    assert own_labels(built.config.labels) == {LABEL_KEY: RUN_ID, "stage": "lifecycle"}
    assert await run(docker, local, ["cat", "/app/hello.txt", "/app/greeting"]) == (
        "hello from the build context\nhi!\n"
    )

    assert await docker.images.tag(local, f"{REGISTRY}/{REPO}/lifecycle", tag="1") == remote
    try:
        events: list[ProgressEvent] = [e async for e in docker.images.push(remote)]
        # the engine's own words (Podman names the tag too)
        assert (events[0].status or "").startswith(
            f"The push refers to repository [{REGISTRY}/{REPO}/lifecycle"
        )
        podman = docker._api.podman  # sends no per-layer progress, no /distribution
        if not podman:
            assert {e.status for e in events if e.id} & {"Pushed", "Layer already exists"}
        pushed = await docker.images.push(remote)  # again: nothing new, same digest
        assert pushed.tag == "1" and pushed.digest.startswith("sha256:") and pushed.size > 0
        if not podman:
            assert [e.aux for e in events if e.aux] == [
                {"Tag": "1", "Digest": pushed.digest, "Size": pushed.size}
            ]
            remote_info = await docker.distribution.inspect(remote)
            assert remote_info.descriptor is not None
            assert remote_info.descriptor.digest == pushed.digest

        removed = await docker.images.remove(remote)
        assert remote in [r.untagged for r in removed]
        removed = await docker.images.remove(local)
        assert any(r.deleted == image_id for r in removed)
        with pytest.raises(NotFound):
            await docker.images.inspect(image_id)

        pull_events = [e async for e in docker.images.pull(remote)]
        statuses = [e.status or "" for e in pull_events]
        if not podman:
            assert f"Digest: {pushed.digest}" in statuses
            assert "Pull complete" in statuses or "Already exists" in statuses
        pulled = await docker.images.inspect(remote)
        assert pulled.id == image_id
        assert pulled.repo_digests == [f"{REGISTRY}/{REPO}/lifecycle@{pushed.digest}"]
        assert await run(docker, remote, ["cat", "/app/hello.txt"]) == (
            "hello from the build context\n"
        )
        await docker.images.remove(remote)
        with pytest.raises(NotFound):
            await docker.images.inspect(remote)
    finally:
        await delete_from_registry(f"{REGISTRY}/{REPO}/lifecycle:1")


# --------------------------------------------------------------------------
# building


async def test_dockerignore_build_args_target_and_labels(
    docker: Docker, test_image: str, tmp_path: Path, cleanup: list[str]
) -> None:
    context = write(
        tmp_path / "ctx",
        {
            "app.py": "print('app')\n",
            "secret.env": "TOKEN=do-not-send\n",
            "logs/debug.log": "noise\n",
            "logs/keep.log": "kept\n",
            "src/app.py": "x = 1\n",
            "src/__pycache__/app.cpython-311.pyc": "bytecode\n",
            "build/out.o": "object\n",
            "build/keep.txt": "kept too\n",
            "docs/notes.md": "docs\n",
            ".dockerignore": textwrap.dedent("""\
            # secrets and noise
            *.env
            logs
            !logs/keep.log
            **/__pycache__
            /build
            !build/keep.txt
            docs/**
        """),
            "Dockerfile": textwrap.dedent(f"""\
            FROM {test_image} AS base
            ARG FLAVOUR=plain
            {LABEL_LINE}
            COPY . /ctx
            RUN echo "$FLAVOUR" > /flavour && cd /ctx && find . -type f | sort > /listing
            FROM base AS final
            RUN echo final > /stage
        """),
        },
    )
    tag = f"{REPO}/ignore:1"
    cleanup.append(tag)
    events: list[BuildEvent] = [
        e
        async for e in docker.images.build(
            context,
            tag=tag,
            buildargs={"FLAVOUR": "spicy"},
            target="base",
            labels={LABEL_KEY: RUN_ID, "purpose": "dockerignore"},
        )
    ]
    output = "".join(e.stream or "" for e in events)
    assert f"FROM {test_image} AS base" in output
    assert "echo final" not in output  # the build stopped at the target stage
    [image_id] = [e.image_id for e in events if e.image_id]

    listing = await run(
        docker, tag, ["sh", "-c", "cat /listing /flavour; test -e /stage || echo no-stage"]
    )
    files = listing.split()
    assert files == [
        "./.dockerignore",
        "./Dockerfile",
        "./app.py",
        "./build/keep.txt",
        "./logs/keep.log",
        "./src/app.py",
        "spicy",
        "no-stage",
    ]
    image = await docker.images.inspect(tag)
    # the event's aux ID is the engine's own (Podman's lacks "sha256:")
    assert image.id in (image_id, f"sha256:{image_id}") and image.config is not None
    assert own_labels(image.config.labels) == {LABEL_KEY: RUN_ID, "purpose": "dockerignore"}

    history = await docker.images.history(tag)
    assert history[0].id == image_id
    created_by = [h.created_by or "" for h in history]
    assert any("COPY dir:" in c or "COPY ." in c for c in created_by)
    assert any('echo "$FLAVOUR"' in c for c in created_by)
    # the test image's one layer, in each engine's words
    assert history[-1].comment == (
        "imported from tarball" if docker._api.podman else "Imported from -"
    )


async def test_failing_run_raises_build_error_with_the_output(
    docker: Docker, test_image: str
) -> None:
    dockerfile = (
        f"FROM {test_image}\n{LABEL_LINE}\n"
        f"RUN echo output-before-failure-{RUN_ID}; echo on-stderr >&2; exit 7\n"
    )
    with pytest.raises(BuildError) as info:
        await docker.images.build(tar_of({"Dockerfile": dockerfile.encode()}), forcerm=True)
    error = info.value
    assert error.code == 7  # Podman sends no code: aiodock reads it from the message
    assert f"output-before-failure-{RUN_ID}" in error.log
    assert "on-stderr" in error.log
    if docker._api.podman:  # buildah's words
        assert "exit status 7" in error.message
        assert error.log.startswith("STEP 1/3: FROM")
        return
    assert "returned a non-zero code: 7" in error.message
    assert error.log.startswith("Step 1/3 : FROM")


async def test_context_as_bytes_file_gzip_and_async_iterator_build_the_same(
    docker: Docker, test_image: str, tmp_path: Path, cleanup: list[str]
) -> None:
    dockerfile = f"FROM {test_image}\n{LABEL_LINE}\nCOPY payload.txt /payload.txt\n"
    tar = tar_of({"Dockerfile": dockerfile.encode(), "payload.txt": b"payload\n"})
    (tmp_path / "context.tar").write_bytes(tar)

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(0, len(tar), 1000):
            yield tar[i : i + 1000]

    ids = []
    with (tmp_path / "context.tar").open("rb") as file:
        for source in (tar, gzip.compress(tar), file, pieces(), tmp_path / "context.tar"):
            ids.append(await docker.images.build(source))
    cleanup.append(ids[0])
    assert len(set(ids)) == 1, ids
    assert await run(docker, ids[0], ["cat", "/payload.txt"]) == "payload\n"


BIG_CONTEXT_SCRIPT = """
import json, sys
import anyio
from aiodock import Docker

def peak_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

async def main(host, warmup, context, tag):
    async with Docker(host) as docker:
        warm_id = await docker.images.build(warmup)
        before = peak_kib()
        image_id = await docker.images.build(context, tag=tag)
        after = peak_kib()
    print(json.dumps({"before": before, "after": after, "id": image_id, "warm": warm_id}))

anyio.run(main, *sys.argv[1:])
"""


async def test_200_mib_context_streams_with_bounded_memory(
    docker: Docker, engine: str, test_image: str, tmp_path: Path, cleanup: list[str]
) -> None:
    dockerfile = f"FROM {test_image}\n{LABEL_LINE}\nCOPY small.txt /small.txt\n"
    warmup = write(tmp_path / "warmup", {"Dockerfile": dockerfile, "small.txt": "warm\n"})
    context = write(tmp_path / "big", {"Dockerfile": dockerfile, "small.txt": "small\n"})
    block = os.urandom(1024 * 1024)
    for index in range(4):
        with (context / f"blob-{index}.bin").open("wb") as file:
            for _ in range(50):
                file.write(block)
    tag = f"{REPO}/big-context:1"
    cleanup.append(tag)
    try:
        result = await anyio.run_process(
            [
                sys.executable,
                "-c",
                BIG_CONTEXT_SCRIPT,
                f"unix://{engine}",
                str(warmup),
                str(context),
                tag,
            ],
            check=False,
        )
    finally:
        for blob in context.glob("blob-*.bin"):
            blob.unlink()
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    cleanup.append(report["warm"])
    growth_mib = (report["after"] - report["before"]) / 1024
    assert growth_mib < 50, f"peak memory grew by {growth_mib:.1f} MiB for a 200 MiB context"
    assert (await docker.images.inspect(tag)).id == report["id"]


async def test_prune_builds_with_a_filter_matching_nothing(docker: Docker) -> None:
    if docker._api.podman:  # Podman has no build cache endpoint
        with pytest.raises(UnsupportedOperation, match="does not implement POST /build/prune"):
            await docker.images.prune_builds(filters={"id": f"aiodock-none-{RUN_ID}"})
        return
    report = await docker.images.prune_builds(filters={"id": f"aiodock-none-{RUN_ID}"})
    assert report.caches_deleted == [] and report.space_reclaimed == 0


# --------------------------------------------------------------------------
# archives, import, commit


async def test_save_remove_load_restores_the_same_image(
    docker: Docker, tmp_path: Path, cleanup: list[str]
) -> None:
    tag = f"{REPO}/saved:1"
    cleanup.append(tag)
    [image_id] = await docker.images.import_image(
        busybox_rootfs_tar(), repo=tag, changes=[LABEL_LINE, "LABEL purpose=save"]
    )
    archive = tmp_path / "saved.tar"
    written = await docker.images.save(tag).to_file(archive)
    assert written == archive.stat().st_size > 1_000_000
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()
    await docker.images.remove(tag)
    with pytest.raises(NotFound):
        await docker.images.inspect(image_id)
    with archive.open("rb") as file:
        events = [e async for e in docker.images.load(file)]
    # the engine's own words: Podman names the image fully and ends no line
    loaded = f"docker.io/{tag}" if docker._api.podman else tag
    assert f"Loaded image: {loaded}" in [(e.stream or "").rstrip("\n") for e in events]
    assert (await docker.images.inspect(tag)).id == image_id
    chunks = [chunk async for chunk in docker.images.save([tag, image_id])]
    assert sum(map(len, chunks)) > 1_000_000
    with pytest.raises(NotFound, match=f"cannot save {REPO}/nothing:1"):
        await docker.images.save(f"{REPO}/nothing:1").to_file(tmp_path / "none.tar")
    assert await docker.images.load(archive) == [tag]


async def test_import_a_rootfs_with_changes_gives_a_runnable_image(
    docker: Docker, cleanup: list[str]
) -> None:
    tar = busybox_rootfs_tar()

    async def source() -> AsyncIterator[bytes]:
        for i in range(0, len(tar), 64 * 1024):
            yield tar[i : i + 64 * 1024]

    tag = f"{REPO}/imported:1"
    cleanup.append(tag)
    ids = await docker.images.import_image(
        source(),
        repo=f"{REPO}/imported",
        tag="1",
        message="imported by aiodock",
        changes=['CMD ["echo", "imported-ok"]', "ENV GREETING=hi", LABEL_LINE],
    )
    image = await docker.images.inspect(tag)
    assert ids == [image.id]
    assert image.comment == "imported by aiodock"
    assert image.config is not None and image.config.cmd == ["echo", "imported-ok"]
    assert "GREETING=hi" in (image.config.env or [])
    result = await docker.containers.run(tag, labels=LABELS)
    assert (result.exit_code, result.stdout) == (0, b"imported-ok\n")


async def test_commit_a_container_after_writing_a_file(
    docker: Docker, test_image: str, cleanup: list[str]
) -> None:
    container = await docker.containers.create(
        test_image, ["sh", "-c", f"echo committed-{RUN_ID} > /data/note"], labels=LABELS
    )
    try:
        await container.start()
        assert (await container.wait()).exit_code == 0
        tag = f"{REPO}/committed:1"
        cleanup.append(tag)
        image_id = await docker.images.commit(
            container.id,
            repo=f"{REPO}/committed",
            tag="1",
            message="a note",
            author="aiodock",
            changes=[LABEL_LINE, 'CMD ["cat", "/data/note"]'],
        )
    finally:
        await container.remove(force=True)
    image = await docker.images.inspect(tag)
    assert image.id == image_id
    assert (image.comment, image.author) == ("a note", "aiodock")
    result = await docker.containers.run(tag, labels=LABELS)
    assert result.stdout == f"committed-{RUN_ID}\n".encode()


# --------------------------------------------------------------------------
# list and prune


def own_labels(labels: dict[str, str] | None) -> dict[str, str]:
    """An image's labels without the one Podman's builder adds to every image."""
    return {k: v for k, v in (labels or {}).items() if k != "io.buildah.version"}


async def import_labelled(docker: Docker, purpose: str, repo: str | None = None) -> str:
    [image_id] = await docker.images.import_image(
        busybox_rootfs_tar(), repo=repo, changes=[LABEL_LINE, f"LABEL purpose={purpose}"]
    )
    return image_id


async def test_list_filters(docker: Docker, cleanup: list[str]) -> None:
    tagged = await import_labelled(docker, "list-tagged", f"{REPO}/listed:1")
    dangling = await import_labelled(docker, "list-dangling")
    cleanup.extend([tagged, dangling])

    by_reference = await docker.images.list(filters={"reference": f"{REPO}/listed"})
    assert [i.id for i in by_reference] == [tagged]
    assert by_reference[0].repo_tags == [f"{REPO}/listed:1"]
    assert by_reference[0].labels == {LABEL_KEY: RUN_ID, "purpose": "list-tagged"}

    by_label = await docker.images.list(
        filters={"label": [f"{LABEL_KEY}={RUN_ID}", "purpose=list-dangling"]}
    )
    assert [i.id for i in by_label] == [dangling]

    mine = {"label": [f"{LABEL_KEY}={RUN_ID}"]}
    dangling_ids = {i.id for i in await docker.images.list(filters={**mine, "dangling": "true"})}
    assert dangling in dangling_ids and tagged not in dangling_ids
    all_mine = {i.id for i in await docker.images.list(all=True, filters=mine, digests=True)}
    assert {tagged, dangling} <= all_mine


async def test_prune_with_a_label_filter_removes_only_labelled_dangling_images(
    docker: Docker, cleanup: list[str]
) -> None:
    doomed = await import_labelled(docker, "prune")
    kept_dangling = await import_labelled(docker, "keep")
    kept_tagged = await import_labelled(docker, "prune", f"{REPO}/pruned:1")
    cleanup.extend([doomed, kept_dangling, kept_tagged])
    report = await docker.images.prune(
        filters={"label": [f"{LABEL_KEY}={RUN_ID}", "purpose=prune"]}
    )
    assert [item.deleted for item in report.images_deleted] == [doomed]
    with pytest.raises(NotFound):
        await docker.images.inspect(doomed)
    assert (await docker.images.inspect(kept_dangling)).id == kept_dangling
    assert (await docker.images.inspect(kept_tagged)).id == kept_tagged


async def test_inspect_and_remove_missing_images(docker: Docker) -> None:
    with pytest.raises(NotFound, match=f"{REPO}/missing:1"):
        await docker.images.inspect(f"{REPO}/missing:1")
    with pytest.raises(NotFound):
        await docker.images.remove(f"{REPO}/missing:1")
    with pytest.raises(NotFound):
        await docker.images.history(f"{REPO}/missing:1")
    with pytest.raises(NotFound):
        await docker.images.tag(f"{REPO}/missing:1", f"{REPO}/other")
