"""The base class of every aiodock model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


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
        """The engine's JSON form: engine keys, unset fields left out."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


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
