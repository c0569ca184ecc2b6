"""Extract the structural facts of the Engine API definitions into a JSON file.

The model generator (``tools/gen_models.py``) needs only the shape of the
specification's ``definitions``: which objects exist, their property keys
and types, enum values, ``allOf`` parts, array items, map values, nullability
and formats. This tool reads the upstream Swagger YAML and keeps exactly
those keywords; descriptions, titles, examples, defaults and Go-specific
extensions are dropped, so no text of the specification enters the
repository.

Output: ``tools/engine-api/v<version>-schema.json``, deterministic (the
same YAML gives the same bytes): definitions and schema keywords in sorted
order, the properties of an object in the specification's order (that is
the order of the engine's JSON keys, which the models keep).

Usage (from the repository root; needs PyYAML)::

    python tools/extract_schema.py ../shared/engine-api/v1.55.yaml
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "engine-api" / "v1.55.yaml"
OUTPUT_DIR = REPO_ROOT / "tools" / "engine-api"

# The schema keywords the generator reads (and ``required``, a fact kept for
# later use). Everything else is left out.
KEPT_KEYWORDS = frozenset(
    {
        "$ref",
        "additionalProperties",
        "allOf",
        "enum",
        "format",
        "items",
        "properties",
        "required",
        "type",
        "x-nullable",
    }
)


def structural(schema: Any) -> Any:
    """``schema`` with only the kept keywords, recursively."""
    if not isinstance(schema, dict):
        return schema  # additionalProperties: true/false
    out: dict[str, Any] = {}
    for key in sorted(schema):
        if key not in KEPT_KEYWORDS:
            continue
        value = schema[key]
        if key == "properties":
            value = {name: structural(sub) for name, sub in (value or {}).items()}
        elif key in ("items", "additionalProperties"):
            value = structural(value)
        elif key == "allOf":
            value = [structural(part) for part in value]
        out[key] = value
    return out


def extract(source: Path) -> tuple[str, bytes]:
    """The output file name and its bytes for the YAML at ``source``."""
    raw = source.read_bytes()
    spec = yaml.safe_load(raw)
    version = str(spec["info"]["version"])
    data = {
        "definitions": {
            name: structural(spec["definitions"][name]) for name in sorted(spec["definitions"])
        },
        "source": {"file": source.name, "sha256": hashlib.sha256(raw).hexdigest()},
        "version": version,
    }
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    return f"v{version}-schema.json", text.encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("-o", "--output-dir", type=Path, default=OUTPUT_DIR)
    args = parser.parse_args(argv)
    name, data = extract(args.source)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    target = args.output_dir / name
    target.write_bytes(data)
    print(f"{target}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
