"""Approvals: list, get, decide (the run then continues in this server)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from keel.api.deps import ApprovalReader, Approver, Service
from keel.api.envelope import responses
from keel.api.schemas import ApprovalDecide, ApprovalDecided, ApprovalView, RunView
from keel.errors import NotFound, UserError
from keel.governance.policy import Principal
from keel.hitl import ApprovalRecord

router = APIRouter(prefix="/v1/approvals", tags=["approvals"])


def _approval(svc: Service, who: Principal, approval_id: str) -> ApprovalRecord:
    assert who.tenant is not None
    found = svc.approvals.repo.in_tenant(who.tenant, approval_id=approval_id, limit=1)
    if not found:
        raise NotFound(f"no approval {approval_id!r}")
    return found[0]


@router.get("", responses=responses("FORBIDDEN"))
def list_approvals(
    svc: Service,
    who: ApprovalReader,
    status: Literal["pending", "approved", "rejected", "all"] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ApprovalView]:
    """Pending approvals oldest first (the queue); decided ones newest first."""
    assert who.tenant is not None
    found = svc.approvals.repo.in_tenant(
        who.tenant, status=None if status == "all" else status, limit=limit
    )
    return [ApprovalView.of(a) for a in found]


@router.get("/{approval_id}", responses=responses("FORBIDDEN", "NOT_FOUND"))
def get_approval(approval_id: str, svc: Service, who: ApprovalReader) -> ApprovalView:
    return ApprovalView.of(_approval(svc, who, approval_id))


@router.post(
    "/{approval_id}/decision",
    responses=responses("FORBIDDEN", "NOT_FOUND", "CONFLICT", "POLICY_DENIED"),
)
async def decide(
    approval_id: str, body: ApprovalDecide, svc: Service, who: Approver
) -> ApprovalDecided:
    """Approve (optionally with edited arguments, re-validated and re-checked by
    policy) or reject (with a reason the model sees); the run then continues and the
    answer carries its new state. The decider must hold one of the approval's roles."""
    record = _approval(svc, who, approval_id)
    if body.decision == "approve":
        agent = None
        if body.arguments is not None:
            run = svc.run_or_404(who, record.run_id)
            agent = svc.load_for_run(run)
        decided = await svc.approvals.approve(
            record.id, decider=who, reason=body.reason, arguments=body.arguments, agent=agent
        )
    else:
        if not body.reason or not body.reason.strip():
            raise UserError("a rejection needs a reason: the model is told why")
        decided = await svc.approvals.reject(record.id, decider=who, reason=body.reason)
    run = await svc.engine.continue_run(decided.run_id, svc.load_for_run)
    return ApprovalDecided(approval=ApprovalView.of(decided), run=RunView.of(run))
