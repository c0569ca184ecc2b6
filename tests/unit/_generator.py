"""The model generator and extractor under ``tools/``, loaded for the tests."""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = REPO_ROOT / "tools" / "engine-api" / "v1.55-schema.json"
GENERATED = REPO_ROOT / "aiodock" / "models" / "_generated.py"


@cache
def load_tool(name: str) -> ModuleType:
    """``tools/<name>.py`` as a module (registered, for its dataclasses)."""
    spec = importlib.util.spec_from_file_location(
        f"_aiodock_tools_{name}", REPO_ROOT / "tools" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@cache
def schema() -> dict[str, Any]:
    """The checked-in structural schema the generator reads."""
    data: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return data
