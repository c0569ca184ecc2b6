"""Registry credentials: the Docker config, credential helpers, header encoding."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from pathlib import Path

import httpx
import pytest

from aiodock import Docker
from aiodock.auth import (
    ANONYMOUS_HEADER,
    DOCKER_HUB_AUTH_KEY,
    CredentialsError,
    CredentialStore,
    RegistryAuth,
    auth_header_for,
    encode_config_header,
    encode_header,
    registry_key,
)
from tests.fakes import NO_ENGINE, FakeEngine, not_found

HELPER = """#!{python}
import json, os, sys, time
log = os.environ["FAKE_HELPER_LOG"]
stdin = sys.stdin.read() if sys.argv[1:] == ["get"] else None
with open(log, "a") as f:
    f.write(json.dumps({{"argv": sys.argv[1:], "stdin": stdin}}) + "\\n")
db = json.load(open(os.environ["FAKE_HELPER_DB"]))
if db.get("sleep"):
    time.sleep(db["sleep"])
if sys.argv[1:] == ["list"]:
    print(json.dumps({{k: v["Username"] for k, v in db["creds"].items()}}))
    sys.exit(0)
server = (stdin or "").strip()
if db.get("fail"):
    print(db["fail"])
    sys.exit(1)
if server not in db["creds"]:
    print("credentials not found in native keychain")
    sys.exit(1)
print(json.dumps(dict(db["creds"][server], ServerURL=server)))
"""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    (tmp_path / "docker").mkdir()
    return tmp_path


def write_config(home: Path, data: object) -> None:
    (home / "docker" / "config.json").write_text(json.dumps(data))


def add_helper(home: Path, name: str, creds: dict[str, dict[str, str]], **extra: object) -> Path:
    program = home / "bin" / f"docker-credential-{name}"
    program.write_text(HELPER.format(python=sys.executable))
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    (home / f"{name}.json").write_text(json.dumps({"creds": creds, **extra}))
    return program


def store(home: Path, helper: str = "fake", helper_timeout: float = 30.0) -> CredentialStore:
    env = {
        "PATH": f"{home / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "DOCKER_CONFIG": str(home / "docker"),
        "FAKE_HELPER_DB": str(home / f"{helper}.json"),
        "FAKE_HELPER_LOG": str(home / "helper.log"),
    }
    return CredentialStore(env=env, helper_timeout=helper_timeout)


def helper_calls(home: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (home / "helper.log").read_text().splitlines()]


# -- registry keys and headers ---------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "",
        "docker.io",
        "index.docker.io",
        "registry-1.docker.io",
        "https://index.docker.io/v1/",
        "DOCKER.IO",
    ],
)
def test_docker_hub_names_share_one_key(name: str) -> None:
    assert registry_key(name) == DOCKER_HUB_AUTH_KEY == "https://index.docker.io/v1/"


@pytest.mark.parametrize(
    "name",
    ["127.0.0.1:5001", "http://127.0.0.1:5001", "https://127.0.0.1:5001/v2/", " 127.0.0.1:5001 "],
)
def test_other_registries_are_keyed_by_host_and_port(name: str) -> None:
    assert registry_key(name) == "127.0.0.1:5001"


def test_header_is_url_safe_base64_with_padding() -> None:
    # chosen so that the plain base64 has '+' or '/', and padding is needed
    auth = RegistryAuth(username="u", password="??>>~~", serveraddress="r:1")
    header = auth.header()
    assert "+" not in header and "/" not in header
    assert len(header) % 4 == 0
    decoded = json.loads(base64.urlsafe_b64decode(header))
    assert decoded == {"username": "u", "password": "??>>~~", "serveraddress": "r:1"}
    assert ANONYMOUS_HEADER == encode_header({}) == "e30="
    assert json.loads(base64.urlsafe_b64decode(encode_config_header({"r:1": auth}))) == {
        "r:1": decoded
    }


def test_repr_never_shows_secrets() -> None:
    auth = RegistryAuth(username="me", password="hunter2", identitytoken="tok-123")
    assert "hunter2" not in repr(auth) and "tok-123" not in str(auth)
    assert "password=***" in repr(auth)


# -- the config file ---------------------------------------------------------


async def test_no_config_file_means_anonymous(home: Path) -> None:
    assert await store(home).get("127.0.0.1:5001") is None
    assert await store(home).all() == {}


async def test_auths_entry_with_base64_auth(home: Path) -> None:
    write_config(home, {"auths": {"127.0.0.1:5001": {"auth": b64("aiodock:pa:ss")}}})
    auth = await store(home).get("127.0.0.1:5001")
    assert auth is not None
    assert (auth.username, auth.password, auth.serveraddress) == (
        "aiodock",
        "pa:ss",
        "127.0.0.1:5001",
    )
    assert await store(home).get("127.0.0.1:5000") is None


async def test_auths_keys_written_another_way_still_match(home: Path) -> None:
    write_config(
        home,
        {
            "auths": {
                "http://127.0.0.1:5001/v2/": {"auth": b64("a:b")},
                "index.docker.io": {"identitytoken": "tok"},
            }
        },
    )
    local = await store(home).get("127.0.0.1:5001")
    hub = await store(home).get("docker.io")
    assert local is not None and local.username == "a"
    assert hub is not None and hub.identitytoken == "tok" and hub.password is None


async def test_docker_hub_entry(home: Path) -> None:
    write_config(home, {"auths": {DOCKER_HUB_AUTH_KEY: {"auth": b64("me:pw")}}})
    for name in ("docker.io", "registry-1.docker.io", ""):
        auth = await store(home).get(name)
        assert auth is not None and auth.serveraddress == DOCKER_HUB_AUTH_KEY


async def test_empty_entries_are_anonymous(home: Path) -> None:
    write_config(home, {"auths": {"127.0.0.1:5001": {}}})
    assert await store(home).get("127.0.0.1:5001") is None


async def test_default_config_dir_is_home_dot_docker(tmp_path: Path) -> None:
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text(
        json.dumps({"auths": {"r.example:1": {"auth": b64("x:y")}}})
    )
    found = CredentialStore(env={"HOME": str(tmp_path)})
    assert found.path == tmp_path / ".docker" / "config.json"
    auth = await found.get("r.example:1")
    assert auth is not None and auth.password == "y"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not valid JSON"),
        ("[]", "is not a JSON object"),
        ('{"auths": []}', "'auths'"),
        ('{"credHelpers": {"r": 1}}', "'credHelpers'"),
        ('{"auths": {"r:1": {"auth": "!!!"}}}', "is not base64 of 'user:password'"),
        ('{"auths": {"r:1": {"auth": "' + b64("nocolon") + '"}}}', "is not base64"),
    ],
)
async def test_broken_config_is_a_clear_error(home: Path, content: str, problem: str) -> None:
    (home / "docker" / "config.json").write_text(content)
    with pytest.raises(CredentialsError, match=problem):
        await store(home).get("r:1")


def test_bad_helper_timeout() -> None:
    with pytest.raises(ValueError, match="helper_timeout"):
        CredentialStore(env={}, helper_timeout=0)


# -- credential helpers ------------------------------------------------------


async def test_cred_helper_for_one_registry(home: Path) -> None:
    add_helper(home, "fake", {"127.0.0.1:5001": {"Username": "aiodock", "Secret": "s3"}})
    write_config(
        home,
        {
            "credHelpers": {"127.0.0.1:5001": "fake"},
            "auths": {"127.0.0.1:5000": {"auth": b64("file:user")}},
        },
    )
    auth = await store(home).get("127.0.0.1:5001")
    assert auth is not None and (auth.username, auth.password) == ("aiodock", "s3")
    assert helper_calls(home) == [{"argv": ["get"], "stdin": "127.0.0.1:5001"}]
    other = await store(home).get("127.0.0.1:5000")  # not the helper's: from auths
    assert other is not None and other.username == "file"


async def test_creds_store_for_every_registry(home: Path) -> None:
    add_helper(home, "fake", {DOCKER_HUB_AUTH_KEY: {"Username": "<token>", "Secret": "rt"}})
    write_config(
        home, {"credsStore": "fake", "auths": {"127.0.0.1:5001": {"auth": b64("ignored:x")}}}
    )
    hub = await store(home).get("docker.io")
    assert hub is not None and hub.identitytoken == "rt" and hub.username is None
    # with a store, "not found" is anonymous; the file's entry is not used
    assert await store(home).get("127.0.0.1:5001") is None
    assert [c["stdin"] for c in helper_calls(home)] == [DOCKER_HUB_AUTH_KEY, "127.0.0.1:5001"]


async def test_helper_failure_is_a_clear_error(home: Path) -> None:
    add_helper(home, "fake", {}, fail="the keychain is locked")
    write_config(home, {"credsStore": "fake"})
    with pytest.raises(
        CredentialsError,
        match=r"docker-credential-fake get failed for"
        r" 127\.0\.0\.1:5001: the keychain is locked",
    ):
        await store(home).get("127.0.0.1:5001")


async def test_missing_helper(home: Path) -> None:
    write_config(home, {"credHelpers": {"127.0.0.1:5001": "nowhere"}})
    with pytest.raises(CredentialsError, match=r"docker-credential-nowhere .* is not on PATH"):
        await store(home).get("127.0.0.1:5001")


async def test_helper_names_cannot_be_paths(home: Path) -> None:
    write_config(home, {"credsStore": "../../bin/sh"})
    with pytest.raises(CredentialsError, match="invalid credential helper name"):
        await store(home).get("127.0.0.1:5001")


async def test_slow_helper_is_cut_off(home: Path) -> None:
    add_helper(home, "fake", {}, sleep=30)
    write_config(home, {"credsStore": "fake"})
    with pytest.raises(CredentialsError, match=r"did not answer within 0\.5s"):
        await store(home, helper_timeout=0.5).get("127.0.0.1:5001")


async def test_all_credentials(home: Path) -> None:
    add_helper(
        home,
        "fake",
        {
            "127.0.0.1:5001": {"Username": "store", "Secret": "a"},
            "r.example": {"Username": "store", "Secret": "b"},
        },
    )
    add_helper(home, "other", {"r.example": {"Username": "helper", "Secret": "c"}})
    write_config(home, {"credsStore": "fake", "credHelpers": {"r.example": "fake"}})
    found = await store(home).all()
    assert {k: (v.username, v.password) for k, v in found.items()} == {
        "127.0.0.1:5001": ("store", "a"),
        "r.example": ("store", "b"),
    }
    assert ["list"] in [c["argv"] for c in helper_calls(home)]


async def test_all_credentials_from_the_file(home: Path) -> None:
    write_config(
        home, {"auths": {"127.0.0.1:5001": {"auth": b64("a:b")}, "placeholder.example": {}}}
    )
    found = await store(home).all()
    assert list(found) == ["127.0.0.1:5001"]


async def test_auth_header_for(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(home / "docker"))
    assert await auth_header_for("127.0.0.1:5001") == "e30="
    write_config(home, {"auths": {"127.0.0.1:5001": {"auth": b64("a:b")}}})
    header = await auth_header_for("127.0.0.1:5001")
    assert json.loads(base64.urlsafe_b64decode(header))["username"] == "a"
    given = RegistryAuth(username="x", password="y")
    assert await auth_header_for("127.0.0.1:5001", given) == given.header()
    with pytest.raises(TypeError, match="RegistryAuth"):
        await auth_header_for("r", {"username": "x"})  # type: ignore[arg-type]


# -- the client's env is where every registry lookup reads ---------------------

_DIGEST = "sha256:" + "ab" * 32
_IMAGE_ID = "sha256:" + "cd" * 32


def _fake_registry_engine(seen: dict[str, str | None]) -> FakeEngine:
    """An engine that records the credentials headers of pull, push, search,
    build and distribution inspect, and answers just enough for each."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        headers = {"Content-Type": "application/json"}
        if path == "/v1.41/images/create":
            seen["pull"] = request.headers.get("X-Registry-Auth")
            return httpx.Response(200, content=b'{"status":"Pulled"}\n', headers=headers)
        if path.endswith("/json") and path.startswith("/v1.41/images/"):
            return httpx.Response(200, json={"Id": _IMAGE_ID, "RepoTags": ["x:1"]})
        if path.endswith("/push"):
            seen["push"] = request.headers.get("X-Registry-Auth")
            line = json.dumps({"status": f"1: digest: {_DIGEST} size: 527"}) + "\n"
            return httpx.Response(200, content=line.encode(), headers=headers)
        if path == "/v1.41/images/search":
            seen["search"] = request.headers.get("X-Registry-Auth")
            return httpx.Response(200, json=[])
        if path == "/v1.41/build":
            seen["build"] = request.headers.get("X-Registry-Config")
            line = json.dumps({"aux": {"ID": _IMAGE_ID}}) + "\n"
            return httpx.Response(200, content=line.encode(), headers=headers)
        if path.startswith("/v1.41/distribution/"):
            seen["distribution"] = request.headers.get("X-Registry-Auth")
            descriptor = {"mediaType": "application/json", "digest": _DIGEST, "size": 1}
            return httpx.Response(200, json={"Descriptor": descriptor, "Platforms": []})
        return not_found(request)

    return FakeEngine(missing=handle)


async def test_docker_env_is_what_registry_lookups_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Docker(env={"DOCKER_CONFIG": ...})`` reaches every credentials lookup;
    the process's own DOCKER_CONFIG (a decoy here) is not read."""
    mine, decoy = tmp_path / "mine", tmp_path / "decoy"
    for directory, user in ((mine, "from-env"), (decoy, "from-os-environ")):
        directory.mkdir()
        auths = {
            "127.0.0.1:5001": {"auth": b64(f"{user}:pw")},
            DOCKER_HUB_AUTH_KEY: {"auth": b64(f"{user}:hub")},
        }
        (directory / "config.json").write_text(json.dumps({"auths": auths}))
    monkeypatch.setenv("DOCKER_CONFIG", str(decoy))
    seen: dict[str, str | None] = {}
    async with _fake_registry_engine(seen).client(env={"DOCKER_CONFIG": str(mine)}) as docker:
        assert docker._api.credentials.config_dir == mine
        await docker.images.pull("127.0.0.1:5001/app:1")
        await docker.images.push("127.0.0.1:5001/app:1")
        await docker.images.search("busybox")
        await docker.images.build(b"FROM scratch\n", dockerfile="Dockerfile")
        await docker.distribution.inspect("127.0.0.1:5001/app:1")

    def user(header: str | None) -> str:
        assert header is not None and len(header) % 4 == 0
        return str(json.loads(base64.urlsafe_b64decode(header))["username"])

    assert seen.keys() == {"pull", "push", "search", "build", "distribution"}
    assert user(seen["pull"]) == user(seen["push"]) == "from-env"
    assert user(seen["distribution"]) == "from-env"
    assert user(seen["search"]) == "from-env"  # Docker Hub's entry
    assert seen["build"] is not None
    build_config = json.loads(base64.urlsafe_b64decode(seen["build"]))
    assert {entry["username"] for entry in build_config.values()} == {"from-env"}


async def test_without_env_the_store_follows_os_environ_at_each_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Docker()`` (no ``env``) reads ``os.environ`` when it looks credentials
    up, as before the store was shared: a DOCKER_CONFIG set later counts."""
    (tmp_path / "config.json").write_text(
        json.dumps({"auths": {"127.0.0.1:5001": {"auth": b64("late:pw")}}})
    )
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    seen: dict[str, str | None] = {}
    engine = _fake_registry_engine(seen)
    async with Docker(NO_ENGINE, transport=engine.transport()) as docker:  # no env=: os.environ
        monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
        assert docker._api.credentials.config_dir == tmp_path
        await docker.images.pull("127.0.0.1:5001/app:1")
    assert seen["pull"] is not None
    assert json.loads(base64.urlsafe_b64decode(seen["pull"]))["username"] == "late"
