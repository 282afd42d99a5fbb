"""Approval rows: what the engine writes when a run waits, and how they are read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, func, insert, select, update

from keel.loop.effects import ApprovalDecision, ApprovalRequest
from keel.store.schema import approvals
from keel.store.writer import GroupWriter

ApprovalStatus = Literal["pending", "approved", "rejected"]
APPROVAL_STATUSES: tuple[ApprovalStatus, ...] = ("pending", "approved", "rejected")


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    """One approval as stored. ``arguments`` are masked; ``edited_arguments`` are the
    decider's replacement (approved with edits), passed to the tool as given."""

    id: str
    run_id: str
    step: int
    agent: str
    tenant: str | None
    tool: str
    arguments: dict[str, Any]
    reasons: list[str]
    risk: str
    policy_hash: str
    roles: list[str]
    status: ApprovalStatus
    decider: str | None
    decision_reason: str | None
    edited_arguments: dict[str, Any] | None
    created_at: float
    decided_at: float | None

    @property
    def decision(self) -> ApprovalDecision | None:
        """The decision the run replays; ``None`` while pending."""
        if self.status == "pending":
            return None
        return ApprovalDecision(
            approval_id=self.id,
            outcome=self.status,
            decider=self.decider or "",
            reason=self.decision_reason,
            arguments=self.edited_arguments,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "run_id": self.run_id,
            "step": self.step,
            "agent": self.agent,
            "tenant": self.tenant,
            "tool": self.tool,
            "arguments": self.arguments,
            "reasons": self.reasons,
            "risk": self.risk,
            "policy_hash": self.policy_hash,
            "roles": self.roles,
            "status": self.status,
            "decider": self.decider,
            "decision_reason": self.decision_reason,
            "edited_arguments": self.edited_arguments,
            "created_at": self.created_at,
            "decided_at": self.decided_at,
        }


def _record(row: Any) -> ApprovalRecord:
    edited = row["edited_arguments"]
    return ApprovalRecord(
        id=row["id"],
        run_id=row["run_id"],
        step=row["step"],
        agent=row["agent"],
        tenant=row["tenant"],
        tool=row["tool"],
        arguments=json.loads(row["arguments"]),
        reasons=json.loads(row["reasons"]),
        risk=row["risk"],
        policy_hash=row["policy_hash"],
        roles=json.loads(row["roles"]),
        status=row["status"],
        decider=row["decider"],
        decision_reason=row["decision_reason"],
        edited_arguments=None if edited is None else json.loads(edited),
        created_at=row["created_at"],
        decided_at=row["decided_at"],
    )


class ApprovalRepository:
    """The ``approvals`` table. Inserts go through the store's group writer (on the
    run path); decisions commit on their own connection, atomically, before they
    return."""

    def __init__(self, engine: Engine, writer: GroupWriter) -> None:
        self._engine = engine
        self._writer = writer

    def insert(
        self,
        approval_id: str,
        *,
        run_id: str,
        step: int,
        agent: str,
        tenant: str | None,
        request: ApprovalRequest,
        now: float,
    ) -> None:
        self._writer.submit(
            insert(approvals),
            {
                "id": approval_id,
                "run_id": run_id,
                "step": step,
                "agent": agent,
                "tenant": tenant,
                "tool": request.tool,
                "arguments": json.dumps(dict(request.arguments), ensure_ascii=False),
                "reasons": json.dumps(list(request.reasons), ensure_ascii=False),
                "risk": request.risk,
                "policy_hash": request.policy_hash,
                "roles": json.dumps(list(request.roles)),
                "status": "pending",
                "decider": None,
                "decision_reason": None,
                "edited_arguments": None,
                "created_at": now,
                "decided_at": None,
            },
        )

    def decide(
        self,
        approval_id: str,
        *,
        status: Literal["approved", "rejected"],
        decider: str,
        reason: str | None,
        edited_arguments: Mapping[str, Any] | None,
        now: float,
    ) -> bool:
        """Record a decision on a pending approval; ``False`` if it was not pending."""
        q = (
            update(approvals)
            .where(approvals.c.id == approval_id, approvals.c.status == "pending")
            .values(
                status=status,
                decider=decider,
                decision_reason=reason,
                edited_arguments=None
                if edited_arguments is None
                else json.dumps(dict(edited_arguments), ensure_ascii=False),
                decided_at=now,
            )
        )
        with self._engine.begin() as conn:
            return conn.execute(q).rowcount == 1

    def reject_pending(self, run_id: str, *, decider: str, reason: str, now: float) -> int:
        """Reject every approval of ``run_id`` that is still pending (the run ended
        without them); returns how many."""
        q = (
            update(approvals)
            .where(approvals.c.run_id == run_id, approvals.c.status == "pending")
            .values(
                status="rejected",
                decider=decider,
                decision_reason=reason,
                edited_arguments=None,
                decided_at=now,
            )
        )
        with self._engine.begin() as conn:
            return int(conn.execute(q).rowcount)

    def undecide(self, approval_id: str, *, decider: str, decided_at: float) -> bool:
        """Take back the decision ``decider`` made at ``decided_at`` (its audit record could
        not be stored): pending again. ``False`` if that decision is not the row's."""
        q = (
            update(approvals)
            .where(
                approvals.c.id == approval_id,
                approvals.c.status != "pending",
                approvals.c.decider == decider,
                approvals.c.decided_at == decided_at,
            )
            .values(
                status="pending",
                decider=None,
                decision_reason=None,
                edited_arguments=None,
                decided_at=None,
            )
        )
        with self._engine.begin() as conn:
            return conn.execute(q).rowcount == 1

    def get(self, approval_id: str) -> ApprovalRecord | None:
        q = select(approvals).where(approvals.c.id == approval_id)
        with self._engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return None if row is None else _record(row)

    def find(self, prefix: str) -> list[ApprovalRecord]:
        """Approvals whose id starts with ``prefix`` (at most two: enough to tell)."""
        q = select(approvals).where(approvals.c.id.startswith(prefix, autoescape=True)).limit(2)
        with self._engine.connect() as conn:
            return [_record(r) for r in conn.execute(q).mappings()]

    def for_step(self, run_id: str, step: int) -> ApprovalRecord | None:
        q = select(approvals).where(approvals.c.run_id == run_id, approvals.c.step == step)
        with self._engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return None if row is None else _record(row)

    def for_run(self, run_id: str) -> list[ApprovalRecord]:
        q = select(approvals).where(approvals.c.run_id == run_id).order_by(approvals.c.step)
        with self._engine.connect() as conn:
            return [_record(r) for r in conn.execute(q).mappings()]

    def recent(
        self, *, status: ApprovalStatus | None = "pending", limit: int = 100
    ) -> list[ApprovalRecord]:
        """Oldest first for pending (the queue order), newest first otherwise."""
        q = select(approvals).limit(limit)
        if status is not None:
            q = q.where(approvals.c.status == status)
        order = approvals.c.created_at
        q = q.order_by(order if status == "pending" else order.desc())
        with self._engine.connect() as conn:
            return [_record(r) for r in conn.execute(q).mappings()]

    def in_tenant(
        self,
        tenant: str,
        *,
        status: ApprovalStatus | None = "pending",
        limit: int = 100,
        approval_id: str | None = None,
    ) -> list[ApprovalRecord]:
        """``recent`` within one tenant (the API's only way to read approvals), or the
        one approval ``approval_id`` if it is that tenant's."""
        q = select(approvals).where(approvals.c.tenant == tenant).limit(limit)
        if approval_id is not None:
            q = q.where(approvals.c.id == approval_id)
        elif status is not None:
            q = q.where(approvals.c.status == status)
        order = approvals.c.created_at
        q = q.order_by(order if status == "pending" else order.desc())
        with self._engine.connect() as conn:
            return [_record(r) for r in conn.execute(q).mappings()]

    def count(self, *, status: ApprovalStatus | None = None) -> int:
        q = select(func.count()).select_from(approvals)
        if status is not None:
            q = q.where(approvals.c.status == status)
        with self._engine.connect() as conn:
            return int(conn.execute(q).scalar_one())
