"""``ssh://`` engines: one SSH connection per client, one channel per HTTP connection.

:class:`SSHConnector` is the connector of an
:class:`~aiodock._transport.EngineTransport` for an ``ssh://`` address: it
makes one SSH connection (asyncssh, the ``aiodock[ssh]`` extra, imported
only here and only when a connection is made) and opens each connection of
the transport's pool as a channel on it, so a hundred concurrent calls share
one SSH session. A channel is a direct stream-local forwarding to the engine
socket on the remote host (``ssh -L``'s way to a Unix socket); where the
server refuses that (``AllowStreamLocalForwarding no``), it is a session
running ``docker system dial-stdio`` on the remote, as the docker CLI does.

A channel (:class:`SSHChannelStream`) looks like the transport's sockets
(``receive``, ``send``, ``aclose``): the HTTP/1.1 code above is the same for
every address. Closing one (a cancelled call, a stream left early) closes
that channel only; losing the SSH connection ends every channel on it (the
calls in flight fail with ``ConnectionLost``), and the next call connects
again. Half-closing a hijacked connection (attach and exec's stdin) sends
the channel's EOF.

Host keys are checked against ``known_hosts`` as ``ssh`` does; an unknown or
changed key is refused, naming the host and the key's fingerprint.
asyncssh runs on asyncio only: under trio an ``ssh://`` engine is refused
with an error that says so.
"""

from __future__ import annotations

import asyncio
import errno
import shlex
import socket
import warnings
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import anyio
import anyio.abc
import httpx
import sniffio

from .config import DEFAULT_REMOTE_SOCKET, SSHEndpoint

_PAUSE_AT: Final = 4 * 1024 * 1024  # stop reading a channel with this much unread
_WINDOW: Final = 8 * 1024 * 1024  # each channel's receive window (asyncssh's default: 2 MiB)
_PACKET: Final = 64 * 1024  # each channel's largest packet (asyncssh's default: 32 KiB)
_STDERR_KEPT: Final = 2048  # of dial-stdio's stderr, for messages


def load_asyncssh() -> ModuleType:
    """asyncssh, or an error naming the extra that installs it."""
    try:
        with warnings.catch_warnings():
            # cryptography warns about DSA (which asyncssh still supports) on import
            warnings.simplefilter("ignore")
            import asyncssh
    except ImportError as exc:
        raise httpx.ConnectError(
            "ssh:// engines need asyncssh: pip install 'aiodock[ssh]'"
        ) from exc
    return asyncssh


class _ChannelSession:
    """asyncssh's callbacks for one channel, buffered the way a socket is.

    The same object serves a forwarded channel (``SSHUNIXSession``'s
    callbacks) and a ``dial-stdio`` session (``SSHClientSession``'s, whose
    stderr is kept apart for messages).
    """

    def __init__(self) -> None:
        self.chan: Any = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.reading_paused = False
        self.eof = False
        self.closed = False
        self.error: BaseException | None = None
        self.read_waiter: asyncio.Future[None] | None = None
        self.write_waiter: asyncio.Future[None] | None = None
        self.writing_paused = False
        self.stderr = bytearray()

    # asyncssh's session interface

    def connection_made(self, chan: Any) -> None:
        self.chan = chan
        chan.set_write_buffer_limits(0)

    def session_started(self) -> None:
        pass

    def data_received(self, data: bytes, datatype: int | None) -> None:
        if datatype is not None:  # dial-stdio's stderr
            room = _STDERR_KEPT - len(self.stderr)
            if room > 0:
                self.stderr += data[:room]
            return
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > _PAUSE_AT and not self.reading_paused and self.chan is not None:
            self.reading_paused = True
            self.chan.pause_reading()
        self._wake("read_waiter")

    def eof_received(self) -> bool:
        self.eof = True
        self._wake("read_waiter")
        return True  # keep our side open: a hijacked stream may still write

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.closed = True
        if exc is not None:
            self.error = exc
        self.writing_paused = False
        self._wake("read_waiter")
        self._wake("write_waiter")

    def exit_status_received(self, status: int) -> None:
        pass  # dial-stdio's; read from the channel when it matters

    def exit_signal_received(self, signal: str, core_dumped: bool, msg: str, lang: str) -> None:
        pass

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake("write_waiter")

    def _wake(self, slot: str) -> None:
        waiter = getattr(self, slot)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class _HalfCloser:
    """What a hijacked SSH channel offers as its ``socket``: ``shutdown``
    only (attach and exec half-close stdin with ``shutdown(SHUT_WR)``),
    which sends the channel's EOF."""

    __slots__ = ("_stream",)

    def __init__(self, stream: SSHChannelStream) -> None:
        self._stream = stream

    def shutdown(self, how: int) -> None:
        self._stream.send_eof()
        if how == socket.SHUT_RDWR:
            self._stream.abort()


class SSHChannelStream:
    """One SSH channel to the engine, with the socket-stream methods the
    transport uses (``receive``, ``send``, ``aclose``, ``extra``), raising
    anyio's exceptions."""

    def __init__(self, chan: Any, session: _ChannelSession, what: str) -> None:
        self._chan = chan
        self._session = session
        self._what = what  # "forwarded to /var/run/docker.sock", "docker system dial-stdio"
        self._closed = False
        self.half_closer = _HalfCloser(self)

    def has_unread_or_eof(self) -> bool:
        """True when the engine sent something or closed (an idle
        keep-alive channel in that state must not be reused)."""
        return bool(self._session.chunks) or self._session.eof

    def _failure(self) -> anyio.BrokenResourceError:
        session = self._session
        reason = repr(session.error) if session.error is not None else "the channel closed"
        if session.stderr:
            reason += f"; {self._what} said: {session.stderr.decode(errors='replace').strip()}"
        return anyio.BrokenResourceError(f"SSH channel ({self._what}): {reason}")

    async def receive(self, max_bytes: int = 65536) -> bytes:
        session = self._session
        while not session.chunks:
            if self._closed:
                raise anyio.ClosedResourceError
            if session.eof:
                if session.error is not None:
                    raise self._failure() from session.error
                raise anyio.EndOfStream
            await self._wait("read_waiter")
        chunks = session.chunks
        data = chunks.popleft()
        if len(data) < max_bytes and chunks:
            pieces = [data]
            size = len(data)
            while chunks and size + len(chunks[0]) <= max_bytes:
                piece = chunks.popleft()
                pieces.append(piece)
                size += len(piece)
            data = b"".join(pieces)
        if len(data) > max_bytes:
            chunks.appendleft(data[max_bytes:])
            data = data[:max_bytes]
        session.buffered -= len(data)
        if session.reading_paused and session.buffered < _PAUSE_AT // 2:
            session.reading_paused = False
            self._chan.resume_reading()
        return data

    async def send(self, data: bytes) -> None:
        session = self._session
        if self._closed:
            raise anyio.ClosedResourceError
        if session.closed:
            raise self._failure()
        try:
            self._chan.write(data)
        except (BrokenPipeError, OSError) as exc:
            raise anyio.BrokenResourceError(f"SSH channel ({self._what}): {exc!r}") from exc
        while session.writing_paused:
            if session.closed:
                raise self._failure()
            await self._wait("write_waiter")
        if session.closed and session.error is not None:
            raise self._failure() from session.error

    def send_eof(self) -> None:
        """Half-close: the engine reads end-of-file (stdin closed).

        Raises:
            OSError: ``ENOTCONN`` when the channel is closed already.
        """
        if self._closed or self._session.closed:
            raise OSError(errno.ENOTCONN, "the SSH channel is closed")
        try:
            self._chan.write_eof()
        except BrokenPipeError as exc:
            raise OSError(errno.ENOTCONN, "the SSH channel is closed") from exc

    async def _wait(self, slot: str) -> None:
        waiter = asyncio.get_running_loop().create_future()
        setattr(self._session, slot, waiter)
        try:
            await waiter
        finally:
            setattr(self._session, slot, None)

    def extra(self, attribute: Any, default: Any = None) -> Any:
        return default  # no socket of its own: the channel is one of many on a connection

    def abort(self) -> None:
        """Close the channel at once (the SSH connection stays)."""
        if not self._closed:
            self._closed = True
            if not self._session.closed:
                self._chan.close()
            self._session._wake("read_waiter")
            self._session._wake("write_waiter")

    async def aclose(self) -> None:
        self.abort()


_client_class: type | None = None


def _client_type(asyncssh: ModuleType) -> type:
    """An ``asyncssh.SSHClient`` that refuses host keys that ``known_hosts``
    does not list, and remembers the key it refused (for the message)."""
    global _client_class
    if _client_class is None:

        class _Client(asyncssh.SSHClient):  # type: ignore[misc, name-defined]
            def __init__(self) -> None:
                self.refused_key: Any = None
                self.refused_at: tuple[str, str, int] | None = None

            def validate_host_public_key(self, host: str, addr: str, port: int, key: Any) -> bool:
                self.refused_key = key
                self.refused_at = (host, addr, port)
                return False

        _client_class = _Client
    return _client_class


class SSHConnector:
    """Opens channels to the engine behind an ``ssh://`` address, on one
    SSH connection made on first use (and again after it is lost).

    Args:
        endpoint: The SSH host, user, port, engine socket and options.
    """

    def __init__(self, endpoint: SSHEndpoint) -> None:
        self.endpoint = endpoint
        self.connections_made = 0
        """How many SSH connections were made (one, unless one was lost)."""
        self.channels_opened = 0
        self._conn: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._mode: str | None = None  # "forward" or "dial-stdio" once known for this connection
        self._forward_refusal: str | None = None
        self._closed = False
        self._jumps: list[Any] = []  # ProxyJump hops of the current connection
        self._known_hosts_named: str | None = None  # UserKnownHostsFile, for messages
        self.on_dial_stdio: Callable[[int], None] | None = None
        """Called with ``dial_stdio_sessions`` when channels turn out to be
        ``dial-stdio`` sessions (the transport caps its pool with it)."""

    @property
    def mode(self) -> str | None:
        """``"forward"`` or ``"dial-stdio"`` once a channel was opened on the
        current connection; ``None`` before."""
        return self._mode

    def _where(self) -> str:
        return self.endpoint.describe()

    async def __call__(self) -> SSHChannelStream:
        library = sniffio.current_async_library()
        if library != "asyncio":
            raise httpx.ConnectError(
                f"ssh:// engines need asyncio (asyncssh runs only there), and this runs on"
                f" {library}: use unix:// or tcp:// under {library}, or run under asyncio"
            )
        if self._closed:
            raise httpx.ConnectError("the transport is closed")
        asyncssh = load_asyncssh()
        conn, first = await self._connection(asyncssh)
        if first is not None:
            return first
        return await self._open_channel(asyncssh, conn)

    # -- the SSH connection ---------------------------------------------

    def _usable(self, loop: asyncio.AbstractEventLoop) -> Any:
        conn = self._conn
        if conn is not None and self._loop is loop and not conn.is_closed():
            return conn
        return None

    async def _connection(self, asyncssh: ModuleType) -> tuple[Any, SSHChannelStream | None]:
        """The SSH connection, made if there is none; a new one comes with
        its first channel (opened under the lock, so the way channels are
        opened is decided once, before anyone else opens one)."""
        loop = asyncio.get_running_loop()
        conn = self._usable(loop)
        if conn is not None:
            return conn, None
        if self._lock is None or self._lock_loop is not loop:
            self._lock = asyncio.Lock()
            self._lock_loop = loop
        async with self._lock:
            conn = self._usable(loop)
            if conn is not None:
                return conn, None
            old, self._conn = self._conn, None
            if old is not None and self._loop is loop:
                old.abort()
            self._mode = None
            self._forward_refusal = None
            conn = await self._connect(asyncssh)
            try:
                first = await self._first_channel(asyncssh, conn)
            except BaseException:
                conn.abort()
                raise
            self._conn = conn
            self._loop = loop
            self.connections_made += 1
            return conn, first

    def _known_hosts_path(self) -> Path:
        home = Path(self.endpoint.home) if self.endpoint.home else Path.home()
        return self.endpoint.options.known_hosts or home / ".ssh" / "known_hosts"

    def connect_options(
        self, asyncssh: ModuleType, user: str | None = None, port: int | None = None
    ) -> dict[str, Any]:
        """The keyword arguments of ``asyncssh.connect`` for this endpoint,
        or for a jump host's ``user`` and ``port`` (``~`` is the endpoint's
        ``HOME``; what they leave out comes from the ssh_config file)."""
        endpoint = self.endpoint
        options = endpoint.options
        home = Path(endpoint.home) if endpoint.home else Path.home()
        config = options.config_file or home / ".ssh" / "config"
        kwargs: dict[str, Any] = {"config": [str(config)] if config.is_file() else []}
        if options.check_host_key:
            known = self._known_hosts_path()
            kwargs["known_hosts"] = (
                str(known) if known.is_file() else asyncssh.import_known_hosts("")
            )
        else:
            kwargs["known_hosts"] = None
        if options.identity_files:
            kwargs["client_keys"] = [str(path) for path in options.identity_files]
        kwargs["agent_path"] = endpoint.agent_socket if options.use_agent else None
        if user:
            kwargs["username"] = user
        if port is not None:
            kwargs["port"] = port
        return kwargs

    def _from_config(self, asyncssh: ModuleType, config: Any, kwargs: dict[str, Any]) -> None:
        """What the host's ssh_config entry says that the explicit arguments
        would hide: ``UserKnownHostsFile`` (``none`` never turns checking
        off), ``IdentityAgent``, and ``~/.ssh/id_*`` of the endpoint's
        ``HOME`` when no ``IdentityFile`` is named."""
        options = self.endpoint.options
        files = config.get("UserKnownHostsFile")
        if options.check_host_key and options.known_hosts is None and files:
            paths = [self._expand(str(name)) for name in files]
            existing = [str(path) for path in paths if path.is_file()]
            kwargs["known_hosts"] = existing or asyncssh.import_known_hosts("")
            self._known_hosts_named = ", ".join(str(path) for path in paths)
        missing = object()
        agent = config.get("IdentityAgent", missing)  # asyncssh reads "none" as None
        if options.use_agent and agent is not missing:
            if not isinstance(agent, str) or not agent or agent.lower() == "none":
                kwargs["agent_path"] = None
            elif agent != "SSH_AUTH_SOCK":
                kwargs["agent_path"] = str(self._expand(agent))
        defaults = self._default_keys()
        if "client_keys" not in kwargs and defaults and not config.get("IdentityFile"):
            kwargs["client_keys"] = defaults

    def _expand(self, name: str) -> Path:
        """``~`` in an ssh_config value, as the endpoint's ``HOME``."""
        if name == "~" or name.startswith("~/"):
            home = Path(self.endpoint.home) if self.endpoint.home else Path.home()
            return home / name[2:]
        return Path(name)

    def _default_keys(self) -> list[str]:
        """``~/.ssh/id_*`` of the endpoint's ``HOME`` when it is not this
        process's (asyncssh looks in the process's own)."""
        home = self.endpoint.home
        if not home or Path(home) == Path.home():
            return []
        return [
            str(path)
            for name in ("id_ed25519", "id_ecdsa", "id_rsa")
            if (path := Path(home) / ".ssh" / name).is_file()
        ]

    async def _connect(self, asyncssh: ModuleType) -> Any:
        endpoint = self.endpoint
        for jump in self._jumps:
            jump.abort()
        self._jumps = []
        return await self._connect_to(asyncssh, endpoint.host, endpoint.user, endpoint.port, ())

    async def _connect_to(
        self,
        asyncssh: ModuleType,
        host: str,
        user: str | None,
        port: int | None,
        tunnel: Any,
        depth: int = 0,
    ) -> Any:
        """An SSH connection to ``host``; through ``tunnel`` (a connection),
        or ``()`` for the ssh_config file's ``ProxyJump`` (its hops connected
        here, with the same known_hosts, keys and config)."""
        kwargs = self.connect_options(asyncssh, user, port)
        client = _client_type(asyncssh)()
        # Messages are made inside the handlers and raised outside them: the
        # request path looks through an error's context for the system's
        # reason, and asyncssh's context is not the reason.
        failure: str
        try:
            resolved = asyncssh.SSHClientConnectionOptions(host=host, **kwargs)
            self._from_config(asyncssh, resolved.config, kwargs)
            if tunnel == ():
                tunnel = await self._jump_hosts(asyncssh, resolved.tunnel, depth)
            if tunnel is not None:
                kwargs["tunnel"] = tunnel
            return await asyncssh.connect(host, client_factory=lambda: client, **kwargs)
        except asyncssh.HostKeyNotVerifiable as exc:
            failure = self._host_key_refused(asyncssh, client, kwargs, exc)
        except asyncssh.PermissionDenied:
            failure = (
                f"SSH authentication as {self._user(kwargs)} at {host} failed: the server"
                f" accepted none of the keys offered ({self._keys_offered(kwargs)})"
            )
        except asyncssh.Error as exc:
            failure = f"SSH ({host}): {exc.reason}"
        except (OSError, ValueError) as exc:
            raise httpx.ConnectError(f"{exc} (SSH to {host})") from exc
        raise httpx.ConnectError(failure)

    async def _jump_hosts(self, asyncssh: ModuleType, jumps: object, depth: int) -> Any:
        """The connection to the last hop of a ``ProxyJump`` value
        (``[user@]host[:port],...``), or ``None`` for none."""
        if not isinstance(jumps, str) or not jumps or jumps.lower() == "none":
            return None
        if depth > 8:
            raise httpx.ConnectError(f"ProxyJump loops ({jumps}): more than 8 hops")
        tunnel: Any = ()
        for hop in jumps.split(","):
            user, sep, rest = hop.strip().rpartition("@")
            hop_host, hop_port = rest, None
            if rest.startswith("["):
                hop_host, _, tail = rest[1:].partition("]")
                if tail.startswith(":"):
                    hop_port = int(tail[1:])
            elif rest.count(":") == 1:
                hop_host, _, port_text = rest.partition(":")
                hop_port = int(port_text)
            tunnel = await self._connect_to(
                asyncssh, hop_host, user if sep else None, hop_port, tunnel, depth + 1
            )
            self._jumps.append(tunnel)
        return tunnel

    def _user(self, kwargs: dict[str, Any]) -> str:
        return kwargs.get("username") or "the ~/.ssh/config or local user"

    @staticmethod
    def _keys_offered(kwargs: dict[str, Any]) -> str:
        keys = kwargs.get("client_keys")
        offered = ["IdentityFile / ~/.ssh/id_*" if keys is None else ", ".join(keys)]
        if kwargs.get("agent_path"):
            offered.insert(0, f"the agent at {kwargs['agent_path']}")
        return "; ".join(offered)

    def _host_key_refused(
        self, asyncssh: ModuleType, client: Any, kwargs: dict[str, Any], exc: Exception
    ) -> str:
        known = kwargs.get("known_hosts")
        if isinstance(known, list):
            known = ", ".join(known)
        if isinstance(known, str):
            source = known
        else:
            source = f"{self._known_hosts_named or self._known_hosts_path()} (missing)"
        key = client.refused_key
        if key is None or client.refused_at is None:
            return f"the SSH host key was refused: {exc}"
        host, addr, port = client.refused_at
        name = host if port == 22 else f"[{host}]:{port}"
        fingerprint = f"{key.get_algorithm()} {key.get_fingerprint()}"
        listed: list[Any] = []
        if isinstance(known, str):
            try:
                names = known.split(", ")
                listed = list(asyncssh.read_known_hosts(names).match(host, addr, port)[0])
            except (OSError, ValueError):
                listed = []
        if listed:
            return (
                f"the SSH host key of {name} ({fingerprint}) is not the one"
                f" {source} holds for it ({listed[0].get_fingerprint()}): the key changed, or"
                " someone is in the middle; refusing to connect (check the new key, then"
                " replace the old entry)"
            )
        return (
            f"the SSH host key of {name} ({fingerprint}) is unknown"
            f" ({source} has no entry for it); refusing to connect. Check the fingerprint"
            f" and add the key (ssh-keyscan -p {port} {host} >> known_hosts), or give"
            " SSHOptions(known_hosts=...)"
        )

    # -- channels --------------------------------------------------------

    async def _first_channel(self, asyncssh: ModuleType, conn: Any) -> SSHChannelStream:
        """Open the first channel of a new connection, deciding how: direct
        stream-local forwarding, else (``mode="auto"``) ``dial-stdio``,
        checked with one ping so that a failure names both attempts."""
        wanted = self.endpoint.options.mode
        if wanted != "dial-stdio":
            try:
                stream = await self._forward(asyncssh, conn)
            except asyncssh.ChannelOpenError as exc:
                # OpenSSH answers "open failed" both when forwarding is not
                # allowed and when nothing listens at the path: dial-stdio
                # tells them apart (and its check names both attempts).
                if wanted == "forward":
                    raise httpx.ConnectError(
                        f"the SSH server did not open a channel to the engine"
                        f" socket {self.endpoint.socket_path} (direct stream-local forwarding:"
                        f" {exc.reason}; forwarding refused, or no engine there)"
                    ) from None
                self._forward_refusal = f"{exc.reason}, code {exc.code}"
            else:
                self._mode = "forward"
                return stream
        self._mode = "dial-stdio"
        await self._check_dial_stdio(asyncssh, conn)
        if self.on_dial_stdio is not None:
            self.on_dial_stdio(self.endpoint.options.dial_stdio_sessions)
        return await self._dial_stdio(asyncssh, conn)

    async def _open_channel(self, asyncssh: ModuleType, conn: Any) -> SSHChannelStream:
        if self._mode == "forward":
            try:
                return await self._forward(asyncssh, conn)
            except asyncssh.ChannelOpenError as exc:
                raise httpx.ConnectError(
                    f"the SSH server did not open a channel to the engine"
                    f" socket {self.endpoint.socket_path} (direct stream-local forwarding:"
                    f" {exc.reason})"
                ) from None
        return await self._dial_stdio(asyncssh, conn)

    async def _forward(self, asyncssh: ModuleType, conn: Any) -> SSHChannelStream:
        path = self.endpoint.socket_path
        session = _ChannelSession()
        try:
            chan, _ = await conn.create_unix_connection(
                lambda: session, path, window=_WINDOW, max_pktsize=_PACKET
            )
        except asyncssh.ChannelOpenError:
            raise
        except asyncssh.Error as exc:
            raise httpx.ConnectError(f"SSH: {exc.reason}") from None
        self.channels_opened += 1
        return SSHChannelStream(chan, session, f"forwarded to {path}")

    def _dial_command(self) -> str:
        path = self.endpoint.socket_path
        if path == DEFAULT_REMOTE_SOCKET:
            return "docker system dial-stdio"
        return f"docker -H {shlex.quote('unix://' + path)} system dial-stdio"

    def _tried(self) -> str:
        if self._forward_refusal is not None:
            return (
                f"direct stream-local forwarding to {self.endpoint.socket_path} failed"
                f" ({self._forward_refusal}), then `{self._dial_command()}` was run"
            )
        return f"`{self._dial_command()}` was run (SSHOptions(mode='dial-stdio'))"

    async def _dial_stdio(self, asyncssh: ModuleType, conn: Any) -> SSHChannelStream:
        session = _ChannelSession()
        try:
            chan, _ = await conn.create_session(
                lambda: session,
                self._dial_command(),
                encoding=None,
                window=_WINDOW,
                max_pktsize=_PACKET,
            )
        except asyncssh.Error as exc:
            raise httpx.ConnectError(
                f"{self._tried()}, and the SSH server refused the session: {exc.reason}"
            ) from None
        self.channels_opened += 1
        return SSHChannelStream(chan, session, self._dial_command())

    async def _check_dial_stdio(self, asyncssh: ModuleType, conn: Any) -> None:
        """Ping the engine once through ``dial-stdio`` on a new connection,
        so a remote without a docker CLI (or without the engine) fails with
        an error that says what was tried, not as a broken connection."""
        stream = await self._dial_stdio(asyncssh, conn)
        answer = b""
        try:
            await stream.send(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
            with anyio.move_on_after(30):
                while len(answer) < 5:
                    answer += await stream.receive(64)
        except (anyio.EndOfStream, anyio.BrokenResourceError):
            pass
        finally:
            await stream.aclose()
        if answer.startswith(b"HTTP/"):
            return
        stderr = stream._session.stderr.decode(errors="replace").strip()
        status = stream._chan.get_exit_status()
        said = f" (exit status {status}: {stderr or 'no message'})" if status else ""
        raise httpx.ConnectError(f"{self._tried()}, but it did not reach the engine{said}")

    async def aclose(self) -> None:
        """Close the SSH connection (every channel on it ends)."""
        self._closed = True
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is self._loop:
                conn.close()
                with anyio.CancelScope(shield=True), anyio.move_on_after(5):
                    await conn.wait_closed()
                for jump in self._jumps:
                    jump.close()
        self._jumps = []
