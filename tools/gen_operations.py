"""Generate docs/operations.md: every Engine API operation and the aiodock method for it.

The table comes from the operation ids that methods record with
``@operation`` (``aiodock/_operation.py``) and from the list of operations in
the Engine API specification, so it cannot drift from the code: a unit test
(``tests/unit/test_operations_page.py``) regenerates it and compares.

Usage:
    python tools/gen_operations.py            # rewrite docs/operations.md
    python tools/gen_operations.py --check    # exit 1 if it is out of date

The operation list is ``endpoints-v1.41.tsv`` (method, path, operationId,
tag) from ``../shared/engine-api/`` next to the checkout, or from the
directory named by ``AIODOCK_SPEC_DIR``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "operations.md"
ENDPOINTS = "endpoints-v1.41.tsv"

if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from aiodock._operation import (  # noqa: E402
    collections_of,
    handles_of,
    methods_of,
    public_name,
)
from aiodock.client import Docker  # noqa: E402

# Section titles for the spec's tags where the plural reads better; any other
# tag with an implemented operation gets a section under its own name.
TITLES = {
    "Container": "Containers",
    "Image": "Images",
    "Network": "Networks",
    "Volume": "Volumes",
    "Node": "Nodes",
    "Service": "Services",
    "Task": "Tasks",
    "Secret": "Secrets",
    "Config": "Configs",
    "Plugin": "Plugins",
}
# Operations in an implemented tag that aiodock leaves out on purpose, and why.
LEFT_OUT = {
    "ContainerAttachWebsocket": "the hijacked HTTP attach (`ContainerAttach`) covers the same use",
}
# The docker CLI command each operation stands behind, where there is one.
CLI = {
    "ContainerList": "docker ps",
    "ContainerCreate": "docker create",
    "ContainerInspect": "docker inspect",
    "ContainerTop": "docker top",
    "ContainerLogs": "docker logs",
    "ContainerChanges": "docker diff",
    "ContainerExport": "docker export",
    "ContainerStats": "docker stats",
    "ContainerResize": "(terminal resize)",
    "ContainerStart": "docker start",
    "ContainerStop": "docker stop",
    "ContainerRestart": "docker restart",
    "ContainerKill": "docker kill",
    "ContainerUpdate": "docker update",
    "ContainerRename": "docker rename",
    "ContainerPause": "docker pause",
    "ContainerUnpause": "docker unpause",
    "ContainerAttach": "docker attach",
    "ContainerWait": "docker wait",
    "ContainerDelete": "docker rm",
    "ContainerArchiveInfo": "docker cp (stat)",
    "ContainerArchive": "docker cp CONTAINER:PATH",
    "PutContainerArchive": "docker cp PATH CONTAINER:",
    "ContainerPrune": "docker container prune",
    "ContainerExec": "docker exec (create)",
    "ExecStart": "docker exec (start)",
    "ExecResize": "(terminal resize)",
    "ExecInspect": "(exit code of an exec)",
    "ImageList": "docker images",
    "ImageBuild": "docker build",
    "BuildPrune": "docker builder prune",
    "ImageCreate": "docker pull, docker import",
    "ImageInspect": "docker image inspect",
    "ImageHistory": "docker history",
    "ImagePush": "docker push",
    "ImageTag": "docker tag",
    "ImageDelete": "docker rmi",
    "ImageSearch": "docker search",
    "ImagePrune": "docker image prune",
    "ImageCommit": "docker commit",
    "ImageGet": "docker save IMAGE",
    "ImageGetAll": "docker save IMAGE...",
    "ImageLoad": "docker load",
    "DistributionInspect": "docker manifest inspect",
    "NetworkList": "docker network ls",
    "NetworkInspect": "docker network inspect",
    "NetworkDelete": "docker network rm",
    "NetworkCreate": "docker network create",
    "NetworkConnect": "docker network connect",
    "NetworkDisconnect": "docker network disconnect",
    "NetworkPrune": "docker network prune",
    "VolumeList": "docker volume ls",
    "VolumeCreate": "docker volume create",
    "VolumeInspect": "docker volume inspect",
    "VolumeDelete": "docker volume rm",
    "VolumePrune": "docker volume prune",
    "SystemAuth": "docker login",
    "SystemInfo": "docker info",
    "SystemVersion": "docker version",
    "SystemPing": "(health check)",
    "SystemPingHead": "(health check)",
    "SystemEvents": "docker events",
    "SystemDataUsage": "docker system df",
    "PluginList": "docker plugin ls",
    "PluginInspect": "docker plugin inspect",
    "GetPluginPrivileges": "docker plugin install (the privileges it asks)",
    "PluginPull": "docker plugin install",
    "PluginEnable": "docker plugin enable",
    "PluginDisable": "docker plugin disable",
    "PluginDelete": "docker plugin rm",
    "PluginCreate": "docker plugin create",
    "PluginPush": "docker plugin push",
    "PluginSet": "docker plugin set",
    "PluginUpgrade": "docker plugin upgrade",
}


class Endpoint(NamedTuple):
    """One line of the operation list."""

    method: str
    path: str
    operation_id: str
    tag: str


def endpoints_file() -> Path:
    """Where the operation list is (see the module docstring)."""
    candidates = [ROOT.parent / "shared" / "engine-api" / ENDPOINTS]
    if os.environ.get("AIODOCK_SPEC_DIR"):
        candidates.insert(0, Path(os.environ["AIODOCK_SPEC_DIR"]) / ENDPOINTS)
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"cannot find {ENDPOINTS} (looked in {', '.join(map(str, candidates))});"
        " set AIODOCK_SPEC_DIR to the directory holding it"
    )


def read_endpoints(path: Path) -> list[Endpoint]:
    """Parse the tab-separated operation list."""
    return [Endpoint(*line.split("\t")) for line in path.read_text().splitlines() if line]


def implementations() -> dict[str, list[tuple[str, str]]]:
    """operationId -> [(how a user calls it, the API reference identifier)].

    The collections are found by walking a client (``collections_of``), and
    each collection's handles (``handles_of``) add their own calls, named
    after the handle (``container.start``).
    """
    docker = Docker("unix:///nonexistent.sock", env={})
    found: dict[str, list[tuple[str, str]]] = {}
    for attr, collection in collections_of(docker).items():
        owners: list[tuple[str, type]] = [(f"docker.{attr}", type(collection))]
        owners += [(handle.__name__.lower(), handle) for handle in handles_of(collection)]
        for caller, cls in owners:
            for name, ops in methods_of(cls).items():
                for op in ops:
                    found.setdefault(op, []).append(
                        (f"{caller}.{name}", f"{public_name(cls)}.{name}")
                    )
    return found


def _methods_cell(op: str, found: dict[str, list[tuple[str, str]]]) -> str:
    return ", ".join(f"[`{call}`][{ident}]" for call, ident in found[op])


def render(endpoints: Sequence[Endpoint]) -> str:
    """The whole page, from the operation list and the recorded operation ids."""
    found = implementations()
    known = {e.operation_id for e in endpoints}
    stray = sorted(set(found) - known)
    if stray:
        raise ValueError(f"methods record operation ids the specification lacks: {stray}")
    lines = [
        "# Engine API operations",
        "",
        "<!-- Generated by tools/gen_operations.py from the operation ids that aiodock's",
        "     methods record (@operation); do not edit by hand. -->",
        "",
        "Every operation of the Docker Engine API (version 1.41, what Docker 20.10",
        "speaks) and the aiodock method that implements it. The page is generated",
        "from the operation ids the methods record, and a test regenerates it, so",
        "it always says what the code does. A handle (a `Container` from",
        "`docker.containers.create` or `docker.container(ref)`) has its collection's",
        "methods with the first argument filled in.",
        "",
    ]
    implemented = [e for e in endpoints if e.operation_id in found]
    # A section for every tag with an implemented operation, in the order the
    # client's collections come (the first implementation found for each tag).
    tag_of = {e.operation_id: e.tag for e in endpoints}
    sections: dict[str, str] = {}
    for op in found:
        sections.setdefault(tag_of[op], TITLES.get(tag_of[op], tag_of[op]))
    missing_tags = sorted({e.tag for e in endpoints} - set(sections))
    lines += [
        f"aiodock implements {len(implemented)} of the {len(endpoints)} operations, in"
        f" {len(sections)} sections: {', '.join(sections.values())}.",
        "",
    ]
    for tag, title in sections.items():
        lines += [
            f"## {title}",
            "",
            "| Operation | HTTP | aiodock | docker CLI |",
            "| --- | --- | --- | --- |",
        ]
        for e in sorted((e for e in endpoints if e.tag == tag), key=lambda e: e.operation_id):
            http = f"`{e.method} {e.path}`"
            if e.operation_id in found:
                cell = _methods_cell(e.operation_id, found)
            elif e.operation_id in LEFT_OUT:
                cell = f"not implemented: {LEFT_OUT[e.operation_id]}"
            else:
                cell = "**not implemented**"
            cli = CLI.get(e.operation_id, "")
            lines.append(f"| `{e.operation_id}` | {http} | {cell} | {cli} |")
        lines.append("")
    others = [e for e in endpoints if e.tag not in sections]
    if others:
        lines += [
            "## Not implemented yet",
            "",
            f"These {len(missing_tags)} tags of the specification have no methods yet:",
            "",
        ]
        tags: dict[str, list[str]] = {}
        for e in others:
            tags.setdefault(e.tag, []).append(f"`{e.operation_id}`")
        for tag in sorted(tags):
            lines.append(f"- {tag}: {', '.join(sorted(tags[tag]))}")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the page, or with ``--check`` report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the page is out of date")
    parser.add_argument("-o", "--output", type=Path, default=PAGE)
    args = parser.parse_args(argv)
    text = render(read_endpoints(endpoints_file()))
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(
                f"{args.output} is out of date: run python tools/gen_operations.py", file=sys.stderr
            )
            return 1
        return 0
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
