"""``Oversight``: what the engine asks after each run, per store.

One per store (``Oversight.of(store)``), configured at the edge (``keel.host``) with
the continuity-token key and the webhook endpoints. After every run the engine calls
``after_run``, which

* turns a run that meets a ``spec.escalation`` trigger into an ``escalated`` one, with
  its ``EscalationBundle`` row, its ``run.escalated`` webhook event and, with
  ``sla_seconds``, an SLA timer;
* starts the SLA timer of a new approval;

and, once the run's records are committed, ``announce``, which queues the webhook
event of its outcome (``approval.requested``, ``run.completed``, ``run.failed``).

With no escalation section and no webhook endpoint both return at once: the run path
pays two attribute reads.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from keel.agent import Agent
from keel.engine.ids import new_id
from keel.hitl._bundle import build_bundle, bundle_json, escalation_reasons
from keel.hitl._tokens import ContinuityToken, ContinuityTokens
from keel.hitl._webhooks import WebhookOutbox
from keel.loop import RunOutcome
from keel.spec.model import EscalationSpec
from keel.store import Store
from keel.store.schema import escalations, sla_timers

if TYPE_CHECKING:
    from keel.audit.run_events import RunAudit

_ALL: weakref.WeakKeyDictionary[Store, Oversight] = weakref.WeakKeyDictionary()
_ALL_LOCK = threading.Lock()

# How long a continuity token stays valid unless configured otherwise: one day.
DEFAULT_TOKEN_TTL_S = 86_400.0


class Oversight:
    """Escalations, SLA timers and webhooks of one store, as the run path sees them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.webhooks = WebhookOutbox(store)
        # A per-process key until the edge configures the persistent one (data dir).
        self.tokens = ContinuityTokens(secrets.token_bytes(32))
        self.token_ttl_s = DEFAULT_TOKEN_TTL_S

    @classmethod
    def of(cls, store: Store) -> Oversight:
        with _ALL_LOCK:
            got = _ALL.get(store)
            if got is None:
                got = _ALL[store] = cls(store)
            return got

    def configure(
        self, *, tokens: ContinuityTokens | None = None, token_ttl_s: float | None = None
    ) -> Oversight:
        if tokens is not None:
            self.tokens = tokens
        if token_ttl_s is not None:
            self.token_ttl_s = token_ttl_s
        return self

    def issue_token(
        self, escalation_id: str, *, tenant: str | None, session_id: str | None, now: float
    ) -> str:
        return self.tokens.issue(
            ContinuityToken(escalation_id, tenant, session_id, now + self.token_ttl_s)
        )

    async def after_run(
        self,
        agent: Agent,
        run_id: str,
        outcome: RunOutcome,
        *,
        tenant: str | None,
        audit: RunAudit | None = None,
        clock: Callable[[], float] = time.time,
    ) -> RunOutcome:
        """The outcome to record: ``escalated`` when a trigger fires, else unchanged.

        An escalation's ``created`` record goes through the run's ``audit`` (when given),
        so that the engine's ``confirm`` covers it."""
        esc = agent.escalation
        if esc is None:
            return outcome
        now = clock()
        if outcome.status == "awaiting_approval" and outcome.approval_id is not None:
            if esc.sla_seconds is not None:
                self._timer("approval", outcome.approval_id, run_id, agent, tenant, esc, now)
            return outcome
        reasons = escalation_reasons(esc, outcome)
        if reasons:
            return await self._escalate(agent, run_id, outcome, reasons, esc, tenant, now, audit)
        return outcome

    def announce(
        self,
        agent: Agent,
        run_id: str,
        outcome: RunOutcome,
        *,
        tenant: str | None,
        session_id: str | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Queue the webhook event of a run's recorded outcome (``approval.requested``,
        ``run.completed``, ``run.failed``): called once its records are committed, so
        that no event announces an outcome that did not stand."""
        hooks = self.webhooks
        if not hooks.endpoints:
            return
        now = clock()
        base = {"run_id": run_id, "agent": agent.name, "agent_version": agent.version}
        if outcome.status == "awaiting_approval":
            if hooks.wants("approval.requested") and outcome.approval is not None:
                data = {**base, "approval_id": outcome.approval_id, **outcome.approval.to_dict()}
                hooks.emit("approval.requested", data, tenant=tenant, now=now)
        elif outcome.status in ("completed", "failed", "needs_review"):
            event = "run.completed" if outcome.status == "completed" else "run.failed"
            if hooks.wants(event):
                data = {
                    **base,
                    "session_id": session_id,
                    "status": outcome.status,
                    "error": None
                    if outcome.error_code is None
                    else {"code": outcome.error_code, "message": outcome.error_message},
                    "steps": outcome.steps,
                    "cost_usd": outcome.cost_usd,
                }
                hooks.emit(event, data, tenant=tenant, now=now)  # type: ignore[arg-type]

    async def _escalate(
        self,
        agent: Agent,
        run_id: str,
        outcome: RunOutcome,
        reasons: list[Any],
        esc: EscalationSpec,
        tenant: str | None,
        now: float,
        audit: RunAudit | None,
    ) -> RunOutcome:
        store = self.store
        # The journal and the run's row (its traceparent, its masked input) first.
        await store.writer.flush()
        run = store.runs.get(run_id)
        if run is None:
            return outcome
        steps = store.runs.steps(run_id)
        earlier = (
            store.runs.session_turns(run.session_id, limit=10, before=run.created_at)
            if run.session_id
            else []
        )
        escalation_id = new_id("esc")
        bundle = build_bundle(
            escalation_id,
            agent=agent,
            run=run,
            outcome=outcome,
            reasons=reasons,
            steps=steps,
            earlier_turns=earlier,
            spec=esc,
            now=now,
        )
        store.writer.submit(
            insert(escalations),
            {
                "id": escalation_id,
                "run_id": run_id,
                "agent": agent.name,
                "tenant": tenant,
                "session_id": run.session_id,
                "status": "open",
                "reasons": json.dumps(list(reasons)),
                "bundle": bundle_json(bundle),
                "tier": 1,
                "created_at": now,
            },
        )
        if esc.sla_seconds is not None:
            self._timer("escalation", escalation_id, run_id, agent, tenant, esc, now)
        created = {
            "escalation_id": escalation_id,
            "event": "created",
            "reasons": list(reasons),
            "error_code": outcome.error_code,
        }
        if audit is not None:
            audit.record("escalation", created)
        else:
            from keel.audit.log import AuditLog

            AuditLog.of(store).append(
                "escalation", created, actor=f"agent:{agent.name}", tenant=tenant, run_id=run_id
            )
        if self.webhooks.wants("run.escalated"):
            token = self.issue_token(
                escalation_id, tenant=tenant, session_id=run.session_id, now=now
            )
            self.webhooks.emit(
                "run.escalated",
                {
                    "escalation_id": escalation_id,
                    "run_id": run_id,
                    "agent": agent.name,
                    "reasons": list(reasons),
                    "continuity_token": token,
                    "bundle": bundle.to_dict(),
                },
                tenant=tenant,
                now=now,
            )
        outcome.status = "escalated"
        outcome.error_message = f"handed to a person ({', '.join(reasons)}): {bundle.summary}"
        if outcome.error_code is None or "low_confidence" in reasons:
            outcome.error_code = "ESCALATED"
        elif outcome.error_code != "ESCALATED":
            outcome.flag(outcome.error_code)
            outcome.error_code = "ESCALATED"
        # A low-confidence answer is a draft for the person (in the bundle), not an answer.
        outcome.output = None
        return outcome

    def _timer(
        self,
        kind: str,
        target_id: str,
        run_id: str,
        agent: Agent,
        tenant: str | None,
        esc: EscalationSpec,
        now: float,
    ) -> None:
        assert esc.sla_seconds is not None
        self.store.writer.submit(
            insert(sla_timers),
            {
                "id": new_id("sla"),
                "kind": kind,
                "target_id": target_id,
                "run_id": run_id,
                "agent": agent.name,
                "tenant": tenant,
                "action": esc.on_breach,
                "deadline": now + esc.sla_seconds,
                "status": "pending",
                "fired_at": None,
                "outcome": None,
                "created_at": now,
            },
        )
