"""Hand-written model of the exec inspect answer, which the specification
leaves inline (``GET /exec/{id}/json``)."""

from __future__ import annotations

from pydantic import Field

from ._base import EngineModel
from ._generated import ProcessConfig

__all__ = [
    "ExecInspect",
]


class ExecInspect(EngineModel):
    """What the engine knows about an exec instance (``GET /exec/{id}/json``).

    ``exit_code`` is ``None`` until the process has ended (and for an exec
    that was never started); ``running`` is ``True`` while it runs. Every
    field the engine may leave out is ``None``.

    Example:
        >>> info = ExecInspect.model_validate(
        ...     {"ID": "e1", "Running": False, "ExitCode": 3,
        ...      "ProcessConfig": {"entrypoint": "sh", "arguments": ["-c", "exit 3"]}})
        >>> info.running, info.exit_code, info.process_config.entrypoint
        (False, 3, 'sh')
    """

    id: str | None = Field(default=None, alias="ID")
    container_id: str | None = Field(default=None, alias="ContainerID")
    running: bool | None = Field(default=None, alias="Running")
    exit_code: int | None = Field(default=None, alias="ExitCode")
    pid: int | None = Field(default=None, alias="Pid")
    """The exec process's ID on the host (0 once it has ended)."""
    process_config: ProcessConfig | None = Field(default=None, alias="ProcessConfig")
    open_stdin: bool | None = Field(default=None, alias="OpenStdin")
    open_stdout: bool | None = Field(default=None, alias="OpenStdout")
    open_stderr: bool | None = Field(default=None, alias="OpenStderr")
    can_remove: bool | None = Field(default=None, alias="CanRemove")
    detach_keys: str | None = Field(default=None, alias="DetachKeys")
