"""The test plugin: a volume driver built here from C (vold.c), since there
is no plugin registry on the internet to pull one from.

:func:`plugin_context` compiles ``vold.c`` statically with gcc (installing
Debian's gcc and libc6-dev when missing) into a fresh directory and writes
the plugin's ``config.json`` beside the ``rootfs/``; ``plugins.create``
installs that directory. The plugin keeps each volume as a directory of its
propagated mount (``/data``), so it needs no mount syscall, and asks for two
harmless privileges (its own network namespace, ``CAP_CHOWN``) so that the
privilege checks of pull and upgrade have something to check.

Every name has the run id in it: plugins are global to the engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from aiodock import Docker, DockerError
from tests.helpers import RUN_ID

SOURCE = Path(__file__).with_name("vold.c")
REGISTRY = "127.0.0.1:5000"
REPOSITORY = f"{REGISTRY}/aiodock-test-{RUN_ID}/vol"
"""Where the tests push the plugin (the open local registry)."""
MARK = f"aiodock-test-{RUN_ID}"
"""In the name of every plugin this run installs."""

PRIVILEGES = [
    {"Name": "network", "Value": ["none"]},
    {"Name": "capabilities", "Value": ["CAP_CHOWN"]},
]
"""What the plugin asks for (from its config.json)."""

ROOTFS_DIRS = ("run/docker/plugins", "data", "dev", "proc", "sys", "tmp", "etc")


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def compiler() -> str:
    """gcc, installed from Debian (with libc6-dev, for -static) when missing:
    we are root on Debian. The test passes of both engines may ask at once;
    apt waits for its lock."""
    found = shutil.which("gcc")
    if found is not None:
        return found
    done = _apt("install", "gcc", "libc6-dev")
    if done.returncode != 0:  # a fresh machine: no package lists yet
        _apt("update")
        done = _apt("install", "gcc", "libc6-dev")
    found = shutil.which("gcc")
    if found is None:
        raise RuntimeError(
            "the test plugin is built from C with gcc -static, and gcc could not be"
            f" installed (apt-get install gcc libc6-dev: {done.stderr.strip()[-500:]})"
        )
    return found


def plugin_context(directory: Path, *, description: str = "aiodock test volume driver") -> Path:
    """Build the plugin's files in ``directory`` (config.json, rootfs/) and
    return it. ``description`` tells versions apart (upgrade)."""
    rootfs = directory / "rootfs"
    for name in ROOTFS_DIRS:
        (rootfs / name).mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [compiler(), "-static", "-O2", "-Wall", "-o", str(rootfs / "vold"), str(SOURCE)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"building the test plugin failed (gcc -static needs libc6-dev): {done.stderr}"
        )
    config = {
        "description": description,
        "documentation": "https://example.invalid/aiodock/tests/plugin_driver",
        "entrypoint": ["/vold"],
        "interface": {"types": ["docker.volumedriver/1.0"], "socket": "vol.sock"},
        "network": {"type": "none"},
        "propagatedMount": "/data",
        "linux": {"capabilities": ["CAP_CHOWN"]},
        "env": [
            {
                "name": "GREETING",
                "description": "what the driver puts in Volume.Status",
                "settable": ["value"],
                "value": "none",
            }
        ],
    }
    (directory / "config.json").write_text(json.dumps(config, indent=2))
    return directory


async def remove_test_plugins(docker: Docker) -> list[str]:
    """Remove every plugin of this run (and the volumes of its drivers),
    even enabled ones; return their names."""
    removed = []
    for plugin in await docker.plugins.list():
        name = plugin.name or ""
        if MARK not in name:
            continue
        listing = await docker.volumes.list(filters={"driver": name})
        for volume in listing.volumes:
            with contextlib.suppress(DockerError):
                await docker.volumes.remove(volume.name or "", force=True)
        await docker.plugins.remove(name, force=True)
        removed.append(name)
    return removed
