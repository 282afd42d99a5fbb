"""The loop through ``LocalEngine``, in memory and journaled: answers, tool round trips,
tool errors the model can correct, and the consecutive-failure stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.models import Message, ModelRequest, ScriptedModel, ToolCall
from keel.models.scripted import ScriptItem
from keel.store import RunRecord
from keel.tools import ToolContext, tool

Persisted = Callable[[RunRecord], RunRecord]


def tool_messages(request: ModelRequest) -> list[Message]:
    return [m for m in request.messages if m.role == "tool"]


async def test_text_answer_is_recorded_as_returned(
    engine: LocalEngine, persisted: Persisted
) -> None:
    model = ScriptedModel(["Hello there"])
    agent = Agent.define("greeter", model=model, instructions="Be brief.")

    rec = await engine.run(agent, "hi")

    assert rec.status == "completed"
    assert rec.output == "Hello there"
    assert rec.error_code is None
    assert rec.model_used == "scripted:default"
    assert rec.steps == 1
    assert rec.fallbacks == []
    assert rec.flags == []
    assert rec.input_tokens > 0
    assert rec.output_tokens > 0
    assert rec.cost_usd == 0.0
    assert rec.agent_hash == agent.content_hash
    (request,) = model.requests
    assert request.messages == (Message("system", "Be brief."), Message("user", "hi"))
    assert persisted(rec) == rec


async def test_tool_round_trip(engine: LocalEngine, persisted: Persisted) -> None:
    calls: list[str] = []

    @tool(blocking=False)
    def lookup(ticket_id: str) -> dict[str, str]:
        """Look up a ticket."""
        calls.append(ticket_id)
        return {"id": ticket_id, "queue": "network"}

    call = ToolCall("c1", "lookup", {"ticket_id": "T-1"})
    model = ScriptedModel([call, "Routed to network"])
    agent = Agent.define("router", model=model, tools=[lookup])

    rec = await engine.run(agent, "route T-1")

    assert rec.status == "completed"
    assert rec.output == "Routed to network"
    assert rec.steps == 3  # model, tool, model
    assert calls == ["T-1"]
    first, second = model.requests
    assert [d.name for d in first.tools] == ["lookup"]
    assert first.tools[0].parameters["required"] == ["ticket_id"]
    assert second.messages[-2] == Message("assistant", tool_calls=(call,))
    assert second.messages[-1] == Message(
        "tool", '{"id":"T-1","queue":"network"}', tool_call_id="c1", name="lookup"
    )
    assert persisted(rec) == rec


async def test_invalid_arguments_go_back_to_the_model_which_corrects_them(
    engine: LocalEngine,
) -> None:
    calls: list[str] = []

    @tool(blocking=False)
    def lookup(ticket_id: str) -> str:
        """Look up a ticket."""
        calls.append(ticket_id)
        return f"ticket {ticket_id} is open"

    model = ScriptedModel(
        [
            ToolCall("c1", "lookup", {"ticket": 5}),
            ToolCall("c2", "lookup", {"ticket_id": "T-9"}),
            "T-9 is open",
        ]
    )
    agent = Agent.define("router", model=model, tools=[lookup])

    rec = await engine.run(agent, "status of T-9?")

    assert rec.status == "completed"
    assert rec.output == "T-9 is open"
    assert calls == ["T-9"]  # the invalid call never reached the tool
    error = tool_messages(model.requests[1])[-1]
    assert error.tool_call_id == "c1"
    assert "Invalid arguments for tool 'lookup'" in error.content
    assert "ticket_id: missing required argument" in error.content
    assert tool_messages(model.requests[2])[-1].content == "ticket T-9 is open"


async def test_unknown_tool_name_goes_back_as_an_error(engine: LocalEngine) -> None:
    @tool(blocking=False)
    def lookup(ticket_id: str) -> str:
        """Look up a ticket."""
        return "open"

    model = ScriptedModel([ToolCall("c1", "reboot", {"host": "db1"}), "I cannot reboot hosts."])
    agent = Agent.define("router", model=model, tools=[lookup])

    rec = await engine.run(agent, "reboot db1")

    assert rec.status == "completed"
    assert rec.output == "I cannot reboot hosts."
    assert rec.steps == 2  # an unknown tool executes nothing, so it takes no step
    error = tool_messages(model.requests[1])[-1]
    assert error == Message(
        "tool",
        "error: there is no tool named 'reboot'; available tools: lookup",
        tool_call_id="c1",
        name="reboot",
    )
    if engine.store is not None:
        assert [s.kind for s in engine.store.runs.steps(rec.id)] == ["model", "model"]


def always_call(name: str) -> Callable[[ModelRequest], ScriptItem]:
    def script(request: ModelRequest) -> ScriptItem:
        return ToolCall(f"c{len(request.messages)}", name, {})

    return script


async def test_a_tool_failing_three_times_in_a_row_fails_the_run(
    engine: LocalEngine, persisted: Persisted
) -> None:
    attempts: list[int] = []

    @tool(blocking=False)
    def flaky() -> str:
        """Always fails."""
        attempts.append(1)
        raise RuntimeError("backend down")

    model = ScriptedModel(always_call("flaky"))
    agent = Agent.define("ops", model=model, tools=[flaky])

    rec = await engine.run(agent, "go")

    assert rec.status == "failed"
    assert rec.error_code == "TOOL_ERROR"
    assert rec.error_message is not None
    assert "'flaky' failed 3 times in a row" in rec.error_message
    assert "RuntimeError: backend down" in rec.error_message
    assert len(attempts) == 3
    assert len(model.requests) == 3
    # Each failure reached the model, which could have changed course.
    assert tool_messages(model.requests[1])[-1].content == "RuntimeError: backend down"
    assert persisted(rec).error_code == "TOOL_ERROR"


async def test_a_tool_timing_out_three_times_in_a_row_is_tool_timeout(
    engine: LocalEngine,
) -> None:
    @tool(timeout_s=0.05)
    async def slow() -> str:
        """Never answers in time."""
        await asyncio.sleep(30)
        return "late"

    agent = Agent.define("ops", model=ScriptedModel(always_call("slow")), tools=[slow])

    rec = await engine.run(agent, "go")

    assert rec.status == "failed"
    assert rec.error_code == "TOOL_TIMEOUT"
    assert rec.error_message is not None
    assert "did not finish within 0.05s" in rec.error_message


async def test_a_success_resets_the_failure_streak(engine: LocalEngine) -> None:
    outcomes = iter([False, False, True, False, False])

    @tool(blocking=False)
    def sometimes() -> str:
        """Fails unless told otherwise."""
        if not next(outcomes):
            raise RuntimeError("nope")
        return "ok"

    def script(request: ModelRequest) -> ScriptItem:
        if len(tool_messages(request)) < 5:
            return ToolCall(f"c{len(request.messages)}", "sometimes", {})
        return "gave up politely"

    agent = Agent.define("ops", model=ScriptedModel(script), tools=[sometimes])

    rec = await engine.run(agent, "go")

    assert rec.status == "completed"
    assert rec.output == "gave up politely"


async def test_tool_receives_run_context_with_idempotency_key(engine: LocalEngine) -> None:
    seen: list[ToolContext] = []

    @tool(blocking=False)
    def note(text: str, *, context: ToolContext) -> str:
        """Write a note."""
        seen.append(context)
        return "noted"

    model = ScriptedModel([ToolCall("c1", "note", {"text": "x"}), "done"])
    agent = Agent.define("notes", model=model, tools=[note])

    rec = await engine.run(agent, "note x", session_id="s-1", tenant="acme")

    (ctx,) = seen
    assert ctx.run_id == rec.id
    assert ctx.step == 2
    assert ctx.idempotency_key == f"{rec.id}:2"
    assert ctx.agent == "notes"
    assert ctx.session_id == "s-1"
    assert ctx.tenant == "acme"
