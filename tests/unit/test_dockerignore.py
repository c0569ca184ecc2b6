""".dockerignore rules and the streamed build-context tar (no engine needed).

CLI_CASES were recorded from the docker CLI (28.2.2, legacy builder): each
tree was sent by ``docker build`` to a fake engine that listed the tar it
received. aiodock must send exactly the same entries.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import anyio
import pytest

from aiodock.archive import (
    CHUNK_SIZE,
    ContextError,
    DockerIgnore,
    _context_entries,
    _iter_tar,
    _prepare_context,
    _tar_context,
)

# (.dockerignore lines, files in the context, entries the CLI sent besides
# Dockerfile and .dockerignore)
CLI_CASES = [
    (["a/*/c.txt", "**/b", "sub/**"], ["a"], ["a"]),
    (
        ["./b", "a/*/c.txt", "b/a"],
        ["node_modules/d.log/sub"],
        ["node_modules", "node_modules/d.log", "node_modules/d.log/sub"],
    ),
    (
        ["**", "/a", "!*.md", "  d.log  ", "[^a-c]*"],
        ["b/c.txt/a", "b/c.txt/e.md", "b/x.y/e.md", "keep.log"],
        [],
    ),
    (
        ["**/x.y/**", "sub/*", "b/a", "**/sub/*.log"],
        ["b", "node_modules", "sub"],
        ["b", "node_modules", "sub"],
    ),
    (
        ["a", "**/x.y/**"],
        [
            "a/node_modules/a",
            "a/node_modules/e.md",
            "a/node_modules/node_modules",
            "a/node_modules/x.y",
            "b/a/e.md",
            "b/d.log/d.log",
            "d.log/keep.log/d.log",
            "d.log/keep.log/x.y",
            "d.log/x.y",
            "sub",
        ],
        [
            "b",
            "b/a",
            "b/a/e.md",
            "b/d.log",
            "b/d.log/d.log",
            "d.log",
            "d.log/keep.log",
            "d.log/keep.log/d.log",
            "d.log/keep.log/x.y",
            "d.log/x.y",
            "sub",
        ],
    ),
    (
        ["node_modules", "x.y"],
        [
            "b/b/a",
            "b/c.txt",
            "b/node_modules",
            "b/sub",
            "d.log",
            "sub/d.log/d.log",
            "sub/d.log/node_modules",
            "sub/d.log/sub",
            "sub/d.log/x.y",
        ],
        [
            "b",
            "b/b",
            "b/b/a",
            "b/c.txt",
            "b/node_modules",
            "b/sub",
            "d.log",
            "sub",
            "sub/d.log",
            "sub/d.log/d.log",
            "sub/d.log/node_modules",
            "sub/d.log/sub",
            "sub/d.log/x.y",
        ],
    ),
    (
        ["  d.log  ", "a"],
        [
            "node_modules/e.md",
            "node_modules/keep.log",
            "node_modules/node_modules",
            "node_modules/x.y/a",
            "node_modules/x.y/d.log",
            "node_modules/x.y/keep.log",
        ],
        [
            "node_modules",
            "node_modules/e.md",
            "node_modules/keep.log",
            "node_modules/node_modules",
            "node_modules/x.y",
            "node_modules/x.y/a",
            "node_modules/x.y/d.log",
            "node_modules/x.y/keep.log",
        ],
    ),
    (["a", "\\*", "a/"], ["x.y"], ["x.y"]),
    (["a/", "./b"], ["b", "sub/d.log"], ["sub", "sub/d.log"]),
    (
        ["!a/b", "/a", "?.txt"],
        ["d.log/c.txt", "d.log/d.log/b", "d.log/keep.log", "d.log/sub", "e.md", "keep.log"],
        [
            "d.log",
            "d.log/c.txt",
            "d.log/d.log",
            "d.log/d.log/b",
            "d.log/keep.log",
            "d.log/sub",
            "e.md",
            "keep.log",
        ],
    ),
    (["#x", "sub/**"], ["c.txt", "d.log", "keep.log"], ["c.txt", "d.log", "keep.log"]),
    (["**", "!a", "!*.md"], ["b", "keep.log"], []),
    (["a//b", "**"], ["d.log", "keep.log", "x.y"], []),
    (["*.log", "!sub/c.txt", "/a", "*/c.txt", "**/*.txt"], ["a/c.txt", "a/keep.log"], []),
    (
        ["!node_modules/keep.log", "a/**/keep.log"],
        [
            "c.txt/c.txt",
            "c.txt/d.log",
            "d.log",
            "sub/a",
            "sub/c.txt",
            "sub/e.md/b",
            "sub/e.md/e.md",
        ],
        [
            "c.txt",
            "c.txt/c.txt",
            "c.txt/d.log",
            "d.log",
            "sub",
            "sub/a",
            "sub/c.txt",
            "sub/e.md",
            "sub/e.md/b",
            "sub/e.md/e.md",
        ],
    ),
    (["#x", "\\*"], ["b", "e.md", "node_modules"], ["b", "e.md", "node_modules"]),
    (
        ["a/", "!a", "\\*"],
        [
            "d.log/c.txt",
            "d.log/d.log",
            "d.log/keep.log/e.md",
            "d.log/keep.log/node_modules",
            "d.log/x.y/sub",
            "d.log/x.y/x.y",
            "e.md",
            "node_modules",
        ],
        [
            "d.log",
            "d.log/c.txt",
            "d.log/d.log",
            "d.log/keep.log",
            "d.log/keep.log/e.md",
            "d.log/keep.log/node_modules",
            "d.log/x.y",
            "d.log/x.y/sub",
            "d.log/x.y/x.y",
            "e.md",
            "node_modules",
        ],
    ),
    (
        ["b/a", "\\*", "a//b", "node_modules"],
        [
            "b/a",
            "b/c.txt/b",
            "b/c.txt/d.log",
            "b/c.txt/e.md",
            "b/c.txt/x.y",
            "d.log",
            "e.md/c.txt/a",
            "e.md/c.txt/d.log",
            "e.md/c.txt/node_modules",
            "e.md/c.txt/sub",
            "e.md/d.log/node_modules",
            "e.md/e.md",
            "e.md/node_modules",
        ],
        [
            "b",
            "b/c.txt",
            "b/c.txt/b",
            "b/c.txt/d.log",
            "b/c.txt/e.md",
            "b/c.txt/x.y",
            "d.log",
            "e.md",
            "e.md/c.txt",
            "e.md/c.txt/a",
            "e.md/c.txt/d.log",
            "e.md/c.txt/node_modules",
            "e.md/c.txt/sub",
            "e.md/d.log",
            "e.md/d.log/node_modules",
            "e.md/e.md",
            "e.md/node_modules",
        ],
    ),
    (
        ["a//b", "**/b"],
        [
            "keep.log",
            "node_modules/b",
            "node_modules/c.txt",
            "node_modules/keep.log",
            "node_modules/x.y",
        ],
        [
            "keep.log",
            "node_modules",
            "node_modules/c.txt",
            "node_modules/keep.log",
            "node_modules/x.y",
        ],
    ),
    (
        ["**", "  d.log  ", "?.txt", "a/", "b/a"],
        [
            "a",
            "b",
            "c.txt/a",
            "c.txt/node_modules/c.txt",
            "c.txt/node_modules/d.log",
            "c.txt/node_modules/x.y",
            "c.txt/x.y/d.log",
            "c.txt/x.y/sub",
            "c.txt/x.y/x.y",
        ],
        [],
    ),
    (
        ["[^a-c]*", "sub/**", "*.log"],
        [
            "c.txt/b/a",
            "c.txt/b/keep.log",
            "c.txt/c.txt/a",
            "c.txt/d.log",
            "e.md/b/d.log",
            "e.md/b/sub",
            "e.md/d.log",
            "sub",
            "x.y",
        ],
        [
            "c.txt",
            "c.txt/b",
            "c.txt/b/a",
            "c.txt/b/keep.log",
            "c.txt/c.txt",
            "c.txt/c.txt/a",
            "c.txt/d.log",
        ],
    ),
    (["[^a-c]*", "/a", "a", "*/c.txt", "#x"], ["d.log", "sub", "x.y/keep.log"], []),
    (
        ["*.log", "./b", "b/a"],
        [
            "d.log/d.log/a",
            "d.log/d.log/e.md",
            "d.log/d.log/keep.log",
            "d.log/d.log/sub",
            "d.log/node_modules/d.log",
            "d.log/node_modules/keep.log",
            "d.log/sub",
            "d.log/x.y/b",
            "d.log/x.y/sub",
        ],
        [],
    ),
    (["*", "a//b", "!sub/c.txt", "a/*/c.txt"], ["a", "b", "c.txt", "keep.log"], []),
    (
        ["!keep.log", "a/", "a/*/c.txt", "**"],
        [
            "c.txt/node_modules",
            "keep.log/keep.log/c.txt",
            "keep.log/keep.log/keep.log",
            "keep.log/keep.log/node_modules",
            "keep.log/keep.log/sub",
            "keep.log/sub",
        ],
        [],
    ),
    (["**", "!node_modules/keep.log", "a//b", "[^a-c]*", "a/"], ["c.txt"], []),
    (["x.y", "*/c.txt", "[^a-c]*", "**/*.txt", "**/b"], ["e.md"], []),
    (
        ["node_modules", "!node_modules/keep.log", "a/"],
        [
            "b",
            "e.md/a",
            "e.md/keep.log",
            "e.md/x.y/b",
            "e.md/x.y/d.log",
            "e.md/x.y/sub",
            "node_modules",
            "x.y/a/c.txt",
            "x.y/a/d.log",
            "x.y/a/keep.log",
            "x.y/a/x.y",
            "x.y/keep.log/keep.log",
        ],
        [
            "b",
            "e.md",
            "e.md/a",
            "e.md/keep.log",
            "e.md/x.y",
            "e.md/x.y/b",
            "e.md/x.y/d.log",
            "e.md/x.y/sub",
            "x.y",
            "x.y/a",
            "x.y/a/c.txt",
            "x.y/a/d.log",
            "x.y/a/keep.log",
            "x.y/a/x.y",
            "x.y/keep.log",
            "x.y/keep.log/keep.log",
        ],
    ),
    (["!sub/c.txt", "**/b", "**/*.txt", "#x", "[^a-c]*"], ["a", "b", "e.md", "keep.log"], ["a"]),
    (
        ["**", "**/*.txt", "sub/*", "!*.md", "b/a"],
        [
            "b/node_modules/a",
            "b/node_modules/c.txt",
            "b/node_modules/e.md",
            "b/node_modules/node_modules",
            "b/x.y",
        ],
        [],
    ),
    (
        ["a/**/keep.log", "*/c.txt", "*.log"],
        [
            "a",
            "d.log/a/x.y",
            "d.log/c.txt",
            "d.log/node_modules/a",
            "d.log/node_modules/sub",
            "e.md/b",
            "e.md/d.log",
            "x.y",
        ],
        ["a", "e.md", "e.md/b", "e.md/d.log", "x.y"],
    ),
    (
        ["/a", "a/", "  d.log  ", "*/c.txt", "**/b"],
        ["b", "d.log/a", "d.log/sub/x.y", "d.log/x.y", "sub"],
        ["sub"],
    ),
    (
        ["sub/**", "!sub/c.txt", "!*.md", "a//b", "b/a"],
        ["d.log", "e.md", "sub"],
        ["d.log", "e.md", "sub"],
    ),
    (
        ["/a", "a/", "a//b", "sub/**", "sub/*"],
        ["e.md/e.md/c.txt", "e.md/e.md/e.md", "e.md/e.md/sub", "node_modules"],
        ["e.md", "e.md/e.md", "e.md/e.md/c.txt", "e.md/e.md/e.md", "e.md/e.md/sub", "node_modules"],
    ),
    (["!sub/c.txt", "./b", "!a/b", "a//b"], ["a", "sub"], ["a", "sub"]),
    (["sub/**", "\\*", "!*.md", "*/c.txt"], ["keep.log"], ["keep.log"]),
    (
        ["!keep.log", "!node_modules/keep.log", "**", "#x"],
        ["b", "c.txt", "d.log/d.log", "d.log/node_modules", "d.log/x.y", "keep.log"],
        [],
    ),
    (
        ["  d.log  ", "a/", "a", "*/c.txt"],
        ["a", "b/a", "b/b/b", "b/b/c.txt", "b/b/e.md", "b/b/x.y", "e.md"],
        ["b", "b/a", "b/b", "b/b/b", "b/b/c.txt", "b/b/e.md", "b/b/x.y", "e.md"],
    ),
    (
        ["!node_modules/keep.log", "**/b", "x.y", "a/*/c.txt", "\\*"],
        [
            "a/c.txt/c.txt",
            "a/c.txt/keep.log",
            "a/d.log/a",
            "a/sub/a",
            "a/sub/keep.log",
            "a/sub/x.y",
            "a/x.y/e.md",
            "b/a",
        ],
        [
            "a",
            "a/c.txt",
            "a/c.txt/keep.log",
            "a/d.log",
            "a/d.log/a",
            "a/sub",
            "a/sub/a",
            "a/sub/keep.log",
            "a/sub/x.y",
            "a/x.y",
            "a/x.y/e.md",
        ],
    ),
    (
        ["a/", "a//b", "sub/**", "?.txt"],
        [
            "b",
            "node_modules/b",
            "node_modules/d.log/c.txt",
            "node_modules/d.log/node_modules",
            "node_modules/d.log/x.y",
            "node_modules/e.md",
            "node_modules/keep.log/node_modules",
            "x.y",
        ],
        [
            "b",
            "node_modules",
            "node_modules/b",
            "node_modules/d.log",
            "node_modules/d.log/c.txt",
            "node_modules/d.log/node_modules",
            "node_modules/d.log/x.y",
            "node_modules/e.md",
            "node_modules/keep.log",
            "node_modules/keep.log/node_modules",
            "x.y",
        ],
    ),
]


def make_tree(root: Path, files: list[str], ignore: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    (root / "Dockerfile").write_text("FROM scratch\n")
    (root / ".dockerignore").write_text("\n".join(ignore) + "\n")


def sent(root: Path, dockerfile: str = "Dockerfile") -> list[str]:
    directory, rules = _prepare_context(root, dockerfile=dockerfile)
    return [entry.name for entry in _context_entries(directory, rules)]


@pytest.mark.parametrize(("ignore", "files", "expected"), CLI_CASES)
def test_same_entries_as_the_docker_cli(
    tmp_path: Path, ignore: list[str], files: list[str], expected: list[str]
) -> None:
    make_tree(tmp_path, files, ignore)
    assert sent(tmp_path) == sorted([".dockerignore", "Dockerfile", *expected])


def test_comments_blank_lines_spaces_and_bom() -> None:
    rules = DockerIgnore.parse("\ufeff# a comment\n\n   \n  *.tmp  \n #not-a-comment\n")
    assert rules.excludes("x.tmp")
    assert not rules.excludes("# a comment")
    assert rules.excludes("#not-a-comment")  # only a leading '#' starts a comment


def test_patterns_are_cleaned_and_relative_to_the_root() -> None:
    rules = DockerIgnore.parse("/build/\n./dist//out\nlogs/../cache\n")
    assert [p.pattern for p in rules.patterns] == ["build", "dist/out", "cache"]
    assert rules.excludes("build/x.o")
    assert rules.excludes("dist/out/a")
    assert rules.excludes("cache")
    assert not rules.excludes("src/build")


def test_double_star_matches_any_number_of_directories() -> None:
    rules = DockerIgnore.parse("**/*.pyc\ndocs/**\n")
    assert rules.excludes("a.pyc")
    assert rules.excludes("pkg/sub/a.pyc")
    assert rules.excludes("docs/a/b/c.md")
    assert not rules.excludes("docs")  # 'docs/**' is what is under docs
    assert not rules.excludes("a.py")


def test_single_star_and_question_mark_stay_in_one_directory() -> None:
    rules = DockerIgnore.parse("*.log\n?.txt\n")
    assert rules.excludes("x.log")
    assert not rules.excludes("logs/x.log")
    assert rules.excludes("a.txt")
    assert not rules.excludes("ab.txt")


def test_character_classes_and_escapes() -> None:
    rules = DockerIgnore.parse("[a-c].bin\n[^a-c].dat\n\\*.raw\n")
    assert rules.excludes("b.bin") and not rules.excludes("d.bin")
    assert rules.excludes("d.dat") and not rules.excludes("a.dat")
    assert rules.excludes("*.raw") and not rules.excludes("x.raw")


def test_regex_characters_are_literal() -> None:
    rules = DockerIgnore.parse("a+b(1).txt\n")
    assert rules.excludes("a+b(1).txt")
    assert not rules.excludes("aab1.txt")


def test_exceptions_last_match_wins() -> None:
    rules = DockerIgnore.parse("*.md\n!README.md\nREADME.md\n")
    assert rules.excludes("README.md")
    rules = DockerIgnore.parse("*.md\n!README*.md\n")
    assert not rules.excludes("README-dev.md")
    assert rules.excludes("CHANGES.md")


def test_lone_exclamation_mark_is_refused() -> None:
    with pytest.raises(ValueError, match=r'line 2: illegal exclusion pattern: "!"'):
        DockerIgnore.parse("*.log\n!\n")


def test_unterminated_class_is_refused() -> None:
    with pytest.raises(ValueError, match="unterminated character class"):
        DockerIgnore.parse("[abc\n")


def test_dockerfile_and_dockerignore_are_always_sent(tmp_path: Path) -> None:
    make_tree(tmp_path, ["app.py", "build/Dockerfile.dev"], ["*", "build"])
    assert sent(tmp_path) == [".dockerignore", "Dockerfile"]
    # only the Dockerfile in use is kept
    assert sent(tmp_path, "build/Dockerfile.dev") == [".dockerignore", "build/Dockerfile.dev"]


def test_exception_inside_an_excluded_directory(tmp_path: Path) -> None:
    make_tree(
        tmp_path, ["logs/a.log", "logs/keep.log", "logs/old/keep.log"], ["logs", "!logs/keep.log"]
    )
    assert sent(tmp_path) == [".dockerignore", "Dockerfile", "logs/keep.log"]


def test_wildcard_exception_reaches_into_excluded_directories(tmp_path: Path) -> None:
    # The CLI's legacy path never looks inside node_modules here; BuildKit
    # and aiodock do, so the exception works at any depth.
    make_tree(
        tmp_path,
        ["node_modules/x/keep.md", "node_modules/x/a.js", "src/keep.md"],
        ["node_modules", "!**/*.md"],
    )
    assert sent(tmp_path) == [
        ".dockerignore",
        "Dockerfile",
        "node_modules/x/keep.md",
        "src",
        "src/keep.md",
    ]


def test_missing_context_and_dockerfile_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such directory"):
        _prepare_context(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        _prepare_context(tmp_path / "file")
    with pytest.raises(FileNotFoundError, match="no Dockerfile 'Dockerfile'"):
        _prepare_context(tmp_path)
    with pytest.raises(ValueError, match="inside the build context"):
        _prepare_context(tmp_path, dockerfile="../Dockerfile")


# --------------------------------------------------------------------------
# the tar stream


def collect(root: Path) -> bytes:
    async def run() -> bytes:
        directory, rules = _prepare_context(root)
        return b"".join([chunk async for chunk in _tar_context(directory, rules=rules)])

    return anyio.run(run)


def test_tar_holds_contents_modes_times_and_root_owner(tmp_path: Path) -> None:
    make_tree(tmp_path, ["bin/run.sh", "data/empty/.keep"], ["data/empty/.keep"])
    (tmp_path / "bin/run.sh").write_text("#!/bin/sh\necho hi\n")
    (tmp_path / "bin/run.sh").chmod(0o750)
    os.utime(tmp_path / "bin/run.sh", (1_600_000_000, 1_600_000_000))
    with tarfile.open(fileobj=io.BytesIO(collect(tmp_path))) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == [
            ".dockerignore",
            "Dockerfile",
            "bin",
            "bin/run.sh",
            "data",
            "data/empty",
        ]
        script = members["bin/run.sh"]
        assert script.mode == 0o750 and script.mtime == 1_600_000_000
        assert (script.uid, script.gid, script.uname, script.gname) == (0, 0, "", "")
        assert members["data/empty"].isdir()
        extracted = tar.extractfile(script)
        assert extracted is not None and extracted.read() == b"#!/bin/sh\necho hi\n"


def test_symlinks_are_archived_as_links_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("do not send")
    context = tmp_path / "ctx"
    make_tree(context, ["real.txt"], [])
    (context / "to-secret").symlink_to(outside / "secret")
    (context / "to-dir").symlink_to(outside)
    (context / "dangling").symlink_to(tmp_path / "missing")
    data = collect(context)
    assert b"do not send" not in data
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert members["to-secret"].issym()
        assert members["to-secret"].linkname == str(outside / "secret")
        assert members["to-dir"].issym() and members["dangling"].issym()
        assert not any(name.startswith("to-dir/") for name in members)


def test_hard_links_are_sent_once(tmp_path: Path) -> None:
    make_tree(tmp_path, ["a.bin"], [])
    (tmp_path / "a.bin").write_bytes(b"x" * 5000)
    os.link(tmp_path / "a.bin", tmp_path / "b.bin")
    data = collect(tmp_path)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert members["a.bin"].isreg() and members["b.bin"].islnk()
        assert members["b.bin"].linkname == "a.bin"
    assert data.count(b"x" * 5000) == 1


def test_long_names_and_large_files_stream_in_bounded_chunks(tmp_path: Path) -> None:
    long_name = "d" * 120 + "/" + "f" * 150
    make_tree(tmp_path, [long_name], [])
    (tmp_path / "big.bin").write_bytes(os.urandom(3 * CHUNK_SIZE + 123))
    directory, rules = _prepare_context(tmp_path)
    chunks = list(_iter_tar(_context_entries(directory, rules)))
    assert max(len(c) for c in chunks) < CHUNK_SIZE + 64 * 1024
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
        assert long_name in tar.getnames()
        member = tar.getmember("big.bin")
        extracted = tar.extractfile(member)
        assert extracted is not None
        assert extracted.read() == (tmp_path / "big.bin").read_bytes()


def test_a_file_that_shrinks_while_sending_raises(tmp_path: Path) -> None:
    make_tree(tmp_path, ["grow.bin"], [])
    (tmp_path / "grow.bin").write_bytes(b"y" * 10_000)
    directory, rules = _prepare_context(tmp_path)
    entries = _context_entries(directory, rules)
    (tmp_path / "grow.bin").write_bytes(b"y" * 10)
    with pytest.raises(ContextError, match="shrank while it was being sent"):
        list(_iter_tar(entries))


def test_a_file_replaced_by_a_symlink_is_not_followed(tmp_path: Path) -> None:
    make_tree(tmp_path, ["swap.txt"], [])
    (tmp_path / "secret").write_text("secret")
    directory, rules = _prepare_context(tmp_path)
    entries = _context_entries(directory, rules)
    (tmp_path / "swap.txt").unlink()
    (tmp_path / "swap.txt").symlink_to(tmp_path / "secret")
    with pytest.raises(ContextError, match="became a symbolic link"):
        list(_iter_tar(entries))
