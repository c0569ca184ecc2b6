"""Every ```python block in docs/ and README.md runs against the real engine.

Each block is a complete script, run in its own interpreter. To keep this
quick, the pages run side by side (a few at a time), each page's blocks one
after the other in page order, since a page's examples may build on names of
their own; every test then checks its block's outcome.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
PAGES_AT_ONCE = 4
TIMEOUT = 120


class Example(NamedTuple):
    where: str  # "docs/page.md#3"
    page: str
    code: str


def examples() -> list[Example]:
    found = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]:
        name = str(page.relative_to(ROOT))
        for index, match in enumerate(BLOCK.finditer(page.read_text())):
            found.append(Example(f"{name}#{index + 1}", name, match.group(1)))
    return found


EXAMPLES = examples()


def run_example(example: Example, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", example.code],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        cwd=ROOT,
        check=False,
    )


@pytest.fixture(scope="session")
def example_results(
    request: pytest.FixtureRequest,
    engine: str,
    test_image: str,
) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """Start every selected example at once (pages in parallel); where -> its outcome."""
    selected = {
        item.callspec.params["example"].where
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_example_runs"
    }
    env = dict(os.environ, AIODOCK_EXAMPLE_IMAGE=test_image, DOCKER_HOST=f"unix://{engine}")
    by_page: dict[str, list[Example]] = {}
    for example in EXAMPLES:
        if example.where in selected:
            by_page.setdefault(example.page, []).append(example)
    futures: dict[str, Future[subprocess.CompletedProcess[str]]] = {
        where: Future() for where in selected
    }

    def run_page(page_examples: list[Example]) -> None:
        for example in page_examples:
            future = futures[example.where]
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(run_example(example, env))
            except BaseException as exc:  # a timeout: that example fails, the page goes on
                future.set_exception(exc)

    with ThreadPoolExecutor(max_workers=PAGES_AT_ONCE, thread_name_prefix="doc-page") as pool:
        # The longest pages first, so that they do not end up running last, alone.
        for page_examples in sorted(by_page.values(), key=len, reverse=True):
            pool.submit(run_page, page_examples)
        yield futures
        for future in futures.values():
            future.cancel()


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.where for e in EXAMPLES])
def test_example_runs(
    example: Example,
    example_results: dict[str, Future[subprocess.CompletedProcess[str]]],
) -> None:
    result = example_results[example.where].result(timeout=TIMEOUT * len(EXAMPLES))
    assert result.returncode == 0, f"{example.where} failed:\n{result.stdout}\n{result.stderr}"


def test_every_page_with_examples_is_found() -> None:
    pages = {e.page for e in EXAMPLES}
    for page in (
        "README.md",
        "docs/getting-started.md",
        "docs/containers.md",
        "docs/events.md",
        "docs/errors.md",
    ):
        assert page in pages
