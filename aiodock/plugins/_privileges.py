"""What a plugin asks to be granted, and the check that the caller accepted it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

from ..models import PluginPrivilege

ACCEPT_ALL: Literal["accept all"] = "accept all"

Privileges: TypeAlias = (
    "Literal['accept all'] | Sequence[PluginPrivilege | Mapping[str, Any]] | None"
)
"""What a caller grants a plugin it pulls or upgrades: ``None`` (nothing:
refused if the plugin asks for anything), ``"accept all"`` (whatever it asks
for), or the privileges accepted (:class:`~aiodock.models.PluginPrivilege`
models as ``plugins.privileges`` gives them, or ``{"Name": ..., "Value":
[...]}`` mappings)."""


class PrivilegesNotAccepted(ValueError):
    """A plugin asks for privileges the caller did not accept, so aiodock
    refused to install it (nothing was pulled). ``required`` holds every
    privilege the plugin asks for, ``missing`` the ones not accepted (each
    with only the values not accepted).

    Example:
        >>> from aiodock.models import PluginPrivilege
        >>> needed = [PluginPrivilege(name="network", value=["host"])]
        >>> err = PrivilegesNotAccepted("vieux/sshfs:latest", needed, needed)
        >>> str(err).split(" (it asks")[0]
        'the plugin vieux/sshfs:latest asks for privileges that were not accepted: network: host'
        >>> [(item.name, item.value) for item in err.missing]
        [('network', ['host'])]
    """

    def __init__(
        self,
        remote: str,
        required: Sequence[PluginPrivilege],
        missing: Sequence[PluginPrivilege],
    ) -> None:
        self.remote = remote
        self.required = list(required)
        self.missing = list(missing)
        super().__init__(
            f"the plugin {remote} asks for privileges that were not accepted:"
            f" {describe(self.missing)} (it asks for: {describe(self.required)});"
            ' pass privileges="accept all" or the privileges from plugins.privileges()'
            " to grant them"
        )


def describe(privileges: Sequence[PluginPrivilege]) -> str:
    """``name: value, value; name: value`` for messages.

    Example:
        >>> describe([PluginPrivilege(name="capabilities", value=["CAP_SYS_ADMIN"])])
        'capabilities: CAP_SYS_ADMIN'
    """
    if not privileges:
        return "none"
    return "; ".join(
        f"{item.name}: {', '.join(item.value or []) or '(no value)'}" for item in privileges
    )


def accepted_set(privileges: Privileges) -> set[tuple[str, str]] | None:
    """The (name, value) pairs ``privileges`` accepts; ``None`` for all.
    Checked at the call, before any request."""
    if privileges is None:
        return set()
    if isinstance(privileges, str):
        if privileges != ACCEPT_ALL:
            raise ValueError(
                f'privileges must be None, "accept all" or a list of privileges, not {privileges!r}'
            )
        return None
    if not isinstance(privileges, Sequence):
        raise TypeError(
            'privileges must be None, "accept all" or a list of PluginPrivilege,'
            f" not {type(privileges).__name__}"
        )
    pairs: set[tuple[str, str]] = set()
    for item in privileges:
        if isinstance(item, Mapping):
            item = PluginPrivilege.model_validate(item)
        if not isinstance(item, PluginPrivilege):
            raise TypeError(
                f"each accepted privilege must be a PluginPrivilege or a mapping, not {item!r}"
            )
        if not item.name:
            raise ValueError(f"an accepted privilege needs a name: {item!r}")
        values = item.value or []
        if isinstance(values, str):
            raise TypeError(f"privilege {item.name!r}: value must be a list of strings")
        pairs.update((item.name, value) for value in values)
        if not values:
            pairs.add((item.name, ""))
    return pairs


def not_accepted(
    required: Sequence[PluginPrivilege], accepted: set[tuple[str, str]] | None
) -> list[PluginPrivilege]:
    """The parts of ``required`` that ``accepted`` lacks (empty: all granted)."""
    if accepted is None:
        return []
    missing: list[PluginPrivilege] = []
    for item in required:
        name = item.name or ""
        values = item.value or [""]
        lacking = [value for value in values if (name, value) not in accepted]
        if lacking:
            missing.append(
                PluginPrivilege(
                    name=item.name,
                    description=item.description,
                    value=[value for value in lacking if value] or None,
                )
            )
    return missing


def privileges_body(required: Sequence[PluginPrivilege]) -> list[dict[str, Any]]:
    """The pull or upgrade body: exactly what the engine asks for (it
    refuses any other list with "incorrect privileges")."""
    return [
        {"Name": item.name or "", "Description": item.description or "", "Value": item.value or []}
        for item in required
    ]
