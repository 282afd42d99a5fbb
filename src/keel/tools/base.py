"""The ``Tool`` seam: what a tool declares, what it receives, what it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from keel.models.base import ToolDefinition

Risk = Literal["read", "write", "financial", "irreversible"]
ToolErrorKind = Literal[
    "invalid_arguments", "retryable", "fatal", "timeout", "unknown_tool", "denied"
]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries of retryable tool errors with exponential backoff (``max_attempts`` >= 1)."""

    max_attempts: int = 1
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 5.0
    multiplier: float = 2.0


@dataclass(frozen=True, slots=True)
class ToolInfo:
    """Everything a tool declares about itself; the spec may override the settings."""

    name: str
    description: str
    parameters: dict[str, Any]
    version: str = "1"
    timeout_s: float = 30.0
    retry: RetryPolicy = RetryPolicy()
    risk: Risk = "read"
    idempotent: bool = False
    scopes: tuple[str, ...] = ()
    requires_approval: bool = False

    def definition(self) -> ToolDefinition:
        return ToolDefinition(self.name, self.description, self.parameters)


@dataclass(frozen=True, slots=True)
class ToolContext:
    """What a tool is told about the call. ``idempotency_key`` is ``run_id:step``."""

    run_id: str
    step: int
    idempotency_key: str
    agent: str
    session_id: str | None = None
    tenant: str | None = None
    attempt: int = 1
    extra: Mapping[str, Any] = field(default_factory=dict)
    # W3C traceparent of this call's span (or of the run's caller when telemetry is
    # off), for a tool that calls another service to continue the trace.
    traceparent: str | None = None


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool's outcome. ``content`` is what the model sees (JSON text or plain text).

    On failure ``error`` is set with its ``error_kind``; the model still sees
    ``content`` (an error description) so it can correct itself.
    """

    content: str
    error: str | None = None
    error_kind: ToolErrorKind | None = None
    attempts: int = 1
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"content": self.content, "attempts": self.attempts}
        if self.error is not None:
            d["error"] = self.error
            d["error_kind"] = self.error_kind
        if self.truncated:
            d["truncated"] = True
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ToolResult:
        return cls(
            content=d["content"],
            error=d.get("error"),
            error_kind=d.get("error_kind"),
            attempts=d.get("attempts", 1),
            truncated=d.get("truncated", False),
        )


@runtime_checkable
class Tool(Protocol):
    """A callable tool. ``call`` receives already-validated arguments.

    Raise ``keel.tools.RetryableToolError`` for transient failures (the executor
    retries per ``info.retry``); any other exception is fatal for that call.
    """

    @property
    def info(self) -> ToolInfo: ...

    async def call(self, arguments: dict[str, Any], context: ToolContext) -> Any: ...

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Return the validated arguments, or raise ``ValueError`` saying what is wrong."""
        ...


class RetryableToolError(Exception):
    """Raised by a tool for a transient failure that is worth retrying."""


@runtime_checkable
class ToolSource(Protocol):
    """Lists tools from somewhere (a Python module, an OpenAPI document, an MCP server)."""

    def tools(self) -> list[Tool]: ...
