"""A second Docker engine beside the main one, for TLS and engine-restart tests.

Standard library only (no pytest at import time), so that tests, fixtures and
ad-hoc scripts can all use it::

    material = make_tls_material(tmp / "tls")
    with SecondEngine(tmp / "engine", tls=material) as engine:
        engine.tcp_address   # "tcp://127.0.0.1:PORT", client certs in material.directory
        engine.socket_path   # its own unix socket
        engine.restart()     # same data root, same socket and port

How it lives beside the main engine (facts found with dockerd 20.10 on Debian 12):

* Its own ``--data-root``, ``--exec-root``, ``--pidfile``, ``-H unix://...`` and an
  empty ``--config-file`` (so ``/etc/docker/daemon.json`` cannot clash with the flags).
* Its own bridge (``ip link add NAME type bridge`` + a free 10.213.x.1/24) passed as
  ``-b NAME``. Never ``--bridge=none``: that makes dockerd delete the host's docker0,
  which the main engine uses.
* ``--iptables=false``: with iptables on, a second dockerd removes and recreates the
  shared DOCKER / DOCKER-ISOLATION chains at start, wiping the main engine's rules
  (port DNAT, docker0 isolation). Without iptables its containers get no NAT to the
  outside, but published ports still work through docker-proxy.
* containerd: by default dockerd starts its own (under the exec root), which keeps
  the two engines independent (restarting the main engine cannot break this one).
  ``share_containerd=True`` uses the main engine's containerd instead, with its own
  ``--containerd-namespace``; sharing the default ``moby`` namespace works but the
  main engine then logs "failed to process event ... No such container" for every
  event of this engine's containers.

* dockerd 26.1 deletes the host's ``docker0`` when it starts on a network database
  an earlier start left (``data/network/files/local-kv.db``), even with the same
  ``-b`` bridge and address; its first start leaves docker0 alone.
  ``fresh_network_db=True`` removes that file before every start, so each start is
  a first one (its user-defined networks do not survive a restart).
* Both engines read ``/etc/docker/key.json`` (20.10 has no flag to move it), so
  ``GET /info`` reports the same ``ID`` for both; tell them apart by ``DockerRootDir``.

Needs root, ``dockerd`` and ``ip`` (``scripts/engine-up.sh`` installs them).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

__all__ = [
    "CONTAINERD_SOCKETS",
    "MAIN_ENGINE_SOCKET",
    "EngineBedError",
    "SecondEngine",
    "TLSMaterial",
    "find_running_containerd",
    "make_tls_material",
    "make_wrong_ca",
    "pick_free_subnet",
    "ping_unix_socket",
    "used_ipv4_networks",
]

MAIN_ENGINE_SOCKET = Path("/var/run/docker.sock")
# containerd of a system service first, then the one a dockerd started itself.
CONTAINERD_SOCKETS = (
    Path("/run/containerd/containerd.sock"),
    Path("/var/run/docker/containerd/containerd.sock"),
)
_SUBNET_POOL = ipaddress.IPv4Network("10.213.0.0/16")
# sun_path is 108 bytes; leave room for the NUL and for containerd's ".ttrpc" suffix.
_MAX_SOCKET_PATH = 100


class EngineBedError(RuntimeError):
    """The second engine or its TLS material could not be set up."""


# --------------------------------------------------------------------------- helpers


def _run(args: list[str], *, cwd: Path | None = None) -> str:
    """Run a command; raise EngineBedError with its output if it fails."""
    try:
        done = subprocess.run(
            args,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise EngineBedError(f"{args[0]} not found: {exc}") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise EngineBedError(f"{' '.join(args)} failed ({done.returncode}): {output}")
    return done.stdout


def ping_unix_socket(path: Path | str, timeout: float = 5.0) -> bool:
    """True if a Docker engine answers ``GET /_ping`` with 200 ``OK`` on a unix socket."""
    chunks: list[bytes] = []
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except OSError:
        return False
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status = head.split(b" ", 2)
    return len(status) >= 2 and status[1] == b"200" and body.strip() == b"OK"


def _socket_accepts(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2.0)
            sock.connect(str(path))
    except OSError:
        return False
    return True


def find_running_containerd() -> Path | None:
    """The socket of a containerd that accepts connections, if any."""
    for path in CONTAINERD_SOCKETS:
        if path.is_socket() and _socket_accepts(path):
            return path
    return None


def _free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def used_ipv4_networks() -> list[ipaddress.IPv4Network]:
    """The IPv4 networks of the host's interfaces and routes."""
    used: list[ipaddress.IPv4Network] = []
    for line in _run(["ip", "-4", "-o", "addr", "show"]).splitlines():
        words = line.split()
        if "inet" in words:
            cidr = words[words.index("inet") + 1]
            used.append(ipaddress.IPv4Interface(cidr).network)
    for line in _run(["ip", "-4", "route", "show", "table", "all"]).splitlines():
        words = line.split()
        if not words:
            continue
        first = (
            words[1]
            if words[0] in {"local", "broadcast", "unicast"} and len(words) > 1
            else words[0]
        )
        if first == "default":
            continue
        with contextlib.suppress(ValueError):
            used.append(ipaddress.IPv4Network(first, strict=False))
    return used


def pick_free_subnet(pool: ipaddress.IPv4Network = _SUBNET_POOL) -> ipaddress.IPv4Interface:
    """A gateway address (``x.y.z.1/24``) in a /24 of ``pool`` no interface or route uses."""
    used = used_ipv4_networks()
    candidates = list(pool.subnets(new_prefix=24))
    random.shuffle(candidates)
    for net in candidates:
        if not any(net.overlaps(other) for other in used):
            return ipaddress.IPv4Interface(f"{net.network_address + 1}/{net.prefixlen}")
    raise EngineBedError(f"no free /24 left in {pool}")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return "\n".join(text.splitlines()[-lines:])


def _pid_cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _kill_and_wait(pid: int, timeout: float) -> None:
    """SIGTERM a process that is not our child, SIGKILL it after ``timeout``."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


# --------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class TLSMaterial:
    """A CA with a server and a client certificate, as PEM files in ``directory``.

    The client files use the docker CLI's names (``ca.pem``, ``cert.pem``, ``key.pem``),
    so ``DOCKER_CERT_PATH`` can point at ``directory``.
    """

    directory: Path
    ca_cert: Path  # ca.pem
    ca_key: Path  # ca-key.pem
    server_cert: Path  # server-cert.pem: 127.0.0.1 and localhost, serverAuth
    server_key: Path  # server-key.pem
    client_cert: Path  # cert.pem: clientAuth
    client_key: Path  # key.pem


_OPENSSL_REQ_CONFIG = "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n"

_CA_EXTENSIONS = """[ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
"""

_LEAF_EXTENSIONS = """[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = {usage}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
{extra}"""


def _openssl(args: list[str], cwd: Path) -> None:
    _run(["openssl", *args], cwd=cwd)


def _new_key(directory: Path, name: str) -> None:
    _openssl(
        ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name],
        directory,
    )
    (directory / name).chmod(0o600)


def _csr(directory: Path, key: str, common_name: str, out: str) -> None:
    _openssl(
        [
            "req",
            "-new",
            "-config",
            "req.cnf",
            "-key",
            key,
            "-subj",
            f"/CN={common_name}",
            "-out",
            out,
        ],
        directory,
    )


def _make_ca(directory: Path, common_name: str) -> None:
    _new_key(directory, "ca-key.pem")
    _csr(directory, "ca-key.pem", common_name, "ca.csr")
    (directory / "ca.ext").write_text(_CA_EXTENSIONS)
    _openssl(
        [
            "x509",
            "-req",
            "-in",
            "ca.csr",
            "-signkey",
            "ca-key.pem",
            "-days",
            "3650",
            "-sha256",
            "-set_serial",
            str(secrets.randbits(63)),
            "-extfile",
            "ca.ext",
            "-extensions",
            "ext",
            "-out",
            "ca.pem",
        ],
        directory,
    )


def _make_leaf(
    directory: Path, stem: str, key: str, common_name: str, usage: str, extra: str
) -> None:
    _new_key(directory, key)
    _csr(directory, key, common_name, f"{stem}.csr")
    (directory / f"{stem}.ext").write_text(_LEAF_EXTENSIONS.format(usage=usage, extra=extra))
    _openssl(
        [
            "x509",
            "-req",
            "-in",
            f"{stem}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-days",
            "825",
            "-sha256",
            "-set_serial",
            str(secrets.randbits(63)),
            "-extfile",
            f"{stem}.ext",
            "-extensions",
            "ext",
            "-out",
            f"{stem}.pem",
        ],
        directory,
    )


def _make_material(directory: Path, ca_name: str) -> TLSMaterial:
    if shutil.which("openssl") is None:
        raise EngineBedError("openssl not found (apt-get install openssl)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "req.cnf").write_text(_OPENSSL_REQ_CONFIG)
    _make_ca(directory, ca_name)
    _make_leaf(
        directory,
        "server-cert",
        "server-key.pem",
        "localhost",
        "serverAuth",
        "subjectAltName = IP:127.0.0.1, DNS:localhost\n",
    )
    _make_leaf(directory, "cert", "key.pem", "aiodock-client", "clientAuth", "")
    for stem in ("req", "ca", "server-cert", "cert"):
        for suffix in (".cnf", ".csr", ".ext"):
            (directory / f"{stem}{suffix}").unlink(missing_ok=True)
    return TLSMaterial(
        directory=directory,
        ca_cert=directory / "ca.pem",
        ca_key=directory / "ca-key.pem",
        server_cert=directory / "server-cert.pem",
        server_key=directory / "server-key.pem",
        client_cert=directory / "cert.pem",
        client_key=directory / "key.pem",
    )


def make_tls_material(directory: Path) -> TLSMaterial:
    """Make a new CA, a server cert for 127.0.0.1/localhost and a client cert in ``directory``."""
    return _make_material(directory, "aiodock test CA")


def make_wrong_ca(directory: Path) -> TLSMaterial:
    """A full set like :func:`make_tls_material` under a new, unrelated CA.

    For "wrong CA" tests: trust its ``ca.pem`` to fail verifying the engine's server
    certificate, or present its ``cert.pem``/``key.pem`` to be refused by the engine.
    """
    return _make_material(directory, "aiodock unrelated CA")


# --------------------------------------------------------------------------- engine


class SecondEngine:
    """A second ``dockerd`` with its own data root, socket and bridge, in ``directory``.

    ``start()`` waits until it answers ``/_ping`` (``start_timeout`` seconds); ``stop()``
    sends SIGTERM and SIGKILL after ``stop_timeout`` seconds, then removes the bridge it
    made; ``restart()`` stops and starts it again on the same data root, socket and port.
    Usable as a context manager (start on enter, stop on exit).

    If ``directory`` is too long for unix socket paths, the socket and exec root go into
    a short ``/tmp/aiodk-TAG`` directory that ``stop()`` removes (same path on restart).
    """

    def __init__(
        self,
        directory: Path,
        *,
        tls: TLSMaterial | None = None,
        share_containerd: bool = False,
        bridge_name: str | None = None,
        start_timeout: float = 60.0,
        stop_timeout: float = 20.0,
        dockerd: str = "dockerd",
        extra_args: tuple[str, ...] = (),
        bridge_address: str | None = None,
        address_pool: str | None = None,
        path_prefix: tuple[Path, ...] = (),
        accept_forwarding: bool = False,
        fresh_network_db: bool = False,
    ) -> None:
        self._directory = Path(directory).absolute()
        self._tls = tls
        self._share_containerd = share_containerd
        self._tag = secrets.token_hex(4)
        self._bridge_name = bridge_name or f"aiodk{self._tag}"
        if len(self._bridge_name) > 15:
            raise ValueError(f"bridge name {self._bridge_name!r} is longer than 15 characters")
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._dockerd = dockerd
        self._extra_args = extra_args
        self._tcp_port: int | None = None
        self._bridge_address: ipaddress.IPv4Interface | None = (
            None if bridge_address is None else ipaddress.IPv4Interface(bridge_address)
        )
        self._bridge_created = False
        self._address_pool = None if address_pool is None else ipaddress.IPv4Network(address_pool)
        self._path_prefix = tuple(Path(p).absolute() for p in path_prefix)
        self._accept_forwarding = accept_forwarding
        self._fresh_network_db = fresh_network_db
        self._forward_rules: list[list[str]] = []
        # Unix socket paths are short: if the caller's directory is too long for the
        # socket and containerd's sockets under the exec root, use /tmp/aiodk-TAG.
        longest = self._directory / "exec" / "containerd" / "containerd.sock.ttrpc"
        self._short_runtime_dir = len(str(longest)) > _MAX_SOCKET_PATH
        self._runtime_dir = (
            Path(f"/tmp/aiodk-{self._tag}") if self._short_runtime_dir else self._directory
        )
        self._containerd: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    # ------------------------------------------------------------------ properties

    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def data_root(self) -> Path:
        return self._directory / "data"

    @property
    def exec_root(self) -> Path:
        return self._runtime_dir / "exec"

    @property
    def socket_path(self) -> Path:
        return self._runtime_dir / "docker.sock"

    @property
    def docker_host(self) -> str:
        """``unix://`` address of its socket (for ``DOCKER_HOST``)."""
        return f"unix://{self.socket_path}"

    @property
    def tcp_port(self) -> int | None:
        return self._tcp_port if self._tls is not None else None

    @property
    def tcp_address(self) -> str | None:
        """``tcp://127.0.0.1:PORT`` once started with TLS (client cert required), else None."""
        port = self.tcp_port
        return None if port is None else f"tcp://127.0.0.1:{port}"

    @property
    def tls(self) -> TLSMaterial | None:
        return self._tls

    @property
    def pidfile(self) -> Path:
        return self._directory / "docker.pid"

    @property
    def log_path(self) -> Path:
        return self._directory / "dockerd.log"

    @property
    def bridge_name(self) -> str:
        return self._bridge_name

    @property
    def bridge_address(self) -> ipaddress.IPv4Interface | None:
        return self._bridge_address

    @property
    def containerd_socket(self) -> Path | None:
        """The shared containerd's socket, or None when dockerd runs its own."""
        return self._containerd

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)

    def ping(self, timeout: float = 5.0) -> bool:
        return ping_unix_socket(self.socket_path, timeout)

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> SecondEngine:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start dockerd (no-op if it runs) and wait until it answers ``/_ping``."""
        if self.running:
            return
        self._check_prerequisites()
        self._directory.mkdir(parents=True, exist_ok=True)
        self.data_root.mkdir(exist_ok=True)
        self._runtime_dir.mkdir(mode=0o700, exist_ok=True)
        self.exec_root.mkdir(exist_ok=True)
        if self._fresh_network_db:
            (self.data_root / "network" / "files" / "local-kv.db").unlink(missing_ok=True)
        self._ensure_bridge()
        self._add_forward_rules()
        args = self._command()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        self._log_file.write(f"\n=== enginebed: {' '.join(args)}\n".encode())
        self._log_file.flush()
        try:
            self._process = subprocess.Popen(
                args,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            self._close_log()
            self._remove_forward_rules()
            self._remove_bridge()
            raise EngineBedError(f"cannot run {args[0]}: {exc}") from exc
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop dockerd and remove the bridge this object made. Safe to call twice."""
        try:
            self._stop_daemon()
        finally:
            self._remove_forward_rules()
            self._remove_bridge()
            if self._short_runtime_dir:
                shutil.rmtree(self._runtime_dir, ignore_errors=True)

    def restart(self) -> None:
        """Stop and start again on the same data root, socket, port and bridge."""
        self._stop_daemon()
        self.start()

    # ------------------------------------------------------------------ internals

    def _environment(self) -> dict[str, str]:
        """dockerd's environment: ``path_prefix`` first on PATH (its containerd,
        docker-proxy and docker-init are looked up there)."""
        env = dict(os.environ)
        if self._path_prefix:
            parts = [str(p) for p in self._path_prefix]
            env["PATH"] = os.pathsep.join([*parts, env.get("PATH", os.defpath)])
        return env

    def _check_prerequisites(self) -> None:
        if os.geteuid() != 0:
            raise EngineBedError("a second dockerd needs root (it creates a bridge and mounts)")
        search = self._environment()["PATH"]
        if shutil.which(self._dockerd, path=search) is None:
            raise EngineBedError(
                f"{self._dockerd} not found: install docker.io"
                " (scripts/engine-up.sh does it when run as root)"
            )
        if shutil.which("ip") is None:
            raise EngineBedError("ip not found: apt-get install iproute2")
        if self._accept_forwarding and shutil.which("iptables") is None:
            raise EngineBedError("iptables not found: apt-get install iptables")
        if self._tls is not None:
            for path in (self._tls.ca_cert, self._tls.server_cert, self._tls.server_key):
                if not path.is_file():
                    raise EngineBedError(f"TLS file missing: {path}")

    def _ensure_bridge(self) -> None:
        name = self._bridge_name
        if Path(f"/sys/class/net/{name}").exists():
            if self._bridge_address is not None:
                shown = _run(["ip", "-4", "-o", "addr", "show", "dev", name])
                if str(self._bridge_address) not in shown.split():
                    # dockerd keeps the bridge's settings in its network database:
                    # changing them between starts is what can make it delete docker0.
                    raise EngineBedError(
                        f"bridge {name} exists without the address {self._bridge_address}"
                        f" this engine was started with: {shown.strip()!r}"
                    )
            return
        if self._bridge_address is None:
            self._bridge_address = pick_free_subnet()
        try:
            _run(["ip", "link", "add", name, "type", "bridge"])
            self._bridge_created = True
            _run(["ip", "addr", "add", str(self._bridge_address), "dev", name])
            _run(["ip", "link", "set", name, "up"])
        except EngineBedError:
            self._remove_bridge()
            raise

    def _forward_rule_specs(self) -> list[list[str]]:
        """The FORWARD rule that lets this engine's containers on one network
        reach each other.

        With ``--iptables=false`` dockerd adds no rules of its own, while the main
        engine sets the FORWARD policy to DROP; with ``br_netfilter`` loaded even
        traffic between two containers on one bridge passes FORWARD (and is
        dropped). So accept bridged traffic (staying on one bridge, whatever its
        subnet) at the END of FORWARD: the main engine's own rules for its bridges,
        its isolation rules included, come first and still decide for them.
        Traffic routed between two networks stays dropped, as Docker isolates it.
        """
        comment = ["-m", "comment", "--comment", f"aiodock {self._bridge_name}"]
        return [["FORWARD", "-m", "physdev", "--physdev-is-bridged", *comment, "-j", "ACCEPT"]]

    def _add_forward_rules(self) -> None:
        if not self._accept_forwarding or self._forward_rules:
            return
        for spec in self._forward_rule_specs():
            check = subprocess.run(["iptables", "-C", *spec], capture_output=True, check=False)
            if check.returncode != 0:
                _run(["iptables", "-A", *spec])
            self._forward_rules.append(spec)

    def _remove_forward_rules(self) -> None:
        while self._forward_rules:
            spec = self._forward_rules.pop()
            subprocess.run(["iptables", "-D", *spec], capture_output=True, check=False)

    def _remove_bridge(self) -> None:
        if not self._bridge_created:
            return
        if Path(f"/sys/class/net/{self._bridge_name}").exists():
            _run(["ip", "link", "delete", self._bridge_name, "type", "bridge"])
        self._bridge_created = False

    def _command(self) -> list[str]:
        config_file = self._directory / "daemon.json"
        if not config_file.exists():
            config_file.write_text("{}\n")
        args = [
            self._dockerd,
            "--config-file",
            str(config_file),
            "--data-root",
            str(self.data_root),
            "--exec-root",
            str(self.exec_root),
            "--pidfile",
            str(self.pidfile),
            "-H",
            f"unix://{self.socket_path}",
            "--bridge",
            self._bridge_name,
            "--iptables=false",
        ]
        if self._address_pool is not None:
            args += ["--default-address-pool", f"base={self._address_pool},size=24"]
        if self._share_containerd:
            if self._containerd is None:
                self._containerd = find_running_containerd()
            if self._containerd is None:
                looked = ", ".join(str(p) for p in CONTAINERD_SOCKETS)
                raise EngineBedError(f"share_containerd: no running containerd at {looked}")
            args += [
                "--containerd",
                str(self._containerd),
                "--containerd-namespace",
                f"aiodock-{self._tag}",
                "--containerd-plugins-namespace",
                f"aiodock-{self._tag}-plugins",
            ]
        if self._tls is not None:
            if self._tcp_port is None:
                self._tcp_port = _free_tcp_port()
            args += [
                "-H",
                f"tcp://127.0.0.1:{self._tcp_port}",
                "--tlsverify",
                "--tlscacert",
                str(self._tls.ca_cert),
                "--tlscert",
                str(self._tls.server_cert),
                "--tlskey",
                str(self._tls.server_key),
            ]
        args += self._extra_args
        return args

    def _wait_until_up(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._start_timeout
        while time.monotonic() < deadline:
            if self.ping(timeout=2.0):
                return
            code = self._process.poll()
            if code is not None:
                raise EngineBedError(
                    f"dockerd exited with {code} before answering /_ping on {self.socket_path}"
                    f"; log {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(0.2)
        raise EngineBedError(
            f"dockerd (pid {self._process.pid}) did not answer /_ping on {self.socket_path}"
            f" within {self._start_timeout:g}s; log {self.log_path}:\n{self.log_tail()}"
        )

    def _stop_daemon(self) -> None:
        process = self._process
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(self._stop_timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            self._process = None
            self._reap_own_containerd()
            self._unmount_leftovers()
        self._close_log()

    def _reap_own_containerd(self) -> None:
        """After a SIGKILL, dockerd's own containerd and its shims may outlive it."""
        if self._share_containerd:
            return
        marker = str(self.exec_root / "containerd")
        pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
        for pid in pids:
            if pid != os.getpid() and marker in _pid_cmdline(pid):
                _kill_and_wait(pid, 5.0)

    def _unmount_leftovers(self) -> None:
        """A killed dockerd leaves mounts (data-root bind, overlay, netns) behind."""
        roots = [str(self.data_root), str(self.exec_root)]
        points: list[str] = []
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return
        for line in mountinfo.splitlines():
            fields = line.split()
            if len(fields) < 5:
                continue
            # mountinfo writes space, tab, newline and backslash as octal escapes (\040)
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            if any(point == root or point.startswith(root + "/") for root in roots):
                points.append(point)
        for point in sorted(points, key=len, reverse=True):
            subprocess.run(["umount", "--lazy", point], capture_output=True, check=False)

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def _main(argv: list[str]) -> None:
    """Run a second engine in the foreground until Ctrl-C or SIGTERM (or until
    its dockerd exits), then stop it and remove what it made."""
    import argparse

    parser = argparse.ArgumentParser(prog="python tests/enginebed.py", description=_main.__doc__)
    parser.add_argument("directory", nargs="?", type=Path, help="its files go to DIR/engine")
    parser.add_argument("--tls", action="store_true", help="also listen on TLS (DIR/tls)")
    parser.add_argument("--dockerd", default="dockerd", help="the dockerd to run")
    parser.add_argument(
        "--path", action="append", type=Path, default=[], help="put DIR first on its PATH"
    )
    parser.add_argument("--bridge", help="its bridge's name (default: a new one)")
    parser.add_argument("--bridge-address", help="its bridge's address, x.y.z.1/24")
    parser.add_argument("--address-pool", help="its --default-address-pool base, a /16")
    parser.add_argument(
        "--accept-forwarding",
        action="store_true",
        help="add FORWARD rules so its containers reach each other",
    )
    parser.add_argument(
        "--fresh-network-db",
        action="store_true",
        help="remove its network database before it starts (dockerd 26 deletes docker0 otherwise)",
    )
    options = parser.parse_args(argv)
    base = options.directory or Path(tempfile.mkdtemp(prefix="aiodk-"))
    material = make_tls_material(base / "tls") if options.tls else None

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    engine = SecondEngine(
        base / "engine",
        tls=material,
        dockerd=options.dockerd,
        bridge_name=options.bridge,
        bridge_address=options.bridge_address,
        address_pool=options.address_pool,
        path_prefix=tuple(options.path),
        accept_forwarding=options.accept_forwarding,
        fresh_network_db=options.fresh_network_db,
    )
    with engine:
        print(f"DOCKER_HOST={engine.docker_host}")
        if engine.tcp_address is not None:
            print(f"DOCKER_HOST={engine.tcp_address} DOCKER_TLS_VERIFY=1")
            print(f"DOCKER_CERT_PATH={base / 'tls'}")
        print(f"pid {engine.pid}; Ctrl-C or SIGTERM stops it", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while engine.running:
                time.sleep(1.0)
        if not engine.running:
            print(f"dockerd exited; log {engine.log_path}:\n{engine.log_tail()}", flush=True)


if __name__ == "__main__":  # manual use: python tests/enginebed.py DIR [--tls] [--help]
    import sys

    _main(sys.argv[1:])
