"""docs/operations.md is generated from the operation ids methods record, and is up to date."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def generator() -> ModuleType:
    path = ROOT / "tools" / "gen_operations.py"
    spec = importlib.util.spec_from_file_location("gen_operations", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_operations", module)
    spec.loader.exec_module(module)
    return module


def endpoints() -> list[tuple[str, str, str, str]]:
    gen = generator()
    try:
        path = gen.endpoints_file()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    return list(gen.read_endpoints(path))


def test_committed_page_is_up_to_date() -> None:
    expected = generator().render(endpoints())
    committed = (ROOT / "docs" / "operations.md").read_text()
    assert committed == expected, (
        "docs/operations.md is out of date: run `python tools/gen_operations.py`"
    )


def test_page_names_a_method_for_every_implemented_operation() -> None:
    gen = generator()
    page = gen.render(endpoints())
    found = gen.implementations()
    for op, methods in found.items():
        row = next(line for line in page.splitlines() if line.startswith(f"| `{op}` |"))
        for call, ident in methods:
            assert f"[`{call}`][{ident}]" in row
    assert "[`docker.containers.start`][aiodock.containers.ContainerCollection.start]" in page
    assert "[`container.start`][aiodock.containers.Container.start]" in page


def test_check_mode_reports_a_stale_page(tmp_path: Path) -> None:
    gen = generator()
    stale = tmp_path / "operations.md"
    stale.write_text("# stale\n")
    endpoints()  # fails with a clear message when the operation list is missing
    assert gen.main(["--check", "-o", str(stale)]) == 1
    assert gen.main(["-o", str(stale)]) == 0
    assert gen.main(["--check", "-o", str(stale)]) == 0
