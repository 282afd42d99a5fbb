"""SLA timers: a person must answer an approval or escalation within
``spec.escalation.sla_seconds``; on breach, the spec's ``on_breach`` runs.

Timers are rows (``sla_timers``), written when the approval or escalation is, so
they survive restarts: ``SlaTimers`` — an asyncio service ``keel serve`` starts, and
usable from Python — sleeps until the earliest deadline (at most ``poll_s``, so
timers written by other processes are seen) and fires what is due. A timer fires
once: the move out of ``pending`` is a conditional update.

At its deadline a timer whose approval was decided (or escalation taken up) is
``met``; otherwise it is ``breached``: recorded (``fired_at``, the action's
``outcome``), audited (kind ``escalation``, event ``sla.breached``), sent as the
``sla.breached`` webhook, and the action runs:

==================  =================================================================
``on_breach``       approval                             escalation
==================  =================================================================
(none)              recorded and notified only            recorded and notified only
notify_next_tier    ``sla.breached`` names tier 2         the escalation's ``tier`` + 1
auto_reject         rejected; the run continues           ``expired``
fallback_rules      rejected; the run continues on the    ``expired``; the agent's rules
                    agent's ``rules`` model               model answers in the session
==================  =================================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from keel.agent import Agent
from keel.audit.log import AuditLog
from keel.governance.policy import Principal
from keel.hitl._approvals import Approvals
from keel.hitl._escalations import OPEN_STATUSES, EscalationRepository
from keel.hitl._oversight import Oversight
from keel.models.fallback import FallbackModel
from keel.models.rules import RulesModel
from keel.store import RunRecord, Store
from keel.store.schema import sla_timers

log = logging.getLogger(__name__)

AgentLoader = Callable[[RunRecord], Agent]


@dataclass(frozen=True, slots=True)
class SlaTimer:
    id: str
    kind: str
    target_id: str
    run_id: str
    agent: str
    tenant: str | None
    action: str | None
    deadline: float
    status: str
    fired_at: float | None
    outcome: str | None
    created_at: float

    @property
    def delay_s(self) -> float | None:
        """How late it fired after its deadline."""
        return None if self.fired_at is None else self.fired_at - self.deadline


def _timer(row: Any) -> SlaTimer:
    return SlaTimer(**{k: row[k] for k in SlaTimer.__dataclass_fields__})


class SlaTimers:
    """Fires the SLA timers of one store. ``engine`` and ``load_agent`` let breach
    actions continue runs (auto-reject, fallback); without them those actions record
    the breach and reject, and the run continues when someone calls ``continue_run``.
    """

    def __init__(
        self,
        store: Store,
        *,
        engine: Any = None,
        load_agent: AgentLoader | None = None,
        poll_s: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.engine = engine
        self.load_agent = load_agent
        self._poll_s = poll_s
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    # -- service -------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="keel-sla-timers")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def wake(self) -> None:
        """Look again now (a timer was just created in this process)."""
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                await self.fire_due()
                nxt = await asyncio.to_thread(self.next_deadline)
            except Exception:  # one bad timer must not stop the others
                log.exception("SLA timer round failed")
                nxt = None
            wait = self._poll_s
            if nxt is not None:
                wait = min(wait, max(0.0, nxt - self._clock()))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    # -- reading -------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        q = select(func.min(sla_timers.c.deadline)).where(sla_timers.c.status == "pending")
        with self.store.engine.connect() as conn:
            value = conn.execute(q).scalar()
        return None if value is None else float(value)

    def get(self, timer_id: str) -> SlaTimer | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(sla_timers).where(sla_timers.c.id == timer_id)).mappings()
            first = row.first()
        return None if first is None else _timer(first)

    def timers(
        self, *, status: str | None = None, target_id: str | None = None, limit: int = 1000
    ) -> list[SlaTimer]:
        q = select(sla_timers).order_by(sla_timers.c.deadline).limit(limit)
        if status is not None:
            q = q.where(sla_timers.c.status == status)
        if target_id is not None:
            q = q.where(sla_timers.c.target_id == target_id)
        with self.store.engine.connect() as conn:
            return [_timer(r) for r in conn.execute(q).mappings()]

    def breach_counts(self) -> dict[str, int]:
        """Breached timers per agent (for the KPI report)."""
        q = (
            select(sla_timers.c.agent, func.count())
            .where(sla_timers.c.status == "breached")
            .group_by(sla_timers.c.agent)
        )
        with self.store.engine.connect() as conn:
            return {agent: int(n) for agent, n in conn.execute(q).all()}

    # -- firing --------------------------------------------------------------------------

    async def fire_due(self) -> list[SlaTimer]:
        """Fire every timer whose deadline has passed; returns them as fired."""
        now = self._clock()
        q = (
            select(sla_timers)
            .where(sla_timers.c.status == "pending", sla_timers.c.deadline <= now)
            .order_by(sla_timers.c.deadline)
            .limit(500)
        )
        with self.store.engine.connect() as conn:
            due = [_timer(r) for r in conn.execute(q).mappings()]
        fired = []
        for t in due:
            got = await self._fire(t)
            if got is not None:
                fired.append(got)
        return fired

    async def _fire(self, t: SlaTimer) -> SlaTimer | None:
        now = self._clock()
        answered = self._answered(t)
        status = "met" if answered else "breached"
        q = (
            update(sla_timers)
            .where(sla_timers.c.id == t.id, sla_timers.c.status == "pending")
            .values(status=status, fired_at=now)
        )
        with self.store.engine.begin() as conn:
            if conn.execute(q).rowcount != 1:
                return None  # another process fired it
        if answered:
            return dataclasses.replace(t, status=status, fired_at=now)
        sla_s = round(t.deadline - t.created_at, 3)
        telemetry = getattr(self.engine, "telemetry", None)
        if telemetry is not None:
            telemetry.metrics.sla_breach(agent=t.agent, kind=t.kind)
        AuditLog.of(self.store).append(
            "escalation",
            {
                "event": "sla.breached",
                "timer_id": t.id,
                "kind": t.kind,
                "target_id": t.target_id,
                "sla_s": sla_s,
                "action": t.action,
            },
            actor="keel:sla",
            tenant=t.tenant,
            run_id=t.run_id,
        )
        try:
            outcome = await self._act(t, sla_s)
        except Exception as e:  # recorded on the timer; the breach itself stands
            log.exception("SLA breach action %s of timer %s failed", t.action, t.id)
            outcome = f"action {t.action} failed: {type(e).__name__}: {e}"[:500]
        Oversight.of(self.store).webhooks.emit(
            "sla.breached",
            {
                "timer_id": t.id,
                "kind": t.kind,
                "target_id": t.target_id,
                "run_id": t.run_id,
                "agent": t.agent,
                "sla_s": sla_s,
                "deadline": t.deadline,
                "action": t.action,
                "tier": 2 if t.action == "notify_next_tier" else 1,
                "outcome": outcome,
            },
            tenant=t.tenant,
            now=now,
        )
        with self.store.engine.begin() as conn:
            conn.execute(update(sla_timers).where(sla_timers.c.id == t.id).values(outcome=outcome))
        return dataclasses.replace(t, status=status, fired_at=now, outcome=outcome)

    def _answered(self, t: SlaTimer) -> bool:
        if t.kind == "approval":
            a = Approvals(self.store).repo.get(t.target_id)
            return a is None or a.status != "pending"
        e = EscalationRepository(self.store.engine).get(t.target_id)
        return e is None or e.status not in OPEN_STATUSES or e.claimed_by is not None

    async def _act(self, t: SlaTimer, sla_s: float) -> str:
        if t.kind == "approval":
            return await self._act_on_approval(t, sla_s)
        return await self._act_on_escalation(t)

    async def _act_on_approval(self, t: SlaTimer, sla_s: float) -> str:
        if t.action in (None, "notify_next_tier"):
            return "notified tier 2" if t.action else "recorded"
        approvals = Approvals(self.store, clock=self._clock)
        record = approvals.repo.get(t.target_id)
        assert record is not None
        fallback = t.action == "fallback_rules"
        reason = f"no decision within the {sla_s:g}s SLA" + (
            "; the rule-based workflow answers instead" if fallback else ""
        )
        sla = Principal("keel:sla", tuple(record.roles), record.tenant)
        await approvals.reject(record.id, decider=sla, reason=reason)
        if self.engine is None or self.load_agent is None:
            return "rejected; the run continues when continued"
        load = self.load_agent
        if fallback:
            rules = _rules_loader(load)
            if rules is None:
                return "rejected"
            load = rules
        rec = await self.engine.continue_run(t.run_id, load)
        return f"rejected; run continued: {rec.status}"

    async def _act_on_escalation(self, t: SlaTimer) -> str:
        repo = EscalationRepository(self.store.engine)
        if t.action in (None, "notify_next_tier"):
            if t.action is None:
                return "recorded"
            e = repo.get(t.target_id)
            tier = (e.tier if e is not None else 1) + 1
            repo.transition(t.target_id, from_=OPEN_STATUSES, values={"tier": tier})
            return f"notified tier {tier}"
        now = self._clock()
        resolution: dict[str, Any] = {"reply": None, "hand_back": False, "run_id": None}
        if not repo.transition(
            t.target_id,
            from_=OPEN_STATUSES,
            values={
                "status": "expired",
                "resolved_by": "keel:sla",
                "resolved_at": now,
                "resolution": json.dumps(resolution),
            },
        ):
            return "already taken up"
        if t.action == "auto_reject" or self.engine is None or self.load_agent is None:
            return "expired"
        run = self.store.runs.get(t.run_id)
        if run is None:
            return "expired; run gone"
        agent = _on_rules(self.load_agent(run))
        if agent is None:
            return "expired; the agent has no rules model"
        principal = None
        if run.principal is not None:
            p = run.principal
            principal = Principal(p["id"], tuple(p.get("roles", ())), p.get("tenant"))
        new = await self.engine.run(
            agent,
            run.input,
            session_id=run.session_id,
            tenant=run.tenant,
            principal=principal,
            human_note="No person answered in time; answer with the rule-based workflow.",
        )
        resolution["run_id"] = new.id
        with self.store.engine.begin() as conn:
            from keel.store.schema import escalations

            conn.execute(
                update(escalations)
                .where(escalations.c.id == t.target_id)
                .values(resolution=json.dumps(resolution))
            )
        return f"expired; rules answered in run {new.id}: {new.status}"


def _on_rules(agent: Agent) -> Agent | None:
    """``agent`` with its model chain cut to its rule-based model, if it has one."""
    model = agent.model
    candidates = model.models if isinstance(model, FallbackModel) else (model,)
    rules = next((m for m in candidates if isinstance(m, RulesModel)), None)
    if rules is None:
        return None
    return dataclasses.replace(agent, model=rules)


def _rules_loader(load: AgentLoader) -> AgentLoader | None:
    def loaded(rec: RunRecord) -> Agent:
        agent = load(rec)
        return _on_rules(agent) or agent

    return loaded
