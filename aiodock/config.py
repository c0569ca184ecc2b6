"""Where the engine is: the docker CLI's rules, in the docker CLI's order.

1. the ``host=`` argument of :class:`aiodock.Docker`;
2. ``DOCKER_HOST``;
3. ``DOCKER_CONTEXT``, then ``currentContext`` in ``$DOCKER_CONFIG/config.json``
   (``~/.docker`` by default), whose endpoint is read from
   ``contexts/meta/<sha256 of the name>/meta.json`` and whose TLS material
   from ``contexts/tls/<sha256 of the name>/docker/``;
4. ``unix:///var/run/docker.sock``.

``ssh://[user@]host[:port][/socket/path]`` reaches an engine through SSH
(the ``aiodock[ssh]`` extra): the engine socket on the remote host is
``/var/run/docker.sock`` unless the URL names another path; how the SSH
connection is made (keys, ``~/.ssh/config``, host keys) is
:class:`SSHOptions`' business.

TLS is used for ``https://`` hosts, for ``tcp://`` hosts when
``DOCKER_TLS_VERIFY`` is set (certificates from ``DOCKER_CERT_PATH``, else
``~/.docker``) or a :class:`TLSConfig` is given, and for contexts that carry
TLS material. Verification is always on unless a :class:`TLSConfig` with
``verify=False`` is passed explicitly.

Example:
    >>> from aiodock.config import resolve_address
    >>> addr = resolve_address("unix:///run/user/1000/docker.sock", env={})
    >>> addr.socket_path, addr.source
    ('/run/user/1000/docker.sock', 'argument')
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = [
    "EngineAddress",
    "SSHEndpoint",
    "SSHOptions",
    "TLSConfig",
    "docker_config_dir",
    "resolve_address",
]


DEFAULT_HOST = "unix:///var/run/docker.sock"
DEFAULT_TCP_PORT = 2375
DEFAULT_TLS_PORT = 2376
DEFAULT_REMOTE_SOCKET = "/var/run/docker.sock"
"""The engine socket on an ``ssh://`` host when the URL names no path."""


@dataclass(frozen=True)
class TLSConfig:
    """TLS settings for a ``tcp://`` or ``https://`` engine.

    Args:
        ca_cert: The CA bundle that signs the engine's certificate; ``None``
            for the system's trust store.
        client_cert: The client's own certificate, for an engine started
            with ``--tlsverify`` (with ``client_key``).
        client_key: The key of ``client_cert``.
        verify: ``False`` turns certificate checks off; nothing else does.

    Example:
        >>> TLSConfig(ca_cert=Path("/etc/docker/certs/ca.pem"))
        TLSConfig(ca_cert=PosixPath('/etc/docker/certs/ca.pem'), ...)
        >>> TLSConfig.from_cert_path("/nonexistent")  # no files there: nothing is set
        TLSConfig(ca_cert=None, client_cert=None, client_key=None, verify=True)
    """

    ca_cert: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    verify: bool = True

    @classmethod
    def from_cert_path(cls, directory: str | os.PathLike[str]) -> TLSConfig:
        """The docker CLI's layout: ``ca.pem``, ``cert.pem`` and ``key.pem``
        in one directory (each used when present; the certificate and the
        key only together).

        Args:
            directory: The directory (``~`` is expanded), as in
                ``DOCKER_CERT_PATH``.

        Example:
            >>> tls = TLSConfig.from_cert_path("~/.docker")  # doctest: +SKIP
            >>> Docker("tcp://engine.example:2376", tls=tls)  # doctest: +SKIP
        """
        base = Path(directory).expanduser()
        ca = base / "ca.pem"
        cert = base / "cert.pem"
        key = base / "key.pem"
        return cls(
            ca_cert=ca if ca.is_file() else None,
            client_cert=cert if cert.is_file() and key.is_file() else None,
            client_key=key if cert.is_file() and key.is_file() else None,
        )

    def __repr__(self) -> str:
        return (
            f"TLSConfig(ca_cert={self.ca_cert!r}, client_cert={self.client_cert!r}, "
            f"client_key={self.client_key!r}, verify={self.verify!r})"
        )

    def ssl_context(self) -> ssl.SSLContext:
        """An ``ssl.SSLContext`` for these settings.

        Example:
            >>> TLSConfig(verify=False).ssl_context().check_hostname
            False
        """
        ctx = ssl.create_default_context(
            cafile=str(self.ca_cert) if self.ca_cert is not None else None
        )
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.client_cert is not None:
            ctx.load_cert_chain(
                str(self.client_cert),
                str(self.client_key) if self.client_key is not None else None,
            )
        return ctx


@dataclass(frozen=True)
class SSHOptions:
    """How an ``ssh://`` engine's SSH connection is made (the ``aiodock[ssh]`` extra).

    The defaults do what ``ssh`` does: keys from the agent (``SSH_AUTH_SOCK``)
    and from ``~/.ssh/config``'s ``IdentityFile`` or ``~/.ssh/id_*``; the
    ``Host`` entries of ``~/.ssh/config`` (``HostName``, ``User``, ``Port``,
    ``IdentityFile``, ``ProxyJump``...); and host keys checked against
    ``~/.ssh/known_hosts`` (or the entry's ``UserKnownHostsFile``): an
    unknown or changed host key is refused, with its fingerprint in the
    error, whatever ``StrictHostKeyChecking`` says. ``~`` is the ``HOME`` of the environment
    the client reads (``Docker(env=...)``).

    Args:
        known_hosts: The known_hosts file to check host keys against
            (instead of ``~/.ssh/known_hosts``).
        config_file: The ssh_config file to read (instead of
            ``~/.ssh/config``); ``Path("/dev/null")`` reads none.
        identity_files: Private keys to offer (instead of ``IdentityFile``
            and ``~/.ssh/id_*``); the agent's keys are offered too.
        use_agent: ``False`` leaves the agent out.
        check_host_key: ``False`` accepts any host key. Only for tests:
            nothing else turns checking off.
        mode: How the engine socket is reached over the connection:
            ``"auto"`` (direct stream-local forwarding to the socket, and
            ``docker system dial-stdio`` on the remote where the server
            refuses forwarding), ``"forward"`` or ``"dial-stdio"`` only.
        dial_stdio_sessions: How many ``dial-stdio`` channels to open at
            once (each is an SSH session, which servers cap: OpenSSH's
            ``MaxSessions`` is 10 by default); forwarded channels have no cap.

    Example:
        >>> SSHOptions(known_hosts=Path("/srv/ci/known_hosts"))
        SSHOptions(known_hosts=PosixPath('/srv/ci/known_hosts'), ...)
    """

    known_hosts: Path | None = None
    config_file: Path | None = None
    identity_files: tuple[Path, ...] = ()
    use_agent: bool = True
    check_host_key: bool = True
    mode: str = "auto"
    dial_stdio_sessions: int = 10

    def __post_init__(self) -> None:
        if self.mode not in ("auto", "forward", "dial-stdio"):
            raise ValueError(
                f"SSHOptions(mode={self.mode!r}): use 'auto', 'forward' or 'dial-stdio'"
            )
        if (
            isinstance(self.dial_stdio_sessions, bool)
            or not isinstance(self.dial_stdio_sessions, int)
            or self.dial_stdio_sessions < 1
        ):
            raise ValueError(
                "SSHOptions(dial_stdio_sessions=...) must be a positive integer,"
                f" not {self.dial_stdio_sessions!r}"
            )

    def __repr__(self) -> str:
        return (
            f"SSHOptions(known_hosts={self.known_hosts!r}, config_file={self.config_file!r},"
            f" identity_files={self.identity_files!r}, use_agent={self.use_agent!r},"
            f" check_host_key={self.check_host_key!r}, mode={self.mode!r},"
            f" dial_stdio_sessions={self.dial_stdio_sessions!r})"
        )


@dataclass(frozen=True)
class SSHEndpoint:
    """Where an ``ssh://`` address leads: the SSH host (as written: an
    ``~/.ssh/config`` alias is resolved when connecting), its user and port
    (``None``: from ``~/.ssh/config``, else the local user and 22), the
    engine socket on it, the :class:`SSHOptions`, and the environment
    (``HOME``, ``SSH_AUTH_SOCK``) to take the defaults from.

    Example:
        >>> endpoint = resolve_address("ssh://deploy@build.example:2200", env={}).ssh
        >>> endpoint.user, endpoint.host, endpoint.port, endpoint.socket_path
        ('deploy', 'build.example', 2200, '/var/run/docker.sock')
    """

    user: str | None
    host: str
    port: int | None
    socket_path: str
    options: SSHOptions = SSHOptions()
    home: str | None = None
    agent_socket: str | None = None

    def describe(self) -> str:
        """``ssh://user@host:port/socket``, for messages.

        Example:
            >>> resolve_address("ssh://build.example", env={}).ssh.describe()
            'ssh://build.example/var/run/docker.sock'
        """
        user = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port is not None else ""
        return f"ssh://{user}{host}{port}{self.socket_path}"

    def __repr__(self) -> str:
        return (
            f"SSHEndpoint(user={self.user!r}, host={self.host!r}, port={self.port!r},"
            f" socket_path={self.socket_path!r})"
        )


@dataclass(frozen=True)
class EngineAddress:
    """A resolved engine address.

    ``url`` is the address as given (``unix:///var/run/docker.sock``,
    ``tcp://127.0.0.1:2376``), ``source`` where it came from, ``socket_path``
    the Unix socket for ``unix://``, ``base_url`` the HTTP(S) URL requests go
    to, ``tls`` the TLS settings (``None``: plain HTTP or a Unix socket), and
    ``ssh`` the SSH endpoint of an ``ssh://`` address.

    Example:
        >>> address = resolve_address(env={})
        >>> address.url, address.source, address.socket_path
        ('unix:///var/run/docker.sock', 'default', '/var/run/docker.sock')
    """

    url: str
    source: str
    scheme: str
    socket_path: str | None
    base_url: str
    tls: TLSConfig | None
    ssh: SSHEndpoint | None = None

    def describe(self) -> str:
        """Where this address points, for messages.

        Example:
            >>> resolve_address("tcp://127.0.0.1:2375", env={}).describe()
            'http://127.0.0.1:2375'
        """
        if self.ssh is not None:
            return self.ssh.describe()
        return self.socket_path if self.socket_path is not None else self.base_url


def docker_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$DOCKER_CONFIG``, else ``~/.docker``.

    Args:
        env: The environment to read; ``None`` for ``os.environ``.

    Example:
        >>> docker_config_dir({"DOCKER_CONFIG": "/etc/docker-client"})
        PosixPath('/etc/docker-client')
    """
    env = os.environ if env is None else env
    configured = env.get("DOCKER_CONFIG")
    if configured:
        return Path(configured).expanduser()
    home = env.get("HOME")
    return (Path(home) if home else Path.home()) / ".docker"


def resolve_address(
    host: str | None = None,
    *,
    tls: TLSConfig | bool | None = None,
    context: str | None = None,
    env: Mapping[str, str] | None = None,
    ssh: SSHOptions | None = None,
) -> EngineAddress:
    """Resolve where the engine is, the way the docker CLI does.

    The order: ``host``, else ``DOCKER_HOST``, else the context
    (``context``, ``DOCKER_CONTEXT``, the config's ``currentContext``), else
    the default socket.

    Args:
        host: The engine's address (``unix://``, ``tcp://``, ``http://``,
            ``https://``, ``ssh://``); ``None`` to look it up as above.
        tls: ``True`` asks for TLS with the certificates of
            ``DOCKER_CERT_PATH`` (or ``~/.docker``); a :class:`TLSConfig`
            gives them explicitly; ``False`` turns TLS off (refused for
            ``https://``); ``None`` uses TLS for ``https://`` or when
            ``DOCKER_TLS_VERIFY`` is set.
        context: A docker context's name, as ``docker --context`` takes it.
        env: The environment to read; ``None`` for ``os.environ``.
        ssh: How to make the SSH connection of an ``ssh://`` address
            (:class:`SSHOptions`); ``None`` for ``ssh``'s defaults.

    Returns:
        The :class:`EngineAddress`, which says where it came from (``source``).

    Raises:
        ValueError: An address that cannot be used (unknown scheme, missing
            context), naming it and where it came from.

    Example:
        >>> resolve_address(env={"DOCKER_HOST": "unix:///run/docker.sock"}).source
        'DOCKER_HOST'
    """
    env = os.environ if env is None else env
    if ssh is not None and not isinstance(ssh, SSHOptions):
        raise TypeError(f"ssh= takes an SSHOptions, not {type(ssh).__name__}")
    if host is not None:
        return _from_url(host, "argument", tls, env, ssh)
    if context is None:
        docker_host = env.get("DOCKER_HOST")
        if docker_host:
            return _from_url(docker_host, "DOCKER_HOST", tls, env, ssh)
        context = env.get("DOCKER_CONTEXT") or _current_context(env)
    if context and context != "default":
        return _from_context(context, tls, env, ssh)
    return _from_url(DEFAULT_HOST, "default", tls, env, ssh)


def _current_context(env: Mapping[str, str]) -> str | None:
    path = docker_config_dir(env) / "config.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the docker config file {path}: {exc}") from exc
    name = data.get("currentContext") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name else None


def _from_context(
    name: str, tls: TLSConfig | bool | None, env: Mapping[str, str], ssh: SSHOptions | None
) -> EngineAddress:
    digest = hashlib.sha256(name.encode()).hexdigest()
    base = docker_config_dir(env) / "contexts"
    meta_path = base / "meta" / digest / "meta.json"
    source = f"context '{name}'"
    try:
        meta = json.loads(meta_path.read_text())
        endpoint = meta["Endpoints"]["docker"]
        url = endpoint["Host"]
    except FileNotFoundError:
        raise ValueError(f"docker context '{name}' not found (looked for {meta_path})") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"docker context '{name}' is unreadable ({meta_path}): {exc!r}") from exc
    if not isinstance(url, str) or not url:
        raise ValueError(f"docker context '{name}' has no docker endpoint host ({meta_path})")
    tls_dir = base / "tls" / digest / "docker"
    if tls is None and tls_dir.is_dir():
        if endpoint.get("SkipTLSVerify"):
            # Verification is off only when the caller says so in code.
            raise ValueError(
                f"docker context '{name}' turns TLS certificate verification off"
                f" (SkipTLSVerify in {meta_path}); aiodock verifies certificates unless you"
                " pass tls=TLSConfig(..., verify=False) yourself"
            )
        tls = TLSConfig.from_cert_path(tls_dir)
    return _from_url(url, source, tls, env, ssh)


def _from_url(
    url: str,
    source: str,
    tls: TLSConfig | bool | None,
    env: Mapping[str, str],
    ssh: SSHOptions | None = None,
) -> EngineAddress:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "unix":
        path = parts.path or (parts.netloc and "/" + parts.netloc) or ""
        if not path:
            raise ValueError(f"engine address {url!r} (from {source}) has no socket path")
        return EngineAddress(url, source, "unix", path, "http://localhost", None)
    if scheme in ("tcp", "https", "http"):
        if not parts.hostname:
            raise ValueError(f"engine address {url!r} (from {source}) has no host name")
        tls_config = _tls_for(scheme, tls, env)
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"engine address {url!r} (from {source}) has a bad port") from None
        if port is None:
            port = DEFAULT_TLS_PORT if tls_config is not None else DEFAULT_TCP_PORT
        hostname = parts.hostname
        netloc = f"[{hostname}]:{port}" if ":" in hostname else f"{hostname}:{port}"
        http_scheme = "https" if tls_config is not None else "http"
        return EngineAddress(url, source, scheme, None, f"{http_scheme}://{netloc}", tls_config)
    if scheme == "ssh":
        return _from_ssh_url(url, source, tls, env, ssh)
    if not scheme and url.startswith("/"):
        raise ValueError(
            f"engine address {url!r} (from {source}) is a path, not an address:"
            f" did you mean 'unix://{url}'?"
        )
    raise ValueError(
        f"engine address {url!r} (from {source}) has an unknown scheme;"
        " use unix://, tcp://, https:// or ssh://"
    )


def _from_ssh_url(
    url: str,
    source: str,
    tls: TLSConfig | bool | None,
    env: Mapping[str, str],
    ssh: SSHOptions | None,
) -> EngineAddress:
    parts = urlsplit(url)
    shown = url
    if parts.password is not None:  # never repeat a password in a message
        shown = url.replace(f":{parts.password}@", ":***@", 1)
    where = f"engine address {shown!r} (from {source})"
    if isinstance(tls, TLSConfig) or tls is True:
        raise ValueError(f"{where}: TLS settings do not apply to ssh:// (SSH encrypts)")
    if parts.password is not None:
        raise ValueError(
            f"{where}: ssh:// takes no password in the URL; use a key (agent or IdentityFile)"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"{where}: ssh:// takes no query or fragment")
    if not parts.hostname:
        raise ValueError(f"{where} has no host name")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{where} has a bad port") from None
    path = unquote(parts.path) if parts.path not in ("", "/") else DEFAULT_REMOTE_SOCKET
    if not path.startswith("/"):
        raise ValueError(f"{where}: the engine socket path must be absolute")
    endpoint = SSHEndpoint(
        user=unquote(parts.username) if parts.username else None,
        host=parts.hostname,
        port=port,
        socket_path=path,
        options=ssh if ssh is not None else SSHOptions(),
        home=env.get("HOME") or None,
        agent_socket=env.get("SSH_AUTH_SOCK") or None,
    )
    return EngineAddress(url, source, "ssh", None, "http://localhost", None, endpoint)


def _tls_for(scheme: str, tls: TLSConfig | bool | None, env: Mapping[str, str]) -> TLSConfig | None:
    if isinstance(tls, TLSConfig):
        return tls
    if tls is False:
        if scheme == "https":
            raise ValueError("an https:// engine address needs TLS; tls=False contradicts it")
        return None
    wanted = tls is True or scheme == "https" or bool(env.get("DOCKER_TLS_VERIFY"))
    if scheme == "http" and tls is None:
        wanted = False
    if not wanted:
        return None
    cert_path = env.get("DOCKER_CERT_PATH") or str(docker_config_dir(env))
    return TLSConfig.from_cert_path(cert_path)
