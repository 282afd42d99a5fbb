"""Humans in the loop: durable approvals of risky tool calls.

A run whose tool call needs approval stops in ``awaiting_approval`` with one row in
the store's ``approvals`` table — no task, no process memory. ``Approvals`` lists
and decides them; ``LocalEngine.continue_run`` then resumes the run, which replays
its journal and gets the decision from ``Effects.decide``. See docs/hitl.md.
"""

from keel.errors import Forbidden
from keel.hitl._approvals import Approvals, EditRefused
from keel.hitl._records import (
    APPROVAL_STATUSES,
    ApprovalRecord,
    ApprovalRepository,
    ApprovalStatus,
)
from keel.loop.effects import ApprovalDecision, ApprovalRequest, AwaitingApproval

__all__ = [
    "APPROVAL_STATUSES",
    "ApprovalDecision",
    "ApprovalRecord",
    "ApprovalRepository",
    "ApprovalRequest",
    "ApprovalStatus",
    "Approvals",
    "AwaitingApproval",
    "EditRefused",
    "Forbidden",
]
