"""``aiodock/models/_generated.py`` is reproducible from what the repository holds.

The generator reads the checked-in structural schema
(``tools/engine-api/v1.55-schema.json``) and formats with the ruff version
pinned in ``pyproject.toml``; regenerating must give the committed module
byte for byte. Where the upstream YAML is at hand, extracting from it must
give the checked-in schema byte for byte too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiodock.models import _generated as gen
from tests.unit._generator import GENERATED, REPO_ROOT, SCHEMA, load_tool, schema

SPEC_NAME = "v1.55.yaml"


def _regenerate(tmp_path: Path) -> bytes:
    tool = load_tool("gen_models")
    out = tmp_path / "_generated.py"
    try:
        tool.main(["-o", str(out)])
    except SystemExit as exc:  # ruff missing or not the pinned version: fail, never skip
        if exc.code not in (0, None):
            pytest.fail(f"the generator could not run: {exc.code}")
    return out.read_bytes()


def test_regenerating_reproduces_the_module_byte_for_byte(tmp_path: Path) -> None:
    produced = _regenerate(tmp_path)
    committed = GENERATED.read_bytes()
    if produced != committed:
        import difflib

        diff = difflib.unified_diff(
            committed.decode().splitlines(),
            produced.decode().splitlines(),
            "committed",
            "regenerated",
            lineterm="",
            n=1,
        )
        pytest.fail(
            "aiodock/models/_generated.py is not what tools/gen_models.py makes; "
            "run `python tools/gen_models.py`:\n" + "\n".join(list(diff)[:60])
        )


def test_the_formatter_is_pinned_and_installed() -> None:
    tool = load_tool("gen_models")
    pinned = tool.pinned_ruff()
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned)
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"ruff is not installed: {done.stderr.strip()}"
    assert done.stdout.split() == ["ruff", pinned]


def test_the_header_records_both_checksums() -> None:
    header = GENERATED.read_text(encoding="utf-8").split('"""', 1)[0]
    source = schema()["source"]
    assert f"# source: {source['file']} sha256 {source['sha256']}\n" in header
    digest = hashlib.sha256(SCHEMA.read_bytes()).hexdigest()
    assert f"# schema: tools/engine-api/{SCHEMA.name} sha256 {digest}\n" in header
    assert f"Engine API v{schema()['version']}." in header


def _walk(node: Any) -> list[str]:
    """Every schema keyword under ``node`` (property names excluded)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append(key)
            if key == "properties":
                for sub in value.values():
                    found += _walk(sub)
            else:
                found += _walk(value)
    elif isinstance(node, list):
        for item in node:
            found += _walk(item)
    return found


def test_the_schema_holds_facts_only() -> None:
    kept = load_tool("extract_schema").KEPT_KEYWORDS
    keywords = set()
    for definition in schema()["definitions"].values():
        keywords |= set(_walk(definition))
    assert keywords <= kept
    assert not keywords & {"description", "example", "title", "default"}
    assert set(schema()) == {"definitions", "source", "version"}


def test_the_schema_licence_travels_with_it() -> None:
    folder = SCHEMA.parent
    licence = (folder / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0" in licence
    notice = (folder / "NOTICE").read_text(encoding="utf-8")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "moby/moby" in notice and "moby/moby" in readme
    assert schema()["source"]["sha256"] in readme


def _spec_path() -> Path | None:
    candidates = [REPO_ROOT.parent / "shared" / "engine-api" / SPEC_NAME]
    env = os.environ.get("AIODOCK_SPEC_DIR")
    if env:
        candidates.insert(0, Path(env) / SPEC_NAME)
    return next((p for p in candidates if p.is_file()), None)


def test_extracting_from_the_upstream_yaml_reproduces_the_schema() -> None:
    path = _spec_path()
    if path is None:
        pytest.skip(
            f"upstream {SPEC_NAME} not here (set AIODOCK_SPEC_DIR); the schema is checked in"
        )
    name, data = load_tool("extract_schema").extract(path)
    assert name == SCHEMA.name
    assert data == SCHEMA.read_bytes(), "run `python tools/extract_schema.py`"
    assert json.loads(data)["source"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "name",
    [
        "Swarm",
        "SwarmSpec",
        "JoinTokens",
        "Node",
        "NodeSpec",
        "Service",
        "ServiceSpec",
        "ServiceCreateResponse",
        "ServiceUpdateResponse",
        "Task",
        "TaskSpec",
        "Secret",
        "SecretSpec",
        "Config",
        "ConfigSpec",
        "Plugin",
        "PluginPrivilege",
    ],
)
def test_swarm_and_plugin_definitions_are_generated(name: str) -> None:
    assert name in gen.__all__
    model = getattr(gen, name)
    assert model.model_validate({}).to_engine() == {}
