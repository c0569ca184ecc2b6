"""aiodock: a typed, async client for the Docker Engine API.

Example:
    >>> import anyio
    >>> from aiodock import Docker
    >>> async def main() -> None:
    ...     async with Docker() as docker:
    ...         print((await docker.ping()).api_version)
    >>> anyio.run(main)  # doctest: +SKIP
    1.41
"""

from ._tar import TarStream
from ._transport import EngineTransport
from ._version import __version__
from .attach import AttachSession
from .auth import CredentialStore, RegistryAuth
from .client import Docker
from .config import EngineAddress, SSHOptions, TLSConfig
from .containers import Container
from .errors import (
    APIVersionError,
    BadRequest,
    BuildError,
    Conflict,
    ConnectionLost,
    ContainerError,
    CredentialsError,
    DockerError,
    DockerTimeout,
    EngineUnavailable,
    ExecError,
    Forbidden,
    InvalidResponse,
    NotFound,
    NotModified,
    ProcessError,
    ServerError,
    StreamError,
    Unauthorized,
    UnsafeArchiveError,
    UnsupportedOperation,
)
from .exec import Exec, ExecResult, ExecSession
from .logs import LogOutput, LogStream
from .models import EventMessage, PingInfo, SystemDataUsage, SystemInfo, SystemVersion
from .reference import ImageReference, parse_reference
from .streams import ByteStream, EngineStream, JSONStream, LogChunk

__all__ = [
    "APIVersionError",
    "AttachSession",
    "BadRequest",
    "BuildError",
    "ByteStream",
    "Conflict",
    "ConnectionLost",
    "Container",
    "ContainerError",
    "CredentialStore",
    "CredentialsError",
    "Docker",
    "DockerError",
    "DockerTimeout",
    "EngineAddress",
    "EngineStream",
    "EngineTransport",
    "EngineUnavailable",
    "EventMessage",
    "Exec",
    "ExecError",
    "ExecResult",
    "ExecSession",
    "Forbidden",
    "ImageReference",
    "InvalidResponse",
    "JSONStream",
    "LogChunk",
    "LogOutput",
    "LogStream",
    "NotFound",
    "NotModified",
    "PingInfo",
    "ProcessError",
    "RegistryAuth",
    "SSHOptions",
    "ServerError",
    "StreamError",
    "SystemDataUsage",
    "SystemInfo",
    "SystemVersion",
    "TLSConfig",
    "TarStream",
    "Unauthorized",
    "UnsafeArchiveError",
    "UnsupportedOperation",
    "__version__",
    "parse_reference",
]
