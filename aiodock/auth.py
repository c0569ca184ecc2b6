"""Registry credentials: where to find them and how to send them.

The engine takes credentials in the ``X-Registry-Auth`` header as URL-safe
base64 of a JSON object, WITH ``=`` padding (dockerd silently ignores an
unpadded value); ``X-Registry-Config`` (build) carries a map of registry to
credentials, encoded the same way.

When a call is given no credentials, aiodock looks them up as the docker CLI
does (:class:`CredentialStore`): ``$DOCKER_CONFIG/config.json`` (default
``~/.docker/config.json``), whose ``credHelpers`` name a helper per registry,
``credsStore`` a helper for all the others, and ``auths`` holds credentials
written by ``docker login`` without a helper. A helper is the program
``docker-credential-<name>`` on ``PATH``, run with the argument ``get``
(server address on stdin, JSON on stdout) or ``list``. Docker Hub's
credentials are filed under ``https://index.docker.io/v1/``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import anyio
from anyio.abc import ByteReceiveStream, Process

from .errors import CredentialsError as CredentialsError  # defined with its family
from .reference import DOCKER_HUB_ALIASES

__all__ = [
    "CredentialStore",
    "RegistryAuth",
    "auth_header_for",
    "encode_config_header",
    "encode_header",
    "registry_key",
]


@dataclass(frozen=True, repr=False)
class RegistryAuth:
    """Credentials for one registry.

    Give ``username`` and ``password``, or an ``identitytoken``. The repr
    never shows the password or token.

    Args:
        username: The user name.
        password: The password (or a personal access token).
        serveraddress: The registry (``127.0.0.1:5000``,
            ``https://index.docker.io/v1/``); ``login`` and ``build`` need it.
        identitytoken: An OAuth refresh token from a previous login, instead
            of a password.
        email: An e-mail address (a legacy field of the engine's ``AuthConfig``).

    Example:
        >>> RegistryAuth(username="me", password="s3cret", serveraddress="127.0.0.1:5001")
        RegistryAuth(username='me', password=***, serveraddress='127.0.0.1:5001')
    """

    username: str | None = None
    password: str | None = None
    serveraddress: str | None = None
    identitytoken: str | None = None
    email: str | None = None

    def __repr__(self) -> str:
        parts = [f"username={self.username!r}"]
        if self.password is not None:
            parts.append("password=***")
        if self.serveraddress is not None:
            parts.append(f"serveraddress={self.serveraddress!r}")
        if self.identitytoken is not None:
            parts.append("identitytoken=***")
        return f"RegistryAuth({', '.join(parts)})"

    __str__ = __repr__

    def to_engine(self) -> dict[str, Any]:
        """The engine's ``AuthConfig`` JSON (unset fields left out).

        Example:
            >>> RegistryAuth(username="me", password="pw").to_engine()
            {'username': 'me', 'password': 'pw'}
        """
        data = {
            "username": self.username,
            "password": self.password,
            "serveraddress": self.serveraddress,
            "identitytoken": self.identitytoken,
            "email": self.email,
        }
        return {k: v for k, v in data.items() if v is not None}

    def header(self) -> str:
        """The ``X-Registry-Auth`` header value.

        Example:
            >>> RegistryAuth().header()
            'e30='
        """
        return encode_header(self.to_engine())


ANONYMOUS_HEADER = "e30="
"""``X-Registry-Auth`` for no credentials: ``{}`` encoded (push needs it)."""


def encode_header(data: dict[str, Any]) -> str:
    """URL-safe base64 of compact JSON, padded (dockerd ignores an
    unpadded value silently).

    Args:
        data: The JSON object to encode.

    Example:
        >>> encode_header({})
        'e30='
    """
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def encode_config_header(auths: Mapping[str, RegistryAuth]) -> str:
    """The ``X-Registry-Config`` header: registry -> credentials, encoded
    like ``X-Registry-Auth``.

    Args:
        auths: Credentials by registry key (as :func:`registry_key` gives it).

    Example:
        >>> encode_config_header({})
        'e30='
    """
    return encode_header({key: auth.to_engine() for key, auth in auths.items()})


# --------------------------------------------------------------------------
# finding credentials the way the docker CLI does

DOCKER_HUB_AUTH_KEY: Final = "https://index.docker.io/v1/"
"""The key Docker Hub's credentials are filed under (``docker login``)."""

DEFAULT_HELPER_TIMEOUT: Final = 30.0
"""Seconds a credential helper may take to answer."""

_HELPER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def registry_key(registry: str) -> str:
    """The key the docker CLI files a registry's credentials under: the
    host[:port], or ``https://index.docker.io/v1/`` for any of Docker Hub's
    names (``docker.io``, ``index.docker.io``, ``registry-1.docker.io``, or
    none at all).

    Args:
        registry: A host[:port], a URL, or a Docker Hub name (or ``""``).

    Example:
        >>> registry_key("docker.io"), registry_key("http://127.0.0.1:5001/v2/")
        ('https://index.docker.io/v1/', '127.0.0.1:5001')
    """
    host = registry.strip()
    for scheme in ("https://", "http://"):
        if host.lower().startswith(scheme):
            host = host[len(scheme) :]
            break
    host = host.split("/", 1)[0]
    if host == "" or host.lower() in DOCKER_HUB_ALIASES:
        return DOCKER_HUB_AUTH_KEY
    return host


@dataclass(frozen=True)
class _ConfigFile:
    path: Path
    auths: dict[str, dict[str, Any]]
    cred_helpers: dict[str, str]
    creds_store: str | None


class CredentialStore:
    """Registry credentials from the Docker config, as the docker CLI finds them.

    The file is read again on every lookup. A registry without credentials
    (no entry, or a helper saying "credentials not found") is anonymous:
    :meth:`get` returns ``None``.

    Args:
        config_dir: The directory of ``config.json``; ``None`` for
            ``$DOCKER_CONFIG``, else ``~/.docker``.
        env: Gives ``DOCKER_CONFIG``, ``HOME`` and the ``PATH`` and
            environment the helpers run with, read at each lookup; ``None``
            for ``os.environ`` (a ``Docker`` client builds its store from
            its own ``env``).
        helper_timeout: Seconds a credential helper gets to answer.

    Example:
        >>> store = CredentialStore()  # doctest: +SKIP
        >>> await store.get("127.0.0.1:5001")  # doctest: +SKIP
        RegistryAuth(username='aiodock', password=***, serveraddress='127.0.0.1:5001')
    """

    def __init__(
        self,
        config_dir: str | os.PathLike[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        helper_timeout: float = DEFAULT_HELPER_TIMEOUT,
    ) -> None:
        self._env: Mapping[str, str] = os.environ if env is None else env
        self._config_dir = None if config_dir is None else Path(config_dir).expanduser()
        if (
            isinstance(helper_timeout, bool)
            or not isinstance(helper_timeout, int | float)
            or helper_timeout <= 0
        ):
            raise ValueError(
                f"helper_timeout must be a positive number of seconds, not {helper_timeout!r}"
            )
        self.helper_timeout = float(helper_timeout)

    @property
    def config_dir(self) -> Path:
        """The directory of ``config.json``: the one given, else
        ``$DOCKER_CONFIG``, else ``$HOME/.docker``, from ``env`` as it is now."""
        if self._config_dir is not None:
            return self._config_dir
        configured = self._env.get("DOCKER_CONFIG")
        if configured:
            return Path(configured).expanduser()
        home = self._env.get("HOME") or str(Path.home())
        return Path(home) / ".docker"

    @property
    def path(self) -> Path:
        """The config file: ``<config_dir>/config.json``."""
        return self.config_dir / "config.json"

    async def get(self, registry: str) -> RegistryAuth | None:
        """Credentials for ``registry``, or ``None`` for anonymous access.

        A credential helper (``credHelpers`` for that registry, else
        ``credsStore``) is asked first; else the config's ``auths``.

        Args:
            registry: A host[:port], or a Docker Hub name.

        Raises:
            CredentialsError: The config cannot be read, or the helper failed.
        """
        key = registry_key(registry)
        config = await self._load()
        helper_key = _find_key(config.cred_helpers, key)
        helper = config.cred_helpers[helper_key] if helper_key else config.creds_store
        if helper:
            return await self._helper_get(config, helper, key)
        entry_key = _find_key(config.auths, key)
        if entry_key is None:
            return None
        return _from_entry(config, entry_key)

    async def all(self) -> dict[str, RegistryAuth]:
        """Every credential the config knows, by registry key (what
        ``build`` sends in ``X-Registry-Config``): the ``auths`` entries,
        or what ``credsStore`` lists, plus each ``credHelpers`` registry.

        Raises:
            CredentialsError: The config cannot be read, or a helper failed.
        """
        config = await self._load()
        found: dict[str, RegistryAuth] = {}
        if config.creds_store:
            for server in await self._helper_list(config, config.creds_store):
                auth = await self._helper_get(config, config.creds_store, server)
                if auth is not None:
                    found[server] = auth
        else:
            for key in config.auths:
                entry = _from_entry(config, key)
                if entry is not None:
                    found[key] = entry
        for key, helper in config.cred_helpers.items():
            auth = await self._helper_get(config, helper, key)
            if auth is not None:
                found[key] = auth
        return found

    # -- the config file ------------------------------------------------------

    async def _load(self) -> _ConfigFile:
        return await anyio.to_thread.run_sync(self._read)

    def _read(self) -> _ConfigFile:
        path = self.path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return _ConfigFile(path, {}, {}, None)
        except OSError as exc:
            raise CredentialsError(None, f"cannot read the Docker config {path}: {exc}") from None
        try:
            data = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise CredentialsError(
                None, f"the Docker config {path} is not valid JSON: {exc}"
            ) from None
        if not isinstance(data, dict):
            raise CredentialsError(None, f"the Docker config {path} is not a JSON object")
        auths = data.get("auths")
        auths = {} if auths is None else auths
        helpers = data.get("credHelpers")
        helpers = {} if helpers is None else helpers
        store = data.get("credsStore") or None
        if not isinstance(auths, dict) or not all(isinstance(v, dict) for v in auths.values()):
            raise CredentialsError(None, f"'auths' in {path} must map registries to objects")
        if not isinstance(helpers, dict) or not all(isinstance(v, str) for v in helpers.values()):
            raise CredentialsError(
                None, f"'credHelpers' in {path} must map registries to helper names"
            )
        if store is not None and not isinstance(store, str):
            raise CredentialsError(None, f"'credsStore' in {path} must be a helper name")
        return _ConfigFile(path, auths, helpers, store)

    # -- helpers --------------------------------------------------------------

    async def _helper_get(
        self, config: _ConfigFile, helper: str, server: str
    ) -> RegistryAuth | None:
        code, out, err = await self._run_helper(config, helper, "get", server.encode())
        if code != 0:
            message = (out or err).decode("utf-8", "replace").strip()
            if "credentials not found" in message.lower():
                return None
            raise CredentialsError(
                None,
                f"docker-credential-{helper} get failed for {server}:"
                f" {message or f'exit status {code}'}",
            )
        try:
            answer = json.loads(out)
            username = answer.get("Username") or None
            secret = answer.get("Secret") or None
        except (ValueError, AttributeError):
            raise CredentialsError(
                None,
                f"docker-credential-{helper} get answered with something other than"
                f" the credentials JSON for {server}",
            ) from None
        if username is None and secret is None:
            return None
        if username == "<token>":
            return RegistryAuth(identitytoken=secret, serveraddress=server)
        return RegistryAuth(username=username, password=secret, serveraddress=server)

    async def _helper_list(self, config: _ConfigFile, helper: str) -> list[str]:
        code, out, err = await self._run_helper(config, helper, "list", b"")
        if code != 0:
            message = (out or err).decode("utf-8", "replace").strip()
            raise CredentialsError(
                None, f"docker-credential-{helper} list failed: {message or f'exit status {code}'}"
            )
        try:
            listing = json.loads(out or b"{}")
        except ValueError:
            listing = None
        if not isinstance(listing, dict):
            raise CredentialsError(
                None,
                f"docker-credential-{helper} list answered with something other than a JSON object",
            )
        return [str(server) for server in listing]

    async def _run_helper(
        self, config: _ConfigFile, helper: str, action: str, data: bytes
    ) -> tuple[int, bytes, bytes]:
        if not _HELPER_NAME.match(helper):
            raise CredentialsError(
                None, f"invalid credential helper name {helper!r} in {config.path}"
            )
        program_name = f"docker-credential-{helper}"
        program = shutil.which(program_name, path=self._env.get("PATH", os.defpath))
        if program is None:
            raise CredentialsError(
                None,
                f"the credential helper {program_name} (named in {config.path}) is not on PATH",
            )
        try:
            # An argument list, never a shell; its own session, so that on a
            # timeout everything it started is killed with it.
            process = await anyio.open_process(
                [program, action],
                stdin=subprocess.PIPE if data else subprocess.DEVNULL,
                env=dict(self._env),
                start_new_session=True,
            )
        except OSError as exc:
            raise CredentialsError(None, f"cannot run {program}: {exc}") from None
        finished = False
        try:
            with anyio.fail_after(self.helper_timeout):
                out, err = await _communicate(process, data)
                code = await process.wait()
            finished = True
        except TimeoutError:
            raise CredentialsError(
                None, f"{program_name} {action} did not answer within {self.helper_timeout:g}s"
            ) from None
        finally:
            if not finished:
                _kill_session(process)
            with anyio.CancelScope(shield=True):
                await process.aclose()
        return code, out, err


_MAX_HELPER_OUTPUT: Final = 1024 * 1024


async def _communicate(process: Process, data: bytes) -> tuple[bytes, bytes]:
    """Feed ``data`` to the helper's stdin and read its stdout and stderr to
    their ends (at most 1 MiB each)."""
    outputs: dict[str, bytes] = {}

    async def read(name: str, stream: ByteReceiveStream | None) -> None:
        chunks: list[bytes] = []
        size = 0
        if stream is not None:
            with contextlib.suppress(anyio.EndOfStream):
                while size < _MAX_HELPER_OUTPUT:
                    chunk = await stream.receive()
                    chunks.append(chunk)
                    size += len(chunk)
        outputs[name] = b"".join(chunks)

    async with anyio.create_task_group() as tg:
        tg.start_soon(read, "out", process.stdout)
        tg.start_soon(read, "err", process.stderr)
        if process.stdin is not None:
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                await process.stdin.send(data)
            await process.stdin.aclose()
    return outputs["out"], outputs["err"]


def _kill_session(process: Process) -> None:
    """Kill a helper and whatever it started (its whole session)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        with contextlib.suppress(OSError):
            process.kill()


def _find_key(table: Mapping[str, Any], key: str) -> str | None:
    """The entry of ``table`` filed under ``key``: the exact key, else one
    naming the same registry another way (``http://host:port``...)."""
    if key in table:
        return key
    for candidate in table:
        if registry_key(candidate) == key:
            return candidate
    return None


def _from_entry(config: _ConfigFile, key: str) -> RegistryAuth | None:
    entry = config.auths[key]
    username = entry.get("username") or None
    password = entry.get("password") or None
    encoded = entry.get("auth") or None
    if encoded is not None:
        try:
            text = base64.b64decode(
                str(encoded) + "=" * (-len(str(encoded)) % 4), validate=True
            ).decode("utf-8")
        except (binascii.Error, ValueError):
            text = ""
        username, colon, password = text.partition(":")
        if not colon or not username:
            raise CredentialsError(
                None, f"the 'auth' of {key} in {config.path} is not base64 of 'user:password'"
            )
    token = entry.get("identitytoken") or None
    if username is None and password is None and token is None:
        return None
    return RegistryAuth(
        username=username,
        password=password,
        serveraddress=key,
        identitytoken=token,
        email=entry.get("email") or None,
    )


async def auth_header_for(
    registry: str, auth: RegistryAuth | None = None, *, store: CredentialStore | None = None
) -> str:
    """The ``X-Registry-Auth`` value for ``registry``: ``auth`` when given,
    else what the Docker config holds for it, else anonymous (``e30=``).

    The config is read through ``store``: the client's own (built from
    ``Docker(env=...)``, see ``APIClient.credentials``); a store built from
    ``os.environ`` when none is given.

    Args:
        registry: The registry (host[:port], or a Docker Hub name).
        auth: Credentials to send; ``None`` looks them up in ``store``.
        store: The credential store to read; ``None`` for one built from
            ``os.environ``.

    Raises:
        TypeError: ``auth`` that is not a ``RegistryAuth``.
        CredentialsError: The config cannot be read, or a helper failed.
    """
    if auth is not None and not isinstance(auth, RegistryAuth):
        raise TypeError(f"auth must be a RegistryAuth, not {type(auth).__name__}")
    if auth is None:
        auth = await (store if store is not None else CredentialStore()).get(registry)
    return auth.header() if auth is not None else ANONYMOUS_HEADER
