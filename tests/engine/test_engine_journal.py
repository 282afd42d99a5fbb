"""The step journal of a durable run: one row per effect, written at the right moment."""

from __future__ import annotations

import pytest

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.errors import Conflict
from keel.models import ScriptedModel, ToolCall
from keel.store import StepRecord, Store
from keel.tools import ToolContext, tool


def rows(steps: list[StepRecord]) -> list[tuple[int, str, str, str]]:
    return [(s.step, s.kind, s.state, s.name) for s in steps]


async def test_steps_are_journaled_with_their_payloads(store: Store) -> None:
    @tool(blocking=False)
    def create_ticket(summary: str) -> dict[str, str]:
        """Open a ticket."""
        return {"id": "INC-1", "summary": summary}

    call = ToolCall("c1", "create_ticket", {"summary": "VPN drops"})
    agent = Agent.define("desk", model=ScriptedModel([call, "Opened INC-1"]), tools=[create_ticket])

    rec = await LocalEngine(store).run(agent, "my VPN drops")
    steps = store.runs.steps(rec.id)

    assert rows(steps) == [
        (1, "model", "completed", "scripted:default"),
        (2, "tool", "completed", "create_ticket"),
        (3, "model", "completed", "scripted:default"),
    ]
    model_step, tool_step, answer_step = steps
    assert model_step.payload["response"]["message"]["tool_calls"] == [call.to_dict()]
    assert model_step.payload["response"]["model"] == "scripted:default"
    assert tool_step.payload == {
        "call": call.to_dict(),
        "result": {"content": '{"id":"INC-1","summary":"VPN drops"}', "attempts": 1},
    }
    assert answer_step.payload["response"]["message"]["content"] == "Opened INC-1"
    for s in steps:
        assert s.run_id == rec.id
        assert s.finished_at is not None
        assert s.started_at <= s.finished_at


async def test_a_failed_tool_call_is_journaled_with_its_error(store: Store) -> None:
    @tool(blocking=False, idempotent=True)
    def lookup(ticket_id: str) -> str:
        """Look up a ticket."""
        raise LookupError(f"no ticket {ticket_id}")

    model = ScriptedModel([ToolCall("c1", "lookup", {"ticket_id": "T-0"}), "not found"])
    rec = await LocalEngine(store).run(Agent.define("desk", model=model, tools=[lookup]), "T-0?")

    tool_step = store.runs.steps(rec.id)[1]
    assert tool_step.state == "completed"
    assert tool_step.payload["result"] == {
        "content": "LookupError: no ticket T-0",
        "attempts": 1,
        "error": "LookupError: no ticket T-0",
        "error_kind": "fatal",
    }


async def test_non_idempotent_tool_runs_only_after_its_started_row_is_committed(
    store: Store,
) -> None:
    seen: list[list[tuple[int, str, str, str]]] = []

    @tool(idempotent=False)
    def charge(amount: int, context: ToolContext) -> str:
        """Charge a card (a side effect that must be visible if we crash during it)."""
        seen.append(rows(store.runs.steps(context.run_id)))
        return "charged"

    model = ScriptedModel([ToolCall("c1", "charge", {"amount": 5}), "done"])
    await LocalEngine(store).run(Agent.define("pay", model=model, tools=[charge]), "pay")

    assert seen == [
        [(1, "model", "completed", "scripted:default"), (2, "tool", "started", "charge")]
    ]


async def test_idempotent_tool_is_journaled_once_with_its_result(store: Store) -> None:
    seen: list[list[tuple[int, str, str, str]]] = []

    @tool(idempotent=True)
    async def lookup(context: ToolContext) -> str:
        """Look something up (safe to repeat, so no started row is needed)."""
        await store.writer.flush()
        seen.append(rows(store.runs.steps(context.run_id)))
        return "found"

    model = ScriptedModel([ToolCall("c1", "lookup", {}), "done"])
    rec = await LocalEngine(store).run(Agent.define("kb", model=model, tools=[lookup]), "find")

    assert seen == [[(1, "model", "completed", "scripted:default")]]
    assert rows(store.runs.steps(rec.id))[1] == (2, "tool", "completed", "lookup")


async def test_idempotency_key_is_run_id_and_step(store: Store) -> None:
    keys: list[str] = []

    @tool(blocking=False)
    def note(text: str, context: ToolContext) -> str:
        """Write a note."""
        keys.append(context.idempotency_key)
        return "ok"

    model = ScriptedModel(
        [[ToolCall("c1", "note", {"text": "a"}), ToolCall("c2", "note", {"text": "b"})], "done"]
    )
    rec = await LocalEngine(store).run(Agent.define("notes", model=model, tools=[note]), "go")

    assert keys == [f"{rec.id}:2", f"{rec.id}:3"]
    assert [s.step for s in store.runs.steps(rec.id) if s.kind == "tool"] == [2, 3]
    assert rec.steps == 4


async def test_the_returned_record_is_durable(store: Store) -> None:
    agent = Agent.define("desk", model=ScriptedModel(["hi"]))
    engine = LocalEngine(store)

    rec = await engine.run(agent, {"ask": "hello"}, session_id="s-9", tenant="acme")

    # No flush: ``run`` returns only once its outcome is committed.
    assert store.runs.get(rec.id) == rec
    assert rec.owner == engine.owner
    assert store.runs.session_agent("s-9") == ("desk", "acme")


async def test_a_run_that_ends_before_any_commit_writes_its_row_once(store: Store) -> None:
    agent = Agent.define("desk", model=ScriptedModel(["hi"]))
    engine = LocalEngine(store)
    engine.audit = None  # count the run's own rows only

    rec = await engine.run(agent, "hello")

    # One insert of the finished row and the model step, in one commit: the run's end
    # is folded into its queued insert rather than updated after it.
    assert (store.writer.writes, store.writer.commits) == (2, 1)
    assert store.runs.get(rec.id) == rec
    assert rec.status == "completed"
    assert rec.finished_at is not None


async def test_a_run_whose_row_committed_early_is_updated_at_its_end(store: Store) -> None:
    @tool(risk="write", idempotent=False)
    def send(text: str) -> str:
        """Send a message (not safe to repeat: its started row is committed first)."""
        return "sent"

    model = ScriptedModel([ToolCall("c1", "send", {"text": "x"}), "done"])
    engine = LocalEngine(store)

    rec = await engine.run(Agent.define("mail", model=model, tools=[send]), "go")

    assert store.runs.get(rec.id) == rec
    assert (rec.status, rec.output, rec.steps) == ("completed", "done", 3)


async def test_a_run_id_that_exists_is_a_conflict_before_anything_runs(store: Store) -> None:
    calls: list[str] = []

    @tool(blocking=False)
    def create_ticket(summary: str) -> str:
        """Open a ticket."""
        calls.append(summary)
        return "INC-1"

    def agent() -> Agent:
        call = ToolCall("c1", "create_ticket", {"summary": "VPN drops"})
        model = ScriptedModel([call, "Opened INC-1"])
        return Agent.define("desk", model=model, tools=[create_ticket])

    engine = LocalEngine(store)
    first = await engine.run(agent(), "my VPN drops", run_id="run-fixed")
    second_model = agent()
    with pytest.raises(Conflict, match="run-fixed already exists") as raised:
        await engine.run(second_model, "my VPN drops again", run_id="run-fixed")

    assert raised.value.code == "CONFLICT"
    assert store.runs.exists("run-fixed")
    assert not store.runs.exists("run-other")
    assert calls == ["VPN drops"]
    assert second_model.model.calls == 0  # type: ignore[attr-defined]
    again = store.runs.get("run-fixed")
    assert again is not None
    assert (again.input, again.status) == (first.input, first.status)
