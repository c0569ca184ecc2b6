"""The per-version table of the Engine API's request options, and its module.

Two steps, both deterministic:

``extract`` reads the Engine API specifications ``v1.41.yaml`` ...
``v1.55.yaml`` (one directory; ``api/docs/`` of moby/moby holds them) and
writes ``tools/engine-api/api-versions.json``: for every operation (by
``operationId``) its method and path, and every query parameter and every
request-body field it takes, with the first API version that has it and,
for one the engine dropped, the last. Body fields are walked through
``$ref``, ``allOf``, arrays (``[]``) and maps (``{}``, the values of
``additionalProperties``), and named by their path of engine keys
(``HostConfig.Mounts[].VolumeOptions.Subpath``). Only names and version
numbers go in (no text of the specifications); the checksum of every input
is recorded. ``1.41`` as the first version means "1.41 or earlier": aiodock
speaks nothing older.

``generate`` (the default) turns that JSON into ``aiodock/_api_versions.py``:
the operations' method and path template, and only the options and fields
whose availability changes between 1.41 and 1.55 (the others need no gate),
formatted by the ruff version pinned in ``pyproject.toml``;
``tests/unit/test_api_versions_regenerate.py`` checks it byte for byte.

Usage (from the repository root)::

    python tools/gen_api_versions.py extract SPEC_DIR     # needs PyYAML
    python tools/gen_api_versions.py [generate] [-o OUTPUT] [--no-format]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
TABLE = REPO_ROOT / "tools" / "engine-api" / "api-versions.json"
DEFAULT_OUTPUT = REPO_ROOT / "aiodock" / "_api_versions.py"
PYPROJECT = REPO_ROOT / "pyproject.toml"
FORMAT_AS = "aiodock/_api_versions.py"
FIRST, LAST = 41, 55
VERSIONS = [f"1.{minor}" for minor in range(FIRST, LAST + 1)]


# -- extract -----------------------------------------------------------------


def _resolve(
    spec: dict[str, Any], schema: Any, seen: tuple[str, ...]
) -> tuple[Any, tuple[str, ...]]:
    while isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return None, seen
        seen = (*seen, name)
        schema = spec["definitions"][name]
    return schema, seen


def _fields(spec: dict[str, Any], schema: Any, prefix: str, seen: tuple[str, ...]) -> set[str]:
    """Every field path under ``schema`` (``prefix`` names where it sits)."""
    schema, seen = _resolve(spec, schema, seen)
    if not isinstance(schema, dict):
        return set()
    out: set[str] = set()
    for part in schema.get("allOf", ()):
        out |= _fields(spec, part, prefix, seen)
    dot = f"{prefix}." if prefix else ""
    for key, sub in (schema.get("properties") or {}).items():
        path = f"{dot}{key}"
        out.add(path)
        out |= _fields(spec, sub, path, seen)
    items = schema.get("items")
    if items is not None:
        out |= _fields(spec, items, f"{prefix}[]", seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        out |= _fields(spec, extra, f"{prefix}{{}}", seen)
    return out


def operations_of(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``operationId`` -> method, path, query names, body field paths."""
    found: dict[str, dict[str, Any]] = {}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "parameters" or not isinstance(op, dict):
                continue
            query: set[str] = set()
            body: set[str] = set()
            for param in op.get("parameters", ()):
                if param.get("in") == "query":
                    query.add(param["name"])
                elif param.get("in") == "body":
                    body |= _fields(spec, param.get("schema"), "", ())
            found[op["operationId"]] = {
                "method": method.upper(),
                "path": path,
                "query": query,
                "body": body,
            }
    return found


def _span(present: list[int]) -> str:
    """``"1.44-"`` (from 1.44 on) or ``"1.41-1.43"`` (dropped after 1.43)."""
    first, last = present[0], present[-1]
    return f"1.{first}-" if last == LAST else f"1.{first}-1.{last}"


def extract(spec_dir: Path) -> bytes:
    import yaml  # type: ignore[import-untyped,unused-ignore]

    sources: dict[str, str] = {}
    per_version: dict[int, dict[str, dict[str, Any]]] = {}
    for minor in range(FIRST, LAST + 1):
        raw = (spec_dir / f"v1.{minor}.yaml").read_bytes()
        sources[f"v1.{minor}.yaml"] = hashlib.sha256(raw).hexdigest()
        per_version[minor] = operations_of(yaml.safe_load(raw))
    table: dict[str, Any] = {}
    names = sorted({name for ops in per_version.values() for name in ops})
    for name in names:
        present = [m for m in per_version if name in per_version[m]]
        newest = per_version[present[-1]][name]
        entry: dict[str, Any] = {
            "method": newest["method"],
            "path": newest["path"],
            "versions": _span(present),
        }
        for kind in ("query", "body"):
            keys = sorted({key for m in present for key in per_version[m][name][kind]})
            entry[kind] = {
                key: _span([m for m in present if key in per_version[m][name][kind]])
                for key in keys
            }
        table[name] = entry
    data = {
        "about": (
            "Per operation: method, path, the API versions that have it, and each query"
            " parameter and request-body field with the versions that have it"
            " ('1.44-': 1.44 and later; '1.41-1.43': dropped after 1.43; '1.41' means"
            " 1.41 or earlier). Made by tools/gen_api_versions.py extract."
        ),
        "sources": sources,
        "operations": table,
    }
    lines = ["{"]
    lines.append(f' "about": {json.dumps(data["about"])},')
    lines.append(f' "sources": {json.dumps(sources, sort_keys=True)},')
    lines.append(' "operations": {')
    rows = []
    for name, entry in table.items():
        rows.append(f"  {json.dumps(name)}: {json.dumps(entry)}")
    lines.append(",\n".join(rows))
    lines.append(" }")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


# -- generate ----------------------------------------------------------------


# Where a specification file disagrees with the version history
# (``version-history.md``), the history wins: these spans replace the
# extracted ones in the generated module (the JSON keeps what the files say).
CORRECTIONS: dict[tuple[str, str, str], str] = {
    # v1.47.yaml lists EnableIPv4 in the create body ahead of its time; the
    # history adds the field to POST /networks/create in v1.48.
    ("NetworkCreate", "body", "EnableIPv4"): "1.48-",
}


def _corrected(table: dict[str, Any]) -> dict[str, Any]:
    ops: dict[str, Any] = json.loads(json.dumps(table["operations"]))
    for (op, kind, key), span in CORRECTIONS.items():
        if key not in ops[op][kind]:
            raise SystemExit(f"correction for a field the table lacks: {op} {kind} {key}")
        ops[op][kind][key] = span
    return ops


def _parse_span(span: str) -> tuple[str, str | None]:
    first, _, last = span.partition("-")
    return first, (last or None)


def _changes(span: str) -> bool:
    first, last = _parse_span(span)
    return first != VERSIONS[0] or last is not None


def render(table: dict[str, Any], digest: str) -> str:
    ops = _corrected(table)
    out = [
        "# ruff: noqa: E501",
        '"""What each Engine API version accepts: generated by tools/gen_api_versions.py.',
        "",
        "Do not edit: regenerate from ``tools/engine-api/api-versions.json``.",
        "",
        "``OPERATIONS`` maps an operationId to its method, path template and the",
        "versions that have it; ``QUERY`` and ``BODY`` hold, per operation, only",
        "the query parameters and request-body fields whose availability changes",
        f"between {VERSIONS[0]} and {VERSIONS[-1]}, as ``(first, last)``: ``last`` is",
        "``None`` unless the engine dropped it after that version. Body fields are",
        "paths of engine keys; ``[]`` steps into an array's items, ``{}`` into a",
        "map's values. Where a specification file disagrees with the version",
        "history, the history wins (``CORRECTIONS`` in the generator).",
        '"""',
        "",
        f"# table: tools/engine-api/api-versions.json sha256 {digest}",
        "",
        "from typing import Final",
        "",
        "Span = tuple[str, str | None]",
        "",
        "OPERATIONS: Final[dict[str, tuple[str, str, Span]]] = {",
    ]
    for name, entry in ops.items():
        out.append(
            f"    {name!r}: ({entry['method']!r}, {entry['path']!r},"
            f" {_parse_span(entry['versions'])!r}),"
        )
    out.append("}")
    body_paths: set[str] = set()
    for kind, title in (("query", "QUERY"), ("body", "BODY")):
        out.append("")
        out.append(f"{title}: Final[dict[str, dict[str, Span]]] = {{")
        for name, entry in ops.items():
            changed = {k: v for k, v in entry[kind].items() if _changes(v)}
            if not changed:
                continue
            out.append(f"    {name!r}: {{")
            for key, span in changed.items():
                out.append(f"        {key!r}: {_parse_span(span)!r},")
                if kind == "body":
                    body_paths.add(key)
            out.append("    },")
        out.append("}")
    out.append("")
    out.append("# The Python spelling of each body field above (the models' field names).")
    out.append("PYTHON_NAMES: Final[dict[str, str]] = {")
    for path in sorted(body_paths):
        out.append(f"    {path!r}: {python_path(path)!r},")
    out.append("}")
    return "\n".join(out) + "\n"


def python_path(path: str) -> str:
    """``HostConfig.Mounts[].VolumeOptions`` -> ``host_config.mounts[].volume_options``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from gen_models import snake_name
    finally:
        sys.path.pop(0)
    parts = []
    for segment in path.split("."):
        key = segment.rstrip("[]{}")
        parts.append(snake_name(key) + segment[len(key) :])
    return ".".join(parts)


def pinned_ruff() -> str:
    for line in PYPROJECT.read_text(encoding="utf-8").splitlines():
        text = line.strip().strip('",')
        if text.startswith("ruff=="):
            return text.removeprefix("ruff==")
    raise SystemExit("pyproject.toml pins no ruff version")


def ruff_format(source: str) -> str:
    pinned = pinned_ruff()
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "--version"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or done.stdout.split() != ["ruff", pinned]:
        raise SystemExit(f"needs ruff {pinned} (pinned in pyproject.toml): {done.stdout.strip()}")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", FORMAT_AS, "-"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"ruff format failed: {done.stderr}")
    return done.stdout


def generate(table_path: Path, output: Path, *, fmt: bool = True) -> None:
    raw = table_path.read_bytes()
    source = render(json.loads(raw), hashlib.sha256(raw).hexdigest())
    if fmt:
        source = ruff_format(source)
    output.write_text(source, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "extract":
        parser = argparse.ArgumentParser(prog="gen_api_versions.py extract")
        parser.add_argument("spec_dir", type=Path)
        parser.add_argument("-o", "--output", type=Path, default=TABLE)
        ns = parser.parse_args(args[1:])
        data = extract(ns.spec_dir)
        ns.output.write_bytes(data)
        print(f"{ns.output}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
        return 0
    if args and args[0] == "generate":
        args = args[1:]
    parser = argparse.ArgumentParser(prog="gen_api_versions.py [generate]")
    parser.add_argument("table", nargs="?", type=Path, default=TABLE)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-format", action="store_true")
    ns = parser.parse_args(args)
    generate(ns.table, ns.output, fmt=not ns.no_format)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
