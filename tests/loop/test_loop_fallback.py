"""Provider fallback: a chain whose primary is down answers from the next model, and the
run records which model answered and which failed (once each, across turns)."""

from __future__ import annotations

from collections.abc import Callable

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.errors import ModelUnavailable
from keel.models import FallbackModel, ModelRequest, ScriptedModel, ToolCall
from keel.models.scripted import ScriptItem
from keel.store import RunRecord
from keel.tools import tool

Persisted = Callable[[RunRecord], RunRecord]


@tool(blocking=False, idempotent=True)
def lookup(ticket_id: str) -> str:
    """Look up a ticket."""
    return f"{ticket_id}: open"


def down(request: ModelRequest) -> ScriptItem:
    return ModelUnavailable("HTTP 503 from the provider", retryable=True)


async def test_fallback_answers_and_the_run_records_it_once(
    engine: LocalEngine, persisted: Persisted
) -> None:
    primary = ScriptedModel(down, name="primary")
    backup = ScriptedModel([ToolCall("c1", "lookup", {"ticket_id": "T-1"}), "T-1 is open"])
    agent = Agent.define("desk", model=FallbackModel([primary, backup]), tools=[lookup])

    rec = await engine.run(agent, "status of T-1")

    assert rec.status == "completed"
    assert rec.output == "T-1 is open"
    assert rec.model_used == "scripted:default"
    # The primary failed on both turns; the run lists that failure once.
    assert len(primary.requests) == 2
    assert rec.fallbacks == [
        {
            "model": "scripted:primary",
            "error_code": "MODEL_UNAVAILABLE",
            "message": "HTTP 503 from the provider",
        }
    ]
    assert persisted(rec).fallbacks == rec.fallbacks
    assert persisted(rec).model_used == "scripted:default"


async def test_distinct_failures_are_each_recorded(engine: LocalEngine) -> None:
    messages = iter(["timeout", "HTTP 429"])

    def flaky(request: ModelRequest) -> ScriptItem:
        return ModelUnavailable(next(messages), retryable=True)

    primary = ScriptedModel(flaky, name="primary")
    backup = ScriptedModel([ToolCall("c1", "lookup", {"ticket_id": "T-1"}), "done"])
    agent = Agent.define("desk", model=FallbackModel([primary, backup]), tools=[lookup])

    rec = await engine.run(agent, "status of T-1")

    assert [f["message"] for f in rec.fallbacks] == ["timeout", "HTTP 429"]


async def test_no_fallback_means_no_fallbacks_recorded(engine: LocalEngine) -> None:
    primary = ScriptedModel(["fine"], name="primary")
    agent = Agent.define("desk", model=FallbackModel([primary, ScriptedModel(["unused"])]))

    rec = await engine.run(agent, "hi")

    assert rec.model_used == "scripted:primary"
    assert rec.fallbacks == []


async def test_every_model_down_is_model_unavailable(
    engine: LocalEngine, persisted: Persisted
) -> None:
    chain = FallbackModel([ScriptedModel(down, name="a"), ScriptedModel(down, name="b")])
    agent = Agent.define("desk", model=chain)

    rec = await engine.run(agent, "hi")

    assert rec.status == "failed"
    assert rec.error_code == "MODEL_UNAVAILABLE"
    assert rec.error_message is not None
    assert "scripted:a: HTTP 503" in rec.error_message
    assert "scripted:b: HTTP 503" in rec.error_message
    assert persisted(rec).status == "failed"
