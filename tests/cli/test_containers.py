"""``ps``, ``run``, ``create``, the lifecycle commands, ``logs``, ``exec``,
``inspect`` and ``stats``, driven as a subprocess."""

from __future__ import annotations

import json
import re

import anyio

from tests.helpers import RUN_ID

from .runner import LABEL, aiodock

PS_COLUMNS = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]


def columns(header: str) -> list[str]:
    return re.split(r" {2,}", header.strip())


async def test_ps_lists_in_every_format(test_image: str) -> None:
    name = f"aiodock-cli-ps-{RUN_ID}"
    created = (
        await aiodock(
            "create", "--name", name, "-l", LABEL, "-l", "role=ps", test_image, "sleep", "30"
        )
    ).ok()
    container_id = created.stdout.strip()
    try:
        flt = ("-a", "--filter", f"label={LABEL}", "--filter", "label=role=ps")
        outputs: dict[str, str] = {}

        async def listing(slot: str, *args: str) -> None:
            outputs[slot] = (await aiodock("ps", *args)).ok().stdout

        async with anyio.create_task_group() as tg:
            tg.start_soon(listing, "json", *flt, "--json")
            tg.start_soon(listing, "lines", *flt, "--format", "json")
            tg.start_soon(listing, "table", *flt)
            tg.start_soon(listing, "quiet", *flt, "-q", "--no-trunc")
            tg.start_soon(listing, "running", "--filter", f"label={LABEL}", "--json")
        as_json, lines, table = outputs["json"], outputs["lines"], outputs["table"]
        parsed = json.loads(as_json)
        assert [c["Id"] for c in parsed] == [container_id]
        assert parsed[0]["Names"] == [f"/{name}"]
        assert parsed[0]["Labels"]["role"] == "ps"
        assert parsed[0]["State"] == "created"
        record = json.loads(lines.splitlines()[0])
        assert record["ID"] == container_id[:12] and record["Names"] == name
        header, row = table.splitlines()
        assert columns(header) == PS_COLUMNS
        assert row.startswith(container_id[:12]) and row.rstrip().endswith(name)
        assert '"sleep 30"' in row and "Created" in row
        assert outputs["quiet"].split() == [container_id]
        assert container_id not in outputs["running"]  # never started: not listed
    finally:
        (await aiodock("rm", "-f", container_id)).ok()


async def test_run_passes_the_exit_code_and_output(test_image: str) -> None:
    name = f"aiodock-cli-exit-{RUN_ID}"
    result = await aiodock(
        "run",
        "--rm",
        "--name",
        name,
        "-l",
        LABEL,
        "-e",
        "WHO=cli",
        test_image,
        "sh",
        "-c",
        'echo "out $WHO"; echo err >&2; exit 3',
    )
    assert result.returncode == 3, str(result)
    assert result.stdout == "out cli\n"
    assert result.stderr == "err\n"
    gone = (await aiodock("ps", "-a", "-q", "--filter", f"name={name}")).ok()
    assert gone.stdout == ""  # --rm removed it


async def test_run_interactive_reads_stdin_to_eof(test_image: str) -> None:
    data = b"x" * 200_000
    result = (
        await aiodock("run", "--rm", "-i", "-l", LABEL, test_image, "wc", "-c", input=data)
    ).ok()
    assert result.stdout.strip() == str(len(data))


async def test_lifecycle_logs_inspect_and_exec(test_image: str, tmp_path: object) -> None:
    name = f"aiodock-cli-life-{RUN_ID}"
    started = (
        await aiodock(
            "run",
            "-d",
            "--name",
            name,
            "-l",
            LABEL,
            "-e",
            "A=1",
            "-p",
            "127.0.0.1::8080",
            test_image,
            "sh",
            "-c",
            "echo one; echo two; exec sleep 60",
        )
    ).ok()
    container_id = started.stdout.strip()
    try:
        info = json.loads((await aiodock("inspect", name)).ok().stdout)
        assert info[0]["Id"] == container_id
        assert "A=1" in info[0]["Config"]["Env"]
        assert info[0]["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostIp"] == "127.0.0.1"

        async with anyio.create_task_group() as tg:  # independent: at once

            async def piped_cat() -> None:
                out = (await aiodock("exec", "-i", name, "cat", input=b"hello\nworld\n")).ok()
                assert out.stdout == "hello\nworld\n"

            async def piped_count() -> None:
                out = (await aiodock("exec", "-i", name, "wc", "-c", input=b"y" * 100_000)).ok()
                assert out.stdout.strip() == "100000"

            async def exit_code() -> None:
                out = await aiodock("exec", name, "sh", "-c", "echo gone >&2; exit 4")
                assert out.returncode == 4 and out.stderr == "gone\n", str(out)

            async def logs() -> None:
                for _ in range(100):  # the container prints at once; under load, later
                    if "two" in (await aiodock("logs", name)).ok().stdout:
                        break
                    await anyio.sleep(0.1)
                tail = (await aiodock("logs", "--tail", "1", "-t", name)).ok()
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\S+ two\n", tail.stdout), tail.stdout

            async def stats() -> None:
                out = (await aiodock("stats", "--no-stream", name)).ok()
                header, row = out.stdout.splitlines()
                assert columns(header)[:3] == ["CONTAINER ID", "NAME", "CPU %"]
                assert row.startswith(container_id[:12]) and name in row

            for job in (piped_cat, piped_count, exit_code, logs, stats):
                tg.start_soon(job)

        async def state() -> str:
            listed = (await aiodock("ps", "-a", "--json", "--filter", f"name={name}")).ok()
            return str(json.loads(listed.stdout)[0]["State"])

        assert (await aiodock("pause", name)).ok().stdout.strip() == name
        assert await state() == "paused"
        for command in (["unpause"], ["restart", "-t", "0"], ["kill", "-s", "SIGKILL"]):
            assert (await aiodock(*command, name)).ok().stdout.strip() == name
        assert await state() == "exited"
        (await aiodock("start", name)).ok()
        (await aiodock("stop", "-t", "0", name)).ok()
    finally:
        removed = (await aiodock("rm", "-f", "-v", name)).ok()
    assert removed.stdout.strip() == name


async def test_exec_reads_stdin_from_a_file(test_image: str, tmp_path: object) -> None:
    from pathlib import Path

    source = Path(str(tmp_path)) / "input.txt"
    source.write_bytes(b"line\n" * 1000)
    started = (await aiodock("run", "-d", "-l", LABEL, test_image, "sleep", "30")).ok()
    container_id = started.stdout.strip()
    try:
        with source.open("rb") as handle:
            out = (
                await aiodock("exec", "-i", container_id, "wc", "-l", stdin=handle.fileno())
            ).ok()
        assert out.stdout.strip() == "1000"
    finally:
        (await aiodock("rm", "-f", container_id)).ok()
