"""Humans in the loop: approvals, escalations, continuity tokens, SLA timers, webhooks.

A run whose tool call needs approval stops in ``awaiting_approval`` with one row in
the store's ``approvals`` table — no task, no process memory. ``Approvals`` lists
and decides them; ``LocalEngine.continue_run`` then resumes the run, which replays
its journal and gets the decision from ``Effects.decide``.

A run that meets a ``spec.escalation`` trigger ends ``escalated`` with an
``EscalationBundle``; ``Escalations`` lists, claims and resolves them with a signed
``ContinuityToken``. ``SlaTimers`` fires the durable SLA timers; ``WebhookSender``
delivers the events ``Oversight`` queues in the webhook outbox. See docs/hitl.md.
"""

from keel.errors import Forbidden
from keel.hitl._approvals import Approvals, EditRefused
from keel.hitl._bundle import SUGGESTED_ACTIONS, EscalationBundle, escalation_reasons
from keel.hitl._escalations import (
    ESCALATION_STATUSES,
    EscalationRecord,
    EscalationRepository,
    Escalations,
    EscalationStatus,
    hand_back_with,
)
from keel.hitl._oversight import Oversight
from keel.hitl._records import (
    APPROVAL_STATUSES,
    ApprovalRecord,
    ApprovalRepository,
    ApprovalStatus,
)
from keel.hitl._sla import SlaTimer, SlaTimers
from keel.hitl._tokens import KEY_FILE, ContinuityToken, ContinuityTokens, InvalidToken
from keel.hitl._webhooks import (
    SIGNATURE_HEADER,
    WEBHOOK_EVENTS,
    Delivery,
    WebhookEndpoint,
    WebhookOptions,
    WebhookOutbox,
    WebhookSender,
    render_template,
    sign,
    verify_signature,
)
from keel.loop.effects import ApprovalDecision, ApprovalRequest, AwaitingApproval

__all__ = [
    "APPROVAL_STATUSES",
    "ESCALATION_STATUSES",
    "KEY_FILE",
    "SIGNATURE_HEADER",
    "SUGGESTED_ACTIONS",
    "WEBHOOK_EVENTS",
    "ApprovalDecision",
    "ApprovalRecord",
    "ApprovalRepository",
    "ApprovalRequest",
    "ApprovalStatus",
    "Approvals",
    "AwaitingApproval",
    "ContinuityToken",
    "ContinuityTokens",
    "Delivery",
    "EditRefused",
    "EscalationBundle",
    "EscalationRecord",
    "EscalationRepository",
    "EscalationStatus",
    "Escalations",
    "Forbidden",
    "InvalidToken",
    "Oversight",
    "SlaTimer",
    "SlaTimers",
    "WebhookEndpoint",
    "WebhookOptions",
    "WebhookOutbox",
    "WebhookSender",
    "escalation_reasons",
    "hand_back_with",
    "render_template",
    "sign",
    "verify_signature",
]
