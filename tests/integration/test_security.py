"""Security against the real engine: a password pushed to the htpasswd
registry never reaches a log record or an error; a real container's
archives never unpack outside the target; a real build never follows a
symlink out of its context nor sends what .dockerignore excludes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import textwrap
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aiodock import Docker, NotFound, RegistryAuth, ServerError, Unauthorized, UnsafeArchiveError
from tests.helpers import LABEL_KEY, LABELS, RUN_ID, CapturingHandler, delete_from_registry
from tests.unit.test_security import (
    SECRET_CONTENT,
    assert_no_secret,
    exception_texts,
    hostile_context,
)

PRIVATE = "127.0.0.1:5001"
USER, PASSWORD = "aiodock", "aiodock-secret"


@pytest.mark.parametrize("transport", ["aiodock", "httpx"])
async def test_push_with_a_password_logs_no_secret(
    engine: str,
    test_image: str,
    captured_logs: CapturingHandler,
    transport: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))  # no stored credentials in play
    name = f"{PRIVATE}/aiodock-sec-{RUN_ID}/img:{uuid.uuid4().hex[:8]}"
    good = RegistryAuth(username=USER, password=PASSWORD, serveraddress=PRIVATE)
    bad = RegistryAuth(username=USER, password=PASSWORD + "-wrong", serveraddress=PRIVATE)
    async with Docker(f"unix://{engine}", transport=transport, env={}) as docker:  # type: ignore[arg-type]
        if docker._api.podman:  # its login reaches plain HTTP under "localhost" alone
            login = PRIVATE.replace("127.0.0.1", "localhost")
            good_login = dataclasses.replace(good, serveraddress=login)
            bad_login = dataclasses.replace(bad, serveraddress=login)
        else:
            good_login, bad_login = good, bad
        await docker.images.tag(test_image, name)
        try:
            pushed = await docker.images.push(name, auth=good)
            assert pushed.digest.startswith("sha256:")
            assert await docker.system.login(good_login)
            errors = []
            for attempt in (
                lambda: docker.images.push(name, auth=bad),
                lambda: docker.images.pull(name, auth=bad),
                lambda: docker.system.login(bad_login),
            ):
                with pytest.raises(Unauthorized) as caught:
                    await attempt()
                errors.append(caught.value)
        finally:
            with contextlib.suppress(NotFound):
                await docker.images.remove(name)
            await delete_from_registry(name, auth=(USER, PASSWORD))
    assert captured_logs.texts, "DEBUG logging produced nothing: the capture is broken"
    for text in captured_logs.texts:
        assert_no_secret(text, "a log record")
        assert (PASSWORD + "-wrong") not in text
    for error in errors:
        for text in exception_texts(error):
            assert_no_secret(text, "an Unauthorized error")
            assert (PASSWORD + "-wrong") not in text


@pytest.fixture
async def archived_container(docker: Docker, test_image: str) -> AsyncIterator[str]:
    """A stopped container whose /x holds an absolute link and /y a relative
    link climbing out of any directory it is unpacked into."""
    script = (
        "mkdir -p /x/sub /y/d && echo inside > /x/sub/file && ln -s /etc/passwd /x/abs"
        " && ln -s sub/file /x/rel-inside"
        " && ln -s ../../../../../../../../etc/passwd /y/d/escape"
    )
    container = await docker.containers.create(test_image, ["sh", "-c", script], labels=LABELS)
    try:
        await container.start()
        assert (await container.wait()).exit_code == 0
        yield container.id
    finally:
        await docker.containers.remove(container.id, force=True)


def assert_inside(base: Path, target: Path) -> None:
    assert sorted(p.name for p in base.iterdir()) == [target.name]
    root = os.path.realpath(target)
    for directory, dirs, files in os.walk(target):
        for name in dirs + files:
            path = os.path.join(directory, name)
            if os.path.islink(path):
                link = os.readlink(path)
                assert not link.startswith("/"), (path, link)
                lexical = os.path.normpath(os.path.join(os.path.dirname(path), link))
                assert lexical == root or lexical.startswith(root + os.sep), (path, link)


async def test_real_archive_with_an_absolute_link_is_refused_or_rebased(
    docker: Docker, archived_container: str, tmp_path: Path
) -> None:
    base = tmp_path / "refused"
    base.mkdir()
    with pytest.raises(UnsafeArchiveError, match="absolute path '/etc/passwd'"):
        await docker.containers.get_archive(archived_container, "/x").extract_to(base / "out")
    assert_inside(base, base / "out")

    base = tmp_path / "rebased"
    base.mkdir()
    count = await docker.containers.get_archive(archived_container, "/x").extract_to(
        base / "out", absolute_links="rebase"
    )
    assert count == 5  # x, x/sub, x/sub/file, x/abs, x/rel-inside
    out = base / "out"
    assert (out / "x" / "rel-inside").read_text() == "inside\n"
    assert os.readlink(out / "x" / "abs") == "../etc/passwd"  # /etc/passwd inside `out`
    assert_inside(base, out)


@pytest.mark.parametrize("absolute_links", ["refuse", "rebase", "skip"])
async def test_real_archive_with_a_link_climbing_out_is_refused(
    docker: Docker, archived_container: str, tmp_path: Path, absolute_links: str
) -> None:
    with pytest.raises(UnsafeArchiveError, match="points outside the directory"):
        await docker.containers.get_archive(archived_container, "/y").extract_to(
            tmp_path / "out", absolute_links=absolute_links
        )  # type: ignore[arg-type]
    assert_inside(tmp_path, tmp_path / "out")


async def test_real_export_unpacks_inside_the_directory(
    docker: Docker, archived_container: str, tmp_path: Path
) -> None:
    with pytest.raises(UnsafeArchiveError):  # /x/abs and the rootfs's own absolute links
        await docker.containers.export(archived_container).extract_to(tmp_path / "refused")
    base = tmp_path / "rebased"
    base.mkdir()
    with pytest.raises(UnsafeArchiveError, match="y/d/escape"):  # the climbing link
        await docker.containers.export(archived_container).extract_to(
            base / "out", absolute_links="rebase"
        )
    assert_inside(base, base / "out")
    assert (base / "out" / "bin" / "busybox").is_file()


async def test_real_build_never_follows_links_out_nor_sends_ignored_files(
    docker: Docker, test_image: str, tmp_path: Path
) -> None:
    context = hostile_context(tmp_path)
    (context / "Dockerfile").write_text(
        textwrap.dedent(f"""\
        FROM {test_image}
        LABEL {LABEL_KEY}={RUN_ID}
        COPY . /ctx
        RUN find /ctx | sort; for f in /ctx/link-file /ctx/sub/link-up /ctx/link-dir/inner.txt;\\
            do cat "$f" 2>&1 || echo "unreadable $f"; done; ls -la /ctx/link-file
    """)
    )
    stream = docker.images.build(context, rm=True, forcerm=True)
    if docker._api.podman:  # buildah refuses the link out of the context (sub/link-up)
        with pytest.raises(ServerError, match="symbolic link that points out of it"):
            await stream
        return
    image_id = await stream
    try:
        log = stream.log
        for name in (
            "/ctx/app.py",
            "/ctx/sub/keep.txt",
            "/ctx/link-file",
            "/ctx/link-dir",
            "/ctx/sub/link-up",
            "/ctx/.dockerignore",
        ):
            assert name in log, f"{name} missing from the build:\n{log}"
        for name in ("/ctx/.env", "/ctx/secrets", "debug.log"):
            assert name not in log, f"{name} (.dockerignore'd) reached the build:\n{log}"
        assert SECRET_CONTENT.decode() not in log
        assert PASSWORD not in log
        assert "unreadable /ctx/link-file" in log  # a link to the host path, not its content
        assert f"-> {tmp_path / 'outside' / 'secret.txt'}" in log
    finally:
        await docker.images.remove(image_id, force=True)
