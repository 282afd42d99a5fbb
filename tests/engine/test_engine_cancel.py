"""Cancelling runs: a live run's task, a run waiting for approval, and what refuses."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, Store, ToolCall
from keel.errors import Conflict, NotFound, UserError
from keel.governance.governor import Governor
from keel.governance.policy import ModelCandidate, PolicyDecision, Principal
from keel.hitl import Approvals
from keel.models.base import Message


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store.open(f"sqlite:///{tmp_path / 'keel.db'}")
    yield s
    s.close()


class ApproveEveryTool:
    policy_hash = "sha256:test"

    async def evaluate(self, point: Any, input: Any) -> PolicyDecision:
        result = "require_approval" if point == "tool" else "allow"
        return PolicyDecision(point, result, ("a person decides",), policy_hash=self.policy_hash)


def make_agent(calls: list[float]) -> Agent:
    async def refund(amount: float) -> str:
        """Refund an amount."""
        calls.append(amount)
        return "refunded"

    def script(request: ModelRequest) -> Any:
        if request.messages[-1].role == "user":
            return ToolCall("c1", "refund", {"amount": 800})
        return "done"

    gov = Governor.default(models=[ModelCandidate("scripted:default", ())], hash_key=b"k" * 32)
    gov.policy = ApproveEveryTool()
    return Agent.define("refunds", model=ScriptedModel(script), tools=[refund], governor=gov)


def slow_agent(entered: asyncio.Event) -> Agent:
    async def wait_forever() -> str:
        """Block until cancelled."""
        entered.set()
        await asyncio.sleep(3600)
        return "never"

    def script(request: ModelRequest) -> Any:
        if request.messages[-1].role == "user":
            return ToolCall("c1", "wait_forever", {})
        return "done"

    return Agent.define("slow", model=ScriptedModel(script), tools=[wait_forever])


async def test_cancelling_a_live_run_ends_it_cancelled(store: Store) -> None:
    entered = asyncio.Event()
    engine = LocalEngine(store)
    task = asyncio.create_task(engine.run(slow_agent(entered), "go", run_id="run_cancel_me"))
    await entered.wait()
    assert engine.is_live("run_cancel_me")

    rec = await engine.cancel("run_cancel_me", actor="key:ops")

    assert rec.status == "cancelled"
    assert rec.finished_at is not None
    assert "cancelled" in (rec.error_message or "")
    assert task.cancelled()
    assert not engine.is_live("run_cancel_me")
    # Terminal: a second cancel is a conflict, and nothing resumes it.
    with pytest.raises(Conflict, match="cancelled"):
        await engine.cancel("run_cancel_me", actor="key:ops")
    assert await engine.resume(lambda rec: slow_agent(entered)) == []
    await engine.close()


async def test_cancelling_a_run_waiting_for_approval_rejects_its_approval(store: Store) -> None:
    calls: list[float] = []
    agent = make_agent(calls)
    engine = LocalEngine(store)
    rec = await engine.run(agent, "refund me", principal=Principal("u1", ("admin",)))
    assert rec.status == "awaiting_approval"

    done = await engine.cancel(rec.id, actor="key:ops")

    assert done.status == "cancelled"
    [approval] = Approvals(store).list(status=None)
    assert approval.status == "rejected"
    assert approval.decider == "key:ops"
    assert calls == []
    with pytest.raises(Conflict):
        await engine.continue_run(rec.id, lambda r: agent)
    await engine.close()
    # Its audit trail ends with the decisions it took before it stopped.
    with store.engine.connect() as conn:
        kind, payload = conn.exec_driver_sql(
            "SELECT kind, payload FROM audit_log WHERE run_id = ? ORDER BY id DESC LIMIT 1",
            (rec.id,),
        ).one()
    finished = json.loads(payload)
    assert (kind, finished["status"]) == ("run.finished", "cancelled")
    assert [(d["point"], d["result"]) for d in finished["decisions"]] == [
        (d["point"], d["result"]) for d in rec.decisions
    ]
    assert ("tool", "require_approval") in [(d["point"], d["result"]) for d in rec.decisions]


async def test_cancel_refuses_unknown_and_finished_runs(store: Store) -> None:
    engine = LocalEngine(store)
    agent = Agent.define("quick", model=ScriptedModel(["hi"]))
    rec = await engine.run(agent, "hello")
    with pytest.raises(Conflict, match="completed"):
        await engine.cancel(rec.id, actor="key:ops")
    with pytest.raises(NotFound):
        await engine.cancel("run_nope", actor="key:ops")
    await engine.close()


async def test_an_explicit_history_reaches_the_model(store: Store) -> None:
    seen: list[list[Message]] = []

    def script(request: ModelRequest) -> str:
        seen.append(list(request.messages))
        return "ok"

    agent = Agent.define("chat", model=ScriptedModel(script))
    engine = LocalEngine(store)
    history = [Message("user", "my name is Ada"), Message("assistant", "hello Ada")]
    rec = await engine.run(agent, "what is my name?", history=history, run_id="run_named_1")
    assert rec.id == "run_named_1"
    contents = [m.content for m in seen[0]]
    assert "my name is Ada" in contents
    assert "hello Ada" in contents
    with pytest.raises(UserError, match="not both"):
        await engine.run(agent, "x", history=history, session_id="s1")
    await engine.close()
