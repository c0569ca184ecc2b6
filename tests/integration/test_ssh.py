"""``ssh://`` engines against a real OpenSSH server with the run's engine behind it.

Each run starts its own sshd (``scripts/sshd-up.sh`` on a free pair of
ports: two runs at once never share one, and the test that kills it kills
only its own), with its own host key, a test key for root, and a
known_hosts file; the URL forwards to the engine this run tests
(``DOCKER_HOST``'s socket: 20.10's or 26.1's). Its second port refuses
stream-local forwarding: the dial-stdio fallback.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tarfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from aiodock import ConnectionLost, Docker, EngineUnavailable, NotFound
from aiodock._ssh import SSHConnector
from aiodock._transport import EngineTransport
from aiodock.config import SSHOptions
from tests.helpers import LABELS, RUN_ID, delete_from_registry

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "sshd-up.sh"
SLEEPER = ["sleep", "600"]
STREAM_BOUND = 60  # seconds: a stream that stalls fails the test instead of hanging it
TEST_BOUND = 180  # seconds for any one test
REGISTRY = "127.0.0.1:5000"  # the open local registry (scripts/engine-up.sh)


@dataclass(frozen=True)
class Sshd:
    port: int
    nofwd_port: int
    dir: Path

    @property
    def key(self) -> Path:
        return self.dir / "client_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.dir / "known_hosts"

    def fingerprint(self) -> str:
        out = subprocess.run(
            ["ssh-keygen", "-lf", str(self.dir / "host_ed25519.pub")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return out.split()[1]  # SHA256:...

    def accepted(self) -> int:
        """How many SSH connections the server has accepted (its log)."""
        log = (self.dir / "sshd.log").read_text(errors="replace")
        return log.count("Accepted publickey for root")

    def run_script(self, *args: str, check: bool = True) -> bool:
        # the owner: if this run is killed, the script's watcher stops the server
        env = {
            **os.environ,
            "AIODOCK_SSHD_PORT": str(self.port),
            "AIODOCK_SSHD_OWNER": str(os.getpid()),
        }
        done = subprocess.run(
            ["bash", str(SCRIPT), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 and check:
            pytest.fail(
                f"scripts/sshd-up.sh {' '.join(args)} failed ({done.returncode}):"
                f" {done.stderr[-2000:]}",
                pytrace=False,
            )
        return done.returncode == 0

    def kill(self) -> None:
        """Kill the server and every session it serves (SIGKILL: no goodbye)."""
        pid = int((self.dir / "sshd.pid").read_text())
        for victim in [pid, *_descendants(pid)]:
            with suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = [int(k) for k in children.read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *_descendants(kid)]
    return found


def _free_port_pair() -> int:
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 29000)
        try:
            for p in (port, port + 1):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port
    raise RuntimeError("no free pair of ports for sshd")


@pytest.fixture(scope="module")
def sshd() -> Iterator[Sshd]:
    """This run's sshd, started here, stopped and its state removed at the end."""
    state = Path(os.environ.get("AIODOCK_STATE_DIR", "/tmp/aiodock-state"))
    for attempt in range(3):  # a port taken between the check and sshd's bind: another pair
        port = _free_port_pair()
        server = Sshd(port, port + 1, state / "sshd" / str(port))
        if server.run_script(check=attempt == 2):
            break
        server.run_script("--stop", check=False)
    try:
        yield server
    finally:
        server.run_script("--stop")
        shutil.rmtree(server.dir, ignore_errors=True)
        Path(f"{server.dir}.flock").unlink(missing_ok=True)


def bounded(test: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """The whole test within TEST_BOUND seconds: a stall anywhere (an engine
    that never answers, an event that never comes) fails it, never hangs the run."""

    @functools.wraps(test)
    async def run(*args: Any, **kwargs: Any) -> None:
        with anyio.fail_after(TEST_BOUND):
            await test(*args, **kwargs)

    return run


def options(sshd: Sshd, **changes: object) -> SSHOptions:
    """The test server's known_hosts and key; no agent, no ~/.ssh/config."""
    base: dict[str, object] = {
        "known_hosts": sshd.known_hosts,
        "identity_files": (sshd.key,),
        "use_agent": False,
        "config_file": Path("/dev/null"),
    }
    base.update(changes)
    return SSHOptions(**base)  # type: ignore[arg-type]


def url(sshd: Sshd, engine: str, port: int | None = None) -> str:
    return f"ssh://root@127.0.0.1:{port or sshd.port}{engine}"


def connector(docker: Docker) -> SSHConnector:
    transport = docker._api._transport
    assert isinstance(transport, EngineTransport) and transport.ssh is not None
    return transport.ssh


@asynccontextmanager
async def over_ssh(sshd: Sshd, engine: str, **changes: object) -> AsyncIterator[Docker]:
    port = changes.pop("port", None)
    async with Docker(url(sshd, engine, port), ssh=options(sshd, **changes)) as docker:  # type: ignore[arg-type]
        yield docker


def tar_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# --------------------------------------------------------------------------


@bounded
async def test_lifecycle_streams_exec_archives_and_build(
    sshd: Sshd, engine: str, test_image: str, api_version: str
) -> None:
    async with over_ssh(sshd, engine) as docker:
        assert docker.api_version == api_version
        assert connector(docker).mode == "forward"
        name = f"aiodock-ssh-{RUN_ID}"
        async with docker.system.events(filters={"label": [f"aiodock.test={RUN_ID}"]}) as events:
            c = await docker.containers.create(test_image, SLEEPER, name=name, labels=LABELS)
            try:
                await c.start()
                await c.pause()
                await c.unpause()
                assert (await c.inspect()).state.status == "running"
                listed = await docker.containers.list(filters={"name": [name]})
                assert [item.id for item in listed] == [c.id]

                # exec with stdin: its end is the channel's EOF (wc sees it)
                result = await docker.containers.exec(c.id, ["wc", "-c"], stdin=b"x" * 300_000)
                assert result == (0, b"300000\n", b"")

                # archives both ways
                await docker.containers.put_archive(c.id, "/tmp", tar_of({"hello.txt": b"hi\n"}))
                archive = await docker.containers.get_archive(c.id, "/tmp/hello.txt")
                assert isinstance(archive, bytes)
                with tarfile.open(fileobj=io.BytesIO(archive), mode="r") as tar:
                    member = tar.extractfile("hello.txt")
                    assert member is not None and member.read() == b"hi\n"

                await c.stop(timeout=1)
                await c.remove()
                seen: list[str | None] = []
                with anyio.move_on_after(
                    STREAM_BOUND
                ):  # never hang: the assert below says what came
                    async for event in events:
                        seen.append(event.action)
                        if event.action in ("destroy", "remove"):
                            break
                for action in ("create", "start", "pause", "unpause", "die"):
                    assert action in seen, seen
                assert "destroy" in seen or "remove" in seen, seen
            finally:
                with suppress(NotFound):
                    await docker.containers.remove(name, force=True)

        # a build: a tar context streamed up, progress streamed down
        dockerfile = f"FROM {test_image}\nRUN echo built > /built\n".encode()
        tag = f"aiodock-test/ssh-build:{RUN_ID}"
        image_id = await docker.images.build(
            tar_of({"Dockerfile": dockerfile}), tag=tag, labels=LABELS
        )
        try:
            assert (await docker.images.inspect(tag)).id == image_id
        finally:
            await docker.images.remove(tag, force=True)
        assert connector(docker).connections_made == 1


@bounded
async def test_logs_follow_and_a_50_mib_log_byte_for_byte(
    sshd: Sshd, engine: str, test_image: str
) -> None:
    lines = 51200  # 1 KiB each: 50 MiB
    script = f"awk 'BEGIN {{ for (i = 0; i < {lines}; i++) printf \"%01023d\\n\", i }}'"
    expected = hashlib.sha256(b"".join(b"%01023d\n" % i for i in range(lines))).hexdigest()
    async with (
        over_ssh(sshd, engine) as docker,
        docker.containers.running(test_image, ["sh", "-c", script], labels=LABELS) as c,
    ):
        with anyio.fail_after(STREAM_BOUND):
            assert (await c.wait()).exit_code == 0
        digest = hashlib.sha256()
        size = 0
        started = time.perf_counter()
        with anyio.fail_after(STREAM_BOUND):
            async for chunk in docker.containers.logs(c.id, stderr=False):
                digest.update(chunk.data)
                size += len(chunk.data)
        seconds = time.perf_counter() - started
        assert size == 50 * 1024 * 1024
        assert digest.hexdigest() == expected
        print(f"50 MiB of logs over ssh in {seconds:.2f}s")

        # a follow gets lines as they come, and leaving it early closes
        # only its channel
        command = ["sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done"]
        async with docker.containers.running(test_image, command, labels=LABELS) as c:
            got = []
            with anyio.fail_after(STREAM_BOUND):
                async for chunk in docker.containers.logs(c.id, follow=True):
                    got.append(chunk.data)
                    if len(got) >= 3:
                        break
            assert got[0].startswith(b"tick 0")
            with anyio.move_on_after(0.3):
                async for _ in docker.containers.logs(c.id, follow=True):
                    pass  # cancelled by the scope
            assert (await c.inspect()).state.running
        assert connector(docker).connections_made == 1


@bounded
async def test_push_and_pull_progress_over_ssh(sshd: Sshd, engine: str, test_image: str) -> None:
    """A push and a pull through the open local registry, their progress
    streamed over the channel."""
    repository = f"aiodock-test-{RUN_ID}/ssh"
    tag = uuid.uuid4().hex[:8]
    name = f"{REGISTRY}/{repository}:{tag}"
    async with over_ssh(sshd, engine) as docker:
        await docker.images.tag(test_image, name)
        try:
            pushed = await docker.images.push(name)
            assert pushed.digest.startswith("sha256:")
            await docker.images.remove(name)
            with anyio.fail_after(STREAM_BOUND):
                statuses = [event.status or "" async for event in docker.images.pull(name)]
            if docker._api.podman:  # no "Digest:" line in Podman's progress
                assert statuses and "Download complete" in statuses, statuses
            else:
                assert any(status.startswith("Digest: sha256:") for status in statuses), statuses
            assert f"{REGISTRY}/{repository}@{pushed.digest}" in (
                (await docker.images.inspect(name)).repo_digests or []
            )
        finally:
            with suppress(NotFound):
                await docker.images.remove(name)
            await delete_from_registry(name)


@bounded
async def test_exec_session_and_attach_stdin_closed_over_ssh(
    sshd: Sshd, engine: str, test_image: str
) -> None:
    data = random.Random(16).randbytes(2 * 1024 * 1024)
    async with (
        over_ssh(sshd, engine) as docker,
        docker.containers.running(test_image, SLEEPER, labels=LABELS) as c,
        docker.execs.session(c.id, ["sh", "-c", "cat; echo done >&2"], stdin=True) as session,
    ):
        received = bytearray()

        async def write_all() -> None:
            for start in range(0, len(data), 256 * 1024):
                await session.write(data[start : start + 256 * 1024])
            await session.close_stdin()

        stderr = bytearray()
        with anyio.fail_after(STREAM_BOUND):
            async with anyio.create_task_group() as tg:
                tg.start_soon(write_all)
                async for chunk in session:
                    (received if chunk.stream == "stdout" else stderr).extend(chunk.data)
        assert await session.wait() == 0
        assert bytes(received) == data and bytes(stderr) == b"done\n"

    # attach: run with stdin (its end closes the container's stdin)
    with anyio.fail_after(STREAM_BOUND):
        async with over_ssh(sshd, engine) as docker:
            run = await docker.containers.run(
                test_image, ["sh", "-c", "wc -c; echo bye >&2"], stdin=data[:100_000], labels=LABELS
            )
            assert (run.exit_code, run.stdout, run.stderr) == (0, b"100000\n", b"bye\n")


@bounded
async def test_100_concurrent_inspects_share_one_ssh_connection(
    sshd: Sshd, engine: str, test_image: str
) -> None:
    before = sshd.accepted()
    async with (
        over_ssh(sshd, engine) as docker,
        docker.containers.running(test_image, SLEEPER, labels=LABELS) as c,
    ):
        results = []

        async def inspect() -> None:
            results.append((await docker.containers.inspect(c.id)).id)

        async with anyio.create_task_group() as tg:
            for _ in range(100):
                tg.start_soon(inspect)
        assert results == [c.id] * 100
        ssh = connector(docker)
        assert ssh.connections_made == 1
        assert ssh.channels_opened >= 50  # they ran at once: a channel each
    assert sshd.accepted() - before == 1  # the server saw one SSH session


@bounded
async def test_unknown_and_changed_host_keys_are_refused(
    sshd: Sshd, engine: str, tmp_path: Path
) -> None:
    fingerprint = sshd.fingerprint()
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(EngineUnavailable) as info:
        async with over_ssh(sshd, engine, known_hosts=empty):
            pass
    message = str(info.value)
    assert f"[127.0.0.1]:{sshd.port}" in message and fingerprint in message
    assert "unknown" in message and str(empty) in message

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")])
    other = (tmp_path / "other.pub").read_text().split()
    changed = tmp_path / "changed"
    changed.write_text(f"[127.0.0.1]:{sshd.port} {other[0]} {other[1]}\n")
    with pytest.raises(EngineUnavailable) as info:
        async with over_ssh(sshd, engine, known_hosts=changed):
            pass
    message = str(info.value)
    assert fingerprint in message and "not the one" in message and "changed" in message

    # only the explicit option turns checking off
    async with over_ssh(sshd, engine, known_hosts=changed, check_host_key=False) as docker:
        await docker.ping()


@bounded
async def test_a_wrong_key_is_refused(sshd: Sshd, engine: str, tmp_path: Path) -> None:
    key = tmp_path / "wrong"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    with pytest.raises(EngineUnavailable) as info:
        async with over_ssh(sshd, engine, identity_files=(key,)):
            pass
    message = str(info.value)
    assert "authentication as root at 127.0.0.1 failed" in message and str(key) in message


@bounded
async def test_dial_stdio_where_forwarding_is_refused(
    sshd: Sshd, engine: str, test_image: str
) -> None:
    async with over_ssh(sshd, engine, port=sshd.nofwd_port) as docker:
        assert connector(docker).mode == "dial-stdio"
        async with docker.containers.running(test_image, SLEEPER, labels=LABELS) as c:
            assert await docker.containers.exec(c.id, ["wc", "-c"], stdin=b"y" * 70_000) == (
                0,
                b"70000\n",
                b"",
            )
            results = await _gather(docker, c.id, 15)  # more than the 10 sessions at once
            assert results == [c.id] * 15
    with pytest.raises(EngineUnavailable) as info:
        async with over_ssh(sshd, engine, port=sshd.nofwd_port, mode="forward"):
            pass
    assert "stream-local forwarding" in str(info.value)
    # dial-stdio to a socket where no engine listens: both attempts named
    with pytest.raises(EngineUnavailable) as info:
        async with Docker(
            f"ssh://root@127.0.0.1:{sshd.nofwd_port}/nonexistent/docker.sock",
            ssh=options(sshd),
        ):
            pass
    message = str(info.value)
    assert "forwarding to /nonexistent/docker.sock failed" in message
    assert "dial-stdio" in message and "did not reach the engine" in message


async def _gather(docker: Docker, ref: str, count: int) -> list[str]:
    results: list[str] = []

    async def inspect() -> None:
        results.append((await docker.containers.inspect(ref)).id)

    async with anyio.create_task_group() as tg:
        for _ in range(count):
            tg.start_soon(inspect)
    return results


@bounded
async def test_ssh_config_proxyjump_and_context(sshd: Sshd, engine: str, tmp_path: Path) -> None:
    """No SSHOptions: ~/.ssh/config (Host alias, HostName, User, Port,
    IdentityFile, ProxyJump through the same server), ~/.ssh/known_hosts,
    then a docker context whose endpoint is the server (~/.ssh/id_ed25519)."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "known_hosts").write_text(sshd.known_hosts.read_text())
    default_key = home / ".ssh" / "id_ed25519"  # for hosts no config entry names
    default_key.write_bytes(sshd.key.read_bytes())
    default_key.chmod(0o600)
    (home / ".ssh" / "config").write_text(
        "Host aiodock-jump\n"
        "    HostName 127.0.0.1\n"
        f"    Port {sshd.port}\n"
        "    User root\n"
        f"    IdentityFile {sshd.key}\n"
        "Host aiodock-engine\n"
        "    HostName 127.0.0.1\n"
        f"    Port {sshd.port}\n"
        "    User root\n"
        f"    IdentityFile {sshd.key}\n"
        "    ProxyJump aiodock-jump\n"
    )
    before = sshd.accepted()
    env = {"HOME": str(home), "DOCKER_HOST": f"ssh://aiodock-engine{engine}"}
    async with Docker(env=env) as docker:
        assert docker.address.source == "DOCKER_HOST"
        await docker.ping()
    assert sshd.accepted() - before == 2  # the jump host, then the engine's host through it

    config = tmp_path / "docker-config"
    digest = hashlib.sha256(b"remote").hexdigest()
    meta = config / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    host = f"ssh://root@127.0.0.1:{sshd.port}{engine}"
    meta_json = {"Name": "remote", "Metadata": {}, "Endpoints": {"docker": {"Host": host}}}
    (meta / "meta.json").write_text(json.dumps(meta_json))
    (config / "config.json").write_text('{"currentContext": "remote"}')
    env = {"HOME": str(home), "DOCKER_CONFIG": str(config)}
    async with Docker(env=env) as docker:
        assert docker.address.source == "context 'remote'"
        await docker.ping()


@pytest.fixture
def agent(sshd: Sshd, tmp_path: Path) -> Iterator[Path]:
    """An ssh-agent of the test's own holding the test key: its socket."""
    agent_socket = tmp_path / "agent.sock"
    process = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(agent_socket)], stdout=subprocess.DEVNULL
    )
    try:
        for _ in range(250):
            if agent_socket.exists():
                break
            time.sleep(0.02)
        env = {"SSH_AUTH_SOCK": str(agent_socket), "PATH": os.environ.get("PATH", "")}
        subprocess.run(["ssh-add", "-q", str(sshd.key)], env=env, check=True, timeout=30)
        yield agent_socket
    finally:
        process.kill()
        process.wait(timeout=10)


@bounded
async def test_keys_from_the_agent(sshd: Sshd, engine: str, agent: Path, tmp_path: Path) -> None:
    """With no key files anywhere, the agent's key (SSH_AUTH_SOCK) logs in."""
    home = tmp_path / "home"
    home.mkdir()  # no ~/.ssh: no key files, no config
    env = {"HOME": str(home), "SSH_AUTH_SOCK": str(agent)}
    async with Docker(
        url(sshd, engine), env=env, ssh=SSHOptions(known_hosts=sshd.known_hosts)
    ) as docker:
        await docker.ping()
    without_agent = SSHOptions(known_hosts=sshd.known_hosts, use_agent=False)
    with pytest.raises(EngineUnavailable, match="authentication as root"):
        async with Docker(url(sshd, engine), env=env, ssh=without_agent):
            pass


@bounded
async def test_the_server_killed_mid_stream_then_back(
    sshd: Sshd, engine: str, test_image: str
) -> None:
    command = ["sh", "-c", "while true; do echo tick; sleep 0.05; done"]
    async with (
        over_ssh(sshd, engine) as docker,
        docker.containers.running(test_image, command, labels=LABELS) as c,
    ):
        stream = docker.containers.logs(c.id, follow=True)
        got = 0
        with pytest.raises(ConnectionLost) as info:
            with anyio.fail_after(20):
                async for _ in stream:
                    got += 1
                    if got == 3:
                        sshd.kill()
        assert "broke" in str(info.value)
        # while it is down a call fails at once, saying where it looked
        with pytest.raises(EngineUnavailable) as down:
            await docker.ping()
        assert f"127.0.0.1:{sshd.port}" in str(down.value)
        sshd.run_script()  # back
        assert (await docker.containers.inspect(c.id)).state.running
        assert connector(docker).connections_made == 2


@bounded
async def test_cancellation_closes_the_channel_not_the_connection(
    sshd: Sshd, engine: str, test_image: str
) -> None:
    async with (
        over_ssh(sshd, engine) as docker,
        docker.containers.running(test_image, SLEEPER, labels=LABELS) as c,
    ):
        with anyio.move_on_after(0.3):
            await docker.containers.wait(c.id)  # never ends by itself
        with anyio.move_on_after(0.3):
            async for _ in docker.system.events():
                pass
        assert (await docker.containers.inspect(c.id)).state.running
        assert connector(docker).connections_made == 1
