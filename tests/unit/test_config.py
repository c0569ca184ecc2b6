"""Where the engine is: every source, in the docker CLI's order."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from aiodock.config import TLSConfig, resolve_address


def make_context(
    config_dir: Path, name: str, host: str, *, tls: bool = False, skip_verify: bool = False
) -> Path:
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = config_dir / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": name,
                "Metadata": {},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}},
            }
        )
    )
    tls_dir = config_dir / "contexts" / "tls" / digest / "docker"
    if tls:
        tls_dir.mkdir(parents=True)
        for f in ("ca.pem", "cert.pem", "key.pem"):
            (tls_dir / f).write_text("x")
    return tls_dir


def test_default_is_the_unix_socket() -> None:
    addr = resolve_address(env={"HOME": "/nonexistent"})
    assert addr.socket_path == "/var/run/docker.sock"
    assert addr.source == "default"
    assert addr.tls is None


def test_argument_beats_environment() -> None:
    addr = resolve_address("unix:///tmp/a.sock", env={"DOCKER_HOST": "unix:///tmp/b.sock"})
    assert (addr.socket_path, addr.source) == ("/tmp/a.sock", "argument")


def test_docker_host_beats_context(tmp_path: Path) -> None:
    make_context(tmp_path, "remote", "tcp://10.9.9.9:2375")
    env = {
        "DOCKER_HOST": "unix:///tmp/b.sock",
        "DOCKER_CONTEXT": "remote",
        "DOCKER_CONFIG": str(tmp_path),
    }
    addr = resolve_address(env=env)
    assert (addr.socket_path, addr.source) == ("/tmp/b.sock", "DOCKER_HOST")


def test_docker_context_env(tmp_path: Path) -> None:
    make_context(tmp_path, "remote", "tcp://10.9.9.9:2375")
    addr = resolve_address(env={"DOCKER_CONTEXT": "remote", "DOCKER_CONFIG": str(tmp_path)})
    assert addr.base_url == "http://10.9.9.9:2375"
    assert addr.source == "context 'remote'"
    assert addr.tls is None


def test_current_context_in_config_json(tmp_path: Path) -> None:
    tls_dir = make_context(tmp_path, "secure", "tcp://10.9.9.9:2376", tls=True)
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "secure"}))
    addr = resolve_address(env={"DOCKER_CONFIG": str(tmp_path)})
    assert addr.base_url == "https://10.9.9.9:2376"
    assert addr.tls == TLSConfig(tls_dir / "ca.pem", tls_dir / "cert.pem", tls_dir / "key.pem")
    assert addr.tls.verify


def test_context_skip_tls_verify_is_refused(tmp_path: Path) -> None:
    # Verification goes off only through an explicit TLSConfig(verify=False).
    make_context(tmp_path, "lax", "tcp://10.9.9.9:2376", tls=True, skip_verify=True)
    with pytest.raises(ValueError, match="'lax' turns TLS certificate verification off"):
        resolve_address(context="lax", env={"DOCKER_CONFIG": str(tmp_path)})
    explicit = TLSConfig(verify=False)
    addr = resolve_address(context="lax", tls=explicit, env={"DOCKER_CONFIG": str(tmp_path)})
    assert addr.tls is explicit


def test_default_context_name_means_default(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "default"}))
    addr = resolve_address(env={"DOCKER_CONFIG": str(tmp_path)})
    assert addr.source == "default"


def test_missing_context_names_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="context 'nope' not found"):
        resolve_address(env={"DOCKER_CONTEXT": "nope", "DOCKER_CONFIG": str(tmp_path)})


def test_home_docker_config_is_default(tmp_path: Path) -> None:
    make_context(tmp_path / ".docker", "home", "unix:///tmp/home.sock")
    (tmp_path / ".docker" / "config.json").write_text(json.dumps({"currentContext": "home"}))
    addr = resolve_address(env={"HOME": str(tmp_path)})
    assert addr.socket_path == "/tmp/home.sock"


def test_tcp_plain_and_default_ports() -> None:
    assert resolve_address("tcp://127.0.0.1", env={}).base_url == "http://127.0.0.1:2375"
    assert resolve_address("tcp://[::1]:1234", env={}).base_url == "http://[::1]:1234"


def test_tls_verify_env_uses_cert_path(tmp_path: Path) -> None:
    for f in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / f).write_text("x")
    env = {
        "DOCKER_HOST": "tcp://127.0.0.1",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(tmp_path),
    }
    addr = resolve_address(env=env)
    assert addr.base_url == "https://127.0.0.1:2376"
    assert addr.tls == TLSConfig(tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem")


def test_tls_verify_defaults_to_docker_config_dir(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("x")
    env = {"DOCKER_TLS_VERIFY": "1", "DOCKER_CONFIG": str(tmp_path)}
    addr = resolve_address("tcp://127.0.0.1:9", env=env)
    assert addr.tls == TLSConfig(ca_cert=tmp_path / "ca.pem")


def test_https_scheme_means_tls() -> None:
    addr = resolve_address("https://127.0.0.1:2376", env={"HOME": "/nonexistent"})
    assert addr.tls is not None and addr.tls.verify
    with pytest.raises(ValueError, match="needs TLS"):
        resolve_address("https://127.0.0.1:2376", tls=False, env={})


def test_explicit_tls_config(tmp_path: Path) -> None:
    cfg = TLSConfig(ca_cert=tmp_path / "ca.pem")
    assert resolve_address("tcp://127.0.0.1:2376", tls=cfg, env={}).tls is cfg


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x", "unknown scheme"),
        ("ssh://me:secret@host", "no password"),
        ("unix://", "no socket path"),
        ("tcp://:2375", "no host name"),
        ("tcp://127.0.0.1:99999", "bad port"),
        ("/var/run/docker.sock", "did you mean 'unix:///var/run/docker.sock'"),
    ],
)
def test_bad_addresses_are_named(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        resolve_address(url, env={})
    assert "argument" in str(info.value)
