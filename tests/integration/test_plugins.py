"""The plugin API against a real engine, with a volume plugin built here
(tests/plugin_driver): create, set, enable, use it for a volume that
containers write and read, disable, push to the local registry, remove,
pull it back with the privileges it asks for, upgrade, remove.

Plugins are global to the engine: every name holds the run id, and the
fixture removes this run's plugins (and their volumes) even when a test fails.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aiodock import (
    BadRequest,
    Conflict,
    Docker,
    NotFound,
    RegistryAuth,
    ServerError,
    StreamError,
)
from aiodock.models import HostConfig, PluginPrivilege
from aiodock.plugins import PrivilegesNotAccepted
from tests.helpers import LABELS, RUN_ID, delete_from_registry, own_client
from tests.plugin_driver import (
    MARK,
    PRIVILEGES,
    REPOSITORY,
    plugin_context,
    remove_test_plugins,
)

pytestmark = pytest.mark.docker_only(
    "Podman has no plugin API (test_podman_refusals.py checks the refusal)"
)

V1 = f"{REPOSITORY}:1"
V2 = f"{REPOSITORY}:2"
LOCAL = f"{MARK}/vol-pulled:1"
PRIVATE = "127.0.0.1:5001"  # htpasswd (scripts/engine-up.sh)
USER, PASSWORD = "aiodock", "aiodock-secret"
PRIVATE_NAME = f"{PRIVATE}/{MARK}/vol:1"


@pytest.fixture(scope="module")
def contexts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The plugin's files, twice: version 1 and version 2 (another description)."""
    one = plugin_context(tmp_path_factory.mktemp("plugin-v1"))
    two = plugin_context(tmp_path_factory.mktemp("plugin-v2"), description="aiodock test v2")
    return one, two


@pytest.fixture
async def plugins(docker: Docker) -> AsyncIterator[Docker]:
    """The client; this run's plugins are removed afterwards, whatever happened."""
    try:
        yield docker
    finally:
        await remove_test_plugins(docker)
        for name in (V1, V2):
            await delete_from_registry(name)
        await delete_from_registry(PRIVATE_NAME, auth=(USER, PASSWORD))


async def test_plugin_lifecycle(
    plugins: Docker, contexts: tuple[Path, Path], test_image: str
) -> None:
    docker = plugins
    one, two = contexts

    created = await docker.plugins.create(V1, one)
    assert created.name == V1 and created.enabled is False
    assert created.config is not None and created.config.interface is not None
    assert created.config.interface.socket == "vol.sock"
    assert created.config.propagated_mount == "/data"
    with pytest.raises(Conflict):
        await docker.plugins.create(V1, one)
    listed = await docker.plugins.list(filters={"capability": "volumedriver", "enabled": "false"})
    assert V1 in [p.name for p in listed]
    assert V1 not in [p.name for p in await docker.plugins.list(filters={"enabled": "true"})]

    await docker.plugins.set(created, [f"GREETING=hello-{RUN_ID}"])
    inspected = await docker.plugins.inspect(V1)
    assert inspected.settings is not None and f"GREETING=hello-{RUN_ID}" in (
        inspected.settings.env or []
    )

    await docker.plugins.enable(V1)
    with pytest.raises(Conflict):
        await docker.plugins.enable(V1)  # already enabled
    assert (await docker.plugins.inspect(created.id or "")).enabled is True
    with pytest.raises(Conflict):
        await docker.plugins.remove(V1)  # enabled
    with pytest.raises(ServerError, match="disable"):
        await docker.plugins.set(V1, ["GREETING=x"])  # enabled

    # The driver at work: a volume of it, written by one container, read by another.
    volume = await docker.volumes.create(f"{MARK}-data", driver=V1, labels=LABELS)
    try:
        assert volume.driver == V1
        assert (await docker.volumes.inspect(volume)).status == {"greeting": f"hello-{RUN_ID}"}
        mount = HostConfig(binds=[f"{volume.name}:/v"], network_mode="none")
        wrote = await docker.containers.run(
            test_image, ["sh", "-c", "echo kept > /v/file"], host_config=mount, labels=LABELS
        )
        assert wrote.exit_code == 0, wrote.stderr
        read = await docker.containers.run(
            test_image, ["cat", "/v/file"], host_config=mount, labels=LABELS
        )
        assert read.stdout == b"kept\n"
        names = [v.name for v in (await docker.volumes.list(filters={"driver": V1})).volumes]
        assert volume.name in names
    finally:
        await docker.volumes.remove(volume)

    await docker.plugins.disable(V1)
    with pytest.raises(Conflict):
        await docker.plugins.disable(V1)  # already disabled
    events = [event async for event in docker.plugins.push(V1)]
    assert any(event.status == "Upload complete" for event in events)
    await docker.plugins.remove(V1)
    with pytest.raises(NotFound):
        await docker.plugins.inspect(V1)

    # Version 2, pushed beside it for the upgrade.
    await docker.plugins.create(V2, two)
    pushed = await docker.plugins.push(V2)
    assert pushed.tag == "2" and pushed.digest.startswith("sha256:")
    await docker.plugins.remove(V2)

    # Pull it back: the privileges it asks for must be accepted.
    asked = await docker.plugins.privileges(V1)
    assert [(p.name, p.value) for p in asked] == [(p["Name"], p["Value"]) for p in PRIVILEGES]
    with pytest.raises(PrivilegesNotAccepted) as refused:
        await docker.plugins.pull(V1, name=LOCAL)
    assert [p.name for p in refused.value.missing] == ["network", "capabilities"]
    assert "CAP_CHOWN" in str(refused.value)
    partial = [PluginPrivilege(name="network", value=["none"])]
    with pytest.raises(PrivilegesNotAccepted) as refused:
        await docker.plugins.pull(V1, name=LOCAL, privileges=partial)
    assert [(p.name, p.value) for p in refused.value.missing] == [("capabilities", ["CAP_CHOWN"])]
    assert "capabilities: CAP_CHOWN" in str(refused.value)
    with pytest.raises(NotFound):
        await docker.plugins.inspect(LOCAL)  # nothing was pulled

    progress = [event async for event in docker.plugins.pull(V1, name=LOCAL, privileges=asked)]
    assert any(event.status == "Complete" for event in progress)
    pulled = await docker.plugins.inspect(LOCAL)
    assert pulled.enabled is False and pulled.plugin_reference == V1
    assert pulled.config is not None and pulled.config.description == "aiodock test volume driver"

    upgraded = await docker.plugins.upgrade(LOCAL, V2, privileges="accept all")
    assert upgraded.name == LOCAL and upgraded.plugin_reference == V2
    assert upgraded.config is not None and upgraded.config.description == "aiodock test v2"
    await docker.plugins.enable(upgraded, timeout=10)
    with pytest.raises(Conflict):
        await docker.plugins.upgrade(LOCAL, V1, privileges="accept all")  # enabled
    await docker.plugins.remove(LOCAL, force=True)
    assert MARK not in str([p.name for p in await docker.plugins.list()])


async def test_pull_of_an_installed_name_and_missing_plugins(
    plugins: Docker, contexts: tuple[Path, Path]
) -> None:
    docker = plugins
    name = f"{MARK}/vol-local:1"
    await docker.plugins.create(name, contexts[0])
    with pytest.raises(NotFound):
        await docker.plugins.enable(f"{MARK}/missing:1")
    with pytest.raises(NotFound):
        await docker.plugins.remove(f"{MARK}/missing:1")
    # The privileges are asked first; the engine then refuses the name in use.
    with pytest.raises(BadRequest, match="already exists"):
        await docker.plugins.pull(V1, name=name, privileges="accept all")
    await docker.plugins.remove(name)
    # A remote the registry lacks: no privileges (the engines say nothing), the pull fails.
    missing = f"{REPOSITORY}-missing:1"
    assert await docker.plugins.privileges(missing) == []
    with pytest.raises(ServerError, match="manifests"):
        await docker.plugins.pull(missing)


async def test_a_registry_that_wants_credentials(
    plugins: Docker, contexts: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docker = plugins
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))  # no stored credentials
    good = RegistryAuth(username=USER, password=PASSWORD, serveraddress=PRIVATE)
    name = PRIVATE_NAME
    await docker.plugins.create(name, contexts[0])
    # Refused; the engines report their https attempt's error, not the 401.
    with pytest.raises(StreamError):
        await docker.plugins.push(name)
    pushed = await docker.plugins.push(name, auth=good)
    assert pushed.tag == "1"
    await docker.plugins.remove(name)
    assert await docker.plugins.privileges(name) == []  # refused: the engines say nothing
    asked = await docker.plugins.privileges(name, auth=good)
    assert [p.name for p in asked] == ["network", "capabilities"]
    with pytest.raises(ServerError, match="manifests"):  # the same https message
        await docker.plugins.pull(name, privileges=asked)
    pulled = await docker.plugins.pull(name, privileges=asked, auth=good)
    assert pulled.name == name and pulled.plugin_reference == name


@pytest.mark.anyio
async def test_a_tar_context_and_the_streams_on_both_loops(
    engine: str, contexts: tuple[Path, Path], anyio_backend: str
) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(contexts[0], arcname=".")
    name = f"{REPOSITORY}-{anyio_backend}:1"

    async def chunks() -> AsyncIterator[bytes]:
        data = buffer.getvalue()
        for start in range(0, len(data), 65536):
            yield data[start : start + 65536]

    async with own_client(engine) as docker:
        try:
            created = await docker.plugins.create(name, chunks())
            assert created.config is not None and created.config.entrypoint == ["/vold"]
            events = [event async for event in docker.plugins.push(created)]
            assert any(event.aux for event in events)
            await docker.plugins.remove(created)
            async with docker.plugins.pull(name, privileges="accept all") as stream:
                statuses = [event.status async for event in stream]
            assert "Complete" in statuses
            assert (await docker.plugins.inspect(name)).plugin_reference == name
        finally:
            await remove_test_plugins(docker)
            await delete_from_registry(name)


async def test_bad_input_is_refused_before_anything_is_sent(docker: Docker, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"config\.json"):
        await docker.plugins.create(f"{MARK}/x:1", tmp_path)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="rootfs"):
        await docker.plugins.create(f"{MARK}/x:1", tmp_path)
    (tmp_path / "rootfs").mkdir()
    (tmp_path / "config.json").write_text("[1]")
    with pytest.raises(ValueError, match="JSON object"):
        await docker.plugins.create(f"{MARK}/x:1", tmp_path)
    with pytest.raises(ValueError, match="privileges"):
        docker.plugins.pull(V1, privileges="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        docker.plugins.pull("Not A Reference")
    with pytest.raises(TypeError):
        await docker.plugins.set(V1, "GREETING=x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="KEY=VALUE"):
        await docker.plugins.set(V1, ["GREETING"])
