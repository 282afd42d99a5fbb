"""A run whose audit records could not be stored: its outcome does not stand.

Fail closed, as for any governance error: a run must not hand out an answer, or wait
for a person's decision, that the audit log does not hold. Outcomes that hand out
nothing (``failed``, ``needs_review``, ``escalated``: a person answers later) stand;
the missing records are logged, and ``keel audit verify`` names any gap they leave.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from keel.errors import AuditUnavailable
from keel.hitl._records import ApprovalRepository
from keel.loop import RunOutcome
from keel.store import Store

log = logging.getLogger(__name__)


async def unrecorded(
    store: Store,
    approvals: ApprovalRepository | None,
    run_id: str,
    outcome: RunOutcome,
    error: AuditUnavailable,
    values: dict[str, Any],
) -> RunOutcome:
    """The outcome that stands for run ``run_id`` now that ``error`` says its records
    were not stored: a ``completed`` run ends ``failed`` (``INTERNAL``) without its
    answer; one ``awaiting_approval`` ends ``failed`` and its pending approval is
    rejected. ``values`` is the run's row as just written; it is written again."""
    log.error("run %s: %s", run_id, error.message)
    # The cause (the database's words) stays in the log: the run's error is shown to
    # whoever asked for the run.
    if outcome.status == "completed":
        why = "the run's audit records could not be stored, so its answer is withheld"
    elif outcome.status == "awaiting_approval":
        why = "the run's audit records could not be stored, so its approval request was withdrawn"
    else:
        return outcome
    why += "; the server log says why"
    now = values["updated_at"]
    if approvals is not None:
        approvals.reject_pending(
            run_id, decider="keel", reason="the request's audit record could not be stored", now=now
        )
    failed = dataclasses.replace(
        outcome,
        status="failed",
        output=None,
        error_code="INTERNAL",
        error_message=why,
        error_details={},
        approval_id=None,
        approval=None,
    )
    values.update(
        status="failed", output=None, error_code="INTERNAL", error_message=why, finished_at=now
    )
    done = store.runs.finish_run(run_id, values)
    if done is not None:
        await done
    return failed
