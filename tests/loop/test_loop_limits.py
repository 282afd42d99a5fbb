"""Bounds of a run and their stable codes: steps, tokens, cost, wall time, payload and
context sizes (truncation is flagged ``CONTEXT_TRUNCATED``, never silent)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.loop.context import SHORTENED_TOOL_RESULT_BYTES
from keel.models import Message, ModelRequest, ModelResponse, ScriptedModel, ToolCall, Usage
from keel.models.scripted import ScriptItem
from keel.spec.model import Limits
from keel.store import RunRecord
from keel.tools import tool

Persisted = Callable[[RunRecord], RunRecord]


@tool(blocking=False, idempotent=True)
def ping() -> str:
    """Answer pong."""
    return "pong"


def keep_calling(request: ModelRequest) -> ScriptItem:
    return ToolCall(f"c{len(request.messages)}", "ping", {})


def priced(item: str | ToolCall, cost: float | None) -> ModelResponse:
    message = (
        Message("assistant", item)
        if isinstance(item, str)
        else Message("assistant", tool_calls=(item,))
    )
    return ModelResponse(message, model="openai:gpt-test", usage=Usage(10, 5), cost_usd=cost)


async def test_max_steps_is_budget_exceeded(engine: LocalEngine, persisted: Persisted) -> None:
    model = ScriptedModel(keep_calling)
    agent = Agent.define("loopy", model=model, tools=[ping], limits=Limits(max_steps=2))

    rec = await engine.run(agent, "go")

    assert rec.status == "failed"
    assert rec.error_code == "BUDGET_EXCEEDED"
    assert rec.error_message is not None
    assert "max_steps" in rec.error_message
    assert len(model.requests) == 2
    assert persisted(rec).error_code == "BUDGET_EXCEEDED"


async def test_max_tokens_is_budget_exceeded(engine: LocalEngine) -> None:
    model = ScriptedModel(["a long answer"], usage=Usage(600, 500))
    agent = Agent.define("wordy", model=model, limits=Limits(max_tokens=1000))

    rec = await engine.run(agent, "go")

    assert rec.status == "failed"
    assert rec.error_code == "BUDGET_EXCEEDED"
    assert rec.error_message is not None
    assert "1100 tokens" in rec.error_message
    assert rec.output is None
    assert (rec.input_tokens, rec.output_tokens) == (600, 500)


async def test_max_cost_is_budget_exceeded(engine: LocalEngine) -> None:
    model = ScriptedModel(
        [priced(ToolCall("c1", "ping", {}), 0.3), priced("done", 0.3), priced("never", 0.0)]
    )
    agent = Agent.define("spendy", model=model, tools=[ping], limits=Limits(max_cost_usd=0.5))

    rec = await engine.run(agent, "go")

    assert rec.status == "failed"
    assert rec.error_code == "BUDGET_EXCEEDED"
    assert rec.error_message is not None
    assert "max_cost_usd" in rec.error_message
    assert rec.cost_usd == pytest.approx(0.6)
    assert len(model.requests) == 2


async def test_under_the_cost_budget_the_run_completes_with_its_cost(
    engine: LocalEngine, persisted: Persisted
) -> None:
    model = ScriptedModel([priced(ToolCall("c1", "ping", {}), 0.1), priced("done", 0.2)])
    agent = Agent.define("thrifty", model=model, tools=[ping], limits=Limits(max_cost_usd=0.5))

    rec = await engine.run(agent, "go")

    assert rec.status == "completed"
    assert rec.cost_usd == pytest.approx(0.3)
    assert persisted(rec).cost_usd == pytest.approx(0.3)


async def test_unpriced_model_under_a_cost_budget_is_refused(engine: LocalEngine) -> None:
    model = ScriptedModel([priced("free?", None)])
    agent = Agent.define("unpriced", model=model, limits=Limits(max_cost_usd=1.0))

    rec = await engine.run(agent, "go")

    assert rec.status == "failed"
    assert rec.error_code == "BUDGET_EXCEEDED"
    assert rec.error_message is not None
    assert "no known price" in rec.error_message
    assert rec.output is None


async def test_unpriced_model_without_a_cost_budget_runs_with_unknown_cost(
    engine: LocalEngine, persisted: Persisted
) -> None:
    agent = Agent.define("unpriced", model=ScriptedModel([priced("fine", None)]))

    rec = await engine.run(agent, "go")

    assert rec.status == "completed"
    assert rec.cost_usd is None
    assert persisted(rec).cost_usd is None


async def test_timeout_is_agent_timeout(engine: LocalEngine, persisted: Persisted) -> None:
    started = asyncio.Event()

    @tool
    async def slow() -> str:
        """Takes far longer than the run may."""
        started.set()
        await asyncio.sleep(30)
        return "late"

    model = ScriptedModel([ToolCall("c1", "slow", {}), "never"])
    agent = Agent.define("sleepy", model=model, tools=[slow], limits=Limits(timeout_s=0.2))

    rec = await engine.run(agent, "go")

    assert started.is_set()
    assert rec.status == "failed"
    assert rec.error_code == "AGENT_TIMEOUT"
    assert rec.error_message is not None
    assert "0.2s" in rec.error_message
    assert len(model.requests) == 1
    assert persisted(rec).status == "failed"


async def test_oversized_tool_result_is_truncated_and_flagged(
    engine: LocalEngine, persisted: Persisted
) -> None:
    @tool(blocking=False)
    def dump() -> str:
        """Return a large log."""
        return "x" * 5000

    model = ScriptedModel([ToolCall("c1", "dump", {}), "summarised"])
    limits = Limits(max_tool_result_bytes=256)
    agent = Agent.define("logs", model=model, tools=[dump], limits=limits)

    rec = await engine.run(agent, "go")

    assert rec.status == "completed"
    assert rec.flags == ["CONTEXT_TRUNCATED"]
    seen = model.requests[1].messages[-1]
    assert seen.role == "tool"
    assert len(seen.content.encode()) <= 256
    assert seen.content.startswith("xxx")
    assert "[truncated" in seen.content
    assert persisted(rec).flags == ["CONTEXT_TRUNCATED"]


async def test_over_the_context_budget_oldest_tool_results_are_shortened(
    engine: LocalEngine, persisted: Persisted
) -> None:
    @tool(blocking=False)
    def page(n: int) -> str:
        """Return one page of a document."""
        return str(n) * 1600

    def script(request: ModelRequest) -> ScriptItem:
        done = [m for m in request.messages if m.role == "tool"]
        if len(done) < 2:
            return ToolCall(f"c{len(done)}", "page", {"n": len(done)})
        return "read both pages"

    model = ScriptedModel(script)
    limits = Limits(context_budget_tokens=700, truncation="shorten_oldest_tool_results")
    agent = Agent.define("reader", model=model, tools=[page], limits=limits)

    rec = await engine.run(agent, "read")

    assert rec.status == "completed"
    assert rec.flags == ["CONTEXT_TRUNCATED"]
    second, third = model.requests[1:]
    # One page fits the budget, so the second call sees it whole.
    assert [m.content for m in second.messages if m.role == "tool"] == ["0" * 1600]
    oldest, newest = [m for m in third.messages if m.role == "tool"]
    assert len(oldest.content.encode()) <= SHORTENED_TOOL_RESULT_BYTES
    assert oldest.content.startswith("000")
    assert oldest.tool_call_id == "c0"
    assert newest.content == "1" * 1600
    assert persisted(rec).flags == ["CONTEXT_TRUNCATED"]


async def test_under_the_context_budget_nothing_is_flagged(engine: LocalEngine) -> None:
    model = ScriptedModel([ToolCall("c1", "ping", {}), "done"])
    agent = Agent.define("small", model=model, tools=[ping])

    rec = await engine.run(agent, "go")

    assert rec.flags == []
    assert model.requests[1].messages[-1].content == "pong"


async def test_over_the_context_budget_oldest_session_turns_are_dropped_whole(
    engine: LocalEngine, persisted: Persisted
) -> None:
    model = ScriptedModel(["first answer", "second answer", "third answer"])
    limits = Limits(context_budget_tokens=256, truncation="drop_oldest_turns")
    agent = Agent.define("chatty", model=model, limits=limits)
    first_input = "A" * 800  # ~200 tokens: fits alone, not beside a later long turn

    first = await engine.run(agent, first_input, session_id="s-1")
    second = await engine.run(agent, "short", session_id="s-1")
    third = await engine.run(agent, "B" * 400, session_id="s-1")

    assert [first.flags, second.flags] == [[], []]
    assert [m.content for m in model.requests[1].messages[1:]] == [
        first_input,
        "first answer",
        "short",
    ]
    assert third.status == "completed"
    assert third.flags == ["CONTEXT_TRUNCATED"]
    # The whole first turn went (its answer too: a conversation never opens with an
    # answer to a question it no longer shows); the second turn and the input stay.
    messages = model.requests[2].messages
    assert [(m.role, m.content) for m in messages] == [
        ("system", ""),
        ("user", "short"),
        ("assistant", "second answer"),
        ("user", "B" * 400),
    ]
    assert persisted(third).flags == ["CONTEXT_TRUNCATED"]
