"""``network`` and ``volume`` subcommands, ``version``, ``info``."""

from __future__ import annotations

import json

import anyio

from tests.helpers import RUN_ID, engine_socket, negotiated_api_version, ping_api_version

from .runner import LABEL, aiodock


async def test_network_create_ls_connect_rm(test_image: str) -> None:
    name = f"aiodock-cli-net-{RUN_ID}"
    created = (await aiodock("network", "create", "--internal", "--label", LABEL, name)).ok()
    network_id = created.stdout.strip()
    container = None
    try:
        outputs: dict[str, str] = {}

        async def show(key: str, *args: str) -> None:
            outputs[key] = (await aiodock(*args)).ok().stdout.strip()

        async with anyio.create_task_group() as tg:  # independent: at once
            tg.start_soon(show, "json", "network", "ls", "--json", "--filter", f"label={LABEL}")
            tg.start_soon(show, "table", "network", "ls", "--filter", f"name={name}")
            tg.start_soon(show, "container", "create", "-l", LABEL, test_image, "true")
        container = outputs["container"]
        mine = [n for n in json.loads(outputs["json"]) if n["Name"] == name]
        assert mine and mine[0]["Id"] == network_id and mine[0]["Internal"] is True
        table = outputs["table"]
        assert table.splitlines()[0].split() == ["NETWORK", "ID", "NAME", "DRIVER", "SCOPE"]
        assert f"{network_id[:12]}   {name}   bridge" in table

        (await aiodock("network", "connect", "--alias", "db", name, container)).ok()
        info = json.loads((await aiodock("inspect", "--type", "network", name)).ok().stdout)
        assert info[0]["Id"] == network_id  # --type network: found among networks
        inspected = json.loads((await aiodock("inspect", container)).ok().stdout)
        assert "db" in inspected[0]["NetworkSettings"]["Networks"][name]["Aliases"]
        (await aiodock("network", "disconnect", name, container)).ok()
    finally:
        if container:
            await aiodock("rm", "-f", container)
        removed = (await aiodock("network", "rm", name)).ok()
    assert removed.stdout.strip() == name


async def test_volume_create_ls_rm() -> None:
    name = f"aiodock-cli-vol-{RUN_ID}"
    assert (await aiodock("volume", "create", "--label", LABEL, name)).ok().stdout.strip() == name
    try:
        quiet = (await aiodock("volume", "ls", "-q", "--filter", f"label={LABEL}")).ok()
        assert name in quiet.stdout.split()
        listed = json.loads(
            (await aiodock("volume", "ls", "--json", "--filter", f"name={name}")).ok().stdout
        )
        assert listed[0]["Labels"]["aiodock.test"] == RUN_ID
    finally:
        assert (await aiodock("volume", "rm", name)).ok().stdout.strip() == name


async def test_version_and_info() -> None:
    outputs: dict[tuple[str, ...], str] = {}

    async def show(*args: str) -> None:
        outputs[args] = (await aiodock(*args)).ok().stdout

    async with anyio.create_task_group() as tg:
        for args in (("version", "--json"), ("version",), ("info", "--json"), ("info",)):
            tg.start_soon(show, *args)
    version = json.loads(outputs["version", "--json"])
    assert version["Client"]["ApiVersion"] == negotiated_api_version(engine_socket())
    assert version["Server"]["ApiVersion"] == ping_api_version(engine_socket())
    text = outputs["version",]
    assert "Client: aiodock" in text and "Server:" in text and "Engine version:" in text
    info = json.loads(outputs["info", "--json"])
    assert info["ServerVersion"] == version["Server"]["Version"]
    assert f"Server Version: {info['ServerVersion']}" in outputs["info",]
