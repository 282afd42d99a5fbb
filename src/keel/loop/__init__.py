"""The agent loop, a deterministic function over the ``Effects`` seam."""

from keel.loop.context import estimate_tokens, fit_context
from keel.loop.effects import (
    DEFAULT_APPROVER_ROLES,
    ApprovalDecision,
    ApprovalRequest,
    AwaitingApproval,
    Effects,
)
from keel.loop.run import CONTEXT_TRUNCATED, RunInput, RunOutcome, UsedToday, run_agent

__all__ = [
    "CONTEXT_TRUNCATED",
    "DEFAULT_APPROVER_ROLES",
    "ApprovalDecision",
    "ApprovalRequest",
    "AwaitingApproval",
    "Effects",
    "RunInput",
    "RunOutcome",
    "UsedToday",
    "estimate_tokens",
    "fit_context",
    "run_agent",
]
