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

from ._version import __version__
from .auth import RegistryAuth
from .client import Docker
from .config import EngineAddress, TLSConfig
from .errors import (
    APIVersionError,
    BadRequest,
    Conflict,
    ConnectionLost,
    DockerError,
    DockerTimeout,
    EngineUnavailable,
    Forbidden,
    NotFound,
    NotModified,
    ServerError,
    StreamError,
    Unauthorized,
)
from .models import EventMessage, PingInfo, SystemDataUsage, SystemInfo, SystemVersion
from .streams import ByteStream, EngineStream, JSONStream, LogChunk

__all__ = [
    "APIVersionError",
    "BadRequest",
    "ByteStream",
    "Conflict",
    "ConnectionLost",
    "Docker",
    "DockerError",
    "DockerTimeout",
    "EngineAddress",
    "EngineStream",
    "EngineUnavailable",
    "EventMessage",
    "Forbidden",
    "JSONStream",
    "LogChunk",
    "NotFound",
    "NotModified",
    "PingInfo",
    "RegistryAuth",
    "ServerError",
    "StreamError",
    "SystemDataUsage",
    "SystemInfo",
    "SystemVersion",
    "TLSConfig",
    "Unauthorized",
    "__version__",
]
