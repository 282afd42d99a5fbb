"""Metrics: the Prometheus exposition after real runs, and before any."""

from __future__ import annotations

import re

from observed_agents import make_agent
from prometheus_client.parser import text_string_to_metric_families

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.models import ModelResponse, ScriptedModel, ToolCall
from keel.models.base import Message, ModelAttempt, Usage
from keel.telemetry import Telemetry, TelemetryConfig
from keel.tools import tool


def samples(body: bytes) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(body: bytes, name: str, **labels: str) -> float:
    return samples(body)[(name, frozenset(labels.items()))]


async def test_gen_ai_metrics_after_a_run() -> None:
    telemetry = Telemetry(TelemetryConfig(prometheus=True))
    rec = await LocalEngine(telemetry=telemetry).run(make_agent(), "route ticket T-1")
    body, content_type = telemetry.prometheus()
    telemetry.shutdown()
    assert content_type.startswith("text/plain")
    text = body.decode()
    assert "gen_ai_client_token_usage_bucket" in text
    assert "gen_ai_client_operation_duration_seconds_bucket" in text
    chat = {
        "gen_ai_operation_name": "chat",
        "gen_ai_provider_name": "keel.scripted",
        "gen_ai_request_model": "scripted:default",
        "gen_ai_response_model": "scripted:default",
    }
    assert value(body, "gen_ai_client_operation_duration_seconds_count", **chat) == 2
    tokens_in = value(body, "gen_ai_client_token_usage_sum", **chat, gen_ai_token_type="input")
    tokens_out = value(body, "gen_ai_client_token_usage_sum", **chat, gen_ai_token_type="output")
    assert (tokens_in, tokens_out) == (rec.input_tokens, rec.output_tokens)
    # The conventions' advised buckets: 1, 4, 16, … tokens.
    assert re.search(r'gen_ai_client_token_usage_bucket\{[^}]*le="16.0"', text)
    assert re.search(r'gen_ai_client_operation_duration_seconds_bucket\{[^}]*le="0\.01"', text)
    run = {"gen_ai_agent_name": "triage", "keel_run_status": "completed"}
    assert value(body, "keel_runs_total", **run) == 1
    assert value(body, "keel_run_duration_seconds_count", **run) == 1
    ok = {"gen_ai_agent_name": "triage", "gen_ai_tool_name": "lookup", "keel_tool_outcome": "ok"}
    assert value(body, "keel_tool_calls_total", **ok) == 1
    assert (
        value(
            body,
            "keel_step_duration_seconds_count",
            gen_ai_agent_name="triage",
            keel_step_kind="tool",
        )
        == 1
    )


def test_every_metric_is_listed_before_it_has_a_value() -> None:
    telemetry = Telemetry(TelemetryConfig(prometheus=True))
    empty = telemetry.prometheus()[0].decode()
    declared = set(re.findall(r"^# TYPE (\S+) ", empty, re.M))
    assert {"gen_ai_client_token_usage", "gen_ai_client_operation_duration_seconds"} <= declared
    assert not [line for line in empty.splitlines() if line and not line.startswith("#")]
    # Recording every metric yields exactly the families that were declared.
    m = telemetry.metrics
    m.chat(
        request_model="a:b", response_model="a:b", duration_s=0.1, input_tokens=1, output_tokens=1
    )
    m.tool(agent="x", tool="t", outcome="timeout", duration_s=0.1)
    m.run(agent="x", status="completed", duration_s=0.1, cost_usd=0.5, model="a:b")
    m.fallback(agent="x", model="a:b", error_type="MODEL_UNAVAILABLE")
    m.escalation(agent="x", reason="policy")
    m.approval_decided(agent="x", tool="t", outcome="approved", wait_s=60)
    m.drift(agent="x", metric="latency_s", firing=True)
    m.count_pending_approvals("here", lambda: 3)
    full = telemetry.prometheus()[0].decode()
    telemetry.shutdown()
    assert set(re.findall(r"^# TYPE (\S+) ", full, re.M)) == declared
    assert len(re.findall(r"^# TYPE ", full, re.M)) == len(declared)  # none twice
    assert value(full.encode(), "keel_sla_breaches_total", gen_ai_agent_name="x",
                 keel_sla_kind="tool_timeout") == 1  # fmt: skip
    assert value(full.encode(), "keel_cost_usd_total", gen_ai_agent_name="x",
                 gen_ai_response_model="a:b") == 0.5  # fmt: skip
    assert value(full.encode(), "keel_approvals_pending") == 3


async def test_fallbacks_and_failed_tools_are_counted() -> None:
    @tool(name="flaky")
    def flaky() -> str:
        """Fails."""
        raise RuntimeError("no")

    turns = iter(
        [
            ModelResponse(
                Message("assistant", tool_calls=(ToolCall("c1", "flaky", {}),)),
                model="rules:default",
                usage=Usage(5, 5),
                failed_attempts=(ModelAttempt("openai:gpt-4o", "MODEL_UNAVAILABLE", "down"),),
            ),
            "could not do it",
        ]
    )
    agent = Agent.define("ops", model=ScriptedModel(lambda r: next(turns)), tools=[flaky])
    telemetry = Telemetry(TelemetryConfig(prometheus=True))
    await LocalEngine(telemetry=telemetry).run(agent, "go")
    body = telemetry.prometheus()[0]
    telemetry.shutdown()
    assert (
        value(
            body,
            "keel_model_fallbacks_total",
            gen_ai_agent_name="ops",
            keel_fallback_from="openai:gpt-4o",
            error_type="MODEL_UNAVAILABLE",
        )
        == 1
    )
    assert (
        value(
            body,
            "keel_tool_calls_total",
            gen_ai_agent_name="ops",
            gen_ai_tool_name="flaky",
            keel_tool_outcome="fatal",
        )
        == 1
    )
    # The answering model's provider, not the requested one's.
    assert (
        value(
            body,
            "gen_ai_client_token_usage_count",
            gen_ai_operation_name="chat",
            gen_ai_provider_name="keel.rules",
            gen_ai_request_model="scripted:default",
            gen_ai_response_model="rules:default",
            gen_ai_token_type="input",
        )
        == 1
    )


def test_exposition_is_off_unless_asked_for() -> None:
    import pytest

    telemetry = Telemetry(TelemetryConfig(exporter="console"))
    with pytest.raises(RuntimeError, match="Prometheus exposition is off"):
        telemetry.prometheus()
    telemetry.shutdown()
    assert TelemetryConfig().start() is None
