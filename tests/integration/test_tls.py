"""TLS: a second dockerd on 127.0.0.1 with --tlsverify and certificates made here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiodock import ConnectionLost, Docker, EngineUnavailable, TLSConfig
from tests.enginebed import SecondEngine, TLSMaterial, make_tls_material, make_wrong_ca


@pytest.fixture(scope="module")
def tls_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TLSMaterial]]:
    base = tmp_path_factory.mktemp("tls")
    material = make_tls_material(base / "certs")
    with SecondEngine(base / "engine", tls=material) as engine:
        assert engine.tcp_address is not None
        yield engine.tcp_address, material


async def test_docker_host_and_tls_verify_env(tls_engine: tuple[str, TLSMaterial]) -> None:
    address, material = tls_engine
    env = {
        "DOCKER_HOST": address,
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(material.directory),
    }
    async with Docker(env=env) as docker:
        assert docker.address.base_url.startswith("https://127.0.0.1:")
        assert docker.address.source == "DOCKER_HOST"
        assert docker.api_version == (await docker.system.version()).api_version
        info = await docker.system.info()
        assert info.docker_root_dir and "engine" in info.docker_root_dir


async def test_explicit_tls_config(tls_engine: tuple[str, TLSMaterial]) -> None:
    address, material = tls_engine
    tls = TLSConfig.from_cert_path(material.directory)
    async with Docker(address, tls=tls, env={}) as docker:
        ping = await docker.ping()
        assert ping.api_version == (await docker.system.version()).api_version


async def test_context_with_tls_material(
    tls_engine: tuple[str, TLSMaterial], tmp_path: Path
) -> None:
    address, material = tls_engine
    digest = hashlib.sha256(b"second").hexdigest()
    meta = tmp_path / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {"Name": "second", "Endpoints": {"docker": {"Host": address, "SkipTLSVerify": False}}}
        )
    )
    tls_dir = tmp_path / "contexts" / "tls" / digest / "docker"
    tls_dir.mkdir(parents=True)
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tls_dir / name).write_bytes((material.directory / name).read_bytes())
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "second"}))
    async with Docker(env={"DOCKER_CONFIG": str(tmp_path)}) as docker:
        assert docker.address.source == "context 'second'"
        version = await docker.system.version()
        assert version.api_version == docker.api_version


async def test_wrong_ca_fails_clearly(tls_engine: tuple[str, TLSMaterial], tmp_path: Path) -> None:
    address, material = tls_engine
    wrong = make_wrong_ca(tmp_path / "wrong")
    tls = TLSConfig(
        ca_cert=wrong.ca_cert, client_cert=material.client_cert, client_key=material.client_key
    )
    with pytest.raises(EngineUnavailable) as info:
        async with Docker(address, tls=tls, env={}):
            pass
    assert "certificate verification failed" in info.value.reason
    assert address.removeprefix("tcp://") in str(info.value)


async def test_missing_client_certificate_is_refused(tls_engine: tuple[str, TLSMaterial]) -> None:
    address, material = tls_engine
    tls = TLSConfig(ca_cert=material.ca_cert)
    # The engine (--tlsverify) refuses the handshake; depending on TLS 1.3 timing
    # that shows while connecting or on the first read.
    with pytest.raises((EngineUnavailable, ConnectionLost)) as info:
        async with Docker(address, tls=tls, env={}):
            pass
    assert "127.0.0.1" in str(info.value)


async def test_plain_http_to_a_tls_port_fails_clearly(tls_engine: tuple[str, TLSMaterial]) -> None:
    address, _ = tls_engine
    docker = Docker(address, env={}, timeout=10)
    with pytest.raises(Exception) as info:
        await docker.ping()
    await docker.close()
    # Go's TLS server answers plain HTTP with a 400 explaining the mistake.
    assert "HTTP request to an HTTPS server" in str(info.value)
