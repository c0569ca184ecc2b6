"""The API reference covers every collection without a hand-kept list.

``tools/mkdocs_reference.py`` (a mkdocs hook) generates a page for each
collection of a ``Docker`` client that no page of ``docs/reference/`` shows.
"""

from __future__ import annotations

import re
from pathlib import Path

from aiodock import Docker
from aiodock._operation import collections_of, public_name
from tools.mkdocs_reference import SHOWN, missing_pages

ROOT = Path(__file__).resolve().parents[2]


def shown_today() -> set[str]:
    found: set[str] = set()
    for page in (ROOT / "docs" / "reference").glob("*.md"):
        found.update(SHOWN.findall(page.read_text()))
    return found


def test_every_collection_has_a_page_hand_written_or_generated() -> None:
    docker = Docker("unix:///nonexistent.sock", env={})
    generated = missing_pages(shown_today())
    for attr, collection in collections_of(docker).items():
        name = public_name(type(collection))
        assert name in shown_today() or f"reference/{attr}.md" in generated, name
    # The hand-written pages show the collections that exist today.
    for name in ("aiodock.containers.ContainerCollection", "aiodock.exec.ExecCollection"):
        assert name in shown_today()


def test_a_collection_without_a_page_gets_one_with_its_handles() -> None:
    pages = missing_pages(shown_today() - {"aiodock.containers.ContainerCollection"})
    assert "reference/containers.md" in pages
    text = pages["reference/containers.md"]
    assert re.search(r"^::: aiodock\.containers\.ContainerCollection$", text, re.M)
    assert "inherited_members: true" in text
    assert "::: aiodock.containers.Container\n" in text


def test_with_no_pages_every_collection_gets_one() -> None:
    docker = Docker("unix:///nonexistent.sock", env={})
    pages = missing_pages(set())
    assert set(pages) == {f"reference/{attr}.md" for attr in collections_of(docker)}
    assert len(pages) >= 7
