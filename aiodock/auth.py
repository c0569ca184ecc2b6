"""Registry credentials and their header encoding.

The engine takes credentials in the ``X-Registry-Auth`` header as URL-safe
base64 of a JSON object, WITH ``=`` padding (dockerd silently ignores an
unpadded value).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, repr=False)
class RegistryAuth:
    """Credentials for one registry.

    Give ``username`` and ``password``, or an ``identitytoken`` (an OAuth
    refresh token from a previous login). ``serveraddress`` names the
    registry (``127.0.0.1:5000``, ``https://index.docker.io/v1/``). The repr
    never shows the password or token.

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
        """The engine's ``AuthConfig`` JSON (unset fields left out)."""
        data = {
            "username": self.username,
            "password": self.password,
            "serveraddress": self.serveraddress,
            "identitytoken": self.identitytoken,
            "email": self.email,
        }
        return {k: v for k, v in data.items() if v is not None}

    def header(self) -> str:
        """The ``X-Registry-Auth`` header value."""
        return encode_header(self.to_engine())


ANONYMOUS_HEADER = "e30="
"""``X-Registry-Auth`` for no credentials: ``{}`` encoded (push needs it)."""


def encode_header(data: dict[str, Any]) -> str:
    """URL-safe base64 of compact JSON, padded.

    Example:
        >>> encode_header({})
        'e30='
    """
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")
