"""The SSH server of the ``ssh-*`` workloads (stdlib only).

``scripts/sshd-up.sh`` runs an OpenSSH server on 127.0.0.1 in front of the
engine (started here if it is not up, and stopped at the end if it was
started here). Each client then connects with its own ``ssh://`` support
to ``ssh://aiodock-bench-ssh:<port>``, an alias that a ``~/.ssh/config`` of the
run's own (the worker's ``HOME``) resolves to that server, its port, root
and the test key, with the server's key in that home's ``known_hosts``:
aiodock (asyncssh, direct stream-local forwarding), aiodocker (asyncssh,
``docker system dial-stdio`` per connection) and docker-py (paramiko,
``dial-stdio`` per connection). The remote side of ``dial-stdio`` uses the
engine's default socket, so these workloads need the engine at
``/var/run/docker.sock``.

Example:
    >>> server = SshServer.start("run-id")  # doctest: +SKIP
    >>> server.spec()["ssh_url"]  # doctest: +SKIP
    'ssh://aiodock-bench-ssh:2222'
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "sshd-up.sh"
ALIAS = "aiodock-bench-ssh"
DEFAULT_SOCKET = "/var/run/docker.sock"


class SshServer:
    """The server, the run's ``HOME`` for the clients, and how to stop them."""

    def __init__(self, port: int, home: Path, started: bool) -> None:
        self.port = port
        self.home = home
        self.started = started

    @staticmethod
    def _env(port: int) -> dict[str, str]:
        return {**os.environ, "AIODOCK_SSHD_PORT": str(port)}

    @classmethod
    def start(cls, run_id: str, engine_socket: str) -> SshServer:
        if engine_socket != DEFAULT_SOCKET:
            raise RuntimeError(
                f"the ssh-* workloads need the engine at {DEFAULT_SOCKET} (dial-stdio on the"
                f" remote side uses the default socket), not {engine_socket}"
            )
        port = int(os.environ.get("AIODOCK_BENCH_SSHD_PORT", "2222"))
        state = Path(os.environ.get("AIODOCK_STATE_DIR", "/tmp/aiodock-state")) / "sshd"
        pid_file = state / str(port) / "sshd.pid"
        was_up = pid_file.is_file() and _alive(int(pid_file.read_text() or 0))
        done = subprocess.run(
            ["bash", str(SCRIPT)],
            env=cls._env(port),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"scripts/sshd-up.sh failed: {done.stderr[-1000:]}")
        server_dir = state / str(port)
        home = Path(tempfile.mkdtemp(prefix=f"aiodock-bench-ssh-{run_id}-"))
        ssh_dir = home / ".ssh"
        ssh_dir.mkdir(mode=0o700)
        shutil.copy(server_dir / "known_hosts", ssh_dir / "known_hosts")
        (ssh_dir / "config").write_text(
            f"Host {ALIAS}\n"
            "    HostName 127.0.0.1\n"
            f"    Port {port}\n"
            "    User root\n"
            f"    IdentityFile {server_dir / 'client_ed25519'}\n"
            "    IdentitiesOnly yes\n"
        )
        return cls(port, home, started=not was_up)

    def spec(self) -> dict[str, Any]:
        """What a worker of an ``ssh-*`` workload needs."""
        # docker-py puts port 22 in a URL without one, which wins over the config
        return {"ssh_url": f"ssh://{ALIAS}:{self.port}", "ssh_home": str(self.home)}

    def stop(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)
        if self.started:
            subprocess.run(
                ["bash", str(SCRIPT), "--stop"],
                env=self._env(self.port),
                capture_output=True,
                timeout=60,
                check=False,
            )


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
