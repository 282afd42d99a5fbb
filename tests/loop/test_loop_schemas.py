"""Input and output contracts: schema and size checks, JSON answers, the one repair turn."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.models import ScriptedModel
from keel.store import RunRecord

Persisted = Callable[[RunRecord], RunRecord]

TRIAGE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "priority": {"enum": ["low", "high"]},
        "team": {"type": "string"},
    },
    "required": ["priority", "team"],
    "additionalProperties": False,
}


def triage_agent(model: ScriptedModel) -> Agent:
    return Agent.define("triage", model=model, output_schema=TRIAGE)


async def test_valid_json_answer_is_parsed(engine: LocalEngine, persisted: Persisted) -> None:
    model = ScriptedModel(['{"priority": "high", "team": "network"}'])

    rec = await engine.run(triage_agent(model), "VPN down for everyone")

    assert rec.status == "completed"
    assert rec.output == {"priority": "high", "team": "network"}
    assert model.requests[0].output_schema == TRIAGE
    assert persisted(rec).output == {"priority": "high", "team": "network"}


async def test_json_in_a_code_fence_is_accepted(engine: LocalEngine) -> None:
    model = ScriptedModel(['```json\n{"priority": "low", "team": "facilities"}\n```'])

    rec = await engine.run(triage_agent(model), "printer jammed")

    assert rec.output == {"priority": "low", "team": "facilities"}


async def test_invalid_answer_gets_one_repair_turn_then_output_invalid(
    engine: LocalEngine, persisted: Persisted
) -> None:
    model = ScriptedModel(
        ["it is urgent!", '{"priority": "urgent", "team": "network"}', '{"never": "asked"}']
    )

    rec = await engine.run(triage_agent(model), "VPN down")

    assert rec.status == "failed"
    assert rec.error_code == "OUTPUT_INVALID"
    assert rec.error_message is not None
    assert "after one repair turn" in rec.error_message
    assert "/priority: 'urgent' is not one of ['low', 'high']" in rec.error_message
    assert len(model.requests) == 2  # exactly one repair turn
    repair = model.requests[1].messages
    assert repair[-2].role == "assistant"
    assert repair[-2].content == "it is urgent!"
    assert repair[-1].role == "user"
    assert repair[-1].content.startswith(
        "Your answer does not match the required output format: answer is not JSON"
    )
    assert persisted(rec).error_code == "OUTPUT_INVALID"


async def test_a_repaired_answer_completes_the_run(engine: LocalEngine) -> None:
    model = ScriptedModel(['{"priority": "high"}', '{"priority": "high", "team": "network"}'])

    rec = await engine.run(triage_agent(model), "VPN down")

    assert rec.status == "completed"
    assert rec.output == {"priority": "high", "team": "network"}
    problem = model.requests[1].messages[-1].content
    assert "(root): 'team' is a required property" in problem


async def test_input_schema_violation_is_input_invalid(
    engine: LocalEngine, persisted: Persisted
) -> None:
    model = ScriptedModel(["unused"])
    schema = {
        "type": "object",
        "properties": {"ticket": {"type": "string"}},
        "required": ["ticket"],
    }
    agent = Agent.define("tickets", model=model, input_schema=schema)

    rec = await engine.run(agent, {"ticket": 42})

    assert rec.status == "failed"
    assert rec.error_code == "INPUT_INVALID"
    assert rec.error_message is not None
    assert "/ticket: 42 is not of type 'string'" in rec.error_message
    assert model.requests == []  # the model never saw invalid input
    assert persisted(rec).input == {"ticket": 42}


async def test_valid_json_input_reaches_the_model_as_json(engine: LocalEngine) -> None:
    model = ScriptedModel(["ok"])
    schema = {"type": "object", "required": ["ticket"]}
    agent = Agent.define("tickets", model=model, input_schema=schema)

    rec = await engine.run(agent, {"ticket": "T-1", "note": "café"})

    assert rec.status == "completed"
    assert model.requests[0].messages[-1].content == '{"ticket": "T-1", "note": "café"}'


async def test_input_over_max_bytes_is_input_invalid(engine: LocalEngine) -> None:
    model = ScriptedModel(["unused"])
    agent = dataclasses.replace(Agent.define("small", model=model), input_max_bytes=16)

    rec = await engine.run(agent, "é" * 9)  # 18 bytes in UTF-8, 9 characters

    assert rec.status == "failed"
    assert rec.error_code == "INPUT_INVALID"
    assert rec.error_message is not None
    assert "input is 18 bytes" in rec.error_message
    assert "at most 16" in rec.error_message
    assert model.requests == []


async def test_answer_over_max_bytes_is_repaired_then_output_invalid(
    engine: LocalEngine,
) -> None:
    model = ScriptedModel(["x" * 40, "y" * 40])
    agent = dataclasses.replace(Agent.define("terse", model=model), output_max_bytes=32)

    rec = await engine.run(agent, "go")

    assert rec.error_code == "OUTPUT_INVALID"
    assert "longer than 32 bytes" in model.requests[1].messages[-1].content
