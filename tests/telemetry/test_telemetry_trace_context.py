"""W3C trace context: from the caller, into the store, across a resume, to the tools."""

from __future__ import annotations

import asyncio
from pathlib import Path

import observed_agents
import pytest
from observed_agents import by_name, make_agent
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.governance.policy import Principal
from keel.hitl import Approvals
from keel.models import ModelRequest, ScriptedModel, ToolCall
from keel.store import Store
from keel.telemetry import Telemetry, format_traceparent, valid_traceparent
from keel.tools import ToolContext, tool

CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
CALLER_TRACE = 0x0AF7651916CD43DD8448EB211C80319C


@pytest.fixture(autouse=True)
def _forget_tool_calls() -> None:
    observed_agents.SEEN.clear()


async def test_the_run_span_is_a_child_of_the_callers_context_and_it_is_stored(
    tmp_path: Path, telemetry: Telemetry, exporter: InMemorySpanExporter
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'k.db'}")
    engine = LocalEngine(store, telemetry=telemetry)
    rec = await engine.run(make_agent(), "route ticket T-1", traceparent=CALLER)
    await engine.close()
    stored = store.runs.get(rec.id)
    store.close()
    assert stored is not None
    assert stored.traceparent == CALLER
    spans = exporter.get_finished_spans()
    assert {s.context.trace_id for s in spans} == {CALLER_TRACE}
    (run,) = by_name(spans)["invoke_agent triage"]
    assert run.parent is not None
    assert run.parent.span_id == 0xB7AD6B7169203331
    assert run.parent.is_remote


async def test_tools_receive_their_own_spans_context(
    telemetry: Telemetry, exporter: InMemorySpanExporter
) -> None:
    current: list[trace.Span] = []

    @tool(name="probe")
    async def probe(context: ToolContext) -> str:
        """Records what the tool sees."""
        current.append(trace.get_current_span())
        observed_agents.SEEN.append(context)
        return "ok"

    calls = iter([ToolCall("c1", "probe", {}), "done"])
    agent = Agent.define("probe", model=ScriptedModel(lambda r: next(calls)), tools=[probe])
    await LocalEngine(telemetry=telemetry).run(agent, "go", traceparent=CALLER)
    (tool_span,) = by_name(exporter.get_finished_spans())["execute_tool probe"]
    ctx = tool_span.context
    (seen,) = observed_agents.SEEN
    assert seen.traceparent == format_traceparent(ctx.trace_id, ctx.span_id, int(ctx.trace_flags))
    # An OpenTelemetry-instrumented client inside the tool finds the tool's span current.
    assert current[0].get_span_context().span_id == ctx.span_id


async def test_without_telemetry_tools_still_get_the_callers_context(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'k.db'}")
    engine = LocalEngine(store)
    rec = await engine.run(make_agent(), "route ticket T-1", traceparent=CALLER.upper())
    await engine.close()
    stored = store.runs.get(rec.id)
    store.close()
    assert [c.traceparent for c in observed_agents.SEEN] == [CALLER]
    assert stored is not None
    assert stored.traceparent == CALLER


async def test_an_invalid_traceparent_is_ignored(
    telemetry: Telemetry, exporter: InMemorySpanExporter
) -> None:
    for bad in ("garbage", "00-" + "0" * 32 + "-b7ad6b7169203331-01", "ff-" + CALLER[3:]):
        assert valid_traceparent(bad) is None
    await LocalEngine(telemetry=telemetry).run(make_agent(), "route T-1", traceparent="garbage")
    (run,) = by_name(exporter.get_finished_spans())["invoke_agent triage"]
    assert run.parent is None
    # Tools get the context of the trace the run started.
    (seen,) = observed_agents.SEEN
    assert seen.traceparent is not None
    assert int(seen.traceparent[3:35], 16) == run.context.trace_id


async def test_a_resumed_run_continues_the_same_trace(
    tmp_path: Path, telemetry: Telemetry, exporter: InMemorySpanExporter
) -> None:
    hanging = asyncio.Event()
    calls = {"n": 0}

    @tool(name="slow", idempotent=True)
    async def slow() -> str:
        """Hangs the first time (the crash happens there)."""
        calls["n"] += 1
        if calls["n"] == 1:
            hanging.set()
            await asyncio.Event().wait()
        return "done"

    def script(request: ModelRequest) -> str | ToolCall:
        return "finished" if request.messages[-1].role == "tool" else ToolCall("c1", "slow", {})

    agent = Agent.define("worker", model=ScriptedModel(script), tools=[slow])
    store = Store.open(f"sqlite:///{tmp_path / 'k.db'}")
    crashed = LocalEngine(store, telemetry=telemetry)
    task = asyncio.create_task(crashed.run(agent, "go"))  # no caller's context
    await hanging.wait()
    await store.writer.flush()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await crashed.close()
    (first,) = by_name(exporter.get_finished_spans())["invoke_agent worker"]
    (unfinished,) = store.runs.unfinished()
    ctx = first.context
    assert unfinished.traceparent == format_traceparent(
        ctx.trace_id, ctx.span_id, int(ctx.trace_flags)
    )

    # Another process (a fresh Telemetry too) resumes it.
    exporter.clear()
    engine = LocalEngine(store, telemetry=telemetry)
    (rec,) = await engine.resume(lambda r: agent)
    await engine.close()
    store.close()
    assert rec.status == "completed"
    spans = exporter.get_finished_spans()
    (second,) = by_name(spans)["invoke_agent worker"]
    assert {s.context.trace_id for s in spans} == {ctx.trace_id}
    assert second.parent is not None
    assert second.parent.span_id == ctx.span_id


async def test_a_run_continued_after_approval_continues_the_callers_trace(
    tmp_path: Path, telemetry: Telemetry, exporter: InMemorySpanExporter
) -> None:
    @tool(name="wipe", requires_approval=True, risk="irreversible")
    def wipe(disk: str) -> str:
        """Erase a disk."""
        return f"{disk} erased"

    def script(request: ModelRequest) -> str | ToolCall:
        if request.messages[-1].role == "tool":
            return request.messages[-1].content
        return ToolCall("c1", "wipe", {"disk": "d1"})

    agent = Agent.define("ops", model=ScriptedModel(script), tools=[wipe])
    store = Store.open(f"sqlite:///{tmp_path / 'k.db'}")
    engine = LocalEngine(store, telemetry=telemetry)
    rec = await engine.run(agent, "wipe d1", traceparent=CALLER)
    assert rec.status == "awaiting_approval"
    (waiting,) = by_name(exporter.get_finished_spans())["invoke_agent ops"]
    assert any(e.name == "keel.approval.requested" for e in waiting.events)
    approvals = Approvals(store)
    (pending,) = approvals.list()
    await approvals.approve(pending.id, decider=Principal("alice", ("approver",)))
    exporter.clear()
    done = await engine.continue_run(rec.id, lambda r: agent)
    await engine.close()
    store.close()
    assert done.status == "completed", done.error_message
    spans = exporter.get_finished_spans()
    assert {s.context.trace_id for s in spans} == {CALLER_TRACE}
    (run,) = by_name(spans)["invoke_agent ops"]
    assert run.parent is not None
    assert run.parent.span_id == 0xB7AD6B7169203331
    (decided,) = [
        e
        for e in run.events
        if e.attributes and e.attributes.get("gen_ai.evaluation.name") == "keel.approval"
    ]
    assert decided.attributes is not None
    assert decided.attributes["gen_ai.evaluation.score.label"] == "approved"
    assert "execute_tool wipe" in by_name(spans)
    body = telemetry.prometheus()[0].decode()
    assert 'keel_approval_time_to_human_seconds_count{gen_ai_agent_name="ops"' in body
    assert (
        'keel_escalations_total{gen_ai_agent_name="ops",keel_escalation_reason="approval"} 1.0'
        in body
    )


async def test_an_unsampled_caller_gets_no_spans_but_its_context_flows(
    telemetry: Telemetry, exporter: InMemorySpanExporter
) -> None:
    unsampled = CALLER[:-2] + "00"
    rec = await LocalEngine(telemetry=telemetry).run(
        make_agent(), "route T-1", traceparent=unsampled
    )
    assert rec.status == "completed"
    assert exporter.get_finished_spans() == ()
    (seen,) = observed_agents.SEEN
    assert seen.traceparent is not None
    assert seen.traceparent.startswith(CALLER[:36])  # the caller's trace …
    assert seen.traceparent.endswith("-00")  # … still not sampled
    assert b"keel_runs_total" in telemetry.prometheus()[0]  # metrics count every run
