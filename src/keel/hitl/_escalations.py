"""``Escalations``: the queue of runs handed to a person — list, claim, resolve.

An escalation is ``open`` when its run ends ``escalated``; a person ``claim``s it
(``claimed``, and gets a ``ContinuityToken``), then ``resolve``s it with the token:

* with a ``reply`` and no hand-back, the person answers the user in the same session:
  the reply is recorded as the session's turn (a completed run whose model is
  ``human:<id>``), so the user — and the agent's later turns — see it
  (status ``resolved``);
* with ``hand_back``, the session goes back to the agent, which takes the escalated
  request again now with the person's ``reply`` in its context (status
  ``handed_back``; the new run's id is recorded on the escalation).

Claiming and resolving are conditional updates: of two people, one wins, the other
gets ``CONFLICT``. Every step is in the audit log (kind ``escalation``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, func, insert, select, update

from keel.agent import Agent
from keel.audit.log import AuditLog
from keel.engine.ids import new_run_id
from keel.errors import AuditUnavailable, Conflict, NotFound, UserError
from keel.governance.pii import vault_scope
from keel.governance.policy import Principal
from keel.hitl._bundle import EscalationBundle
from keel.hitl._oversight import Oversight
from keel.store import RunRecord, Store
from keel.store.schema import escalations, runs

EscalationStatus = Literal["open", "claimed", "resolved", "handed_back", "expired"]
ESCALATION_STATUSES: tuple[EscalationStatus, ...] = EscalationStatus.__args__  # type: ignore[attr-defined]
OPEN_STATUSES: tuple[EscalationStatus, ...] = ("open", "claimed")


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    id: str
    run_id: str
    agent: str
    tenant: str | None
    session_id: str | None
    status: EscalationStatus
    reasons: list[str]
    bundle: EscalationBundle
    tier: int
    claimed_by: str | None
    claimed_at: float | None
    resolved_by: str | None
    resolved_at: float | None
    resolution: dict[str, Any] | None
    created_at: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "run_id": self.run_id,
            "agent": self.agent,
            "tenant": self.tenant,
            "session_id": self.session_id,
            "status": self.status,
            "reasons": self.reasons,
            "tier": self.tier,
            "claimed_by": self.claimed_by,
            "claimed_at": self.claimed_at,
            "resolved_by": self.resolved_by,
            "resolved_at": self.resolved_at,
            "resolution": self.resolution,
            "created_at": self.created_at,
            "bundle": self.bundle.to_dict(),
        }


def _record(row: Any) -> EscalationRecord:
    resolution = row["resolution"]
    return EscalationRecord(
        id=row["id"],
        run_id=row["run_id"],
        agent=row["agent"],
        tenant=row["tenant"],
        session_id=row["session_id"],
        status=row["status"],
        reasons=json.loads(row["reasons"]),
        bundle=EscalationBundle.from_dict(json.loads(row["bundle"])),
        tier=row["tier"],
        claimed_by=row["claimed_by"],
        claimed_at=row["claimed_at"],
        resolved_by=row["resolved_by"],
        resolved_at=row["resolved_at"],
        resolution=None if resolution is None else json.loads(resolution),
        created_at=row["created_at"],
    )


class EscalationRepository:
    """The ``escalations`` table (rows are inserted by ``Oversight`` on the run path)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, escalation_id: str) -> EscalationRecord | None:
        q = select(escalations).where(escalations.c.id == escalation_id)
        with self._engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return None if row is None else _record(row)

    def find(self, prefix: str) -> list[EscalationRecord]:
        q = select(escalations).where(escalations.c.id.startswith(prefix, autoescape=True))
        with self._engine.connect() as conn:
            return [_record(r) for r in conn.execute(q.limit(2)).mappings()]

    def for_run(self, run_id: str) -> EscalationRecord | None:
        q = select(escalations).where(escalations.c.run_id == run_id)
        with self._engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return None if row is None else _record(row)

    def recent(
        self,
        *,
        status: EscalationStatus | Literal["active"] | None = "active",
        tenant: str | None = None,
        scoped: bool = False,
        escalation_id: str | None = None,
        limit: int = 100,
    ) -> list[EscalationRecord]:
        """Open and claimed ones oldest first (``active``, the queue), others newest
        first. ``scoped``: only ``tenant``'s (the API's only way to read them)."""
        q = select(escalations).limit(limit)
        if scoped:
            q = q.where(escalations.c.tenant == tenant)
        if escalation_id is not None:
            q = q.where(escalations.c.id == escalation_id)
        elif status == "active":
            q = q.where(escalations.c.status.in_(OPEN_STATUSES))
        elif status is not None:
            q = q.where(escalations.c.status == status)
        order = escalations.c.created_at
        q = q.order_by(order if status == "active" else order.desc())
        with self._engine.connect() as conn:
            return [_record(r) for r in conn.execute(q).mappings()]

    def transition(
        self,
        escalation_id: str,
        *,
        from_: tuple[str, ...],
        values: dict[str, Any],
    ) -> bool:
        """Move an escalation from one of ``from_``; ``False`` if it was in none."""
        q = (
            update(escalations)
            .where(escalations.c.id == escalation_id, escalations.c.status.in_(from_))
            .values(**values)
        )
        with self._engine.begin() as conn:
            return conn.execute(q).rowcount == 1

    def count(self, *, status: str | None = None) -> int:
        q = select(func.count()).select_from(escalations)
        if status is not None:
            q = q.where(escalations.c.status == status)
        with self._engine.connect() as conn:
            return int(conn.execute(q).scalar_one())


# Continues a handed-back session: (agent, the escalated run, the person's note) → run.
Continuation = Callable[[Agent, RunRecord, str], Any]


class Escalations:
    """The escalations of one store. ``tenant`` scopes every read and write to one
    tenant (the API passes the caller's); ``None`` sees all (the CLI, an operator)."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self.repo = EscalationRepository(store.engine)
        self.oversight = Oversight.of(store)
        self._clock = clock

    def list(
        self,
        *,
        status: EscalationStatus | Literal["active"] | None = "active",
        tenant: str | None = None,
        scoped: bool = False,
        limit: int = 100,
    ) -> list[EscalationRecord]:
        return self.repo.recent(status=status, tenant=tenant, scoped=scoped, limit=limit)

    def get(
        self, escalation_id: str, *, tenant: str | None = None, scoped: bool = False
    ) -> EscalationRecord:
        """By id or unique prefix (``scoped``: only within ``tenant``). Raises
        ``NotFound`` — also for another tenant's, so ids cannot be probed."""
        if scoped:
            found = self.repo.recent(
                status=None, tenant=tenant, scoped=True, escalation_id=escalation_id, limit=1
            )
            if not found:
                raise NotFound(f"no escalation {escalation_id!r}")
            return found[0]
        got = self.repo.get(escalation_id)
        if got is not None:
            return got
        matches = self.repo.find(escalation_id) if escalation_id else []
        if not matches:
            raise NotFound(f"no escalation {escalation_id!r}")
        if len(matches) > 1:
            raise UserError(f"{escalation_id!r} matches several escalations; give more characters")
        return matches[0]

    def claim(
        self, escalation_id: str, *, claimer: Principal, scoped: bool = False
    ) -> tuple[EscalationRecord, str]:
        """Take an open escalation (or re-take one's own claim); returns it and a
        continuity token for ``resolve``. Raises ``NotFound``, ``Conflict`` (claimed by
        someone else, or closed), ``AuditUnavailable`` if the claim's audit record
        cannot be stored (the escalation is then open again, and no token is issued)."""
        rec = self.get(escalation_id, tenant=claimer.tenant, scoped=scoped)
        now = self._clock()
        took = self.repo.transition(
            rec.id,
            from_=("open",),
            values={"status": "claimed", "claimed_by": claimer.id, "claimed_at": now},
        )
        if not took:
            current = self.repo.get(rec.id)
            if current is None or current.status != "claimed" or current.claimed_by != claimer.id:
                state = "gone" if current is None else f"{current.status} by {current.claimed_by}"
                raise Conflict(f"escalation {rec.id} is {state}", details={"status": state})
        try:
            AuditLog.of(self._store).append_committed_blocking(
                "escalation",
                {"escalation_id": rec.id, "event": "claimed", "by": claimer.id},
                actor=claimer.id,
                tenant=rec.tenant,
                run_id=rec.run_id,
            )
        except AuditUnavailable as e:
            # Fail closed: a claim the audit log does not hold does not stand.
            if took:
                self.repo.transition(
                    rec.id,
                    from_=("claimed",),
                    values={"status": "open", "claimed_by": None, "claimed_at": None},
                )
            raise AuditUnavailable(
                f"escalation {rec.id} was not claimed: {e.message}; it is still open"
                if took
                else f"escalation {rec.id} was not claimed again: {e.message}"
            ) from e
        token = self.oversight.issue_token(
            rec.id, tenant=rec.tenant, session_id=rec.session_id, now=now
        )
        got = self.repo.get(rec.id)
        assert got is not None
        return got, token

    def token(self, escalation_id: str, *, tenant: str | None, scoped: bool = False) -> str:
        """A fresh continuity token for an escalation that is still open or claimed."""
        rec = self.get(escalation_id, tenant=tenant, scoped=scoped)
        if rec.status not in OPEN_STATUSES:
            raise Conflict(f"escalation {rec.id} is {rec.status}")
        return self.oversight.issue_token(
            rec.id, tenant=rec.tenant, session_id=rec.session_id, now=self._clock()
        )

    async def resolve(
        self,
        token: str,
        *,
        resolver: Principal,
        reply: str | None = None,
        hand_back: bool = False,
        tenant: str | None = None,
        escalation_id: str | None = None,
        continue_with: Continuation | None = None,
        agent: Agent | None = None,
    ) -> tuple[EscalationRecord, RunRecord | None]:
        """Answer the user in the session (``reply``), or hand the session back to the
        agent with ``reply`` as a note in its context (``hand_back``; ``continue_with``
        and the run's ``agent`` then run the agent's next turn now). With ``agent``, a
        governed agent's PII rules mask the reply before it is stored.

        The token must verify for ``tenant`` (the escalation's) and ``escalation_id``
        when given. Returns the escalation and the run that continued the session (the
        human's recorded turn, or the agent's new run). Raises ``InvalidToken``
        (``FORBIDDEN``), ``NotFound``, ``Conflict`` (already resolved), ``UserError``.
        """
        now = self._clock()
        grant = self.oversight.tokens.verify(
            token, now=now, tenant=tenant, escalation_id=escalation_id
        )
        rec = self.repo.get(grant.escalation_id)
        if rec is None or rec.tenant != tenant:
            raise NotFound(f"no escalation {grant.escalation_id!r}")
        if reply is not None and not reply.strip():
            reply = None
        if reply is None and not hand_back:
            raise UserError("resolving needs a reply for the user, or hand_back")
        if hand_back and (continue_with is None) != (agent is None):
            raise UserError("handing back to run now needs both the agent and continue_with")
        status: EscalationStatus = "handed_back" if hand_back else "resolved"
        # What the store keeps of the reply: PII masked for the journal, as the run's
        # agent masks its own answers (the run document shows it masked for ``output``).
        kept = reply
        if reply is not None and agent is not None and agent.governor is not None:
            with vault_scope(rec.tenant):  # tokens belong to the run's tenant
                kept = agent.governor.mask(reply, "journal")
        resolution: dict[str, Any] = {"reply": kept, "hand_back": hand_back, "run_id": None}
        if not self.repo.transition(
            rec.id,
            from_=OPEN_STATUSES,
            values={
                "status": status,
                "resolved_by": resolver.id,
                "resolved_at": now,
                "resolution": json.dumps(resolution, ensure_ascii=False),
            },
        ):
            raise Conflict(f"escalation {rec.id} is already {self.get(rec.id).status}")
        run = self._store.runs.get(rec.run_id)
        continued: RunRecord | None = None
        if run is not None and not hand_back and reply is not None:
            assert kept is not None
            continued = await self._human_turn(run, resolver, kept, now)
        elif run is not None and hand_back and continue_with is not None and agent is not None:
            continued = await continue_with(agent, run, reply or "")
        if continued is not None:
            resolution["run_id"] = continued.id
            with self._store.engine.begin() as conn:
                conn.execute(
                    update(escalations)
                    .where(escalations.c.id == rec.id)
                    .values(resolution=json.dumps(resolution, ensure_ascii=False))
                )
        AuditLog.of(self._store).append(
            "escalation",
            {
                "escalation_id": rec.id,
                "event": status,
                "by": resolver.id,
                "continued_run": None if continued is None else continued.id,
                "waited_s": round(now - rec.created_at, 3),
            },
            actor=resolver.id,
            tenant=rec.tenant,
            run_id=rec.run_id,
        )
        await self._store.writer.flush()
        got = self.repo.get(rec.id)
        assert got is not None
        return got, continued

    async def _human_turn(
        self, run: RunRecord, resolver: Principal, reply: str, now: float
    ) -> RunRecord:
        """The person's answer as a completed turn of the run's session."""
        turn_id = new_run_id()
        row = {
            "id": turn_id,
            "agent": run.agent,
            "agent_version": run.agent_version,
            "agent_hash": run.agent_hash,
            "prompt_version": run.prompt_version,
            "spec_path": run.spec_path,
            "tenant": run.tenant,
            "session_id": run.session_id,
            "status": "completed",
            "input": json.dumps(run.input, ensure_ascii=False),
            "output": json.dumps(reply, ensure_ascii=False),
            "model_used": f"human:{resolver.id}",
            "steps": 0,
            "input_tokens": 0,
            "output_tokens": 0,
            "cost_usd": 0.0,
            "owner": resolver.id,
            "principal": None if run.principal is None else json.dumps(run.principal),
            "created_at": now,
            "updated_at": now,
            "finished_at": now,
            "traceparent": run.traceparent,
        }
        with self._store.engine.begin() as conn:
            conn.execute(insert(runs).values(**row))
        got = self._store.runs.get(turn_id)
        assert got is not None
        return got


def hand_back_with(engine: Any) -> Continuation:
    """The continuation that hands a session back to the agent on ``engine`` (a
    ``LocalEngine``): the escalated request runs again in the same session, as the
    same principal, with the person's note in the model's context."""

    async def go(agent: Agent, run: RunRecord, note: str) -> RunRecord:
        principal = None
        if run.principal is not None:
            p = run.principal
            principal = Principal(p["id"], tuple(p.get("roles", ())), p.get("tenant"))
        rec: RunRecord = await engine.run(
            agent,
            run.input,
            session_id=run.session_id,
            tenant=run.tenant,
            principal=principal,
            human_note=note or "A person reviewed this request; continue.",
        )
        return rec

    return go
