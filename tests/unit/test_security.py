"""Security, without an engine: TLS verification, where the engine address
may come from, credentials kept out of reprs, logs and errors, credential
helpers (argument list, no shell, bounded time), build contexts (no
symlink followed out, .dockerignore honoured) and extract_to (no escape).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import ssl
import stat
import sys
import tarfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import anyio.streams.tls
import httpx
import pytest

from aiodock import (
    CredentialsError,
    CredentialStore,
    Docker,
    DockerError,
    EngineUnavailable,
    RegistryAuth,
    TLSConfig,
    UnsafeArchiveError,
)
from aiodock.auth import encode_config_header
from aiodock.config import resolve_address
from aiodock.models import AuthConfig, AuthResponse
from tests.enginebed import TLSMaterial, make_tls_material
from tests.fakes import serving
from tests.helpers import CapturingHandler

USER, PASSWORD = "aiodock", "aiodock-secret"
TOKEN = "refresh-token-0123456789"
SECRETS = (PASSWORD, TOKEN)


def secret_forms(*secrets: str) -> list[str]:
    """A secret as it could leak: plain, and inside an encoded auth header."""
    forms = list(secrets)
    for secret in secrets:
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.append(encode(secret.encode()).decode().rstrip("="))
    forms.append(RegistryAuth(username=USER, password=PASSWORD).header().rstrip("="))
    forms.append(
        encode_config_header(
            {"127.0.0.1:5001": RegistryAuth(username=USER, password=PASSWORD)}
        ).rstrip("=")
    )
    return forms


def assert_no_secret(text: str, where: str) -> None:
    for form in secret_forms(*SECRETS):
        assert form not in text, f"a credential ({form[:6]}...) appears in {where}: {text!r}"


def exception_texts(exc: BaseException) -> Iterator[str]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield " ".join(str(arg) for arg in current.args)
        current = current.__cause__ or current.__context__


# --------------------------------------------------------------------------
# TLS: verification on whenever TLS is used


def tls_routes(tmp_path: Path) -> dict[str, Any]:
    certs = tmp_path / "certs"
    certs.mkdir()
    digest = hashlib.sha256(b"secure").hexdigest()
    meta = tmp_path / "cfg" / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps({"Name": "secure", "Endpoints": {"docker": {"Host": "tcp://10.0.0.9:2376"}}})
    )
    (tmp_path / "cfg" / "contexts" / "tls" / digest / "docker").mkdir(parents=True)
    return {
        "https:// address": lambda: resolve_address("https://10.0.0.9:2376", env={}),
        "DOCKER_TLS_VERIFY": lambda: resolve_address(
            env={
                "DOCKER_HOST": "tcp://10.0.0.9:2376",
                "DOCKER_TLS_VERIFY": "1",
                "DOCKER_CERT_PATH": str(certs),
            }
        ),
        "DOCKER_TLS_VERIFY=0 still verifies": lambda: resolve_address(
            env={
                "DOCKER_HOST": "tcp://10.0.0.9:2376",
                "DOCKER_TLS_VERIFY": "0",
                "DOCKER_CERT_PATH": str(certs),
            }
        ),
        "tls=True": lambda: resolve_address(
            "tcp://10.0.0.9:2376", tls=True, env={"DOCKER_CERT_PATH": str(certs)}
        ),
        "TLSConfig()": lambda: resolve_address("tcp://10.0.0.9:2376", tls=TLSConfig(), env={}),
        "context with TLS material": lambda: resolve_address(
            context="secure", env={"DOCKER_CONFIG": str(tmp_path / "cfg")}
        ),
    }


@pytest.mark.parametrize(
    "route",
    [
        "https:// address",
        "DOCKER_TLS_VERIFY",
        "DOCKER_TLS_VERIFY=0 still verifies",
        "tls=True",
        "TLSConfig()",
        "context with TLS material",
    ],
)
def test_every_way_to_tls_verifies_certificates(tmp_path: Path, route: str) -> None:
    address = tls_routes(tmp_path)[route]()
    assert address.base_url.startswith("https://")
    assert address.tls is not None and address.tls.verify is True
    context = address.tls.ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_a_context_cannot_turn_verification_off_by_itself(tmp_path: Path) -> None:
    digest = hashlib.sha256(b"lax").hexdigest()
    meta = tmp_path / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": "lax",
                "Endpoints": {"docker": {"Host": "tcp://10.0.0.9:2376", "SkipTLSVerify": True}},
            }
        )
    )
    (tmp_path / "contexts" / "tls" / digest / "docker").mkdir(parents=True)
    env = {"DOCKER_CONFIG": str(tmp_path)}
    with pytest.raises(ValueError, match="SkipTLSVerify") as caught:
        Docker(context="lax", env=env)
    assert "verify=False" in str(caught.value)


def test_only_an_explicit_verify_false_turns_verification_off() -> None:
    address = resolve_address("https://10.0.0.9:2376", tls=TLSConfig(verify=False), env={})
    assert address.tls is not None
    context = address.tls.ssl_context()
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname


@pytest.fixture(scope="module")
def tls_material(tmp_path_factory: pytest.TempPathFactory) -> TLSMaterial:
    return make_tls_material(tmp_path_factory.mktemp("tls") / "certs")


async def serve_tls(material: TLSMaterial, task_status: anyio.abc.TaskStatus[int]) -> None:
    """An HTTPS 'engine' on 127.0.0.1 answering every request with a ping."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(material.server_cert, material.server_key)
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)

    async def handle(client: anyio.abc.SocketStream) -> None:
        try:
            stream = await anyio.streams.tls.TLSStream.wrap(
                client, server_side=True, ssl_context=context
            )
            data = b""
            while b"\r\n\r\n" not in data:
                data += await stream.receive()
            await stream.send(
                b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n"
                b"Connection: close\r\n\r\nOK"
            )
            await stream.aclose()
        except (ssl.SSLError, OSError, anyio.EndOfStream, anyio.BrokenResourceError):
            await client.aclose()

    async with serving(listener, handle):
        task_status.started(port)
        await anyio.sleep_forever()


@asynccontextmanager
async def tls_engine(material: TLSMaterial) -> AsyncIterator[int]:
    """The port of an HTTPS 'engine' for the length of the block."""
    async with anyio.create_task_group() as tg:
        port = await tg.start(serve_tls, material)
        try:
            yield port
        finally:
            tg.cancel_scope.cancel()


@pytest.mark.parametrize("transport", ["aiodock", "httpx"])
async def test_an_untrusted_engine_certificate_is_refused(
    tls_material: TLSMaterial, tmp_path: Path, transport: str
) -> None:
    empty = tmp_path / "no-ca"
    empty.mkdir()
    async with tls_engine(tls_material) as port:
        env = {
            "DOCKER_HOST": f"tcp://127.0.0.1:{port}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(empty),
        }
        docker = Docker(env=env, timeout=10, transport=transport)  # type: ignore[arg-type]
        try:
            with pytest.raises(EngineUnavailable, match="certificate verification failed"):
                await docker.ping()
        finally:
            await docker.close()


async def test_a_trusted_engine_certificate_is_accepted(tls_material: TLSMaterial) -> None:
    async with tls_engine(tls_material) as port:
        env = {
            "DOCKER_HOST": f"tcp://127.0.0.1:{port}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(tls_material.directory),
        }
        async with Docker(env=env, timeout=10) as docker:
            assert (await docker.ping()).api_version == "1.41"


async def test_explicit_verify_false_connects_to_an_untrusted_engine(
    tls_material: TLSMaterial,
) -> None:
    async with (
        tls_engine(tls_material) as port,
        Docker(
            f"https://127.0.0.1:{port}", tls=TLSConfig(verify=False), env={}, timeout=10
        ) as docker,
    ):
        assert (await docker.ping()).api_version == "1.41"


# --------------------------------------------------------------------------
# the engine address comes only from the documented sources

DECOYS = {
    "DOCKER_SOCK": "unix:///tmp/decoy1.sock",
    "DOCKER_SOCKET": "/tmp/decoy2.sock",
    "DOCKER_URL": "tcp://10.6.6.6:2375",
    "DOCKER_DAEMON_HOST": "tcp://10.6.6.6:2375",
    "CONTAINER_HOST": "unix:///tmp/decoy3.sock",
    "AIODOCK_HOST": "tcp://10.6.6.6:1",
    "DOCKER_ENDPOINT": "tcp://10.6.6.6:2",
    "HTTP_PROXY": "http://10.6.6.6:3128",
    "HTTPS_PROXY": "http://10.6.6.6:3128",
    "ALL_PROXY": "socks5://10.6.6.6:1080",
    "NO_PROXY": "",
    "DOCKER_TLS": "1",
    "XDG_RUNTIME_DIR": "/tmp/decoy-runtime",
}


def test_no_other_environment_variable_moves_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))  # no config.json: no context
    for name, value in DECOYS.items():
        monkeypatch.setenv(name, value)
    docker = Docker()
    assert docker.address.url == "unix:///var/run/docker.sock"
    assert docker.address.source == "default"
    assert docker.address.tls is None


def test_the_documented_sources_in_order(tmp_path: Path) -> None:
    digest = hashlib.sha256(b"ctx").hexdigest()
    meta = tmp_path / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {"Name": "ctx", "Endpoints": {"docker": {"Host": "unix:///tmp/from-context.sock"}}}
        )
    )
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "ctx"}))
    env = {**DECOYS, "DOCKER_CONFIG": str(tmp_path)}
    assert (resolve_address(env=env).source, resolve_address(env=env).socket_path) == (
        "context 'ctx'",
        "/tmp/from-context.sock",
    )
    env["DOCKER_CONTEXT"] = "default"
    assert resolve_address(env=env).source == "default"
    env["DOCKER_CONTEXT"] = "ctx"
    assert resolve_address(env=env).socket_path == "/tmp/from-context.sock"
    env["DOCKER_HOST"] = "unix:///tmp/from-env.sock"
    assert resolve_address(env=env).socket_path == "/tmp/from-env.sock"
    assert resolve_address("unix:///tmp/arg.sock", env=env).socket_path == "/tmp/arg.sock"


async def test_proxy_variables_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tcp:// engine is reached directly, whatever *_PROXY says."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    seen: list[bytes] = []

    async def handle(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            data = b""
            while b"\r\n\r\n" not in data:
                data += await stream.receive()
            seen.append(data)
            await stream.send(
                b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n"
                b"Connection: close\r\n\r\nOK"
            )

    async with serving(listener, handle):
        for transport in ("aiodock", "httpx"):
            docker = Docker(f"tcp://127.0.0.1:{port}", env={}, timeout=5, transport=transport)  # type: ignore[arg-type]
            try:
                await docker.ping()
            finally:
                await docker.close()
    assert len(seen) == 2 and all(s.startswith(b"GET /_ping ") for s in seen)
    await listener.aclose()


# --------------------------------------------------------------------------
# credentials never in a repr, a log record or an exception message


def test_registry_auth_repr_and_str_hide_secrets() -> None:
    auth = RegistryAuth(username=USER, password=PASSWORD, serveraddress="127.0.0.1:5001")
    token = RegistryAuth(identitytoken=TOKEN, serveraddress="127.0.0.1:5001")
    for value in (auth, token):
        for text in (repr(value), str(value), f"{value}", repr([value]), repr({"a": value})):
            assert_no_secret(text, "a RegistryAuth repr")
    assert USER in repr(auth) and "***" in repr(auth) and "***" in repr(token)


def test_auth_models_hide_secrets() -> None:
    config = AuthConfig(username=USER, password=PASSWORD, serveraddress="127.0.0.1:5001")
    unknown = AuthConfig.model_validate(
        {"username": USER, "password": PASSWORD, "identitytoken": TOKEN, "IdentityToken": TOKEN}
    )
    answer = AuthResponse(status="Login Succeeded", identity_token=TOKEN)
    for model in (config, unknown, answer):
        assert_no_secret(repr(model), f"{type(model).__name__} repr")
        assert_no_secret(str(model), f"{type(model).__name__} str")
    assert config.to_engine()["password"] == PASSWORD  # still sent to the engine


def registry_refusing_engine(seen: list[httpx.Request]) -> httpx.MockTransport:
    """An engine that refuses the credentials the way dockerd 20.10 does."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path.endswith("/push"):
            return httpx.Response(
                200,
                content=(
                    b'{"status":"The push refers to repository [127.0.0.1:5001/app]"}\n'
                    b'{"errorDetail":{"message":"unauthorized: authentication required"},'
                    b'"error":"unauthorized: authentication required"}\n'
                ),
            )
        if path.endswith("/auth") or path.endswith("/images/create"):
            return httpx.Response(
                500,
                json={
                    "message": 'Get "http://127.0.0.1:5001/v2/":'
                    " unauthorized: authentication required"
                },
            )
        return httpx.Response(500, json={"message": "unexpected"})

    return httpx.MockTransport(handle)


async def test_refused_credentials_leave_no_secret_in_errors_or_logs(
    captured_logs: CapturingHandler,
) -> None:
    seen: list[httpx.Request] = []
    auth = RegistryAuth(username=USER, password=PASSWORD, serveraddress="127.0.0.1:5001")
    async with Docker(
        "unix:///nonexistent.sock",
        api_version="1.41",
        env={},
        transport=registry_refusing_engine(seen),
    ) as docker:
        errors: list[BaseException] = []
        for attempt in (
            lambda: docker.images.push("127.0.0.1:5001/app:1", auth=auth),
            lambda: docker.images.pull("127.0.0.1:5001/app:1", auth=auth),
            lambda: docker.system.login(auth),
        ):
            with pytest.raises(DockerError) as caught:
                await attempt()
            errors.append(caught.value)
    assert len(seen) == 3
    assert seen[0].headers["X-Registry-Auth"] == auth.header()  # it was sent, and
    for error in errors:  # ...nowhere else
        for text in exception_texts(error):
            assert_no_secret(text, f"a {type(error).__name__}")
    for text in captured_logs.texts:
        assert_no_secret(text, "a log record")


# --------------------------------------------------------------------------
# credential helpers: an argument list, no shell, a bounded time


def write_helper(directory: Path, name: str, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"docker-credential-{name}"
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def store_with(tmp_path: Path, config: dict[str, Any], **kw: Any) -> CredentialStore:
    cfg = tmp_path / "cfg"
    cfg.mkdir(exist_ok=True)
    (cfg / "config.json").write_text(json.dumps(config))
    return CredentialStore(
        cfg, env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}, **kw
    )


async def test_helper_runs_with_an_argument_list(tmp_path: Path) -> None:
    record = tmp_path / "argv.json"
    write_helper(
        tmp_path / "bin",
        "rec",
        f"""#!{sys.executable}
import json, sys
json.dump({{"argv": sys.argv, "stdin": sys.stdin.read()}}, open({str(record)!r}, "w"))
print(json.dumps({{"Username": "u", "Secret": "s"}}))
""",
    )
    store = store_with(tmp_path, {"credsStore": "rec"})
    auth = await store.get("127.0.0.1:5001")
    assert auth is not None and auth.username == "u"
    seen = json.loads(record.read_text())
    assert seen["argv"] == [str(tmp_path / "bin" / "docker-credential-rec"), "get"]
    assert seen["stdin"] == "127.0.0.1:5001"


@pytest.mark.parametrize(
    "name",
    [
        "x; touch {marker}",
        "x$(touch {marker})",
        "x`touch {marker}`",
        "x | touch {marker}",
        "x && touch {marker}",
        "../../bin/sh",
        "x\ntouch {marker}",
        "-c",
    ],
)
@pytest.mark.parametrize("key", ["credsStore", "credHelpers"])
async def test_helper_names_with_shell_syntax_never_reach_a_shell(
    tmp_path: Path, name: str, key: str
) -> None:
    marker = tmp_path / "pwned"
    helper = name.format(marker=marker)
    config = {key: helper} if key == "credsStore" else {key: {"127.0.0.1:5001": helper}}
    store = store_with(tmp_path, config)
    with pytest.raises(CredentialsError, match="invalid credential helper name"):
        await store.get("127.0.0.1:5001")
    assert not marker.exists()


async def test_a_helper_that_never_answers_is_cut_off_with_its_children(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    write_helper(
        tmp_path / "bin",
        "stuck",
        f"""#!/bin/sh
sleep 300 &
echo "$$ $!" > {pids}
wait
""",
    )
    store = store_with(tmp_path, {"credsStore": "stuck"}, helper_timeout=1)
    started = time.monotonic()
    with pytest.raises(CredentialsError, match="did not answer within 1s") as caught:
        await store.get("127.0.0.1:5001")
    assert time.monotonic() - started < 6
    assert "docker-credential-stuck" in str(caught.value)
    for pid in map(int, pids.read_text().split()):
        for _ in range(100):  # killed with the helper: gone within moments
            if not _alive(pid):
                break
            await anyio.sleep(0.05)
        else:
            pytest.fail(f"process {pid} started by the helper is still running")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    try:
        return status.read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


async def test_a_stuck_helper_fails_pull_before_any_request(tmp_path: Path) -> None:
    """Through the public API: the credentials lookup fails, nothing is sent."""
    write_helper(tmp_path / "bin", "broken", "#!/bin/sh\necho 'something else' >&2\nexit 3\n")
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "config.json").write_text(json.dumps({"credsStore": "broken"}))
    env = {
        "DOCKER_CONFIG": str(tmp_path / "cfg"),
        "PATH": f"{tmp_path / 'bin'}:{os.environ.get('PATH', '')}",
    }
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    async with Docker(
        "unix:///nonexistent.sock",
        api_version="1.41",
        env=env,  # the client's env is where the credentials are looked up
        transport=httpx.MockTransport(handle),
    ) as docker:
        with pytest.raises(CredentialsError, match="docker-credential-broken get failed"):
            await docker.images.pull("127.0.0.1:5001/app:1")
    assert seen == []


# --------------------------------------------------------------------------
# build contexts: no symlink followed out, nothing .dockerignore'd sent

SECRET_CONTENT = b"TOP-SECRET-OUTSIDE-THE-CONTEXT"


def hostile_context(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.txt").write_bytes(SECRET_CONTENT)
    (outside / "dir" / "inner.txt").write_bytes(SECRET_CONTENT)
    ctx = tmp_path / "ctx"
    (ctx / "sub").mkdir(parents=True)
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY . /ctx\n")
    (ctx / "app.py").write_text("print('hi')\n")
    (ctx / "sub" / "keep.txt").write_text("kept\n")
    (ctx / ".env").write_text(f"PASSWORD={PASSWORD}\n")
    (ctx / "secrets").mkdir()
    (ctx / "secrets" / "key.pem").write_text(PASSWORD)
    (ctx / "sub" / "debug.log").write_text(PASSWORD)
    (ctx / "link-file").symlink_to(outside / "secret.txt")
    (ctx / "link-dir").symlink_to(outside / "dir")
    (ctx / "sub" / "link-up").symlink_to("../../outside/secret.txt")
    (ctx / "link-inside").symlink_to("app.py")
    (ctx / ".dockerignore").write_text(".env\nsecrets\n**/*.log\n")
    return ctx


async def sent_build_context(context: Path) -> bytes:
    bodies: list[bytes] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(await request.aread())
        return httpx.Response(200, content=b'{"aux":{"ID":"sha256:' + b"a" * 64 + b'"}}\n')

    async with Docker(
        "unix:///nonexistent.sock",
        api_version="1.41",
        env={},
        transport=httpx.MockTransport(handle),
    ) as docker:
        await docker.images.build(context, auth={})
    assert len(bodies) == 1
    return bodies[0]


async def test_build_context_never_follows_links_out_nor_sends_ignored_files(
    tmp_path: Path,
) -> None:
    body = await sent_build_context(hostile_context(tmp_path))
    assert SECRET_CONTENT not in body
    assert PASSWORD.encode() not in body
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert sorted(members) == [
        ".dockerignore",
        "Dockerfile",
        "app.py",
        "link-dir",
        "link-file",
        "link-inside",
        "sub",
        "sub/keep.txt",
        "sub/link-up",
    ]
    for name in ("link-dir", "link-file", "link-inside", "sub/link-up"):
        assert members[name].issym(), f"{name} must be sent as a link, not followed"
    assert members["link-file"].linkname == str(tmp_path / "outside" / "secret.txt")
    assert members["sub/link-up"].linkname == "../../outside/secret.txt"


async def test_a_context_directory_given_through_a_link_is_still_walked_without_following(
    tmp_path: Path,
) -> None:
    ctx = hostile_context(tmp_path)
    alias = tmp_path / "alias"
    alias.symlink_to(ctx)
    body = await sent_build_context(alias)
    assert SECRET_CONTENT not in body and PASSWORD.encode() not in body


# --------------------------------------------------------------------------
# extract_to refuses entries that escape the target directory


def tar_of(*entries: tuple[str, bytes, str, bytes]) -> bytes:
    """(name, type, linkname, data) entries as a tar."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, link, data in entries:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = link
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()


def reg(name: str, data: bytes = b"pwned") -> tuple[str, bytes, str, bytes]:
    return (name, tarfile.REGTYPE, "", data)


def sym(name: str, target: str) -> tuple[str, bytes, str, bytes]:
    return (name, tarfile.SYMTYPE, target, b"")


def hard(name: str, target: str) -> tuple[str, bytes, str, bytes]:
    return (name, tarfile.LNKTYPE, target, b"")


def directory(name: str) -> tuple[str, bytes, str, bytes]:
    return (name, tarfile.DIRTYPE, "", b"")


HOSTILE = {
    "dot-dot name": [reg("../escaped")],
    "dot-dot inside a name": [directory("a"), reg("a/../../escaped")],
    "absolute name": [reg("{outside}/escaped")],
    "symlink up and out": [sym("up", "../outside")],
    "symlink to an absolute path": [sym("abs", "{outside}")],
    "symlink, then a file through it": [sym("door", ".."), reg("door/escaped")],
    "symlink chain out": [directory("d"), sym("d/a", ".."), sym("d/b", "a/..")],
    "hard link to an absolute path": [hard("h", "{outside}/sentinel")],
    "hard link up": [hard("h", "../outside/sentinel")],
    "hard link through a symlink out": [sym("s", "{outside}"), hard("h", "s/sentinel")],
    "a file, then a file under it": [reg("f"), reg("f/child")],
    "link loop, then a file under it": [sym("a", "b"), sym("b", "a"), reg("a/x")],
    "too deep": [reg("/".join(["d"] * 300))],
    "device file": [("dev", tarfile.CHRTYPE, "", b"")],
    "FIFO": [("fifo", tarfile.FIFOTYPE, "", b"")],
}


def archive_engine(archive: bytes) -> Docker:
    async def body() -> AsyncIterator[bytes]:
        for start in range(0, len(archive), 700):  # arrives in pieces
            yield archive[start : start + 700]

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    return Docker(
        "unix:///nonexistent.sock",
        api_version="1.41",
        env={},
        transport=httpx.MockTransport(handle),
    )


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("source", ["export", "get_archive"])
async def test_extract_to_refuses_entries_that_escape(
    tmp_path: Path, case: str, source: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "sentinel").write_text("untouched")
    target = tmp_path / "target"
    entries = [
        (name.format(outside=outside), kind, link.format(outside=outside), data)
        for name, kind, link, data in HOSTILE[case]
    ]
    async with archive_engine(tar_of(*entries)) as docker:
        stream = (
            docker.containers.export("box")
            if source == "export"
            else docker.containers.get_archive("box", "/data")
        )
        with pytest.raises(UnsafeArchiveError, match="refusing to unpack"):
            await stream.extract_to(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "target"]
    assert sorted(p.name for p in outside.iterdir()) == ["sentinel"]
    assert (outside / "sentinel").read_text() == "untouched"
    for path in target.rglob("*"):
        assert os.path.realpath(path).startswith(str(target.resolve())), path


async def test_extract_to_never_writes_through_a_link_already_on_disk(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "target"
    target.mkdir()
    (target / "door").symlink_to(outside)
    async with archive_engine(tar_of(reg("door/escaped"))) as docker:
        with pytest.raises(UnsafeArchiveError, match="outside the directory"):
            await docker.containers.export("box").extract_to(target)
    assert list(outside.iterdir()) == []


async def test_absolute_links_rebased_stay_inside(tmp_path: Path) -> None:
    target = tmp_path / "target"
    archive = tar_of(
        directory("etc"),
        sym("etc/mtab", "/proc/mounts"),
        sym("etc/root", "/../../.."),
        reg("etc/hosts", b"127.0.0.1 x\n"),
    )
    async with archive_engine(archive) as docker:
        count = await docker.containers.export("box").extract_to(target, absolute_links="rebase")
    assert count == 4
    assert os.readlink(target / "etc" / "mtab") == "../proc/mounts"
    assert os.path.realpath(target / "etc" / "root") == str(target.resolve())
