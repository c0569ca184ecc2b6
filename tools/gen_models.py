"""Generate ``aiodock/models/_generated.py`` from the Engine API definitions.

The input is ``tools/engine-api/v1.55-schema.json``: the structural facts of
the specification's ``definitions`` (made by ``tools/extract_schema.py`` from
the upstream YAML; see ``tools/engine-api/README.md``). One pydantic model
(an ``EngineModel`` subclass) is written for every object definition, plus
one model for every object defined inline inside them (named
``<Parent><Field>``; array items get an ``Item`` suffix, map values a
``Value`` suffix). Definitions that are not objects (string enums, maps,
arrays) become module-level type aliases.

Rules (see also the module docstring of the generated file):

* fields are snake_case, with the engine's key as ``Field(alias=...)``;
* every field is optional (``T | None = None``): engines omit fields freely;
* enums are plain ``str``/``int``, the known values go into a trailing
  comment, so an unknown value still validates;
* ``date-time`` strings stay ``str`` (nanoseconds, ``0001-01-01T00:00:00Z``);
* ``allOf`` becomes inheritance: each ``$ref`` part is a base class, the
  inline parts add their properties to the class itself;
* :data:`OVERLAYS` declares what aiodock adds to a definition (a docstring,
  more accepted names for a field, a short-name property, fields that older
  engines still send); the generator applies it, so no hand-written
  subclass has to shadow a generated name;
* no description text of the specification is copied into the output.

The output is formatted by ruff with the project's configuration; the ruff
version must be the one pinned in ``pyproject.toml`` (the regeneration test
compares the output byte for byte).

Usage (from the repository root)::

    python tools/gen_models.py [SCHEMA] [-o OUTPUT] [--names TABLE] [--no-format]
"""

from __future__ import annotations

import argparse
import hashlib
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

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCHEMA = REPO_ROOT / "tools" / "engine-api" / "v1.55-schema.json"
DEFAULT_OUTPUT = REPO_ROOT / "aiodock" / "models" / "_generated.py"
PYPROJECT = REPO_ROOT / "pyproject.toml"
# The name ruff sees for the output: its per-file settings apply wherever it is written.
FORMAT_AS = "aiodock/models/_generated.py"

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


@dataclass(frozen=True)
class FieldOverlay:
    """What aiodock changes in one field of a definition (or adds as a field).

    ``annotation`` replaces the generated type (required for an added
    field); ``also_accepts`` are further names validation takes besides the
    engine key and the field name; ``short_name`` adds a read-only property
    under that name, documented by ``short_doc``.
    """

    annotation: str | None = None
    also_accepts: tuple[str, ...] = ()
    short_name: str | None = None
    short_doc: str = ""


@dataclass(frozen=True)
class ClassOverlay:
    """What aiodock adds to one generated class.

    ``doc`` replaces the generic docstring; ``fields`` changes fields of the
    definition (by engine key); ``added`` declares fields the definition
    lacks but engines send (by engine key, in this order, after the
    definition's own fields).
    """

    doc: str | None = None
    fields: dict[str, FieldOverlay] = field(default_factory=dict)
    added: dict[str, FieldOverlay] = field(default_factory=dict)


# The overlay table. Only aiodock's own text and facts belong here.
OVERLAYS: dict[str, ClassOverlay] = {
    "IPAMConfig": ClassOverlay(
        doc="""One address pool of a network: subnet, range, gateway, reserved addresses.

    ``aux_addresses`` (engine key ``AuxiliaryAddresses``) maps host names to
    addresses the engine must not hand out; ``auxiliary_addresses`` is the
    same field under the specification's name.

    Example:
        >>> IPAMConfig(subnet="10.213.7.0/24", gateway="10.213.7.1",
        ...            aux_addresses={"printer": "10.213.7.5"}).to_engine()
        {'Subnet': '10.213.7.0/24', 'Gateway': '10.213.7.1', 'AuxiliaryAddresses': {'printer': '10.213.7.5'}}
    """,  # noqa: E501
        fields={
            "AuxiliaryAddresses": FieldOverlay(
                also_accepts=("aux_addresses",),
                short_name="aux_addresses",
                short_doc="The reserved addresses (``auxiliary_addresses`` under its short name).",
            )
        },
    ),
    "IPAM": ClassOverlay(
        doc="""How a network assigns addresses: the IPAM driver, its pools and options.

    Example:
        >>> IPAM(config=[IPAMConfig(subnet="10.213.7.0/24")]).to_engine()
        {'Config': [{'Subnet': '10.213.7.0/24'}]}
    """
    ),
    "NetworkInspect": ClassOverlay(
        doc="""A network as ``inspect``, ``list`` and ``create`` return it.

    ``containers`` (filled by ``inspect``) maps container IDs to their
    endpoint: name, addresses, MAC.

    Example:
        >>> net = await docker.networks.inspect("bridge")  # doctest: +SKIP
        >>> net.driver, net.ipam.config[0].subnet  # doctest: +SKIP
        ('bridge', '172.17.0.0/16')
    """
    ),
    "NetworkSummary": ClassOverlay(
        doc="""A network as engines from API 1.52 on list it (no ``containers``).

    Example:
        >>> for net in await docker.networks.list():  # doctest: +SKIP
        ...     print(net.name, net.driver, net.ipam.config if net.ipam else None)
    """
    ),
    "ImageInspect": ClassOverlay(
        doc="""An image as ``images.inspect`` shows it (``docker image inspect``).

    Engines up to API 1.43 also send ``Parent``, ``Container``,
    ``ContainerConfig``, ``DockerVersion`` and ``VirtualSize``; those fields
    are declared too.

    Example:
        >>> image = await docker.images.inspect("busybox:latest")  # doctest: +SKIP
        >>> image.id[:19], image.config.cmd, image.repo_tags  # doctest: +SKIP
        ('sha256:7bddb0152ca2', ['sh'], ['busybox:latest'])
    """,
        added={
            "Parent": FieldOverlay(annotation="str"),
            "Container": FieldOverlay(annotation="str"),
            "ContainerConfig": FieldOverlay(annotation="ContainerConfig"),
            "DockerVersion": FieldOverlay(annotation="str"),
            "VirtualSize": FieldOverlay(annotation="int"),
        },
    ),
    "Volume": ClassOverlay(
        fields={
            # The driver's own status: any JSON values (a plugin's strings),
            # not only the objects the specification says.
            "Status": FieldOverlay(annotation="dict[str, Any]"),
        },
    ),
}


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
@dataclass
class FieldSpec:
    key: str
    annotation: str
    comment: str | None
    deps: set[str]
    name: str = ""
    also_accepts: tuple[str, ...] = ()
    short_name: str | None = None
    short_doc: str = ""


@dataclass
class Node:
    """A class or a type alias of the output."""

    name: str
    kind: str  # "class" or "alias"
    doc: str = ""
    bases: list[str] = field(default_factory=list)
    fields: list[FieldSpec] = field(default_factory=list)
    annotation: str = ""
    comment: str | None = None
    deps: set[str] = field(default_factory=set)


class Generator:
    def __init__(self, schema: dict[str, Any], overlays: dict[str, ClassOverlay]) -> None:
        self.defs: dict[str, Any] = schema["definitions"]
        self.version = str(schema.get("version", "?"))
        self.overlays = overlays
        unknown = sorted(set(overlays) - set(self.defs))
        if unknown:
            raise ValueError(f"overlays for unknown definitions: {unknown}")
        self.nodes: dict[str, Node] = {}
        self.taken: set[str] = set(self.defs)
        self._parts: dict[str, tuple[list[str], dict[str, FieldSpec]]] = {}
        self._all_fields: dict[str, dict[str, FieldSpec]] = {}
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
        """Whether a definition becomes a class (allOf always makes one)."""
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

    # -- objects --------------------------------------------------------------

    def class_parts(
        self, schema: dict[str, Any], owner: str, where: str
    ) -> tuple[list[str], dict[str, FieldSpec]]:
        """An object schema's base classes (its ``allOf`` references) and the
        fields it declares itself (its inline ``allOf`` parts, then its
        properties)."""
        bases: list[str] = []
        own: dict[str, FieldSpec] = {}
        for part in schema.get("allOf", []):
            if "$ref" in part:
                bases.append(self.ref_name(part["$ref"]))
            else:
                part_bases, part_own = self.class_parts(part, owner, where)
                bases += part_bases
                own.update(part_own)
        for key, sub in (schema.get("properties") or {}).items():
            deps: set[str] = set()
            ann = self.annotation(sub, owner, pascal_part(key), f"{where}.{key}", deps)
            own[key] = FieldSpec(key, ann, self.enum_comment(sub), deps)
        return bases, own

    def definition_parts(self, name: str) -> tuple[list[str], dict[str, FieldSpec]]:
        """A definition's bases and own fields, built once (inline classes named after it)."""
        if name not in self._parts:
            if name in self._in_progress:
                raise ValueError(f"allOf cycle through {name}")
            self._in_progress.add(name)
            bases, own = self.class_parts(self.defs[name], name, name)
            for key, extra in self.overlays.get(name, ClassOverlay()).added.items():
                if key in own:
                    raise ValueError(f"overlay adds {name}.{key}, which the definition has")
                if extra.annotation is None:
                    raise ValueError(f"overlay adds {name}.{key} without an annotation")
                deps = set(re.findall(r"[A-Z]\w*", extra.annotation)) & set(self.defs)
                own[key] = FieldSpec(key, extra.annotation, None, deps)
            self._parts[name] = (bases, own)
            self._in_progress.discard(name)
        return self._parts[name]

    def all_fields(self, bases: list[str], own: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        """Every field of a class, inherited ones first (pydantic's order)."""
        merged: dict[str, FieldSpec] = {}
        for base in bases:
            if base not in self._all_fields:
                self._all_fields[base] = self.all_fields(*self.definition_parts(base))
            merged.update(self._all_fields[base])
        merged.update(own)
        return merged

    def build_class(self, name: str, schema: dict[str, Any], doc: str, where: str = "") -> None:
        if name in self.defs:
            bases, own = self.definition_parts(name)
        else:
            bases, own = self.class_parts(schema, name, where)
        for base in bases:
            if base not in self.defs or not self.is_object(self.defs[base]):
                raise ValueError(f"{name}: allOf part {base} is not an object definition")
        inherited = {k for base in bases for k in self.all_fields(*self.definition_parts(base))}
        overridden = sorted(set(own) & inherited)
        if overridden:
            raise ValueError(f"{name} redeclares inherited properties {overridden}")
        merged = self.all_fields(bases, own)
        names = self.snake_names(merged)
        for base in bases:  # an inherited field keeps its base's name
            base_names = self.snake_names(self.all_fields(*self.definition_parts(base)))
            for key, base_name in base_names.items():
                if names[key] != base_name:
                    raise ValueError(f"{name}.{key}: {names[key]}, but {base_name} in {base}")
        specs = [FieldSpec(f.key, f.annotation, f.comment, set(f.deps)) for f in merged.values()]
        for f in specs:
            f.name = names[f.key]
            self.name_rows.append((name, f.key, f.name))
        overlay = self.overlays.get(name, ClassOverlay())
        unknown = sorted(set(overlay.fields) - set(own))
        if unknown:
            raise ValueError(f"overlay of {name} changes unknown fields {unknown}")
        for f in specs:
            change = overlay.fields.get(f.key)
            if change is not None:
                if change.annotation is not None:
                    f.annotation = change.annotation
                    f.deps = set(re.findall(r"[A-Z]\w*", change.annotation)) & set(self.defs)
                f.also_accepts = change.also_accepts
                f.short_name = change.short_name
                f.short_doc = change.short_doc
        node = Node(
            name=name,
            kind="class",
            doc=overlay.doc or doc,
            bases=list(bases),
            fields=[f for f in specs if f.key in own],
        )
        for f in node.fields:
            node.deps |= f.deps
        node.deps |= set(bases)
        node.deps.discard(name)
        self.nodes[name] = node

    @staticmethod
    def snake_names(keys: Iterable[str]) -> dict[str, str]:
        """Snake names, made unique per class: on a clash, keys in sorted order get _2, _3..."""
        by_name: dict[str, list[str]] = {}
        for key in keys:
            by_name.setdefault(snake_name(key), []).append(key)
        used = set(by_name)
        names: dict[str, str] = {}
        for base, group in by_name.items():
            group.sort()
            names[group[0]] = base
            n = 2
            for key in group[1:]:
                while f"{base}_{n}" in used:
                    n += 1
                names[key] = f"{base}_{n}"
                used.add(names[key])
        return names

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

    def render(self, source: dict[str, str], schema_name: str, schema_sha256: str) -> str:
        nodes = self.ordered()
        names = sorted(self.nodes, key=isort_key)
        classes = [n.name for n in nodes if n.kind == "class"]
        uses_choices = any(f.also_accepts for n in nodes for f in n.fields)
        lines = [
            f"# Generated by tools/gen_models.py from Engine API v{self.version}.",
            "# DO NOT EDIT BY HAND: change the generator (or its overlay table) and",
            "# run `python tools/gen_models.py` again.",
            f"# source: {source.get('file', '?')} sha256 {source.get('sha256', '?')}",
            f"# schema: tools/engine-api/{schema_name} sha256 {schema_sha256}",
            '"""Pydantic models of the Engine API definitions (generated)."""',
            "",
            "from __future__ import annotations",
            "",
            "from typing import Any, TypeAlias",
            "",
            "from pydantic import AliasChoices, Field"
            if uses_choices
            else "from pydantic import Field",
            "",
            "from aiodock.models._base import EngineModel",
            "",
            "__all__ = [",
            *(f'    "{n}",' for n in names),
            "]",
        ]
        emitted: set[str] = set()
        for node in nodes:
            lines += ["", ""]
            emitted.add(node.name)
            if node.kind == "alias":
                comment = f"  # {node.comment}" if node.comment else ""
                lines.append(f"{node.name}: TypeAlias = {node.annotation}{comment}")
                continue
            missing = [b for b in node.bases if b not in emitted]
            if missing:
                raise ValueError(f"{node.name} would come before its bases {missing}")
            lines.append(f"class {node.name}({', '.join(node.bases) or 'EngineModel'}):")
            lines.append(f'    """{node.doc}"""')
            if node.fields:
                lines.append("")
            for f in node.fields:
                if f.comment:
                    lines.append(f"    # {f.comment}")
                extra = ""
                if f.also_accepts:
                    accepted = ", ".join(json.dumps(a) for a in (f.key, f.name, *f.also_accepts))
                    extra = f", validation_alias=AliasChoices({accepted})"
                lines.append(
                    f"    {f.name}: {f.annotation} | None = "
                    f"Field(default=None, alias={json.dumps(f.key)}{extra})"
                )
            for f in node.fields:
                if f.short_name:
                    lines += [
                        "",
                        "    @property",
                        f"    def {f.short_name}(self) -> {f.annotation} | None:",
                        f'        """{f.short_doc}"""',
                        f"        return self.{f.name}",
                    ]
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


def pinned_ruff() -> str:
    """The ruff version ``pyproject.toml`` pins (``ruff==X.Y.Z``)."""
    match = re.search(r'"ruff==([0-9][0-9A-Za-z.]*)"', PYPROJECT.read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit(f'{PYPROJECT}: no exact ruff pin ("ruff==X.Y.Z"); the output needs one')
    return match.group(1)


def ruff_format(source: str) -> str:
    """``source`` formatted by the pinned ruff with the project's configuration.

    Fails (never falls back to unformatted output) when ruff is missing or
    is not the pinned version.
    """
    base = [sys.executable, "-m", "ruff"]
    try:
        found = subprocess.run(
            [*base, "--version"], check=True, capture_output=True, text=True, cwd=REPO_ROOT
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"ruff is needed to format the models and did not run: {exc}") from None
    wanted = pinned_ruff()
    if found[-1:] != [wanted]:
        raise SystemExit(f"ruff {wanted} is pinned, found {' '.join(found) or 'nothing'}")
    cmd = [
        *base,
        "format",
        "--config",
        str(PYPROJECT),
        "--stdin-filename",
        FORMAT_AS,
        "-",
    ]
    done = subprocess.run(
        cmd, input=source, capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"ruff format failed: {done.stderr.strip()}")
    return done.stdout


def generate(schema_path: Path, *, formatted: bool = True) -> tuple[Generator, str]:
    """The generator (after its run) and the module text for ``schema_path``."""
    raw = schema_path.read_bytes()
    schema = json.loads(raw)
    gen = Generator(schema, OVERLAYS)
    gen.run()
    check_reserved(
        name
        for node in gen.nodes.values()
        for f in node.fields
        for name in (f.name, f.short_name)
        if name
    )
    text = gen.render(schema.get("source", {}), schema_path.name, hashlib.sha256(raw).hexdigest())
    return gen, ruff_format(text) if formatted else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema", nargs="?", type=Path, default=DEFAULT_SCHEMA)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--names", type=Path, help="write the key -> field name table here")
    parser.add_argument("--no-format", action="store_true", help="do not run ruff format")
    args = parser.parse_args(argv)

    gen, text = generate(args.schema, formatted=not args.no_format)
    args.output.write_bytes(text.encode("utf-8"))
    if args.names:
        args.names.write_text(gen.names_table(), encoding="utf-8")

    n_classes = sum(1 for n in gen.nodes.values() if n.kind == "class")
    n_aliases = len(gen.nodes) - n_classes
    n_defs = sum(1 for n in gen.nodes if n in gen.defs)
    n_bases = sum(1 for n in gen.nodes.values() if n.bases)
    print(
        f"{args.output}: {n_defs} definitions -> {n_classes} classes "
        f"({n_classes - (n_defs - n_aliases)} inline, {n_bases} with base classes) "
        f"and {n_aliases} type aliases"
    )
    for wanted, got in gen.renamed_inline:
        print(f"  inline class {wanted} renamed {got} (name taken)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
