"""The base class of every aiodock model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, model_validator

SECRET_FIELDS: Final = frozenset({"password", "identitytoken", "registrytoken", "signingcakey"})
"""Field names (lowercase, without ``_``) whose values a model's repr and str
never show: credentials, under their Python name or the engine's key."""


class _Hidden:
    def __repr__(self) -> str:
        return "***"


class EngineModel(BaseModel):
    """A pydantic model of an Engine API object.

    Fields are snake_case; each carries the engine's own key as its alias, so
    a model validates the engine's JSON as it is and can be built from Python
    names. Unknown fields are kept (newer engines, other implementations), and
    enum-like fields are plain strings so an unknown value never fails.

    Example:
        >>> from aiodock.models import RestartPolicy
        >>> RestartPolicy(name="on-failure", maximum_retry_count=3).to_engine()
        {'Name': 'on-failure', 'MaximumRetryCount': 3}
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        protected_namespaces=(),
        arbitrary_types_allowed=False,
    )

    def to_engine(self) -> dict[str, Any]:
        """The engine's JSON form: engine keys, unset fields left out.

        Example:
            >>> from aiodock.models import RestartPolicy
            >>> RestartPolicy(name="on-failure", maximum_retry_count=3).to_engine()
            {'Name': 'on-failure', 'MaximumRetryCount': 3}
        """
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Credentials (AuthConfig.password, AuthResponse.identity_token...)
        # never reach a repr, a str, a log line or an error message.
        for name, value in super().__repr_args__():
            if name and name.lower().replace("_", "") in SECRET_FIELDS and value is not None:
                yield name, _Hidden()
            else:
                yield name, value


class NullsAsDefaults(EngineModel):
    """An engine model where a JSON ``null`` means the field's default.

    Prune reports come back with ``null`` for "nothing deleted"; their
    fields default to ``[]`` and ``0`` instead.
    """

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if v is not None}
        return value
