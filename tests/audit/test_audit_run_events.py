"""The run path writes payloads as canonical JSON by hand: held to canonical_json here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from keel import Agent, ScriptedModel, ToolCall, tool
from keel.audit.record import canonical_json, events_json
from keel.audit.redact import redact
from keel.audit.run_events import RunAudit
from keel.models.base import Message, ModelAttempt, ModelResponse, Usage
from keel.tools import ToolResult


class Collected:
    """Stands in for an AuditLog: keeps what RunAudit flushes."""

    def __init__(self) -> None:
        self.events: list[tuple[str, float, str]] = []
        self.clock = lambda: 1.5

    def append_events(
        self, events: list[tuple[str, float, str]], **_: Any
    ) -> tuple[int, str, str, None]:
        self.events.extend(events)
        return len(self.events), "", "", None


@tool
def lookup(ticket_id: str) -> str:
    """Look up a ticket."""
    return ticket_id


AGENT = Agent.define('ünï "agent"', model=ScriptedModel(["x"]), tools=[lookup], version="2.0")


def _audit() -> tuple[RunAudit, Collected]:
    log = Collected()
    return RunAudit.for_agent(log, AGENT, run_id="run_1", tenant=None), log  # type: ignore[arg-type]


@pytest.mark.parametrize("session", [None, "s-1", 'quote " and \\ and \n'])
def test_started(session: str | None) -> None:
    audit, log = _audit()
    audit.started(AGENT, session_id=session)
    audit.flush()
    expected = {
        "agent": AGENT.name,
        "agent_version": "2.0",
        "agent_hash": AGENT.content_hash,
        "prompt_version": "1",
        "session_id": session,
    }
    assert log.events == [("run.started", 1.5, canonical_json(expected))]


@pytest.mark.parametrize(
    ("cost", "attempts", "latency"),
    [
        (0.0, (), 0.000105),
        (None, (ModelAttempt("openai:gpt", "MODEL_UNAVAILABLE", "down"),), 1.0),
        (1e-9, (ModelAttempt("a", "X", ""), ModelAttempt("b", "Y", "")), 0.0),
    ],
)
def test_model_call(cost: float | None, attempts: tuple[ModelAttempt, ...], latency: float) -> None:
    audit, log = _audit()
    response = ModelResponse(
        Message("assistant", "secret answer"),
        "rules:default",
        Usage(158, 16),
        cost_usd=cost,
        failed_attempts=attempts,
    )
    audit.model_call(3, response, latency_s=latency)
    audit.flush()
    expected = {
        "step": 3,
        "model": "rules:default",
        "prompt_version": "1",
        "input_tokens": 158,
        "output_tokens": 16,
        "cost_usd": cost,
        "latency_us": round(latency * 1e6),
        "fallback_attempts": [{"model": a.model, "error_code": a.error_code} for a in attempts],
    }
    assert log.events[0][2] == canonical_json(expected)
    assert "secret answer" not in log.events[0][2]
    assert "down" not in log.events[0][2]


@pytest.mark.parametrize(
    "result", [ToolResult("ok"), ToolResult("x", error="boom", error_kind="timeout", attempts=3)]
)
def test_tool_call(result: ToolResult) -> None:
    audit, log = _audit()
    args = {"ticket_id": "T-1", "token": "abc", "nested": [{"Password": 1}, "é"]}
    audit.tool_call(
        2,
        lookup.info,
        ToolCall("c1", "lookup", args),
        result,
        idempotency_key="run_1:2",
        latency_s=0.5,
    )
    audit.flush()
    expected = {
        "step": 2,
        "tool": "lookup",
        "version": "1",
        "arguments": {
            "ticket_id": "T-1",
            "token": "[REDACTED]",
            "nested": [{"Password": "[REDACTED]"}, "é"],
        },
        "outcome": "ok" if result.ok else "timeout",
        "attempts": result.attempts,
        "idempotency_key": "run_1:2",
        "latency_us": 500_000,
    }
    assert log.events[0][2] == canonical_json(expected)
    assert "boom" not in log.events[0][2]


def test_a_credential_used_as_a_key_is_masked() -> None:
    audit, log = _audit()
    key = "sk-proj-" + "A1b2" * 6
    args = {"environments": {key: "prod"}, "headers": {"Bearer " + "x9" * 8: "on"}}
    call = ToolCall("c1", "lookup", args)
    audit.tool_call(2, lookup.info, call, ToolResult("ok"), idempotency_key="k", latency_s=0.1)
    audit.flush()
    written = log.events[0][2]
    assert key not in written
    assert "x9x9" not in written
    assert json.loads(written)["arguments"] == {
        "environments": {"[REDACTED]": "prod"},
        "headers": {"[REDACTED]": "on"},
    }


@pytest.mark.parametrize(
    ("usage", "cost", "code"), [(Usage(1, 2), 0.25, None), (None, None, "NEEDS_REVIEW")]
)
def test_finished_flushes(usage: Usage | None, cost: float | None, code: str | None) -> None:
    audit, log = _audit()
    audit.finished("failed", error_code=code, steps=4, usage=usage, cost_usd=cost, model_used=None)
    expected = {
        "status": "failed",
        "error_code": code,
        "steps": 4,
        "input_tokens": 0 if usage is None else 1,
        "output_tokens": 0 if usage is None else 2,
        "cost_usd": cost,
        "model_used": None,
        "decisions": [],
    }
    assert log.events == [("run.finished", 1.5, canonical_json(expected))]
    assert json.loads(log.events[0][2]) == expected


def test_a_non_finite_number_is_refused() -> None:
    audit, _ = _audit()
    with pytest.raises(ValueError, match="not a JSON number"):
        audit.finished(
            "completed",
            error_code=None,
            steps=1,
            usage=None,
            cost_usd=float("nan"),
            model_used=None,
        )


@pytest.mark.parametrize("latency", [float("nan"), float("inf")])
def test_a_non_finite_latency_is_refused(latency: float) -> None:
    audit, log = _audit()
    response = ModelResponse(Message("assistant", "hi"), "scripted:x", Usage(3, 4))
    with pytest.raises(ValueError, match="not a JSON number"):
        audit.model_call(1, response, latency_s=latency)
    assert log.events == []


def test_policy_decisions_are_part_of_the_run_finished_record() -> None:
    audit, log = _audit()
    decision = {
        "point": "tool",
        "result": "deny",
        "reasons": ["tool reset_password needs approval"],
        "mask_fields": [],
        "allowed_models": None,
        "policy_hash": "sha256:abc",
        "tool": "reset_password",
    }
    audit.finished(
        "failed",
        error_code="POLICY_DENIED",
        steps=1,
        usage=None,
        cost_usd=0.0,
        model_used=None,
        decisions=[decision],
    )
    assert [kind for kind, _, _ in log.events] == ["run.finished"]
    payload = json.loads(log.events[0][2])
    assert payload["decisions"] == [decision]
    assert log.events[0][2] == canonical_json(payload)


def test_a_run_without_decisions_records_an_empty_list() -> None:
    audit, log = _audit()
    audit.finished("completed", error_code=None, steps=1, usage=None, cost_usd=0.0, model_used=None)
    assert json.loads(log.events[0][2])["decisions"] == []


def test_several_decisions_are_kept_in_order() -> None:
    audit, log = _audit()
    decisions = [
        DECISION | {"point": "input", "allowed_models": None},
        DECISION,
        DECISION | {"point": "tool", "tool": "refund", "result": "require_approval"},
        DECISION | {"point": "output", "allowed_models": None, "reasons": ["masked"]},
    ]
    audit.finished(
        "completed",
        error_code=None,
        steps=2,
        usage=None,
        cost_usd=0.0,
        model_used=None,
        decisions=decisions,
    )
    (kind, _, text), *_ = log.events
    assert kind == "run.finished"
    assert json.loads(text)["decisions"] == decisions
    assert text == canonical_json(json.loads(text))


HASH = "sha256:" + "0123456789abcdef" * 4
DECISION: dict[str, Any] = {
    "point": "route",
    "result": "allow",
    "reasons": [],
    "mask_fields": [],
    "allowed_models": ["scripted:default", "openai:gpt-4o"],
    "policy_hash": HASH,
}


@pytest.mark.parametrize(
    "decision",
    [
        DECISION,
        DECISION | {"allowed_models": None, "point": "input"},
        DECISION | {"point": "tool", "tool": "refund", "mask_fields": ["card", "api_key"]},
        # Credentials in free text, in names and in the hash field are masked.
        DECISION
        | {
            "result": "deny",
            "reasons": ["key sk-proj-abcdefghijklmnop1234 leaked", 'quote " and ü'],
            "tool": "ghp_abcdefghijklmnopqrstuvwxyz0123",
        },
        DECISION | {"policy_hash": "Bearer abcdefghijklmnop"},
        DECISION | {"policy_hash": "unavailable"},
        DECISION | {"allowed_models": ["eyJhbGciOiJIUzI1.eyJzdWIiOiIx.sig"]},
        # Shapes the governor does not produce go through redact whole.
        DECISION | {"extra": {"password": "hunter2"}},
        DECISION | {"point": "elsewhere"},
        DECISION | {"reasons": "not a list"},
        DECISION | {"reasons": [1, 2]},
        DECISION | {"tool": None},
        # Empty, but not lists: not the recurring shape whose text is kept.
        DECISION | {"reasons": ""},
        DECISION | {"mask_fields": ()},
        DECISION | {"tool": ""},
        {"point": "tool"},
    ],
)
def test_a_decision_payload_is_its_redacted_canonical_json(decision: dict[str, Any]) -> None:
    audit, log = _audit()
    for _ in range(2):  # the second time, a recurring decision's text is the kept one
        audit.finished(
            "completed",
            error_code=None,
            steps=1,
            usage=None,
            cost_usd=0.0,
            model_used=None,
            decisions=[decision],
        )
    kind, at, text = log.events[0]
    assert (kind, at) == ("run.finished", 1.5)
    assert json.loads(text)["decisions"] == [json.loads(canonical_json(redact(decision)))]
    assert text == canonical_json(json.loads(text))
    assert log.events[1] == log.events[0]
    assert "sk-proj-" not in text
    assert "ghp_" not in text
    assert "hunter2" not in text


def test_events_flushed_together_are_one_run_events_record() -> None:
    audit, log = _audit()
    audit.started(AGENT, session_id=None)
    response = ModelResponse(Message("assistant", "hi"), "scripted:x", Usage(3, 4))
    audit.model_call(1, response, latency_s=0.002)
    audit.flush()
    audit.finished(
        "completed", error_code=None, steps=1, usage=None, cost_usd=None, model_used=None
    )
    [(kind, at, payload), finished] = log.events
    # One record for the first flush, holding both events in order, each with its time.
    assert (kind, at) == ("run.events", 1.5)
    events = json.loads(payload)["events"]
    assert [(e["kind"], e["time_us"]) for e in events] == [
        ("run.started", 1_500_000),
        ("model.call", 1_500_000),
    ]
    assert payload == canonical_json({"events": events})
    # A flush of one event is a record of its own kind, as before.
    assert finished[0] == "run.finished"


def test_events_json_is_the_canonical_json_of_its_events() -> None:
    events = [
        ("run.started", 1763726400.125, canonical_json({"agent": 'ünï "a"'})),
        ("tool.call", 1e-7, canonical_json({"arguments": {"b": [1, 2.5], "a": None}})),
    ]
    # Times in whole microseconds.
    times = [1763726400125000, 0]
    expected = {
        "events": [
            {"kind": k, "payload": json.loads(p), "time_us": us}
            for (k, _, p), us in zip(events, times, strict=True)
        ]
    }
    assert events_json(events) == canonical_json(expected)
