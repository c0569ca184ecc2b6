"""A mkdocs hook: an API reference page for every collection, found by walking a client.

The hand-written pages in ``docs/reference/`` say what they show. A
collection of ``Docker`` (see ``aiodock._operation.collections_of``) that no
page shows with ``::: <its public name>`` gets a generated page,
``reference/<attribute>.md``, with the collection (inherited members
included) and the handles its package exports, and an entry under "API
reference" in the navigation. So a new resource is in the reference the
moment it is an attribute of ``Docker``. Loaded by mkdocs.yml (``hooks:``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiodock._operation import collections_of, handles_of, public_name  # noqa: E402
from aiodock.client import Docker  # noqa: E402

SECTION = "API reference"
SHOWN = re.compile(r"^:::\s*(\S+)", re.M)


def missing_pages(shown: set[str]) -> dict[str, str]:
    """``reference/<attr>.md`` -> its text, for each collection no page shows."""
    pages: dict[str, str] = {}
    docker = Docker("unix:///nonexistent.sock", env={})
    for attr, collection in collections_of(docker).items():
        name = public_name(type(collection))
        if name in shown:
            continue
        lines = [
            f"# {attr.capitalize()}",
            "",
            f"`docker.{attr}` is a [`{type(collection).__name__}`][{name}].",
            "",
            f"::: {name}",
            "    options:",
            "      inherited_members: true",
            "",
        ]
        for handle in handles_of(collection):
            lines += [f"::: {public_name(handle)}", ""]
        pages[f"reference/{attr}.md"] = "\n".join(lines)
    return pages


_generated: dict[str, str] = {}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated pages to the site."""
    shown: set[str] = set()
    for file in files.documentation_pages():
        if file.src_uri.startswith("reference/"):
            shown.update(SHOWN.findall(Path(file.abs_src_path or "").read_text()))
    _generated.clear()
    _generated.update(missing_pages(shown))
    for path, text in _generated.items():
        files.append(File.generated(config, path, content=text))
    return files


def on_nav(nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    """List the generated pages under "API reference"."""
    section = next(
        (item for item in nav.items if isinstance(item, Section) and item.title == SECTION),
        None,
    )
    for path in _generated:
        file = files.get_file_from_path(path)
        if file is None:
            continue
        page = file.page if file.page is not None else Page(None, file, config)
        if section is None:
            nav.items.append(page)
        else:
            page.parent = section
            section.children.append(page)
        nav.pages.append(page)
    return nav
