"""Every public module says what it exports (``__all__``), so completion
and ``from aiodock.x import *`` show aiodock's names, not the modules it
imports (``anyio``, ``partial``, ``quote``)."""

from __future__ import annotations

import importlib
import pkgutil

import aiodock


def _public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(aiodock.__path__, "aiodock."):
        parts = info.name.split(".")[1:]
        if any(part.startswith("_") for part in parts) or parts[0] == "cli":
            continue
        names.append(info.name)
    return names


def test_every_public_module_has_all_and_each_name_is_there() -> None:
    modules = _public_modules()
    assert "aiodock.volumes" in modules and "aiodock.models.exec" in modules
    for name in modules:
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{name} has no __all__"
        for item in exported:
            assert hasattr(module, item), f"{name}.__all__ names {item}, which it lacks"
        imported_modules = {"anyio", "partial", "quote", "httpx", "json", "re"}
        assert not imported_modules & set(exported), name
