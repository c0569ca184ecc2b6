"""``ssh://`` addresses and the SSH connection's settings, without a server:
URL and context parsing, ``~/.ssh/config`` (with a ``HOME`` of the test's
own), known_hosts and agent choices, asyncio only, and the lazy import."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from aiodock import Docker, EngineUnavailable
from aiodock._ssh import SSHConnector, load_asyncssh
from aiodock._transport import EngineTransport
from aiodock.config import SSHEndpoint, SSHOptions, resolve_address

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "user", "host", "port", "path"),
    [
        ("ssh://build.example", None, "build.example", None, "/var/run/docker.sock"),
        (
            "ssh://deploy@build.example:2200",
            "deploy",
            "build.example",
            2200,
            "/var/run/docker.sock",
        ),
        ("ssh://me@10.0.0.5/", "me", "10.0.0.5", None, "/var/run/docker.sock"),
        (
            "ssh://me@host/run/user/1000/docker.sock",
            "me",
            "host",
            None,
            "/run/user/1000/docker.sock",
        ),
        ("ssh://me@[::1]:22/run/docker.sock", "me", "::1", 22, "/run/docker.sock"),
        ("SSH://alias", None, "alias", None, "/var/run/docker.sock"),
    ],
)
def test_ssh_urls(url: str, user: str | None, host: str, port: int | None, path: str) -> None:
    address = resolve_address(url, env={})
    assert address.scheme == "ssh" and address.socket_path is None and address.tls is None
    endpoint = address.ssh
    assert endpoint is not None
    assert (endpoint.user, endpoint.host, endpoint.port, endpoint.socket_path) == (
        user,
        host,
        port,
        path,
    )
    assert address.describe().startswith("ssh://") and address.describe().endswith(path)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ssh://", "no host name"),
        ("ssh://me@host:99999", "bad port"),
        ("ssh://me:hunter2@host", "no password"),
        ("ssh://me@host/x?y=1", "no query"),
    ],
)
def test_bad_ssh_urls_are_named(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        resolve_address(url, env={})
    assert "hunter2" not in str(info.value)


def test_tls_does_not_apply_to_ssh() -> None:
    with pytest.raises(ValueError, match="TLS settings do not apply"):
        resolve_address("ssh://host", tls=True, env={})
    # DOCKER_TLS_VERIFY (meant for tcp://) is no reason to refuse an ssh:// host
    assert resolve_address("ssh://host", env={"DOCKER_TLS_VERIFY": "1"}).tls is None


def test_docker_host_and_a_context_with_an_ssh_endpoint(tmp_path: Path) -> None:
    address = resolve_address(env={"DOCKER_HOST": "ssh://me@host:2222", "HOME": "/h"})
    assert address.source == "DOCKER_HOST" and address.ssh is not None
    assert address.ssh.home == "/h" and address.ssh.port == 2222

    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(b"remote").hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps({"Name": "remote", "Endpoints": {"docker": {"Host": "ssh://ops@box"}}})
    )
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    address = resolve_address(env={"DOCKER_CONFIG": str(tmp_path)})
    assert address.source == "context 'remote'" and address.ssh is not None
    assert (address.ssh.user, address.ssh.host) == ("ops", "box")
    assert address.describe() == "ssh://ops@box/var/run/docker.sock"


def test_ssh_options_are_checked() -> None:
    with pytest.raises(ValueError, match="mode"):
        SSHOptions(mode="telnet")
    with pytest.raises(ValueError, match="dial_stdio_sessions"):
        SSHOptions(dial_stdio_sessions=0)
    with pytest.raises(TypeError, match="SSHOptions"):
        resolve_address("ssh://host", env={}, ssh={"known_hosts": "x"})  # type: ignore[arg-type]
    options = SSHOptions(check_host_key=False)
    assert resolve_address("ssh://host", env={}, ssh=options).ssh.options is options  # type: ignore[union-attr]


def _endpoint(url: str, env: dict[str, str], **options: object) -> SSHEndpoint:
    endpoint = resolve_address(url, env=env, ssh=SSHOptions(**options)).ssh  # type: ignore[arg-type]
    assert endpoint is not None
    return endpoint


def test_ssh_config_host_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``~/.ssh/config`` as ssh reads it: an alias's HostName, User, Port,
    IdentityFile and ProxyJump; the URL's user and port win over it."""
    asyncssh = load_asyncssh()
    home = tmp_path / "home"
    ssh_dir = home / ".ssh"
    ssh_dir.mkdir(parents=True)
    key = ssh_dir / "deploy_key"
    key.write_bytes(asyncssh.generate_private_key("ssh-ed25519", "deploy").export_private_key())
    (ssh_dir / "known_hosts").write_text("")
    (ssh_dir / "config").write_text(
        "Host build\n"
        "    HostName 192.0.2.10\n"
        "    User deploy\n"
        "    Port 2200\n"
        f"    IdentityFile {key}\n"
        "    ProxyJump jump@bastion.example:2201\n"
    )
    monkeypatch.setenv("HOME", str(home))  # asyncssh expands ~ with the process's HOME
    env = {"HOME": str(home), "SSH_AUTH_SOCK": "/run/agent.sock"}
    connector = SSHConnector(_endpoint("ssh://build", env))
    kwargs = connector.connect_options(asyncssh)
    assert kwargs["config"] == [str(ssh_dir / "config")]
    assert kwargs["known_hosts"] == str(ssh_dir / "known_hosts")
    assert kwargs["agent_path"] == "/run/agent.sock"
    resolved = asyncssh.SSHClientConnectionOptions(host="build", **kwargs)
    assert (resolved.host, resolved.port, resolved.username) == ("192.0.2.10", 2200, "deploy")
    assert resolved.tunnel == "jump@bastion.example:2201"
    assert [k.get_comment() for k in resolved.client_keys] == ["deploy"]

    connector = SSHConnector(_endpoint("ssh://root@build:2022", env))
    resolved = asyncssh.SSHClientConnectionOptions(
        host="build", **connector.connect_options(asyncssh, "root", 2022)
    )
    assert (resolved.host, resolved.port, resolved.username) == ("192.0.2.10", 2022, "root")


def test_known_hosts_agent_and_keys_choices(tmp_path: Path) -> None:
    asyncssh = load_asyncssh()
    env = {"HOME": str(tmp_path)}  # no ~/.ssh at all
    kwargs = SSHConnector(_endpoint("ssh://host", env)).connect_options(asyncssh)
    assert kwargs["config"] == []
    # no known_hosts file: nothing is trusted (never "accept anything")
    assert isinstance(kwargs["known_hosts"], asyncssh.SSHKnownHosts)
    assert kwargs["agent_path"] is None and "client_keys" not in kwargs

    known = tmp_path / "kh"
    known.write_text("")
    key = tmp_path / "k"
    kwargs = SSHConnector(
        _endpoint(
            "ssh://host",
            {**env, "SSH_AUTH_SOCK": "/a"},
            known_hosts=known,
            identity_files=(key,),
            use_agent=False,
            config_file=Path("/dev/null"),
        )
    ).connect_options(asyncssh)
    assert kwargs["known_hosts"] == str(known) and kwargs["client_keys"] == [str(key)]
    assert kwargs["agent_path"] is None and kwargs["config"] == []

    kwargs = SSHConnector(_endpoint("ssh://host", env, check_host_key=False)).connect_options(
        asyncssh
    )
    assert kwargs["known_hosts"] is None  # only this option turns checking off

    # ~/.ssh/id_* of the endpoint's HOME (not the process's)
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "id_ed25519").write_text("")
    assert SSHConnector(_endpoint("ssh://host", env))._default_keys() == [
        str(tmp_path / ".ssh" / "id_ed25519")
    ]


def test_the_transport_takes_one_kind_of_address() -> None:
    endpoint = _endpoint("ssh://host", {})
    with pytest.raises(ValueError, match="one of"):
        EngineTransport(socket_path="/x", ssh=endpoint)
    transport = EngineTransport(ssh=endpoint)
    assert transport.ssh is not None and transport.ssh.endpoint is endpoint


def test_trio_refusal_message() -> None:
    async def main() -> str:
        try:
            async with Docker("ssh://root@127.0.0.1:9", env={}):
                pass
        except EngineUnavailable as exc:
            return str(exc)
        return "connected"

    message = anyio.run(main, backend="trio")
    assert "need asyncio" in message and "trio" in message
    assert "ssh://root@127.0.0.1:9/var/run/docker.sock" in message


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_import_aiodock_does_not_import_asyncssh() -> None:
    done = _run(
        "import sys\n"
        "import aiodock\n"
        "from aiodock import Docker\n"
        "from aiodock.config import SSHOptions\n"
        "Docker('ssh://me@host', ssh=SSHOptions())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('asyncssh', 'paramiko', 'cryptography')))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_asyncssh_the_error_names_the_extra() -> None:
    done = _run(
        "import sys, asyncio\n"
        "sys.modules['asyncssh'] = None\n"
        "from aiodock import Docker, EngineUnavailable\n"
        "async def main():\n"
        "    try:\n"
        "        async with Docker('ssh://me@127.0.0.1:9', env={}):\n"
        "            pass\n"
        "    except EngineUnavailable as exc:\n"
        "        print(exc)\n"
        "asyncio.run(main())\n"
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'aiodock[ssh]'" in done.stdout


def test_user_known_hosts_file_and_identity_agent_from_ssh_config(tmp_path: Path) -> None:
    """``UserKnownHostsFile`` and ``IdentityAgent`` of the host's entry, with
    ``~`` as the endpoint's HOME; ``UserKnownHostsFile none`` does not turn
    checking off."""
    asyncssh = load_asyncssh()
    ssh_dir = tmp_path / ".ssh"
    ssh_dir.mkdir()
    (ssh_dir / "team_known_hosts").write_text("")
    (ssh_dir / "config").write_text(
        "Host team\n"
        "    UserKnownHostsFile ~/.ssh/team_known_hosts /nonexistent/known_hosts\n"
        "    IdentityAgent ~/agent.sock\n"
        "Host careless\n"
        "    UserKnownHostsFile none\n"
        "    IdentityAgent none\n"
    )
    env = {"HOME": str(tmp_path), "SSH_AUTH_SOCK": "/run/default-agent.sock"}

    def settled(alias: str) -> dict[str, object]:
        connector = SSHConnector(_endpoint(f"ssh://{alias}", env))
        kwargs = connector.connect_options(asyncssh)
        resolved = asyncssh.SSHClientConnectionOptions(host=alias, **kwargs)
        connector._from_config(asyncssh, resolved.config, kwargs)
        return kwargs

    team = settled("team")
    assert team["known_hosts"] == [str(ssh_dir / "team_known_hosts")]
    assert team["agent_path"] == str(tmp_path / "agent.sock")
    careless = settled("careless")
    assert isinstance(careless["known_hosts"], asyncssh.SSHKnownHosts)  # still checked
    assert careless["agent_path"] is None
    other = settled("other")
    assert other["agent_path"] == "/run/default-agent.sock"
