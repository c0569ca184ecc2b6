"""The API reference covers every collection without a hand-kept list.

``tools/mkdocs_reference.py`` (a mkdocs hook) generates a page for each
collection of a ``Docker`` client that no page of ``docs/reference/`` shows.
"""

from __future__ import annotations

import re
from pathlib import Path

from tools.mkdocs_reference import SHOWN, missing_pages

ROOT = Path(__file__).resolve().parents[2]


def shown_today() -> set[str]:
    found: set[str] = set()
    for page in (ROOT / "docs" / "reference").glob("*.md"):
        found.update(SHOWN.findall(page.read_text()))
    return found


def test_every_collection_has_a_page_today() -> None:
    assert missing_pages(shown_today()) == {}


def test_a_collection_without_a_page_gets_one_with_its_handles() -> None:
    pages = missing_pages(shown_today() - {"aiodock.containers.ContainerCollection"})
    assert list(pages) == ["reference/containers.md"]
    text = pages["reference/containers.md"]
    assert re.search(r"^::: aiodock\.containers\.ContainerCollection$", text, re.M)
    assert "inherited_members: true" in text
    assert "::: aiodock.containers.Container\n" in text


def test_with_no_pages_every_collection_gets_one() -> None:
    pages = missing_pages(set())
    assert set(pages) == {
        f"reference/{attr}.md"
        for attr in ("system", "containers", "images", "networks", "volumes", "execs")
    } | {"reference/distribution.md"}
