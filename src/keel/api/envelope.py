"""The one error envelope and the one table from error codes to HTTP statuses.

Every error the API answers is ``{"error": {"code", "message", "trace_id",
"details"}}`` with a stable code from ``keel.errors``; ``STATUS`` is the only place
that says which HTTP status a code gets (STYLE.md: errors map to HTTP at the edge,
by one table). Routes document the codes they can answer with ``responses(...)``.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel, Field

from keel.errors import ERROR_CODES, ErrorCode

STATUS: Final[dict[ErrorCode, int]] = {
    "INPUT_INVALID": 422,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "POLICY_DENIED": 403,
    "APPROVAL_REJECTED": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "APPROVAL_REQUIRED": 409,
    "ESCALATED": 409,
    "NEEDS_REVIEW": 409,
    "CONTEXT_TRUNCATED": 413,
    "BUDGET_EXCEEDED": 422,
    "OUTPUT_INVALID": 502,
    "TOOL_ERROR": 502,
    "RATE_LIMITED": 429,
    "MODEL_UNAVAILABLE": 503,
    "AGENT_TIMEOUT": 504,
    "TOOL_TIMEOUT": 504,
    "INTERNAL": 500,
}
assert set(STATUS) == set(ERROR_CODES), "every error code needs an HTTP status"

_SUMMARY: Final[dict[int, str]] = {
    401: "No credentials, or unknown, revoked or expired ones",
    403: "Not allowed: a role, a policy or a decider refused",
    404: "Not found (or not this tenant's)",
    409: "Conflict with the resource's state",
    413: "Too large",
    422: "Invalid input: the message says what to fix",
    429: "Rate limited: retry after the Retry-After header's seconds",
    500: "Internal error (a bug: the trace id finds it in the logs)",
    502: "A tool or the model's output failed",
    503: "No model of the agent's chain is available",
    504: "The run or a tool ran out of time",
}


class ErrorBody(BaseModel):
    code: ErrorCode = Field(description="Stable error code (docs/errors.md)")
    message: str = Field(description="What went wrong and what to do about it")
    trace_id: str | None = Field(description="The request's trace id (also in x-trace-id)")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(BaseModel):
    error: ErrorBody


def envelope(
    code: ErrorCode, message: str, trace_id: str | None, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "trace_id": trace_id,
            "details": details or {},
        }
    }


def responses(*codes: ErrorCode) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error codes a route can answer, by status.

    Authentication, rate limiting and invalid input apply to every authenticated
    route and are always included.
    """
    by_status: dict[int, list[str]] = {}
    for code in ("UNAUTHENTICATED", "RATE_LIMITED", "INPUT_INVALID", "INTERNAL", *codes):
        by_status.setdefault(STATUS[code], [])
        if code not in by_status[STATUS[code]]:
            by_status[STATUS[code]].append(code)
    return {
        status: {
            "model": ErrorEnvelope,
            "description": f"{_SUMMARY[status]}. Codes: {', '.join(found)}",
        }
        for status, found in sorted(by_status.items())
    }
