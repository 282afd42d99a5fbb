"""The token path (``keel.loop.stream``): a run's answer streamed through the engine
while the model writes it, governed on the way, settled when the run ends.

The scripted model streams deterministically, so the events are exact; the engine
fixture runs each test in memory and journaled to SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

import keel.loop.stream
from default_governor import default_governor
from keel.agent import Agent
from keel.engine import LocalEngine
from keel.errors import ModelUnavailable
from keel.governance.pii import PiiPolicy
from keel.loop.stream import TokenEvent, TokenHub
from keel.models import (
    Message,
    ModelRequest,
    ScriptedModel,
    StreamEvent,
    ToolCall,
)
from keel.models.scripted import ScriptItem
from keel.store import Store
from keel.tools import tool

LONG = (
    "Thanks for asking. Your order shipped on Monday and should arrive by Thursday; "
    "the tracking link is in the e-mail we sent when it left the warehouse."
)


class CountingModel(ScriptedModel):
    """The scripted model, counting which of its two methods the engine used."""

    def __init__(self, script: Any, **kwargs: Any) -> None:
        super().__init__(script, **kwargs)
        self.streams = 0

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        self.streams += 1
        async for event in super().stream(request):
            yield event


def streaming_agent(model: ScriptedModel, **kwargs: Any) -> Agent:
    kwargs.setdefault("governor", default_governor())
    return Agent.define("streamer", model=model, stream="tokens", **kwargs)


def tokens(events: list[TokenEvent], step: int | None = None) -> str:
    return "".join(e.text for e in events if e.kind == "token" and step in (None, e.step))


def kinds(events: list[TokenEvent]) -> list[tuple[str, int, str | None]]:
    """Each event's kind, step and (for a retraction) reason, with runs of tokens of
    one step shown once."""
    out: list[tuple[str, int, str | None]] = []
    for e in events:
        row = (e.kind, e.step, e.reason)
        if not (out and e.kind == "token" and out[-1] == row):
            out.append(row)
    return out


async def run_listened(engine: LocalEngine, agent: Agent, text: str = "hi") -> tuple[Any, list]:
    sub = engine.tokens.subscribe("run_listened")
    try:
        rec = await engine.run(agent, text, run_id="run_listened")
        return rec, sub.drain()
    finally:
        sub.close()


async def test_the_tokens_join_back_to_the_answer(engine: LocalEngine) -> None:
    answer = f"{LONG} {LONG}"
    model = CountingModel([answer])
    rec, events = await run_listened(engine, streaming_agent(model))

    assert rec.status == "completed"
    assert tokens(events) == rec.output == answer
    assert len([e for e in events if e.kind == "token"]) > 3
    assert kinds(events) == [("token", 1, None), ("end", 0, None)]
    assert events[-1].status == "completed"
    assert model.streams == 1


async def test_pii_in_the_answer_leaves_masked_as_the_output_says(engine: LocalEngine) -> None:
    answer = f"Refunded to card 4242 4242 4242 4242 as requested. {LONG}"
    rec, events = await run_listened(
        engine, streaming_agent(ScriptedModel([answer], delta_chars=3))
    )

    assert tokens(events) == rec.output
    assert "**** **** **** 4242" in tokens(events)
    assert not any("4242 4242" in e.text for e in events)


async def test_nobody_listening_means_no_streaming(engine: LocalEngine) -> None:
    model = CountingModel([LONG])
    rec = await engine.run(streaming_agent(model), "hi")
    assert rec.output == LONG
    assert model.streams == 0


async def test_final_mode_is_unchanged(engine: LocalEngine) -> None:
    model = CountingModel([LONG])
    agent = Agent.define("whole", model=model, governor=default_governor())
    rec, events = await run_listened(engine, agent)
    assert rec.output == LONG
    assert events == []
    assert model.streams == 0


def tool_then_answer(preamble: str) -> Any:
    def script(request: ModelRequest) -> ScriptItem:
        if request.messages[-1].role == "tool":
            return LONG
        return Message("assistant", preamble, tool_calls=(ToolCall("c1", "lookup", {}),))

    return script


@tool(name="lookup")
def lookup() -> str:
    """Look the order up."""
    return "shipped Monday"


async def test_a_short_tool_call_preamble_is_never_streamed(engine: LocalEngine) -> None:
    agent = streaming_agent(ScriptedModel(tool_then_answer("Let me check.")), tools=[lookup])
    rec, events = await run_listened(engine, agent)

    assert rec.status == "completed"
    assert kinds(events) == [("token", 3, None), ("end", 0, None)]
    assert tokens(events) == LONG


async def test_a_long_tool_call_preamble_is_retracted(engine: LocalEngine) -> None:
    preamble = "Let me check the order system for you, this can take a moment. " * 2
    agent = streaming_agent(ScriptedModel(tool_then_answer(preamble)), tools=[lookup])
    rec, events = await run_listened(engine, agent)

    assert kinds(events) == [
        ("token", 1, None),
        ("retract", 1, "tool_call"),
        ("token", 3, None),
        ("end", 0, None),
    ]
    assert preamble.startswith(tokens(events, 1))
    assert tokens(events, 3) == rec.output == LONG


async def test_a_denial_at_the_end_retracts_what_was_sent(engine: LocalEngine) -> None:
    # The output policy keeps cards unmasked, so Keel's policy pack denies the answer.
    gov = default_governor(PiiPolicy(operators={"output": {"restricted": "keep"}}))
    answer = f"{LONG} The card on file is 4242 4242 4242 4242."
    agent = streaming_agent(ScriptedModel([answer]), governor=gov)
    rec, events = await run_listened(engine, agent)

    assert rec.status == "failed"
    assert rec.error_code == "POLICY_DENIED"
    assert kinds(events) == [("token", 1, None), ("retract", 1, "run_ended"), ("end", 0, None)]
    retraction = events[-2]
    assert retraction.code == "POLICY_DENIED"
    assert retraction.message == rec.error_message
    assert "4242" not in tokens(events)
    assert LONG.startswith(tokens(events))


async def test_a_leaked_canary_is_never_sent_and_the_answer_is_retracted(
    engine: LocalEngine,
) -> None:
    gov = default_governor()
    assert gov.canary is not None
    answer = f"{LONG} My reference is {gov.canary.token}, as you asked."
    rec, events = await run_listened(engine, streaming_agent(ScriptedModel([answer]), governor=gov))

    assert rec.error_code == "POLICY_DENIED"
    assert gov.canary.body not in tokens(events)
    assert ("retract", 1, "run_ended") in kinds(events)


async def test_an_invalid_answer_is_superseded_by_its_repair(engine: LocalEngine) -> None:
    schema = {"type": "object", "properties": {"eta": {"type": "string"}}, "required": ["eta"]}
    valid = '{"eta": "Thursday, by the end of the day, with a signature on delivery"}'
    agent = streaming_agent(ScriptedModel([LONG, valid]), output_schema=schema)
    rec, events = await run_listened(engine, agent)

    assert rec.output == {"eta": "Thursday, by the end of the day, with a signature on delivery"}
    assert kinds(events) == [
        ("token", 1, None),
        ("retract", 1, "superseded"),
        ("token", 2, None),
        ("end", 0, None),
    ]
    assert tokens(events, 2) == valid


class FailsMidStream(ScriptedModel):
    """Streams half its answer and fails; asked again with ``request``, it answers."""

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        yield StreamEvent("text", LONG[:120])
        raise ModelUnavailable("connection reset mid-stream", retryable=True)


async def test_a_model_failing_mid_stream_is_retracted_and_asked_again(
    engine: LocalEngine,
) -> None:
    rec, events = await run_listened(engine, streaming_agent(FailsMidStream([LONG])))

    assert rec.status == "completed"
    assert kinds(events) == [
        ("token", 1, None),
        ("retract", 1, "model_failed"),
        ("token", 1, None),
        ("end", 0, None),
    ]
    retracted = events.index(next(e for e in events if e.kind == "retract"))
    assert tokens(events[retracted:]) == rec.output == LONG


class Paused(ScriptedModel):
    """Streams its answer in two halves, waiting for ``go`` in between."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.halfway = asyncio.Event()
        self.go = asyncio.Event()

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        response = await self.request(request)
        text = response.message.content
        yield StreamEvent("text", text[: len(text) // 2])
        self.halfway.set()
        await self.go.wait()
        yield StreamEvent("text", text[len(text) // 2 :])
        yield StreamEvent("done", response=response)


async def test_a_listener_that_joins_late_gets_the_text_released_so_far() -> None:
    engine = LocalEngine()
    model = Paused([LONG + " " + LONG])
    first = engine.tokens.subscribe("run_late")
    task = asyncio.create_task(engine.run(streaming_agent(model), "hi", run_id="run_late"))
    await model.halfway.wait()
    late = engine.tokens.subscribe("run_late")
    model.go.set()
    rec = await task

    early_events, late_events = first.drain(), late.drain()
    assert tokens(early_events) == tokens(late_events) == rec.output
    assert late_events[0].text == tokens(early_events[: len(early_events) - len(late_events) + 1])
    first.close()
    late.close()


async def test_a_slow_listener_overflows_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keel.loop.stream, "MAX_QUEUED_EVENTS", 2)
    engine = LocalEngine()
    rec, events = await run_listened(engine, streaming_agent(ScriptedModel([LONG * 3])))
    assert rec.status == "completed"
    assert kinds(events) == [("token", 1, None), ("retract", 1, "overflow"), ("end", 0, None)]


async def test_an_agent_without_governance_streams_every_delta() -> None:
    engine = LocalEngine()
    agent = streaming_agent(ScriptedModel(["one two three"]), governor=None)
    rec, events = await run_listened(engine, agent)
    assert [e.text for e in events if e.kind == "token"] == ["one ", "two ", "three"]
    assert rec.output == "one two three"


def test_a_hub_forgets_listeners_that_close() -> None:
    hub = TokenHub()
    sub = hub.subscribe("run_1")
    assert hub.listening("run_1")
    sub.close()
    sub.close()
    assert not hub.listening("run_1")


async def test_a_resumed_run_streams_from_where_it_is(store: Store) -> None:
    hanging = asyncio.Event()
    calls = {"hang": 0}

    @tool(name="hang", idempotent=True)
    async def hang() -> str:
        """Block on the first call (the crash happens there)."""
        calls["hang"] += 1
        if calls["hang"] == 1:
            hanging.set()
            await asyncio.Event().wait()
        return "done"

    def script(request: ModelRequest) -> ScriptItem:
        if request.messages[-1].role == "tool":
            return LONG
        return ToolCall("c1", "hang", {})

    model = CountingModel(script)
    agent = streaming_agent(model, tools=[hang])
    crashed = LocalEngine(store)
    listener = crashed.tokens.subscribe("run_resumed")
    task = asyncio.create_task(crashed.run(agent, "hi", run_id="run_resumed"))
    await hanging.wait()
    await store.writer.flush()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await crashed.close()
    assert kinds(listener.drain()) == [("end", 0, None)]

    engine = LocalEngine(store)
    resumed_listener = engine.tokens.subscribe("run_resumed")
    (rec,) = await engine.resume(lambda _rec: agent)
    events = resumed_listener.drain()

    assert rec.status == "completed"
    assert kinds(events) == [("token", 3, None), ("end", 0, None)]
    assert tokens(events) == rec.output == LONG
    assert model.streams == 2  # the journaled first turn was replayed, not streamed
    await engine.close()
