"""Generate ``aiodock/models/_generated.py`` from the Engine API Swagger 2.0 spec.

One pydantic model (an ``EngineModel`` subclass) is written for every object
in the spec's ``definitions``, plus one model for every object defined inline
inside them (named ``<Parent><Field>``; array items get an ``Item`` suffix,
map values a ``Value`` suffix). Definitions that are not objects (string
enums, maps, arrays) become module-level type aliases.

Rules (see also the module docstring of the generated file):

* fields are snake_case, with the engine's key as ``Field(alias=...)``;
* every field is optional (``T | None = None``): engines omit fields freely;
* enums are plain ``str``/``int``, the known values go into a trailing
  comment, so an unknown value still validates;
* ``date-time`` strings stay ``str`` (nanoseconds, ``0001-01-01T00:00:00Z``);
* ``allOf`` merges the properties of all its parts;
* no description text of the spec is copied into the output.

Usage (from the repository root)::

    python tools/gen_models.py [SPEC] [-o OUTPUT] [--names TABLE] [--no-format]
"""

from __future__ import annotations

import argparse
import heapq
import json
import keyword
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = REPO_ROOT / ".." / "shared" / "engine-api" / "v1.55.yaml"
DEFAULT_OUTPUT = REPO_ROOT / "aiodock" / "models" / "_generated.py"

# Engine keys whose mechanical snake_case form is poor. Keep this small.
NAME_OVERRIDES: dict[str, str] = {
    "RootFS": "rootfs",  # not root_fs; the OCI image config spells it "rootfs"
    "SELinuxContext": "selinux_context",  # not se_linux_context
}

# Attribute names of pydantic's BaseModel (v1-compat API included) and of
# EngineModel that a field must not shadow; ``model_*`` is handled apart.
RESERVED_NAMES = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "fields",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "to_engine",
        "update_forward_refs",
        "validate",
        # names the generated annotations use: a field must not hide them
        "bool",
        "float",
        "int",
        "list",
        "str",
    }
)

# Acronym spellings that the generic camelCase splitter gets wrong.
_TOKEN_FIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"IPv(?=\d)"), "Ipv"),  # IPv4Address, GlobalIPv6Address, EnableIPv6
    (re.compile(r"IOps"), "Iops"),  # BlkioDeviceReadIOps
)
# An acronym in plural form: "IPs", "CIDRs" (followed by a word start or end).
_PLURAL_ACRONYM = re.compile(r"([A-Z]{2,})s(?=[A-Z0-9_]|$)")
_ACRONYM_WORD = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LOWER_UPPER = re.compile(r"([a-z0-9])([A-Z])")
_NON_IDENT = re.compile(r"[^0-9A-Za-z]+")

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def snake_name(key: str) -> str:
    """The Python field name for an engine key (without disambiguation)."""
    if key in NAME_OVERRIDES:
        return NAME_OVERRIDES[key]
    s = _NON_IDENT.sub("_", key)
    for pattern, repl in _TOKEN_FIXES:
        s = pattern.sub(repl, s)
    s = _PLURAL_ACRONYM.sub(lambda m: m.group(1).capitalize() + "s", s)
    s = _ACRONYM_WORD.sub(r"\1_\2", s)
    s = _LOWER_UPPER.sub(r"\1_\2", s)
    s = re.sub(r"_+", "_", s.lower()).strip("_")
    if not s:
        s = "field"
    if s[0].isdigit():
        s = "n" + s
    if keyword.iskeyword(s) or s in RESERVED_NAMES or s.startswith("model_"):
        s += "_"
    return s


def pascal_part(key: str) -> str:
    """An engine key as a part of a class name: ``progressDetail`` -> ``ProgressDetail``."""
    parts = [p for p in _NON_IDENT.split(key) if p]
    return "".join(p[0].upper() + p[1:] for p in parts) or "Field"


def isort_key(name: str) -> tuple[int, list[Any]]:
    """Ruff's (RUF022) isort-style order: CONSTANTS, Classes, others; natural sort."""
    if len(name) > 1 and name.upper() == name and any(c.isalpha() for c in name):
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    parts: list[Any] = [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]
    return kind, parts


@dataclass
class FieldSpec:
    key: str
    annotation: str
    comment: str | None
    deps: set[str]
    name: str = ""


@dataclass
class Node:
    """A class or a type alias of the output."""

    name: str
    kind: str  # "class" or "alias"
    doc: str = ""
    fields: list[FieldSpec] = field(default_factory=list)
    annotation: str = ""
    comment: str | None = None
    deps: set[str] = field(default_factory=set)


class Generator:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.defs: dict[str, Any] = spec["definitions"]
        self.version = str(spec.get("info", {}).get("version", "?"))
        self.nodes: dict[str, Node] = {}
        self.taken: set[str] = set(self.defs)
        self._def_fields: dict[str, dict[str, FieldSpec]] = {}
        self._in_progress: set[str] = set()
        self.renamed_inline: list[tuple[str, str]] = []
        self.name_rows: list[tuple[str, str, str]] = []

    # -- naming -------------------------------------------------------------

    def new_class_name(self, wanted: str) -> str:
        name = wanted
        if name in self.taken:
            name = wanted + "Inline"
            n = 2
            while name in self.taken:
                name = f"{wanted}Inline{n}"
                n += 1
            self.renamed_inline.append((wanted, name))
        self.taken.add(name)
        return name

    # -- schema -> annotation -----------------------------------------------

    @staticmethod
    def ref_name(ref: str) -> str:
        prefix = "#/definitions/"
        if not ref.startswith(prefix):
            raise ValueError(f"unsupported $ref {ref!r}")
        return ref[len(prefix) :]

    def is_object(self, schema: dict[str, Any]) -> bool:
        """Whether a definition becomes a class (allOf always merges into one)."""
        return "properties" in schema or "allOf" in schema

    @staticmethod
    def single_ref(schema: dict[str, Any]) -> str | None:
        parts = schema.get("allOf")
        if isinstance(parts, list) and len(parts) == 1 and "$ref" in parts[0]:
            return str(parts[0]["$ref"])
        return None

    def annotation(self, schema: Any, owner: str, part: str, where: str, deps: set[str]) -> str:
        """The Python type of ``schema`` (found at spec path ``where``).

        An inline object becomes a class named ``owner + part``.
        """
        if not isinstance(schema, dict) or not schema:
            return "Any"
        if "$ref" in schema:
            target = self.ref_name(schema["$ref"])
            deps.add(target)
            return target
        single = self.single_ref(schema)
        if single is not None:
            target = self.ref_name(single)
            deps.add(target)
            return target
        if "properties" in schema or "allOf" in schema:
            name = self.new_class_name(owner + part)
            doc = f"The engine's inline object `{where}` (Engine API)."
            self.build_class(name, schema, doc, where)
            deps.add(name)
            return name
        typ = schema.get("type")
        if typ in _SCALARS:
            return _SCALARS[typ]
        if typ == "array":
            items = schema.get("items")
            inner = self.annotation(items, owner, part + "Item", where + "[]", deps)
            if isinstance(items, dict) and items.get("x-nullable") is True and inner != "Any":
                inner += " | None"
            return f"list[{inner}]"
        if typ == "object" or "additionalProperties" in schema:
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                inner = self.annotation(extra, owner, part + "Value", where + "{}", deps)
                if extra.get("x-nullable") is True and inner != "Any":
                    inner += " | None"
                return f"dict[str, {inner}]"
            return "dict[str, Any]"
        return "Any"

    @staticmethod
    def enum_comment(schema: Any) -> str | None:
        where = ""
        while isinstance(schema, dict):
            if isinstance(schema.get("enum"), list):
                values = ", ".join(json.dumps(v) for v in schema["enum"])
                return f"{where}one of: {values}"
            if isinstance(schema.get("items"), dict):
                schema, where = schema["items"], where + "items: "
            elif isinstance(schema.get("additionalProperties"), dict):
                schema, where = schema["additionalProperties"], where + "values: "
            else:
                return None
        return None

    # -- objects --------------------------------------------------------------

    def object_fields(self, schema: dict[str, Any], owner: str, where: str) -> dict[str, FieldSpec]:
        """The merged properties of an object schema (allOf parts, then properties)."""
        fields: dict[str, FieldSpec] = {}
        for part in schema.get("allOf", []):
            if "$ref" in part:
                fields.update(self.definition_fields(self.ref_name(part["$ref"])))
            else:
                fields.update(self.object_fields(part, owner, where))
        for key, sub in (schema.get("properties") or {}).items():
            deps: set[str] = set()
            ann = self.annotation(sub, owner, pascal_part(key), f"{where}.{key}", deps)
            fields[key] = FieldSpec(key, ann, self.enum_comment(sub), deps)
        return fields

    def definition_fields(self, name: str) -> dict[str, FieldSpec]:
        """The fields of a definition, built once (inline classes named after it)."""
        if name not in self._def_fields:
            if name in self._in_progress:
                raise ValueError(f"allOf cycle through {name}")
            self._in_progress.add(name)
            self._def_fields[name] = self.object_fields(self.defs[name], name, name)
            self._in_progress.discard(name)
        return self._def_fields[name]

    def build_class(self, name: str, schema: dict[str, Any], doc: str, where: str = "") -> None:
        if name in self.defs:
            merged = self.definition_fields(name)
        else:
            merged = self.object_fields(schema, name, where)
        specs = [FieldSpec(f.key, f.annotation, f.comment, set(f.deps)) for f in merged.values()]
        self.assign_names(name, specs)
        node = Node(name=name, kind="class", doc=doc, fields=specs)
        for f in specs:
            node.deps |= f.deps
        node.deps.discard(name)
        self.nodes[name] = node

    def assign_names(self, cls: str, specs: list[FieldSpec]) -> None:
        """Snake names, made unique per class: on a clash, keys in sorted order get _2, _3..."""
        by_name: dict[str, list[FieldSpec]] = {}
        for f in specs:
            by_name.setdefault(snake_name(f.key), []).append(f)
        used = set(by_name)
        for base, group in by_name.items():
            group.sort(key=lambda f: f.key)
            group[0].name = base
            n = 2
            for f in group[1:]:
                while f"{base}_{n}" in used:
                    n += 1
                f.name = f"{base}_{n}"
                used.add(f.name)
        for f in specs:
            self.name_rows.append((cls, f.key, f.name))

    def run(self) -> None:
        for name in sorted(self.defs):
            schema = self.defs[name]
            doc = f"The engine's `{name}` object (Engine API definition)."
            if self.is_object(schema) or (
                schema.get("type") == "object" and "additionalProperties" not in schema
            ):
                self.build_class(name, schema, doc)
                continue
            deps: set[str] = set()
            ann = self.annotation(schema, name, "", name, deps)
            if ann == name:  # cannot happen for non-objects; guard against self-reference
                raise ValueError(f"definition {name} refers to itself")
            self.nodes[name] = Node(
                name=name,
                kind="alias",
                annotation=ann,
                comment=self.enum_comment(schema),
                deps=deps - {name},
            )

    # -- output ---------------------------------------------------------------

    def ordered(self) -> list[Node]:
        """Dependencies first; ties (and cycles) broken by name."""
        indeg = {n: 0 for n in self.nodes}
        users: dict[str, list[str]] = {n: [] for n in self.nodes}
        for node in self.nodes.values():
            for dep in sorted(node.deps):
                if dep not in self.nodes:
                    raise ValueError(f"{node.name} refers to unknown {dep}")
                indeg[node.name] += 1
                users[dep].append(node.name)
        heap = [n for n, d in indeg.items() if d == 0]
        heapq.heapify(heap)
        out: list[str] = []
        while heap or len(out) < len(self.nodes):
            if not heap:  # a cycle: release its smallest class (annotations are lazy)
                rest = sorted(n for n, d in indeg.items() if d > 0)
                pick = next((n for n in rest if self.nodes[n].kind == "class"), None)
                if pick is None:
                    raise ValueError(f"cycle through type aliases: {rest}")
                indeg[pick] = 0
                heapq.heappush(heap, pick)
            name = heapq.heappop(heap)
            if indeg[name] < 0:
                continue
            indeg[name] = -1
            out.append(name)
            for user in users[name]:
                if indeg[user] > 0:
                    indeg[user] -= 1
                    if indeg[user] == 0:
                        heapq.heappush(heap, user)
        return [self.nodes[n] for n in out]

    def render(self, source_name: str) -> str:
        nodes = self.ordered()
        names = sorted(self.nodes, key=isort_key)
        classes = [n.name for n in nodes if n.kind == "class"]
        lines = [
            f"# Generated by tools/gen_models.py from Engine API v{self.version}",
            f"# ({source_name}, `definitions`). DO NOT EDIT BY HAND: change the",
            "# generator and run `python tools/gen_models.py` again.",
            '"""Pydantic models of the Engine API definitions (generated)."""',
            "",
            "from __future__ import annotations",
            "",
            "from typing import Any, TypeAlias",
            "",
            "from pydantic import Field",
            "",
            "from aiodock.models._base import EngineModel",
            "",
            "__all__ = [",
            *(f'    "{n}",' for n in names),
            "]",
        ]
        for node in nodes:
            lines += ["", ""]
            if node.kind == "alias":
                comment = f"  # {node.comment}" if node.comment else ""
                lines.append(f"{node.name}: TypeAlias = {node.annotation}{comment}")
                continue
            lines.append(f"class {node.name}(EngineModel):")
            lines.append(f'    """{node.doc}"""')
            if node.fields:
                lines.append("")
            for f in node.fields:
                if f.comment:
                    lines.append(f"    # {f.comment}")
                lines.append(
                    f"    {f.name}: {f.annotation} | None = "
                    f"Field(default=None, alias={json.dumps(f.key)})"
                )
        lines += [
            "",
            "",
            "def _rebuild_models() -> None:",
            "    models: tuple[type[EngineModel], ...] = (",
            *(f"        {n}," for n in classes),
            "    )",
            "    for model in models:",
            "        model.model_rebuild()",
            "",
            "",
            "_rebuild_models()",
            "",
        ]
        return "\n".join(lines)

    def names_table(self) -> str:
        width = max(len(c) for c, _, _ in self.name_rows)
        kwidth = max(len(k) for _, k, _ in self.name_rows)
        rows = sorted(set(self.name_rows))
        out = [f"{c:<{width}}  {k:<{kwidth}}  {n}" for c, k, n in rows]
        flagged = sorted({(k, n) for _, k, n in rows if "_" in n and len(n.split("_")[0]) == 1})
        if flagged:
            out += ["", "# names with a one-letter first word:"]
            out += [f"#   {k} -> {n}" for k, n in flagged]
        return "\n".join(out) + "\n"


def check_reserved(names: Iterable[str]) -> None:
    """Fail if a field would shadow an attribute of EngineModel (when importable)."""
    sys.path.insert(0, str(REPO_ROOT))
    try:
        from aiodock.models._base import EngineModel
    except ImportError:  # pragma: no cover - generator used without the package
        return
    finally:
        sys.path.pop(0)
    bad = sorted({n for n in names if hasattr(EngineModel, n)})
    if bad:
        raise SystemExit(f"field names shadow EngineModel attributes: {bad}")


def run_ruff_format(path: Path) -> None:
    cmd = [sys.executable, "-m", "ruff", "format", "--quiet", str(path)]
    try:
        subprocess.run(cmd, check=True, cwd=REPO_ROOT)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"warning: ruff format failed ({exc}); output left unformatted", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--names", type=Path, help="write the key -> field name table here")
    parser.add_argument("--no-format", action="store_true", help="do not run ruff format")
    args = parser.parse_args(argv)

    with open(args.spec, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    gen = Generator(spec)
    gen.run()
    check_reserved(f.name for node in gen.nodes.values() for f in node.fields)

    args.output.write_text(gen.render(args.spec.name), encoding="utf-8")
    if not args.no_format:
        run_ruff_format(args.output)
    if args.names:
        args.names.write_text(gen.names_table(), encoding="utf-8")

    n_classes = sum(1 for n in gen.nodes.values() if n.kind == "class")
    n_aliases = len(gen.nodes) - n_classes
    n_defs = sum(1 for n in gen.nodes if n in gen.defs)
    print(
        f"{args.output}: {n_defs} definitions -> {n_classes} classes "
        f"({n_classes - (n_defs - n_aliases)} inline) and {n_aliases} type aliases"
    )
    for wanted, got in gen.renamed_inline:
        print(f"  inline class {wanted} renamed {got} (name taken)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
