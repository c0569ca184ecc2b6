"""``aiodock plugin``: create, set, enable, ls, inspect, disable, push, rm,
install (refused without --grant-all-permissions, then granted, with a
setting, enabled), upgrade, with the test plugin (tests/plugin_driver)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from aiodock import Docker
from tests.helpers import delete_from_registry
from tests.plugin_driver import (
    MARK,
    REPOSITORY,
    plugin_context,
    remove_test_plugins,
)

from .runner import Result, aiodock, assert_clean_failure

NAME = f"{REPOSITORY}-cli:1"
LOCAL = f"{MARK}/cli-installed:1"


@pytest.fixture
async def cleanup(docker: Docker) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await remove_test_plugins(docker)
        await delete_from_registry(NAME)


async def test_plugin_commands(cleanup: None, tmp_path: Path) -> None:
    context = plugin_context(tmp_path / "plugin")
    results: dict[str, Result] = {}

    async def at_once(**commands: tuple[str, ...]) -> None:
        """Independent commands, run side by side (each one is a process)."""
        async with anyio.create_task_group() as tg:
            for key, args in commands.items():
                tg.start_soon(run, key, args)

    async def run(key: str, args: tuple[str, ...]) -> None:
        results[key] = await aiodock(*args)

    assert (await aiodock("plugin", "create", NAME, str(context))).ok().stdout.strip() == NAME
    await at_once(
        set=("plugin", "set", NAME, "GREETING=from-the-cli"),
        missing=("plugin", "inspect", f"{MARK}/missing:1"),
        bad=("plugin", "set", NAME, "GREETING"),
    )
    results["set"].ok()
    assert_clean_failure(results["missing"], 1, "not found")
    assert_clean_failure(results["bad"], 125, "KEY=VALUE")
    assert (await aiodock("plugin", "enable", NAME)).ok().stdout.strip() == NAME

    await at_once(
        table=("plugin", "ls", "--filter", "capability=volumedriver"),
        inspect=("plugin", "inspect", NAME),
        push=("plugin", "push", NAME),
    )
    table = results["table"].ok().stdout
    assert table.splitlines()[0].split() == ["ID", "NAME", "DESCRIPTION", "ENABLED"]
    line = next(row for row in table.splitlines() if NAME in row)
    assert line.endswith("true") and "aiodock test volume driver" in line
    shown = json.loads(results["inspect"].ok().stdout)
    assert shown[0]["Name"] == NAME and "GREETING=from-the-cli" in shown[0]["Settings"]["Env"]
    assert "Pushed" in results["push"].ok().stdout

    await at_once(
        rm=("plugin", "rm", "-f", NAME),
        refused=("plugin", "install", "--alias", LOCAL, NAME),
    )
    assert results["rm"].ok().stdout.strip() == NAME
    assert_clean_failure(
        results["refused"], 1, "network: none", "CAP_CHOWN", "--grant-all-permissions"
    )
    installed = await aiodock(
        "plugin", "install", "--grant-all-permissions", "--alias", LOCAL, NAME, "GREETING=hi"
    )
    assert installed.ok().stdout.strip() == LOCAL
    listed = json.loads((await aiodock("plugin", "ls", "--json")).ok().stdout)
    mine = next(p for p in listed if p["Name"] == LOCAL)
    assert mine["Enabled"] is True and "GREETING=hi" in mine["Settings"]["Env"]
    (await aiodock("plugin", "disable", LOCAL)).ok()
    (await aiodock("plugin", "upgrade", "--grant-all-permissions", LOCAL, NAME)).ok()
    # the fixture removes LOCAL (rm is run above)
