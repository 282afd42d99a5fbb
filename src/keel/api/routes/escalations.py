"""Escalations: list, get, claim (get a continuity token), resolve with the token.

Every query is scoped to the caller's tenant in the store (``Escalations`` with
``scoped=True``): another tenant's escalation is simply not found.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from keel.api.deps import ApprovalReader, Service, role
from keel.api.envelope import responses
from keel.api.run_output import view
from keel.api.schemas import RunView
from keel.errors import NotFound
from keel.governance.policy import Principal
from keel.hitl import EscalationRecord, Escalations, hand_back_with

router = APIRouter(prefix="/v1/escalations", tags=["escalations"])

# Who takes escalations over: the people who decide approvals, and operators.
Handler = Annotated[Principal, Depends(role("approver", "operator"))]


class EscalationView(BaseModel):
    escalation_id: str
    run_id: str
    agent: str
    session_id: str | None
    status: Literal["open", "claimed", "resolved", "handed_back", "expired"]
    reasons: list[str] = Field(description="Reason codes (docs/hitl.md#triggers)")
    tier: int
    claimed_by: str | None
    resolved_by: str | None
    resolution: dict[str, Any] | None
    created_at: float
    claimed_at: float | None
    resolved_at: float | None
    bundle: dict[str, Any] = Field(description="The EscalationBundle, masked")

    @classmethod
    def of(cls, e: EscalationRecord) -> EscalationView:
        return cls(
            escalation_id=e.id,
            run_id=e.run_id,
            agent=e.agent,
            session_id=e.session_id,
            status=e.status,
            reasons=list(e.reasons),
            tier=e.tier,
            claimed_by=e.claimed_by,
            resolved_by=e.resolved_by,
            resolution=e.resolution,
            created_at=e.created_at,
            claimed_at=e.claimed_at,
            resolved_at=e.resolved_at,
            bundle=e.bundle.to_dict(),
        )


class EscalationClaimed(BaseModel):
    escalation: EscalationView
    continuity_token: str = Field(description="Signed, expiring; resolve needs it")


class EscalationResolve(BaseModel):
    model_config = ConfigDict(extra="forbid")
    continuity_token: str = Field(max_length=4096)
    reply: str | None = Field(
        default=None,
        max_length=20_000,
        description="To the user (recorded as the session's turn); with hand_back, a note "
        "the agent reads",
    )
    hand_back: bool = Field(
        default=False, description="Give the session back to the agent, which answers now"
    )


class EscalationResolved(BaseModel):
    escalation: EscalationView
    run: RunView | None = Field(description="The session's continuing run, if any")


def _escalations(svc: Service) -> Escalations:
    return Escalations(svc.store)


@router.get("", responses=responses("FORBIDDEN"))
def list_escalations(
    svc: Service,
    who: ApprovalReader,
    status: Literal["active", "open", "claimed", "resolved", "handed_back", "expired", "all"] = (
        "active"
    ),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EscalationView]:
    """Open and claimed escalations oldest first (the queue); others newest first."""
    found = _escalations(svc).list(
        status=None if status == "all" else status, tenant=who.tenant, scoped=True, limit=limit
    )
    return [EscalationView.of(e) for e in found]


@router.get("/{escalation_id}", responses=responses("FORBIDDEN", "NOT_FOUND"))
def get_escalation(escalation_id: str, svc: Service, who: ApprovalReader) -> EscalationView:
    return EscalationView.of(_escalations(svc).get(escalation_id, tenant=who.tenant, scoped=True))


@router.post("/{escalation_id}/claim", responses=responses("FORBIDDEN", "NOT_FOUND", "CONFLICT"))
def claim(escalation_id: str, svc: Service, who: Handler) -> EscalationClaimed:
    """Take an escalation; the answer carries the continuity token that resolves it."""
    record, token = _escalations(svc).claim(escalation_id, claimer=who, scoped=True)
    return EscalationClaimed(escalation=EscalationView.of(record), continuity_token=token)


@router.post("/{escalation_id}/resolve", responses=responses("FORBIDDEN", "NOT_FOUND", "CONFLICT"))
async def resolve(
    escalation_id: str, body: EscalationResolve, svc: Service, who: Handler
) -> EscalationResolved:
    """Reply to the user in the session, or hand the session back to the agent (which
    answers now, with the reply in its context). The token must be this escalation's
    and this tenant's, and unexpired."""
    escalations = _escalations(svc)
    record = escalations.get(escalation_id, tenant=who.tenant, scoped=True)
    # The run's agent: it answers a hand-back, and its PII rules mask a reply before
    # the reply is stored.
    run = svc.tenant(who).run(record.run_id)
    if run is None and body.hand_back:
        raise NotFound(f"run {record.run_id} is gone")
    agent = None if run is None else svc.load_for_run(run)
    done, run = await escalations.resolve(
        body.continuity_token,
        resolver=who,
        reply=body.reply,
        hand_back=body.hand_back,
        tenant=who.tenant,
        escalation_id=record.id,
        continue_with=hand_back_with(svc.engine) if body.hand_back else None,
        agent=agent,
    )
    return EscalationResolved(
        escalation=EscalationView.of(done), run=None if run is None else view(svc.registry, run)
    )
