"""Keel's exception tree and stable error codes.

Three families, as in ARCHITECTURE.md:

* ``UserError`` — the developer's mistake (a broken spec, an unknown tool reference).
  Raised at load time, never in the middle of a run.
* ``RunError`` — why a run stopped. Each carries a stable ``code`` that the API maps to
  an HTTP status in one table and the CLI maps to an exit code.
* Control-flow signals live next to the code that raises them and are not errors.

Codes are a closed ``Literal`` set: adding one is an API change.
"""

from __future__ import annotations

from typing import Any, Literal

ErrorCode = Literal[
    "AGENT_TIMEOUT",
    "CONTEXT_TRUNCATED",
    "POLICY_DENIED",
    "APPROVAL_REQUIRED",
    "APPROVAL_REJECTED",
    "ESCALATED",
    "TOOL_ERROR",
    "TOOL_TIMEOUT",
    "MODEL_UNAVAILABLE",
    "BUDGET_EXCEEDED",
    "INPUT_INVALID",
    "OUTPUT_INVALID",
    "RATE_LIMITED",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "CONFLICT",
    "INTERNAL",
    "NEEDS_REVIEW",
]

ERROR_CODES: tuple[ErrorCode, ...] = ErrorCode.__args__  # type: ignore[attr-defined]


class KeelError(Exception):
    """Base of every error Keel raises on purpose."""

    code: ErrorCode = "INTERNAL"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class UserError(KeelError):
    """A mistake in how Keel is used: fix the spec, the config or the call."""

    code: ErrorCode = "INPUT_INVALID"


class SpecError(UserError):
    """A spec that cannot be loaded. ``problems`` lists every located problem."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = problems
        super().__init__(
            "\n".join(str(p) for p in problems),
            details={"problems": [p.to_dict() for p in problems]},
        )


class SpecProblem:
    """One problem in a spec file, with the place it was found and what to do about it."""

    __slots__ = ("column", "file", "line", "message")

    def __init__(self, file: str, line: int | None, column: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.message = message

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class ConfigError(UserError):
    """Invalid configuration (``keel.toml``, ``KEEL_*`` variables or flags)."""


class RunError(KeelError):
    """Why a run stopped before producing a valid answer."""


class AgentTimeout(RunError):
    code: ErrorCode = "AGENT_TIMEOUT"


class BudgetExceeded(RunError):
    code: ErrorCode = "BUDGET_EXCEEDED"


class ModelUnavailable(RunError):
    """No model in the chain could answer. ``retryable`` tells wrappers whether to retry."""

    code: ErrorCode = "MODEL_UNAVAILABLE"

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        retry_after_s: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class ToolFailed(RunError):
    code: ErrorCode = "TOOL_ERROR"


class ToolTimedOut(RunError):
    code: ErrorCode = "TOOL_TIMEOUT"


class InputInvalid(RunError):
    code: ErrorCode = "INPUT_INVALID"


class OutputInvalid(RunError):
    code: ErrorCode = "OUTPUT_INVALID"


class RateLimited(RunError):
    code: ErrorCode = "RATE_LIMITED"

    def __init__(
        self, message: str, *, retry_after_s: float = 1.0, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s


class NeedsReview(RunError):
    """A non-idempotent side effect may or may not have happened; a human must decide."""

    code: ErrorCode = "NEEDS_REVIEW"


class AuditUnavailable(RunError):
    """An audit record could not be stored, so what it records does not stand (fail
    closed): the run ends ``failed`` without its answer, the tool is not called, the
    decision is taken back. ``INTERNAL``: the caller cannot fix it; an operator can."""

    code: ErrorCode = "INTERNAL"


class NotFound(KeelError):
    code: ErrorCode = "NOT_FOUND"


class Conflict(KeelError):
    code: ErrorCode = "CONFLICT"


class Unauthenticated(KeelError):
    """No credentials, or credentials that are unknown, revoked, expired or malformed."""

    code: ErrorCode = "UNAUTHENTICATED"


class Forbidden(KeelError):
    """The caller is known but holds none of the roles (or tenant) the operation needs."""

    code: ErrorCode = "FORBIDDEN"


class PolicyDenied(RunError):
    """A policy, guard or content rule refused the request, a tool call or the answer."""

    code: ErrorCode = "POLICY_DENIED"


class Escalated(RunError):
    """Governance handed the run to a human (policy ``escalate``, suspected injection…)."""

    code: ErrorCode = "ESCALATED"


class ApprovalRequired(RunError):
    """A tool call needs a person's approval before it may run."""

    code: ErrorCode = "APPROVAL_REQUIRED"
