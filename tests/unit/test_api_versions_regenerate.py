"""``aiodock/_api_versions.py`` is reproducible from what the repository holds.

``tools/gen_api_versions.py`` makes it from ``tools/engine-api/api-versions.json``
(the per-version table extracted from the specifications v1.41 ... v1.55);
regenerating must give the committed module byte for byte. Where
specifications are at hand, the table must say what they say: every one of
the fifteen in ``$AIODOCK_SPEC_DIR`` (the whole extract, byte for byte), or
v1.41 and v1.55 in ``../shared/engine-api/`` (what each of them has).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from aiodock import _api_versions as table
from tests.unit._generator import REPO_ROOT, load_tool

MODULE = REPO_ROOT / "aiodock" / "_api_versions.py"
TABLE = REPO_ROOT / "tools" / "engine-api" / "api-versions.json"


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))
    return data


def test_regenerating_reproduces_the_module_byte_for_byte(tmp_path: Path) -> None:
    tool = load_tool("gen_api_versions")
    out = tmp_path / "_api_versions.py"
    try:
        tool.main(["-o", str(out)])
    except SystemExit as exc:  # ruff missing or not the pinned version: fail, never skip
        if exc.code not in (0, None):
            pytest.fail(f"the generator could not run: {exc.code}")
    assert out.read_bytes() == MODULE.read_bytes(), "run `python tools/gen_api_versions.py`"


def test_the_header_records_the_table_checksum() -> None:
    digest = hashlib.sha256(TABLE.read_bytes()).hexdigest()
    assert f"# table: tools/engine-api/api-versions.json sha256 {digest}\n" in MODULE.read_text(
        encoding="utf-8"
    )


def test_the_table_names_its_fifteen_inputs_and_their_licence() -> None:
    sources = _data()["sources"]
    assert sorted(sources) == sorted(f"v1.{m}.yaml" for m in range(41, 56))
    readme = (TABLE.parent / "README.md").read_text(encoding="utf-8")
    for digest in sources.values():
        assert digest in readme
    assert "api-versions.json" in (TABLE.parent / "NOTICE").read_text(encoding="utf-8")


def test_the_table_holds_names_and_versions_only() -> None:
    for name, entry in _data()["operations"].items():
        assert set(entry) == {"method", "path", "versions", "query", "body"}, name
        spans = [entry["versions"], *entry["query"].values(), *entry["body"].values()]
        for span in spans:
            first, _, last = span.partition("-")
            assert first.startswith("1.") and (last == "" or last.startswith("1.")), span


def _spec_dir() -> Path | None:
    env = os.environ.get("AIODOCK_SPEC_DIR")
    if env and all((Path(env) / f"v1.{m}.yaml").is_file() for m in range(41, 56)):
        return Path(env)
    return None


def test_extracting_all_fifteen_specifications_reproduces_the_table() -> None:
    folder = _spec_dir()
    if folder is None:
        pytest.skip("the fifteen specifications are not here (set AIODOCK_SPEC_DIR)")
    assert load_tool("gen_api_versions").extract(folder) == TABLE.read_bytes()


@pytest.mark.parametrize("minor", [41, 55])
def test_the_table_says_what_the_shared_specification_has(minor: int) -> None:
    import yaml

    path = REPO_ROOT.parent / "shared" / "engine-api" / f"v1.{minor}.yaml"
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    raw = path.read_bytes()
    assert _data()["sources"][path.name] == hashlib.sha256(raw).hexdigest()
    spec_ops = load_tool("gen_api_versions").operations_of(yaml.safe_load(raw))

    def present(span: str) -> bool:
        first, _, last = span.partition("-")
        low = int(first.split(".")[1])
        high = int(last.split(".")[1]) if last else 55
        return low <= minor <= high

    ops = _data()["operations"]
    assert {n for n, e in ops.items() if present(e["versions"])} == set(spec_ops)
    for name, spec in spec_ops.items():
        for kind in ("query", "body"):
            have = {k for k, span in ops[name][kind].items() if present(span)}
            assert have == spec[kind], (name, kind)


def test_the_module_lists_only_what_changes() -> None:
    for spans in (*table.QUERY.values(), *table.BODY.values()):
        for first, last in spans.values():
            assert first != "1.41" or last is not None
    assert table.OPERATIONS["ContainerStop"][:2] == ("POST", "/containers/{id}/stop")
    assert table.QUERY["ContainerStop"] == {"signal": ("1.42", None)}
