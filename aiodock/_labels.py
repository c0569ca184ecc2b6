"""Label filters that every engine reads the same way.

Docker ANDs several ``label`` filters: ``{"label": ["a", "b=1"]}`` matches
what has both. Podman's Docker-compatible service ORs them on volume and
image list and prune (seen with Podman 4.3), so a prune meant for one
labelled object removes others. For such an engine a list sends at most one
``label`` filter and applies the rest itself (:func:`split_label_filters`);
a prune becomes a list, a client-side match and removals by id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from ._query import Filters, FilterValue, encode_filters

T = TypeVar("T")

LabelMatch = Callable[[Mapping[str, str] | None], bool]


def _values(filters: Filters, key: str) -> list[str]:
    if key not in filters:
        return []
    decoded: dict[str, list[str]] = json.loads(encode_filters({key: filters[key]}))
    return decoded[key]


def _matches(labels: Mapping[str, str], wanted: str) -> bool:
    key, sep, value = wanted.partition("=")
    if key not in labels:
        return False
    return not sep or labels[key] == value


def label_match(filters: Filters) -> LabelMatch:
    """A predicate over an object's labels: True when it has every
    ``label`` filter's key (and value) and none of the ``label!`` ones.

    Example:
        >>> match = label_match({"label": ["app", "tier=web"], "label!": "old"})
        >>> match({"app": "x", "tier": "web"}), match({"app": "x"}), match(None)
        (True, False, False)
    """
    required = _values(filters, "label")
    excluded = _values(filters, "label!")

    def match(labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(_matches(labels, item) for item in required) and not any(
            _matches(labels, item) for item in excluded
        )

    return match


def needs_client_side(filters: Filters | None) -> bool:
    """Whether ``filters`` hold more than one label condition (``label``
    and ``label!`` together), which Podman would OR."""
    if not filters:
        return False
    return len(_values(filters, "label")) + len(_values(filters, "label!")) > 1


def split_label_filters(filters: Filters) -> tuple[dict[str, FilterValue], LabelMatch]:
    """The filters to send (the first ``label`` only, and no ``label!``) and
    the predicate that applies all of them to what comes back."""
    server: dict[str, FilterValue] = {
        key: value for key, value in filters.items() if key not in ("label", "label!")
    }
    required = _values(filters, "label")
    if required:
        server["label"] = [required[0]]
    return server, label_match(filters)


def matching(
    items: Iterable[T], labels_of: Callable[[T], Mapping[str, str] | None], match: LabelMatch
) -> list[T]:
    """The items whose labels ``match``."""
    return [item for item in items if match(labels_of(item))]
