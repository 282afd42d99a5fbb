"""``Approvals``: list, show and decide the tool calls waiting for a person.

Deciding records the decision on the row (atomically: only a pending approval can
be decided, ``Conflict`` otherwise) and in the audit log (kind ``approval``, the
decider as actor). It does not continue the run: that is the engine's
``continue_run``, which replays the run up to the approval and goes on from there.

Approving with edited arguments re-validates them against the tool's schema and
re-checks them with ``policy(tool)`` as the run's principal. A deny or an escalation
refuses the edit; so does a ``require_approval`` with reasons the original request
did not have (an irreversible tool always needs approval, and this approval covers
that; a larger amount than the one asked about is another approval). A refused edit
raises ``EditRefused`` and records nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

from jsonschema import Draft202012Validator

from keel.agent import Agent
from keel.audit.log import AuditLog
from keel.audit.redact import redact
from keel.errors import (
    ApprovalRequired,
    AuditUnavailable,
    Conflict,
    Escalated,
    Forbidden,
    KeelError,
    NotFound,
    PolicyDenied,
    UserError,
)
from keel.governance.governor import RunGovernance
from keel.governance.policy import AgentIdentity, Principal, RunCounters, ToolFacts
from keel.hitl._oversight import Oversight
from keel.hitl._records import ApprovalRecord, ApprovalRepository, ApprovalStatus
from keel.store import Store


class EditRefused(KeelError):
    """Edited arguments that fail the tool's schema or that policy does not allow."""

    code = "POLICY_DENIED"


class Approvals:
    """The approvals of one store. Safe to use from any process sharing the store."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self.repo = ApprovalRepository(store.engine, store.writer)
        self._clock = clock

    def list(
        self, *, status: ApprovalStatus | None = "pending", limit: int = 100
    ) -> list[ApprovalRecord]:
        """Pending approvals oldest first (``status=None``: all, newest first)."""
        return self.repo.recent(status=status, limit=limit)

    def get(self, approval_id: str) -> ApprovalRecord:
        """The approval with this id or unique id prefix. Raises ``NotFound``, or
        ``UserError`` for a prefix that matches several."""
        found = self.repo.get(approval_id)
        if found is not None:
            return found
        matches = self.repo.find(approval_id) if approval_id else []
        if not matches:
            raise NotFound(f"no approval {approval_id!r}")
        if len(matches) > 1:
            raise UserError(f"{approval_id!r} matches several approvals; give more characters")
        return matches[0]

    async def approve(
        self,
        approval_id: str,
        *,
        decider: Principal,
        reason: str | None = None,
        arguments: Mapping[str, Any] | None = None,
        agent: Agent | None = None,
    ) -> ApprovalRecord:
        """Approve; with ``arguments``, the tool runs with those instead (``agent``, the
        run's agent, is then required to check them). Raises ``NotFound``,
        ``Conflict`` (not pending), ``Forbidden``, ``EditRefused``."""
        record = self._pending(approval_id, decider)
        edited = None
        if arguments is not None:
            if agent is None:
                raise UserError("approving with edited arguments needs the run's agent")
            edited = dict(arguments)
            await self._check_edit(record, edited, agent)
        return await self._decide(record, "approved", decider, reason, edited)

    async def reject(self, approval_id: str, *, decider: Principal, reason: str) -> ApprovalRecord:
        """Reject; ``reason`` goes back to the model as the tool's error result.
        Raises ``NotFound``, ``Conflict`` (not pending), ``Forbidden``."""
        if not reason.strip():
            raise UserError("a rejection needs a reason: the model tells the user")
        record = self._pending(approval_id, decider)
        return await self._decide(record, "rejected", decider, reason, None)

    # -- internals ---------------------------------------------------------------------

    def _pending(self, approval_id: str, decider: Principal) -> ApprovalRecord:
        record = self.get(approval_id)
        if record.status != "pending":
            raise Conflict(
                f"approval {record.id} is already {record.status} (by {record.decider})",
                details={"status": record.status},
            )
        if not set(decider.roles) & set(record.roles):
            raise Forbidden(
                f"{decider.id} may not decide approval {record.id}: it needs one of the roles "
                f"{', '.join(record.roles)}"
            )
        return record

    async def _decide(
        self,
        record: ApprovalRecord,
        status: Literal["approved", "rejected"],
        decider: Principal,
        reason: str | None,
        edited: dict[str, Any] | None,
    ) -> ApprovalRecord:
        now = self._clock()
        if not self.repo.decide(
            record.id,
            status=status,
            decider=decider.id,
            reason=reason,
            edited_arguments=edited,
            now=now,
        ):
            raise Conflict(f"approval {record.id} was decided meanwhile")
        payload = {
            "approval_id": record.id,
            "decision": status,
            "decider": decider.id,
            "roles": list(decider.roles),
            "reason": reason,
            "edited_arguments": None if edited is None else redact(edited),
            "step": record.step,
            "tool": record.tool,
            "waited_s": round(now - record.created_at, 3),
        }
        try:
            # Committed before the decider is told (or the run goes on): if it cannot be,
            # the decision is taken back.
            await AuditLog.of(self._store).append_committed(
                "approval", payload, actor=decider.id, tenant=record.tenant, run_id=record.run_id
            )
        except AuditUnavailable as e:
            # Fail closed: a decision the audit log does not hold does not stand.
            self.repo.undecide(record.id, decider=decider.id, decided_at=now)
            raise AuditUnavailable(
                f"approval {record.id} was not decided: {e.message}; it is still pending"
            ) from e
        webhooks = Oversight.of(self._store).webhooks
        if webhooks.wants("approval.decided"):
            webhooks.emit(
                "approval.decided",
                {
                    "approval_id": record.id,
                    "run_id": record.run_id,
                    "agent": record.agent,
                    "tool": record.tool,
                    "decision": status,
                    "decider": decider.id,
                    "reason": reason,
                    "edited": edited is not None,
                    "waited_s": round(now - record.created_at, 3),
                },
                tenant=record.tenant,
                now=now,
            )
        await self._store.writer.flush()  # the webhook's delivery row, if any
        got = self.repo.get(record.id)
        assert got is not None
        return got

    async def _check_edit(self, record: ApprovalRecord, args: dict[str, Any], agent: Agent) -> None:
        tool = agent.tools.get(record.tool)
        if tool is None:
            raise EditRefused(f"agent {agent.name!r} has no tool {record.tool!r} any more")
        info = tool.info
        errors = [e.message for e in Draft202012Validator(info.parameters).iter_errors(args)]
        if errors:
            raise EditRefused(
                f"edited arguments do not match {record.tool}'s schema: " + "; ".join(errors[:5]),
                details={"errors": errors},
            )
        gov = agent.governor
        if gov is None:
            return
        run = self._store.runs.get(record.run_id)
        if run is None:
            raise NotFound(f"run {record.run_id} of approval {record.id} is gone")
        p = run.principal or {"id": "anonymous"}
        who = RunGovernance(
            Principal(p["id"], tuple(p.get("roles", ())), p.get("tenant")),
            AgentIdentity(agent.name, agent.version, agent.content_hash),
        )
        text = run.input if isinstance(run.input, str) else json.dumps(run.input)
        facts = ToolFacts(record.tool, info.risk, info.scopes, args)
        counters = RunCounters(record.step - 1, run.input_tokens + run.output_tokens, run.cost_usd)
        try:
            guarded = await gov.admit(text, who, counters, [])
            decision = await gov.check_tool(who, guarded, counters, facts, [])
        except ApprovalRequired as e:
            reasons = (e.details.get("decision") or {}).get("reasons") or []
            new = [r for r in reasons if r not in record.reasons]
            if new:
                raise EditRefused(
                    "the edited arguments need an approval this one does not cover: "
                    + "; ".join(new)
                ) from None
            return
        except (PolicyDenied, Escalated) as e:
            raise EditRefused(f"policy refuses the edited arguments: {e.message}") from None
        if decision.result == "deny":
            raise EditRefused(
                "policy denies the edited arguments: "
                + ("; ".join(decision.reasons) or "no reason given")
            )
