"""Image reference parsing: the docker CLI's rules, errors before any request."""

from __future__ import annotations

import pytest

from aiodock.reference import (
    check_image_ref,
    parse_reference,
    pull_reference,
    push_reference,
    registry_of,
    target_reference,
)

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "registry", "path", "tag", "digest", "short"),
    [
        ("busybox", "docker.io", "library/busybox", "latest", None, "busybox:latest"),
        ("busybox:1.36", "docker.io", "library/busybox", "1.36", None, "busybox:1.36"),
        ("me/app", "docker.io", "me/app", "latest", None, "me/app:latest"),
        (
            "docker.io/library/busybox",
            "docker.io",
            "library/busybox",
            "latest",
            None,
            "busybox:latest",
        ),
        ("index.docker.io/me/app:v1", "docker.io", "me/app", "v1", None, "me/app:v1"),
        ("docker.io/busybox", "docker.io", "library/busybox", "latest", None, "busybox:latest"),
        (
            "127.0.0.1:5000/team/app:1",
            "127.0.0.1:5000",
            "team/app",
            "1",
            None,
            "127.0.0.1:5000/team/app:1",
        ),
        ("localhost/app", "localhost", "app", "latest", None, "localhost/app:latest"),
        (
            "localhost:5000/a/b/c",
            "localhost:5000",
            "a/b/c",
            "latest",
            None,
            "localhost:5000/a/b/c:latest",
        ),
        (
            "Registry.Example.com/app",
            "Registry.Example.com",
            "app",
            "latest",
            None,
            "Registry.Example.com/app:latest",
        ),
        ("[::1]:5000/app:x", "[::1]:5000", "app", "x", None, "[::1]:5000/app:x"),
        ("app@" + DIGEST, "docker.io", "library/app", None, DIGEST, "app@" + DIGEST),
        ("app:1@" + DIGEST, "docker.io", "library/app", "1", DIGEST, f"app:1@{DIGEST}"),
        (
            "a_b__c--d/e.f-g",
            "docker.io",
            "a_b__c--d/e.f-g",
            "latest",
            None,
            "a_b__c--d/e.f-g:latest",
        ),
        (
            "app:UPPER_tag.1-x",
            "docker.io",
            "library/app",
            "UPPER_tag.1-x",
            None,
            "app:UPPER_tag.1-x",
        ),
        ("localhost:5000", "docker.io", "library/localhost", "5000", None, "localhost:5000"),
    ],
)
def test_valid_references(
    text: str, registry: str, path: str, tag: str | None, digest: str | None, short: str
) -> None:
    ref = parse_reference(text)
    assert (ref.registry, ref.path, ref.tag, ref.digest) == (registry, path, tag, digest)
    assert str(ref) == short
    assert parse_reference(str(ref)) == ref


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the reference is empty"),
        ("Busybox", "repository name must be lowercase"),
        ("me/App:1", "repository name must be lowercase"),
        ("127.0.0.1:5000/Team/app", "repository name must be lowercase"),
        ("ab" * 32, "64-digit hex string is an image ID"),
        ("app:", "not a valid tag"),
        ("app:-x", "not a valid tag"),
        ("app:" + "t" * 129, "not a valid tag"),
        ("app@sha256:abc", "not a valid digest"),
        ("app@md5:" + "a" * 32, "unsupported digest algorithm 'md5'"),
        ("app@sha256:" + "A" * 64, "needs 64 lowercase hex digits"),
        ("app@sha256:" + "a" * 63, "needs 64 lowercase hex digits"),
        ("@" + DIGEST, "no repository name before '@'"),
        ("a@b@" + DIGEST, "more than one '@'"),
        ("a//b", "empty path component"),
        ("/app", "empty path component"),
        ("app/", "empty path component"),
        ("-app", "not a valid path component"),
        ("app-", "not a valid path component"),
        ("a..b", "not a valid path component"),
        ("a___b", "not a valid path component"),
        ("my app", "not a valid path component"),
        ("127.0.0.1:5000/", "no repository name after the registry"),
        ("-bad.host/app", "not a valid registry"),
        ("host:port/app", "not a valid registry"),
        ("x.io/" + "a" * 251, "longer than 255 characters"),
    ],
)
def test_malformed_references(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match="invalid image reference") as info:
        parse_reference(text)
    assert problem in str(info.value)
    assert repr(text) in str(info.value)


def test_no_default_tag() -> None:
    assert parse_reference("app", default_tag=None).tag is None
    assert parse_reference("app", default_tag="stable").tag == "stable"


def test_not_a_string() -> None:
    with pytest.raises(TypeError, match="must be a string"):
        parse_reference(42)  # type: ignore[arg-type]


def test_name_and_repository() -> None:
    ref = parse_reference("me/app:1")
    assert ref.name == "me/app"
    assert ref.repository == "docker.io/me/app"
    assert ref.is_docker_hub
    assert not parse_reference("127.0.0.1:5000/app").is_docker_hub
    assert parse_reference("registry-1.docker.io/me/app").is_docker_hub


def test_with_tag_drops_the_digest() -> None:
    ref = parse_reference("app@" + DIGEST).with_tag("2")
    assert (ref.tag, ref.digest) == ("2", None)
    with pytest.raises(ValueError, match="invalid tag"):
        ref.with_tag("bad tag")


def test_registry_of() -> None:
    assert registry_of("127.0.0.1:5001/app") == "127.0.0.1:5001"
    assert registry_of("me/app") == "docker.io"


@pytest.mark.parametrize(
    "ref",
    [
        "busybox",
        "sha256:" + "a" * 64,
        "a" * 64,
        "7bddb0152ca2",
        "sha256:7bdd",
        "127.0.0.1:5000/app:1",
        "app@" + DIGEST,
    ],
)
def test_local_image_refs_accept_ids(ref: str) -> None:
    assert check_image_ref(ref) == ref


def test_local_image_refs_reject_bad_names() -> None:
    with pytest.raises(ValueError, match="must be lowercase"):
        check_image_ref("Upper")


def test_pull_reference() -> None:
    assert str(pull_reference("app")) == "app:latest"
    assert str(pull_reference("app", "2")) == "app:2"
    assert pull_reference("app", DIGEST).digest == DIGEST
    assert str(pull_reference("app@" + DIGEST)) == "app@" + DIGEST
    with pytest.raises(ValueError, match="already names a tag"):
        pull_reference("app:1", "2")


def test_push_reference() -> None:
    assert push_reference("127.0.0.1:5000/app").tag == "latest"
    assert push_reference("127.0.0.1:5000/app", "x").tag == "x"
    assert push_reference("127.0.0.1:5000/app:x", "x").tag == "x"
    with pytest.raises(ValueError, match="not a digest"):
        push_reference("app@" + DIGEST)
    with pytest.raises(ValueError, match="already names a tag"):
        push_reference("app:1", "2")


def test_target_reference() -> None:
    assert str(target_reference("127.0.0.1:5000/app")) == "127.0.0.1:5000/app:latest"
    assert str(target_reference("app", "v2")) == "app:v2"
    with pytest.raises(ValueError, match="commit: 'app@sha256"):
        target_reference("app@" + DIGEST, what="commit")
    with pytest.raises(ValueError, match="invalid tag"):
        target_reference("app", "no spaces")
