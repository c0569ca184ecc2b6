"""Registries against the real engine: the htpasswd registry on 127.0.0.1:5001
with credentials given, found in a Docker config, or from a credential
helper; refused credentials; login; missing tags; malformed references;
distribution inspect; search without a network; build pulling a private
base image with X-Registry-Config.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import io
import json
import os
import stat
import sys
import tarfile
import textwrap
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from aiodock import (
    Docker,
    DockerError,
    NotFound,
    RegistryAuth,
    StreamError,
    Unauthorized,
    UnsupportedOperation,
)
from aiodock.models import ImageInspect
from tests.helpers import LABEL_KEY, RUN_ID, CountingTransport, delete_from_registry

OPEN = "127.0.0.1:5000"
PRIVATE = "127.0.0.1:5001"
USER, PASSWORD = "aiodock", "aiodock-secret"
REPO = f"aiodock-test-{RUN_ID}"
GOOD = RegistryAuth(username=USER, password=PASSWORD, serveraddress=PRIVATE)
BAD = RegistryAuth(username=USER, password="not-the-password", serveraddress=PRIVATE)

HELPER = """#!{python}
import json, sys
server = sys.stdin.read().strip()
with open({log!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + " " + server + "\\n")
if sys.argv[1:] == ["get"] and server == {registry!r}:
    print(json.dumps({{"ServerURL": server, "Username": {user!r}, "Secret": {password!r}}}))
else:
    print("credentials not found in native keychain")
    sys.exit(1)
"""


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Docker config directory of this test's own (DOCKER_CONFIG)."""
    config = tmp_path / "docker-config"
    config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    return config


@pytest.fixture
async def private_image(docker: Docker, test_image: str, docker_config: Path) -> AsyncIterator[str]:
    """The test image tagged for the private registry (removed afterwards,
    locally and from the registry)."""
    name = f"{PRIVATE}/{REPO}/private:{uuid.uuid4().hex[:8]}"
    await docker.images.tag(test_image, name)
    try:
        yield name
    finally:
        with contextlib.suppress(NotFound):
            await docker.images.remove(name)
        await delete_from_registry(name, auth=(USER, PASSWORD))


async def push_then_pull(docker: Docker, name: str, auth: RegistryAuth | None = None) -> None:
    """Push ``name``, remove the tag, pull it back: same digest both ways
    (and the registry's view agrees, where the engine has that endpoint)."""
    pushed = await docker.images.push(name, auth=auth)
    assert pushed.digest.startswith("sha256:") and pushed.tag == name.rpartition(":")[2]
    await docker.images.remove(name)
    pulled = await docker.images.pull(name, auth=auth)
    assert isinstance(pulled, ImageInspect)
    assert f"{name.rpartition(':')[0]}@{pushed.digest}" in (pulled.repo_digests or [])
    if docker._api.podman:
        with pytest.raises(UnsupportedOperation, match="does not implement GET /distribution/"):
            await docker.distribution.inspect(name, auth=auth)
        return
    info = await docker.distribution.inspect(name, auth=auth)
    assert info.descriptor is not None and info.descriptor.digest == pushed.digest


# --------------------------------------------------------------------------
# where credentials come from


async def test_explicit_credentials(docker: Docker, private_image: str) -> None:
    await push_then_pull(docker, private_image, GOOD)


async def test_credentials_from_the_docker_config(
    docker: Docker, private_image: str, docker_config: Path
) -> None:
    encoded = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (docker_config / "config.json").write_text(json.dumps({"auths": {PRIVATE: {"auth": encoded}}}))
    await push_then_pull(docker, private_image)


async def test_credentials_from_a_credential_helper(
    docker: Docker,
    private_image: str,
    docker_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "helper.log"
    helper = bin_dir / "docker-credential-aiodock-test"
    helper.write_text(
        HELPER.format(
            python=sys.executable, log=str(log), registry=PRIVATE, user=USER, password=PASSWORD
        )
    )
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (docker_config / "config.json").write_text(
        json.dumps({"credHelpers": {PRIVATE: "aiodock-test"}})
    )
    await push_then_pull(docker, private_image)
    calls = log.read_text().splitlines()
    assert calls and set(calls) == {f"get {PRIVATE}"}


async def test_no_credentials_at_all_is_refused(docker: Docker, private_image: str) -> None:
    with pytest.raises(Unauthorized, match="authentication failed"):
        await docker.images.push(private_image)


async def test_wrong_password_is_unauthorized_everywhere(
    docker: Docker, private_image: str
) -> None:
    # push: the registry's 401 arrives inside the stream
    with pytest.raises(Unauthorized, match="registry authentication failed") as pushed:
        await docker.images.push(private_image, auth=BAD)
    assert pushed.value.status == 401
    await docker.images.push(private_image, auth=GOOD)
    # pull and login: dockerd 20.10 (and Podman) wrap the registry's 401 in a 500
    with pytest.raises(Unauthorized, match="registry authentication failed"):
        await docker.images.pull(private_image, auth=BAD)
    with pytest.raises(Unauthorized, match="registry authentication failed"):
        await docker.system.login(login_auth(docker, BAD))
    if docker._api.podman:
        return  # no /distribution endpoint (test_explicit_credentials)
    with pytest.raises(Unauthorized):
        await docker.distribution.inspect(private_image, auth=BAD)


def login_auth(docker: Docker, auth: RegistryAuth) -> RegistryAuth:
    """Podman's login goes to a registry over plain HTTP only when it is
    named ``localhost`` (it skips TLS for that name alone, whatever its
    registries.conf says): the same registry under that name there."""
    if not docker._api.podman:
        return auth
    return dataclasses.replace(auth, serveraddress=PRIVATE.replace("127.0.0.1", "localhost"))


async def test_login(docker: Docker) -> None:
    answer = await docker.system.login(login_auth(docker, GOOD))
    assert answer.status == "Login Succeeded"


# --------------------------------------------------------------------------
# errors


async def test_pull_of_a_missing_tag_names_it(docker: Docker) -> None:
    name = f"{OPEN}/{REPO}/never-pushed:nope"
    with pytest.raises(NotFound, match=name):
        await docker.images.pull(name)
    if docker._api.podman:
        return  # no /distribution endpoint (test_explicit_credentials)
    with pytest.raises(NotFound, match=name):
        await docker.distribution.inspect(name)


async def test_push_of_a_tag_missing_locally_names_it(docker: Docker, test_image: str) -> None:
    # dockerd reports it inside the push's stream, Podman before it (404)
    missing: type[DockerError] = NotFound if docker._api.podman else StreamError
    name = f"{OPEN}/{REPO}/not-here:nolocal"
    with pytest.raises(missing, match=name):
        await docker.images.push(name)
    # a repository with some tags, but not this one
    tagged = f"{OPEN}/{REPO}/some-tags:1"
    await docker.images.tag(test_image, tagged)
    try:
        with pytest.raises(missing, match=f"{OPEN}/{REPO}/some-tags:2"):
            await docker.images.push(f"{OPEN}/{REPO}/some-tags", tag="2")
    finally:
        await docker.images.remove(tagged)


async def test_malformed_references_send_nothing(engine: str) -> None:
    counting = CountingTransport(httpx.AsyncHTTPTransport(uds=engine))
    async with Docker(f"unix://{engine}", transport=counting) as docker:
        before = sum(counting.paths.values())
        for bad in ("Upper/Case", "a//b", "app:bad tag", "app@sha256:123", ""):
            with pytest.raises(ValueError, match="invalid"):
                await docker.images.pull(bad)
            with pytest.raises(ValueError, match="invalid"):
                await docker.images.push(bad)
            with pytest.raises(ValueError, match="invalid"):
                await docker.distribution.inspect(bad)
        with pytest.raises(ValueError):
            await docker.images.tag("busybox", "Bad:Name")
        assert sum(counting.paths.values()) == before


async def test_search_without_a_network_is_a_readable_error(docker: Docker) -> None:
    with anyio.fail_after(30):
        with pytest.raises(DockerError) as info:
            await docker.images.search("busybox", limit=3)
    if docker._api.podman:
        # no search registries configured (scripts/podman-up.sh): nowhere to look
        assert isinstance(info.value, NotFound) and "image not known" in info.value.message
        return
    assert info.value.status == 500
    assert "index.docker.io" in info.value.message


# --------------------------------------------------------------------------
# build pulls a private base image with the credentials it finds


async def test_build_from_a_private_base_image(
    docker: Docker, private_image: str, docker_config: Path
) -> None:
    await docker.images.push(private_image, auth=GOOD)
    await docker.images.remove(private_image)
    context = textwrap.dedent(f"""\
        FROM {private_image}
        LABEL {LABEL_KEY}={RUN_ID}
        RUN echo built-on-private > /proof
    """).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(context)
        tar.addfile(info, io.BytesIO(context))
    with pytest.raises(StreamError, match=r"no basic auth credentials|unauthorized"):
        await docker.images.build(buffer.getvalue(), pull=True, forcerm=True)
    encoded = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (docker_config / "config.json").write_text(json.dumps({"auths": {PRIVATE: {"auth": encoded}}}))
    image_id = await docker.images.build(buffer.getvalue(), pull=True, forcerm=True)
    try:
        result = await docker.containers.run(
            image_id, ["cat", "/proof"], labels={LABEL_KEY: RUN_ID}
        )
        assert result.stdout == b"built-on-private\n"
    finally:
        await docker.images.remove(image_id, force=True)
