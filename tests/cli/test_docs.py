"""The ```sh examples of docs/cli.md run, as written, against the engine."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import anyio

from tests.helpers import RUN_ID

from .runner import ROOT, aiodock, cli_env

PAGE = ROOT / "docs" / "cli.md"
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
# The page's names, made unique to this run (other runs of the suite may go
# on at the same time against the same engine).
RENAMES = {
    "aiodock-docs-cli": f"aiodock-docs-cli-{RUN_ID}",
    "aiodock-docs/cli": f"aiodock-docs-{RUN_ID}/cli",
    "demo=docs": f"demo=docs-{RUN_ID}",
}
DOCS_NAMES = (f"aiodock-docs-cli-{RUN_ID}-web",)
DOCS_NETWORK = f"aiodock-docs-cli-{RUN_ID}-net"
DOCS_VOLUME = f"aiodock-docs-cli-{RUN_ID}-data"
DOCS_IMAGE = f"127.0.0.1:5000/aiodock-docs-{RUN_ID}/cli:1"


def shell_examples() -> list[str]:
    """The page's ```sh blocks, with this run's names."""
    blocks = []
    for match in BLOCK.finditer(PAGE.read_text()):
        script = match.group(1)
        for old, new in RENAMES.items():
            script = script.replace(old, new)
        blocks.append(script)
    return blocks


def aiodock_on_path(directory: Path) -> str:
    """A PATH where ``aiodock`` is this checkout's command (installed or not)."""
    shim = directory / "aiodock"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m aiodock.cli "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return f"{directory}{os.pathsep}{os.environ.get('PATH', '')}"


async def test_shell_examples_run(test_image: str, tmp_path: Path) -> None:
    examples = shell_examples()
    assert len(examples) >= 5
    env = cli_env(AIODOCK_EXAMPLE_IMAGE=test_image, PATH=aiodock_on_path(tmp_path))
    failures: list[str] = []

    async def run_example(index: int, script: str) -> None:
        with anyio.fail_after(120):
            done = await anyio.run_process(
                ["bash", "-euo", "pipefail", "-c", script], check=False, env=env, cwd=tmp_path
            )
        if done.returncode != 0:
            failures.append(
                f"docs/cli.md sh block {index + 1} exited {done.returncode}:\n"
                f"{done.stdout.decode()}\n{done.stderr.decode()}"
            )

    try:
        async with anyio.create_task_group() as tg:
            for index, script in enumerate(examples):  # each uses its own names
                tg.start_soon(run_example, index, script)
    finally:
        await aiodock("rm", "-f", *DOCS_NAMES)
        await aiodock("network", "rm", DOCS_NETWORK)
        await aiodock("volume", "rm", "-f", DOCS_VOLUME)
        await aiodock("rmi", "-f", DOCS_IMAGE)
    assert not failures, "\n".join(failures)
