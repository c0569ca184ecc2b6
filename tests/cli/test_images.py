"""``build``, ``push``, ``pull`` (piped: a summary line; in a pty: live
progress bars), ``images`` and ``rmi`` against the local registry."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

import anyio

from tests.helpers import RUN_ID

from .runner import COMMAND, LABEL, ROOT, aiodock, cli_env

REPO = f"127.0.0.1:5000/aiodock-test-{RUN_ID}/cli"
IMAGES_COLUMNS = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]


def run_in_pty(*args: str, timeout: float = 60) -> tuple[int, str]:
    """Run ``aiodock ARGS`` with a pseudo-terminal as stdout/stderr; return
    its exit code and everything it drew."""
    leader, follower = pty.openpty()
    env = cli_env(TERM="xterm-256color", COLUMNS="120", LINES="40", LANG="C.UTF-8")
    env.pop("NO_COLOR")
    process = subprocess.Popen(
        [*COMMAND, *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=ROOT,
    )
    os.close(follower)
    drawn = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    data = os.read(leader, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not data:
                    break
                drawn.extend(data)
            elif process.poll() is not None:
                break
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    return code, drawn.decode(errors="replace")


async def test_build_push_pull_images_rmi(test_image: str, tmp_path: Path) -> None:
    ref = f"{REPO}:1"
    context = tmp_path / "context"
    context.mkdir()
    (context / "greeting.txt").write_text("from the context\n")
    dockerfile = context / "Dockerfile.cli"
    dockerfile.write_text(
        f"FROM {test_image}\nARG WHO\nCOPY greeting.txt /greeting.txt\n"
        f'RUN echo "$WHO {RUN_ID}" >> /greeting.txt\n'
    )
    try:
        built = (
            await aiodock(
                "build",
                "-t",
                ref,
                "-f",
                str(dockerfile),
                "--build-arg",
                "WHO=builder",
                "--label",
                LABEL,
                str(context),
            )
        ).ok()
        assert "Step 1/5 : FROM" in built.stdout and "Successfully built" in built.stdout

        shown = (await aiodock("run", "--rm", "-l", LABEL, ref, "cat", "/greeting.txt")).ok()
        assert shown.stdout == f"from the context\nbuilder {RUN_ID}\n"

        listed = (await aiodock("images", "--filter", f"reference={REPO}")).ok()
        header, row = listed.stdout.splitlines()
        assert re.split(r" {2,}", header) == IMAGES_COLUMNS
        assert row.split()[:2] == [REPO, "1"]
        as_json = json.loads(
            (await aiodock("images", "--json", "--filter", f"reference={REPO}")).ok().stdout
        )
        assert as_json[0]["RepoTags"] == [ref]

        pushed = (await aiodock("push", ref)).ok()
        assert pushed.stdout.startswith(f"Pushed {ref}: ")
        assert len(pushed.stdout.splitlines()) == 1 and "digest sha256:" in pushed.stdout

        removed = (await aiodock("rmi", ref)).ok()
        assert f"Untagged: {ref}" in removed.stdout and "Deleted: sha256:" in removed.stdout

        code, drawn = await anyio.to_thread.run_sync(run_in_pty, "pull", ref)
        assert code == 0, drawn
        assert "━" in drawn, drawn  # a progress bar was drawn
        assert "Pull complete" in drawn and f"Pulled {ref}" in drawn

        (await aiodock("rmi", ref)).ok()
        pulled = (await aiodock("pull", ref)).ok()
        assert pulled.stdout.startswith(f"Pulled {ref}: 3 layers (1 already present)"), pulled
        assert len(pulled.stdout.splitlines()) == 1 and "\x1b" not in pulled.stdout
    finally:
        await aiodock("rmi", "-f", ref)
