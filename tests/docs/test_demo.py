"""The README demo (examples/demo.py) runs end to end and leaves nothing behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from aiodock import Docker

ROOT = Path(__file__).resolve().parents[2]

# Each state the demo must walk through, in order.
STORY = [
    r"pushed 127\.0\.0\.1:5000/aiodock-demo/busybox:\w+: digest sha256:[0-9a-f]{64}",
    r"removed it locally: docker images no longer lists it",
    r"layer [0-9a-f]{12}: Pull complete",
    r"pulled 127\.0\.0\.1:5000/aiodock-demo/busybox:\w+: sha256:",
    r"user-defined network aiodock-demo-net-\w+",
    r"named volume aiodock-demo-data-\w+",
    r"created aiodock-demo-\w+ \(\w+\): created",
    r"env \['GREETING=aiodock'\], binds \['/\S+:/config:ro', 'aiodock-demo-data-\w+:/data'\]",
    r"docker ps: not listed, docker ps --all: listed",
    r"started: running, address [\d.]+ on aiodock-demo-net-\w+",
    r"its output: 'a file from the host, mounted read-only\\nwrote /data/hello'",
    r"paused: paused",
    r"unpaused: running",
    r"stopped: exited \(exit code 0\)",
    r"killed: exited \(exit code 137\)",
    r"removed aiodock-demo-\w+: gone",
    r"the volume outlived its writer: 'hello from aiodock'",
    r"removed the image: untagged 127\.0\.0\.1:5000/aiodock-demo/busybox:\w+",
    r"cleaned up",
]


async def test_demo_walks_the_story_and_cleans_up(engine: str) -> None:
    env = dict(os.environ, DOCKER_HOST=f"unix://{engine}")
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, f"the demo failed:\n{result.stdout}\n{result.stderr}"
    position = 0
    for step in STORY:
        found = re.compile(step).search(result.stdout, position)
        assert found, f"the demo did not print {step!r} (after offset {position}):\n{result.stdout}"
        position = found.end()

    run = re.search(r"aiodock-demo-net-(\w+)", result.stdout)
    assert run
    label = {"label": [f"aiodock.demo={run.group(1)}"]}
    async with Docker(f"unix://{engine}") as docker:
        assert not await docker.containers.list(all=True, filters=label)
        assert not await docker.networks.list(filters=label)
        assert not (await docker.volumes.list(filters=label)).volumes
        tags = {t for image in await docker.images.list() for t in image.repo_tags or []}
        assert not [t for t in tags if t.endswith(f"aiodock-demo/busybox:{run.group(1)}")]
    digest = re.search(r"digest (sha256:[0-9a-f]{64})", result.stdout)
    assert digest
    async with httpx.AsyncClient(base_url="http://127.0.0.1:5000", timeout=10) as registry:
        manifest = await registry.head(f"/v2/aiodock-demo/busybox/manifests/{digest.group(1)}")
        assert manifest.status_code == 404, "the demo left its image in the registry"
