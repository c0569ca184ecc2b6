"""tests/enginebed.py against real engines: a second dockerd beside the main one.

These fail (not skip) when dockerd or the tools are missing: run
``scripts/engine-up.sh`` as root to install and start what they need.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import secrets
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.enginebed import (
    MAIN_ENGINE_SOCKET,
    SecondEngine,
    TLSMaterial,
    find_running_containerd,
    make_tls_material,
    make_wrong_ca,
    pick_free_subnet,
    ping_unix_socket,
)

pytestmark = pytest.mark.integration

_INSTALL_HINT = "run scripts/engine-up.sh as root (installs docker.io, curl, openssl, iproute2)"


def _require_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"not installed: {', '.join(missing)}; {_INSTALL_HINT}", pytrace=False)


def _main_socket() -> Path:
    host = os.environ.get("DOCKER_HOST", "")
    return Path(host.removeprefix("unix://")) if host.startswith("unix://") else MAIN_ENGINE_SOCKET


def _require_main_engine() -> Path:
    _require_tools("dockerd", "ip", "curl", "openssl")
    if os.geteuid() != 0:
        pytest.fail("a second dockerd needs root", pytrace=False)
    main = _main_socket()
    if not ping_unix_socket(main):
        pytest.fail(f"main engine at {main} does not answer /_ping; {_INSTALL_HINT}", pytrace=False)
    if not _link_exists("docker0"):
        pytest.fail("the main engine's docker0 bridge is missing before the test", pytrace=False)
    return main


def _link_exists(name: str) -> bool:
    done = subprocess.run(["ip", "link", "show", name], capture_output=True, check=False)
    return done.returncode == 0


def _pid_is_dockerd(pid: int) -> bool:
    try:
        return b"dockerd" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _curl_ping(
    address: str, ca: Path, cert: Path | None = None, key: Path | None = None
) -> tuple[bool, str]:
    """(answered OK, curl's output) for GET /_ping over TLS."""
    args = ["curl", "-sS", "--max-time", "10", "--cacert", str(ca)]
    if cert is not None and key is not None:
        args += ["--cert", str(cert), "--key", str(key)]
    url = address.replace("tcp://", "https://", 1) + "/_ping"
    done = subprocess.run([*args, url], capture_output=True, text=True, check=False)
    return done.returncode == 0 and done.stdout == "OK", (done.stdout + done.stderr).strip()


def _assert_tls_ping(engine: SecondEngine, tls: TLSMaterial) -> None:
    assert engine.tcp_address is not None
    ok, output = _curl_ping(engine.tcp_address, tls.ca_cert, tls.client_cert, tls.client_key)
    assert ok, f"curl {engine.tcp_address}/_ping: {output}\n--- dockerd log:\n{engine.log_tail()}"


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=30)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(30)
        sock.connect(str(self._path))
        self.sock = sock


def _request(path: Path, method: str, url: str, body: object = None) -> tuple[int, bytes]:
    conn = _UnixHTTPConnection(path)
    try:
        payload = None if body is None else json.dumps(body).encode()
        headers = {} if payload is None else {"Content-Type": "application/json"}
        conn.request(method, url, body=payload, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _assert_main_engine_untouched(main: Path) -> None:
    assert ping_unix_socket(main), f"main engine at {main} stopped answering"
    assert _link_exists("docker0"), "docker0 (main engine's bridge) disappeared"


def test_tls_material(tmp_path: Path) -> None:
    _require_tools("openssl")
    tls = make_tls_material(tmp_path / "tls")
    wrong = make_wrong_ca(tmp_path / "wrong")
    names = {p.name for p in tls.directory.iterdir()}
    assert names == {
        "ca.pem",
        "ca-key.pem",
        "server-cert.pem",
        "server-key.pem",
        "cert.pem",
        "key.pem",
    }
    assert tls.client_key.stat().st_mode & 0o077 == 0

    def verify(ca: Path, purpose: str, cert: Path) -> bool:
        args = ["openssl", "verify", "-CAfile", str(ca), "-purpose", purpose, str(cert)]
        return subprocess.run(args, capture_output=True, check=False).returncode == 0

    assert verify(tls.ca_cert, "sslserver", tls.server_cert)
    assert verify(tls.ca_cert, "sslclient", tls.client_cert)
    assert not verify(tls.ca_cert, "sslserver", tls.client_cert), "client cert must not serve"
    assert not verify(tls.ca_cert, "sslclient", tls.server_cert), "server cert must not be a client"
    assert not verify(wrong.ca_cert, "sslserver", tls.server_cert), "unrelated CA must not verify"
    assert not verify(tls.ca_cert, "sslclient", wrong.client_cert), "unrelated CA must not verify"
    san = subprocess.run(
        ["openssl", "x509", "-in", str(tls.server_cert), "-noout", "-ext", "subjectAltName"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "IP Address:127.0.0.1" in san
    assert "DNS:localhost" in san


def test_second_engine_tls_restart_stop(tmp_path: Path) -> None:
    main = _require_main_engine()
    tls = make_tls_material(tmp_path / "tls")
    wrong = make_wrong_ca(tmp_path / "wrong")
    engine = SecondEngine(tmp_path / "engine", tls=tls)
    try:
        engine.start()
        address = engine.tcp_address
        assert address is not None and address.startswith("tcp://127.0.0.1:")
        assert engine.ping(), "second engine's unix socket does not answer"
        _assert_tls_ping(engine, tls)

        ok, output = _curl_ping(address, tls.ca_cert)
        assert not ok, f"engine answered without a client certificate: {output}"
        ok, output = _curl_ping(address, wrong.ca_cert, tls.client_cert, tls.client_key)
        assert not ok, f"curl trusted a server cert from another CA: {output}"
        ok, output = _curl_ping(address, tls.ca_cert, wrong.client_cert, wrong.client_key)
        assert not ok, f"engine accepted a client cert from another CA: {output}"

        _assert_main_engine_untouched(main)
        assert _link_exists(engine.bridge_name), "second engine's own bridge is missing"

        status, body = _request(
            engine.socket_path, "POST", "/volumes/create", {"Name": "aiodock-enginebed"}
        )
        assert status == 201, body

        first_pid = engine.pid
        assert first_pid is not None
        engine.restart()
        assert engine.pid is not None and engine.pid != first_pid
        assert not _pid_is_dockerd(first_pid), "old dockerd still runs after restart"
        assert engine.tcp_address == address, "restart changed the TCP address"
        assert engine.ping(), "second engine does not answer after restart"
        _assert_tls_ping(engine, tls)
        status, body = _request(engine.socket_path, "GET", "/volumes/aiodock-enginebed")
        assert status == 200, f"volume lost across restart (same data root?): {body!r}"
        _assert_main_engine_untouched(main)

        last_pid = engine.pid
    finally:
        engine.stop()

    assert not _pid_is_dockerd(last_pid), f"dockerd {last_pid} still runs after stop()"
    assert not engine.running
    assert not engine.ping(), "second engine still answers after stop()"
    assert not engine.socket_path.exists(), "stop() left the unix socket behind"
    ok, output = _curl_ping(address, tls.ca_cert, tls.client_cert, tls.client_key)
    assert not ok, f"TLS address still answers after stop(): {output}"
    assert not _link_exists(engine.bridge_name), "stop() left the bridge behind"
    _assert_main_engine_untouched(main)
    engine.stop()  # a second stop is harmless


def test_second_engine_shared_containerd(tmp_path: Path) -> None:
    main = _require_main_engine()
    if find_running_containerd() is None:
        pytest.skip("no running containerd to share")
    with SecondEngine(tmp_path / "engine", share_containerd=True) as engine:
        assert engine.containerd_socket is not None
        assert engine.ping()
        status, body = _request(engine.socket_path, "GET", "/info")
        assert status == 200, body
        info = json.loads(body)
        assert info["DockerRootDir"] == str(engine.data_root)
        _assert_main_engine_untouched(main)
    assert not engine.ping()
    assert not _link_exists(engine.bridge_name)
    _assert_main_engine_untouched(main)


def _forward_rule_present(bridge: str) -> bool:
    rules = subprocess.run(
        ["iptables", "-S", "FORWARD"], capture_output=True, text=True, check=True
    ).stdout
    return f'"aiodock {bridge}"' in rules


def test_docker26_beside_the_main_engine(tmp_path: Path) -> None:
    """Docker 26.1 as scripts/engine26.sh runs it: unpacked, its own bridge
    and address pool, a FORWARD rule while it runs, and a restart that
    leaves the host's docker0 alone (its network database is new each time)."""
    main = _require_main_engine()
    if os.environ.get("AIODOCK_DOCKER26") == "0":
        pytest.skip("AIODOCK_DOCKER26=0: Docker 26.1 is left out")
    state = Path(os.environ.get("AIODOCK_STATE_DIR", "/tmp/aiodock-state"))
    root = state / "docker26" / "root"
    dockerd = root / "usr" / "sbin" / "dockerd"
    if not dockerd.is_file():
        pytest.fail(f"{dockerd} is missing: run scripts/engine-up.sh as root", pytrace=False)
    bridge = f"aiodk{secrets.token_hex(4)}"
    address = pick_free_subnet()
    pool = pick_free_subnet(ipaddress.IPv4Network("10.231.0.0/16")).network
    engine = SecondEngine(
        tmp_path / "engine",
        dockerd=str(dockerd),
        path_prefix=(root / "usr" / "sbin", root / "usr" / "bin"),
        bridge_name=bridge,
        bridge_address=str(address),
        address_pool=str(pool),
        accept_forwarding=True,
        fresh_network_db=True,
    )
    try:
        engine.start()
        status, body = _request(engine.socket_path, "GET", "/version")
        assert status == 200, body
        version = json.loads(body)
        wanted = subprocess.run(
            [str(dockerd), "--version"], capture_output=True, text=True, check=True
        ).stdout
        assert version["Version"] in wanted  # the unpacked dockerd answers
        shown = subprocess.run(
            ["ip", "-4", "-o", "addr", "show", "dev", bridge],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert str(address) in shown.split()
        assert _forward_rule_present(bridge)
        status, body = _request(
            engine.socket_path, "POST", "/networks/create", {"Name": "aiodock-enginebed-net"}
        )
        assert status == 201, body
        status, body = _request(engine.socket_path, "GET", "/networks/aiodock-enginebed-net")
        subnet = json.loads(body)["IPAM"]["Config"][0]["Subnet"]
        assert ipaddress.ip_network(subnet).subnet_of(pool), subnet
        _assert_main_engine_untouched(main)

        engine.restart()
        assert engine.ping()
        _assert_main_engine_untouched(main)  # the restart did not take docker0 with it
        status, _ = _request(engine.socket_path, "GET", "/networks/aiodock-enginebed-net")
        assert status == 404  # a new network database: its networks do not survive
    finally:
        engine.stop()
    assert not engine.ping()
    assert not _link_exists(bridge), "stop() left the bridge behind"
    assert not _forward_rule_present(bridge), "stop() left the FORWARD rule behind"
    _assert_main_engine_untouched(main)
