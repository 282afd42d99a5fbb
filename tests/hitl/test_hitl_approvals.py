"""Approvals through the library: a financial tool over its limit waits; a person
decides (with edits re-checked by policy); the run continues from its journal."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, Store, ToolCall
from keel.audit import AuditLog, verify_log
from keel.errors import Conflict, KeelError, NotFound
from keel.governance.governor import Governor
from keel.governance.policy import ModelCandidate, PolicyDecision, Principal
from keel.hitl import Approvals, EditRefused, Forbidden
from keel.store.runs import RunRecord

APPROVER = Principal("alice", ("approver",))


class LimitPolicy:
    """Refunds up to 500 pass, up to 1000 need approval, above that are denied."""

    policy_hash = "sha256:test"

    async def evaluate(self, point: Any, input: Mapping[str, Any]) -> PolicyDecision:
        if point != "tool":
            return PolicyDecision(point=point, result="allow", policy_hash=self.policy_hash)
        amount = input["tool"]["arguments"].get("amount", 0)
        if amount > 1000:
            reason = f"refund of {amount} is above 1000"
            return PolicyDecision(point, "deny", (reason,), policy_hash=self.policy_hash)
        if amount > 500:
            reason = f"refund of {amount} is above 500"
            return PolicyDecision(
                point, "require_approval", (reason,), policy_hash=self.policy_hash
            )
        return PolicyDecision(point=point, result="allow", policy_hash=self.policy_hash)


def make_agent(calls: list[float]) -> Agent:
    async def refund(amount: float) -> dict[str, float]:
        """Refund an amount to the customer."""
        calls.append(amount)
        return {"refunded": amount}

    def script(request: ModelRequest) -> Any:
        last = request.messages[-1]
        if last.role == "user":
            return ToolCall("c1", "refund", {"amount": 800})
        return f"done: {last.content}"

    gov = Governor.default(models=[ModelCandidate("scripted:default", ())], hash_key=b"k" * 32)
    gov.policy = LimitPolicy()
    gov.fence_tool_results = False
    return Agent.define(
        "refunds", model=ScriptedModel(script), tools=[refund], version="1.0.0", governor=gov
    )


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store.open(f"sqlite:///{tmp_path / 'keel.db'}")
    yield s
    s.close()


async def _waiting(store: Store, agent: Agent) -> tuple[RunRecord, str]:
    engine = LocalEngine(store)
    rec = await engine.run(agent, "refund me", principal=Principal("u1", ("admin",)))
    await engine.close()
    assert rec.status == "awaiting_approval", (rec.error_code, rec.error_message)
    assert rec.error_code == "APPROVAL_REQUIRED"
    [approval] = Approvals(store).list()
    assert approval.run_id == rec.id
    return rec, approval.id


async def test_a_pending_approval_is_a_row_and_the_run_waits(store: Store) -> None:
    calls: list[float] = []
    rec, approval_id = await _waiting(store, make_agent(calls))

    a = Approvals(store).get(approval_id)
    assert (a.tool, a.arguments, a.reasons, a.status) == (
        "refund",
        {"amount": 800},
        ["refund of 800 is above 500"],
        "pending",
    )
    assert a.roles == ["approver", "admin"]
    assert a.policy_hash == "sha256:test"
    assert calls == []
    got = store.runs.get(rec.id)
    assert got is not None
    assert got.status == "awaiting_approval"
    assert got.finished_at is None
    # Not an orphan: resume leaves it alone.
    assert await LocalEngine(store).resume(lambda r: make_agent(calls)) == []


async def test_approve_with_edits_is_rechecked_by_policy(store: Store) -> None:
    calls: list[float] = []
    agent = make_agent(calls)
    rec, approval_id = await _waiting(store, agent)
    approvals = Approvals(store)

    with pytest.raises(EditRefused, match="policy denies the edited arguments: refund of 5000"):
        await approvals.approve(
            approval_id, decider=APPROVER, arguments={"amount": 5000}, agent=agent
        )
    with pytest.raises(EditRefused, match="does not cover: refund of 900 is above 500"):
        await approvals.approve(
            approval_id, decider=APPROVER, arguments={"amount": 900}, agent=agent
        )
    with pytest.raises(EditRefused, match="schema"):
        await approvals.approve(
            approval_id, decider=APPROVER, arguments={"amount": "x"}, agent=agent
        )
    assert approvals.get(approval_id).status == "pending"  # nothing recorded

    decided = await approvals.approve(
        approval_id, decider=APPROVER, arguments={"amount": 300}, agent=agent, reason="cap it"
    )
    assert (decided.status, decided.decider, decided.edited_arguments) == (
        "approved",
        "alice",
        {"amount": 300},
    )
    done = await LocalEngine(store).continue_run(rec.id, lambda r: agent)
    assert done.status == "completed", done.error_message
    assert calls == [300]
    assert '"refunded":300' in done.output


async def test_reject_tells_the_model_and_the_run_completes(store: Store) -> None:
    calls: list[float] = []
    agent = make_agent(calls)
    rec, approval_id = await _waiting(store, agent)

    await Approvals(store).reject(approval_id, decider=APPROVER, reason="over budget")
    done = await LocalEngine(store).continue_run(rec.id, lambda r: agent)

    assert done.status == "completed"
    assert calls == []
    assert "over budget" in done.output
    assert "APPROVAL_REJECTED" in done.output
    assert "APPROVAL_REJECTED" in done.flags


async def test_decisions_conflict_not_found_and_roles(store: Store) -> None:
    calls: list[float] = []
    agent = make_agent(calls)
    rec, approval_id = await _waiting(store, agent)
    approvals = Approvals(store)

    with pytest.raises(Forbidden):
        await approvals.approve(approval_id, decider=Principal("bob", ("employee",)))
    with pytest.raises(NotFound):
        await approvals.approve("apr_nope", decider=APPROVER)
    with pytest.raises(Conflict, match="still waits"):
        await LocalEngine(store).continue_run(rec.id, lambda r: agent)
    await approvals.approve(approval_id, decider=APPROVER)
    with pytest.raises(Conflict, match="already approved"):
        await approvals.reject(approval_id, decider=APPROVER, reason="late")

    done = await LocalEngine(store).continue_run(rec.id, lambda r: agent)
    assert done.status == "completed"
    assert calls == [800]
    with pytest.raises(Conflict, match="not awaiting approval"):
        await LocalEngine(store).continue_run(rec.id, lambda r: agent)
    # The journal holds the decision as a completed step, between lookup and tool.
    kinds = [(s.step, s.kind, s.state) for s in store.runs.steps(rec.id)]
    assert kinds == [
        (1, "model", "completed"),
        (2, "approval", "completed"),
        (3, "tool", "completed"),
        (4, "model", "completed"),
    ]
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT actor, payload FROM audit_log WHERE kind = 'approval' ORDER BY id"
        ).all()
    events = [
        (actor, json.loads(p).get("event"), json.loads(p).get("decision")) for actor, p in rows
    ]
    assert events == [("agent:refunds", "requested", None), ("alice", None, "approved")]


async def test_without_a_store_approval_fails_the_run_as_before() -> None:
    rec = await LocalEngine().run(make_agent([]), "refund me", principal=APPROVER)
    assert (rec.status, rec.error_code) == ("failed", "APPROVAL_REQUIRED")


def test_two_runs_waiting_hold_rows_not_tasks(store: Store) -> None:
    async def main() -> int:
        engine = LocalEngine(store)
        for _ in range(20):
            await engine.run(make_agent([]), "refund me")
        await engine.close()
        return len(asyncio.all_tasks())

    assert asyncio.run(main()) == 1
    assert Approvals(store).repo.count(status="pending") == 20


async def test_a_decision_whose_audit_record_cannot_be_stored_does_not_stand(
    store: Store, tmp_path: Path
) -> None:
    calls: list[float] = []
    agent = make_agent(calls)
    rec, approval_id = await _waiting(store, agent)
    approvals = Approvals(store)
    conn = sqlite3.connect(tmp_path / "keel.db")
    conn.execute(
        "create trigger refuse before insert on audit_log "
        "when new.kind = 'approval' and new.payload like '%\"decision\"%' "
        "begin select raise(abort, 'no room for it'); end"
    )
    conn.commit()

    with pytest.raises(KeelError, match=r"was not decided: .*no room for it.*still pending"):
        await approvals.approve(approval_id, decider=APPROVER, agent=agent)
    assert approvals.get(approval_id).status == "pending"
    waiting = store.runs.get(rec.id)
    assert waiting is not None
    assert waiting.status == "awaiting_approval"
    assert calls == []

    conn.execute("drop trigger refuse")
    conn.commit()
    conn.close()
    await approvals.approve(approval_id, decider=APPROVER, agent=agent)
    done = await LocalEngine(store).continue_run(rec.id, lambda r: agent)
    assert done.status == "completed"
    assert calls == [800]
    log = AuditLog.of(store)
    report = verify_log(store.engine, public_key=log.public_key())
    assert report.ok, report.problems
