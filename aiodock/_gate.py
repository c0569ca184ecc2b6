"""Version gating: what the negotiated API version lacks is never sent.

Every versioned request passes :func:`gate_for` ``(version).check(...)``
in :mod:`aiodock._api` just before it is encoded. The method and path find
the operation (its path template from :mod:`aiodock._api_versions`, the
table generated from the specifications); the query keys and the JSON body
keys are walked against what that version has:

- an option or body field newer than the version raises
  :class:`~aiodock.errors.APIVersionError` naming it (its Python spelling
  and the engine's key) and both versions, before anything is sent;
- a field the engine dropped in that version either is left out (where the
  engine has no use for it any more: :data:`LEFT_OUT`) or raises (where
  the caller would get a different result without it, such as build
  prune's ``keep-storage``).

The table covers fields; :data:`SEMANTICS` adds what the version history
says about values (several networks at create from 1.44, several
``platform`` values from 1.52). Everything is precomputed once per version:
a request without query options or body costs one dict lookup, and one
whose options are all fine a set intersection and one path match.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from ._api_versions import BODY, OPERATIONS, PYTHON_NAMES, QUERY
from .errors import APIVersionError

Version = tuple[int, int]

NAMES: Final[dict[tuple[str, str], str]] = {
    ("ContainerStop", "signal"): "stop(signal=...)",
    ("ContainerRestart", "signal"): "restart(signal=...)",
    ("SystemDataUsage", "type"): "df(types=...)",
    ("SystemDataUsage", "verbose"): "df(verbose=...)",
    ("ContainerExec", "ConsoleSize"): "exec console_size",
    ("ExecStart", "ConsoleSize"): "exec start console_size",
    ("ImageList", "shared-size"): "images.list(shared_size=...)",
    ("ImageDelete", "platforms"): "images.remove(platforms=...)",
    ("BuildPrune", "keep-storage"): "images.prune_builds(keep_storage=...)",
}
"""How callers write an option, where it is not the engine key snake-cased."""

LEFT_OUT: Final[dict[tuple[str, str], str]] = {
    # Deprecated in 1.44 (the version history): the engine always refuses a
    # duplicate name since, and the specification drops the field after 1.45.
    ("NetworkCreate", "CheckDuplicate"): "1.44",
    # Kernel memory limits: the engine no longer applies them.
    ("ContainerCreate", "HostConfig.KernelMemory"): "1.42",
    ("ContainerCreate", "HostConfig.KernelMemoryTCP"): "1.52",
    ("ContainerUpdate", "KernelMemory"): "1.42",
    ("ContainerUpdate", "KernelMemoryTCP"): "1.52",
    # Never read by the engine.
    ("SystemAuth", "email"): "1.52",
}
"""Fields the engine dropped or ignores from a version on: not sent to it."""


@dataclass(frozen=True)
class Semantic:
    """A value a version introduced: more than ``limit`` entries in the list
    or map at ``field``, or (with ``values``) one of those values there,
    needs ``since``."""

    field: str
    kind: str  # "query" or "body"
    since: str
    limit: int
    what: str
    values: tuple[str, ...] = ()

    def breaks(self, value: Any) -> bool:
        if self.values:
            return isinstance(value, str) and value in self.values
        return _count(value) > self.limit


SEMANTICS: Final[dict[str, tuple[Semantic, ...]]] = {
    "ContainerCreate": (
        Semantic(
            "NetworkingConfig.EndpointsConfig",
            "body",
            "1.44",
            1,
            "more than one network in networking_config at create",
        ),
        Semantic(
            "HostConfig.Mounts[].Type",
            "body",
            "1.48",
            0,
            "a mount of type 'image' (host_config.mounts[].type)",
            ("image",),
        ),
    ),
    "ImageGet": (Semantic("platform", "query", "1.52", 1, "several platforms on save"),),
    "ImageGetAll": (Semantic("platform", "query", "1.52", 1, "several platforms on save"),),
    "ImageLoad": (Semantic("platform", "query", "1.52", 1, "several platforms on load"),),
}
"""What the version history says about values (the specifications only list
fields)."""


def parse(version: str) -> Version:
    major, _, minor = version.partition(".")
    return int(major), int(minor)


def _python_query_name(op: str, key: str) -> str:
    return NAMES.get((op, key)) or key.replace("-", "_").lower()


def describe(op: str, kind: str, key: str) -> str:
    """The field as the caller wrote it (where known) and as the engine names it."""
    if kind == "query":
        name = NAMES.get((op, key))
        if name:
            return name
        return f"{_python_query_name(op, key)} (query parameter {key!r} of {op})"
    name = NAMES.get((op, key))
    if name:
        return name
    return f"{PYTHON_NAMES.get(key, key)} (field {key!r} of the {op} body)"


@dataclass
class _Rule:
    op: str
    kind: str
    key: str
    first: str
    last: str | None
    drop: bool  # leave it out instead of refusing

    def refuse(self, version: str) -> APIVersionError:
        what = describe(self.op, self.kind, self.key)
        if self.last is None or parse(version) < parse(self.first):
            return APIVersionError(
                None,
                f"{what} needs API version {self.first}, but this client speaks {version}"
                f" with the engine",
            )
        return APIVersionError(
            None,
            f"{what} was dropped from the Engine API after version {self.last}, and this"
            f" client speaks {version} with the engine",
        )


@dataclass
class _Node:
    rule: _Rule | None = None
    semantic: Semantic | None = None
    children: dict[str, _Node] = field(default_factory=dict)


_STEP = re.compile(r"([^.\[\]{}]+)((?:\[\]|\{\})*)")


def _steps(path: str) -> list[str]:
    """``Mounts[].VolumeOptions`` -> ``["Mounts", "[]", "VolumeOptions"]``."""
    out: list[str] = []
    for segment in path.split("."):
        match = _STEP.fullmatch(segment)
        if match is None:  # pragma: no cover - the table holds no such path
            raise ValueError(f"bad field path {path!r}")
        out.append(match.group(1))
        out += re.findall(r"\[\]|\{\}", match.group(2))
    return out


def _template(path: str) -> re.Pattern[str]:
    """A path template of the specification as a regular expression: an
    image's or plugin's ``{name}`` keeps its ``/`` (``127.0.0.1:5000/app``),
    the other parameters are quoted whole (no ``/``)."""
    pattern = re.escape(path).replace(r"\{name\}", ".+")
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
    return re.compile(pattern)


@dataclass
class _Op:
    name: str
    pattern: re.Pattern[str]
    query: dict[str, _Rule]
    query_semantics: dict[str, Semantic]
    body: _Node


@dataclass
class _Method:
    query_keys: frozenset[str]
    has_body_rules: bool
    ops: list[_Op]


def _specificity(op: _Op) -> tuple[int, int, int]:
    """Sort key: fixed paths first, then the ones with fewer and narrower parameters."""
    pattern = op.pattern.pattern
    return pattern.count(".+"), pattern.count("[^/]+"), -len(pattern)


def _applies(first: str, last: str | None, version: Version) -> bool:
    """Whether a field with this span is missing at ``version``."""
    return version < parse(first) or (last is not None and version > parse(last))


class VersionGate:
    """The gate for one API version (build with :func:`gate_for`)."""

    def __init__(self, version: str) -> None:
        self.version = version
        at = parse(version)
        methods: dict[str, _Method] = {}
        for op, (method, path, _span) in OPERATIONS.items():
            query: dict[str, _Rule] = {}
            for key, (first, last) in QUERY.get(op, {}).items():
                left_out = LEFT_OUT.get((op, key))
                if left_out is not None and at >= parse(left_out):
                    query[key] = _Rule(op, "query", key, first, last, True)
                elif _applies(first, last, at):
                    query[key] = _Rule(op, "query", key, first, last, False)
            body = _Node()
            fields = dict(BODY.get(op, {}))
            for (owner, key), since in LEFT_OUT.items():
                if owner == op and key not in fields and at >= parse(since):
                    fields[key] = ("1.41", None)
            for key, (first, last) in fields.items():
                left_out = LEFT_OUT.get((op, key))
                if left_out is not None and at >= parse(left_out):
                    rule = _Rule(op, "body", key, first, last, True)
                elif _applies(first, last, at):
                    rule = _Rule(op, "body", key, first, last, False)
                else:
                    continue
                self._insert(body, key).rule = rule
            query_semantics: dict[str, Semantic] = {}
            for semantic in SEMANTICS.get(op, ()):
                if at >= parse(semantic.since):
                    continue
                if semantic.kind == "query":
                    query_semantics[semantic.field] = semantic
                else:
                    self._insert(body, semantic.field).semantic = semantic
            if not (query or query_semantics or body.children):
                continue
            entry = methods.setdefault(method, _Method(frozenset(), False, []))
            entry.query_keys = entry.query_keys | set(query) | set(query_semantics)
            entry.has_body_rules = entry.has_body_rules or bool(body.children)
            entry.ops.append(_Op(op, _template(path), query, query_semantics, body))
        # The most specific templates first (``/images/json`` before ``/images/{name}``).
        for entry in methods.values():
            entry.ops.sort(key=_specificity)
        self._methods = methods

    @staticmethod
    def _insert(root: _Node, path: str) -> _Node:
        node = root
        for step in _steps(path):
            node = node.children.setdefault(step, _Node())
        return node

    def check(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
    ) -> tuple[Mapping[str, Any] | None, Any]:
        """Raise for what this version lacks; return ``(params, body)`` with
        the fields it dropped left out (the caller's objects are not changed)."""
        entry = self._methods.get(method)
        if entry is None:
            return params, body
        gated = entry.query_keys
        keys = [k for k in params if k in gated and params[k] is not None] if params else None
        if not keys and (body is None or not entry.has_body_rules):
            return params, body
        op = next((o for o in entry.ops if o.pattern.fullmatch(path)), None)
        if op is None:
            return params, body
        if keys:
            params = self._check_query(op, params, keys)  # type: ignore[arg-type]
        if body is not None and op.body.children:
            drops: list[list[str | int]] = []
            self._walk(body, op.body, [], drops)
            if drops:
                body = copy.deepcopy(body)
                for where in drops:
                    _delete(body, where)
        return params, body

    def _check_query(self, op: _Op, params: Mapping[str, Any], keys: set[str]) -> Mapping[str, Any]:
        dropped: list[str] = []
        for key in keys:
            rule = op.query.get(key)
            if rule is not None:
                if not rule.drop:
                    raise rule.refuse(self.version)
                dropped.append(key)
            semantic = op.query_semantics.get(key)
            if semantic is not None:
                value = params[key]
                if (semantic.values or not isinstance(value, str)) and semantic.breaks(value):
                    raise self._semantic_error(semantic)
        if dropped:
            return {k: v for k, v in params.items() if k not in dropped}
        return params

    def _semantic_error(self, semantic: Semantic) -> APIVersionError:
        return APIVersionError(
            None,
            f"{semantic.what} needs API version {semantic.since}, but this client speaks"
            f" {self.version} with the engine",
        )

    def _walk(self, value: Any, node: _Node, where: list[str | int], drops: list[Any]) -> None:
        if node.semantic is not None and node.semantic.breaks(value):
            raise self._semantic_error(node.semantic)
        if not node.children:
            return
        if isinstance(value, Mapping):
            for key, child in node.children.items():
                if key == "{}":
                    for name, item in value.items():
                        if item is not None:
                            self._walk(item, child, [*where, name], drops)
                    continue
                item = value.get(key)
                if item is None:
                    continue
                if child.rule is not None:
                    if not child.rule.drop:
                        raise child.rule.refuse(self.version)
                    drops.append([*where, key])
                    continue
                self._walk(item, child, [*where, key], drops)
        elif isinstance(value, list):
            each = node.children.get("[]")
            if each is not None:
                for index, item in enumerate(value):
                    if item is not None:
                        self._walk(item, each, [*where, index], drops)


def _count(value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        return 1


def _delete(body: Any, where: list[str | int]) -> None:
    for step in where[:-1]:
        body = body[step]
    del body[where[-1]]


@lru_cache(maxsize=32)
def gate_for(version: str) -> VersionGate:
    """The (cached) gate for an API version such as ``"1.41"``."""
    return VersionGate(version)


def available(op: str, key: str, version: str) -> bool:
    """Whether ``key`` (a query parameter or a body field path) of ``op``
    is in API ``version`` (for builders that choose between two spellings)."""
    span = QUERY.get(op, {}).get(key) or BODY.get(op, {}).get(key)
    if span is None:
        return True
    return not _applies(span[0], span[1], parse(version))


def minimum(op: str, key: str) -> str:
    """The first API version that has ``key`` of ``op`` (``"1.41"``: at least 1.41)."""
    span = QUERY.get(op, {}).get(key) or BODY.get(op, {}).get(key)
    return span[0] if span else "1.41"
