"""Resuming unfinished runs in-process: exactly-once steps, ``needs_review`` when unsure.

An unfinished run is made by cancelling the task that runs it while its tool blocks,
once the journal holds what the crash would have left (``writer.flush``). A new
``LocalEngine`` in the same process counts as a different, dead owner.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import Counter
from typing import Any

import pytest

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.errors import UserError
from keel.models import ModelRequest, ScriptedModel, ToolCall
from keel.models.scripted import ScriptItem
from keel.store import RunRecord, Store
from keel.tools import tool


class Workshop:
    """Tools that count their calls; ``hang`` blocks on its first call only."""

    def __init__(self, *, hang_idempotent: bool, fetch_idempotent: bool = True) -> None:
        self.calls: Counter[str] = Counter()
        self.hanging = asyncio.Event()

        @tool(name="fetch", idempotent=fetch_idempotent)
        async def fetch(item: str) -> str:
            """Fetch an item."""
            self.calls["fetch"] += 1
            return f"{item} fetched"

        @tool(name="hang", idempotent=hang_idempotent)
        async def hang() -> str:
            """Block on the first call (the crash happens there)."""
            self.calls["hang"] += 1
            if self.calls["hang"] == 1:
                self.hanging.set()
                await asyncio.Event().wait()
            return "hang finished"

        self.tools = [fetch, hang]


def script(request: ModelRequest) -> ScriptItem:
    """fetch, then hang, then answer with both results."""
    results = [m.content for m in request.messages if m.role == "tool"]
    if not results:
        return ToolCall("c1", "fetch", {"item": "report"})
    if len(results) == 1:
        return ToolCall("c2", "hang", {})
    return " / ".join(results)


def agent_for(workshop: Workshop, model: ScriptedModel, instructions: str = "") -> Agent:
    return Agent.define("worker", model=model, tools=workshop.tools, instructions=instructions)


async def crash_in_hang(store: Store, agent: Agent, workshop: Workshop, **kw: Any) -> RunRecord:
    """Run ``agent`` until ``hang`` blocks, make the journal durable, then "crash"."""
    engine = LocalEngine(store)
    task = asyncio.create_task(engine.run(agent, "make the report", **kw))
    await workshop.hanging.wait()
    await store.writer.flush()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The "crashed" engine is gone: closing it is what a dead process amounts to for
    # other engines of this process.
    await engine.close()
    (unfinished,) = store.runs.unfinished()
    assert unfinished.status == "running"
    assert unfinished.owner == engine.owner
    return unfinished


async def test_non_idempotent_tool_started_before_the_crash_needs_review(store: Store) -> None:
    workshop = Workshop(hang_idempotent=False)
    model = ScriptedModel(script)
    agent = agent_for(workshop, model)
    crashed = await crash_in_hang(store, agent, workshop)
    journal = store.runs.steps(crashed.id)
    assert [(s.step, s.kind, s.state) for s in journal] == [
        (1, "model", "completed"),
        (2, "tool", "completed"),
        (3, "model", "completed"),
        (4, "tool", "started"),
    ]

    (resumed,) = await LocalEngine(store).resume(lambda rec: agent)

    assert resumed.id == crashed.id
    assert resumed.status == "needs_review"
    assert resumed.error_code == "NEEDS_REVIEW"
    assert resumed.error_message is not None
    assert "'hang' (step 4) started before a crash" in resumed.error_message
    assert workshop.calls == Counter({"fetch": 1, "hang": 1})  # nothing ran again
    assert len(model.requests) == 2  # both model steps came from the journal
    assert store.runs.get(crashed.id) == resumed
    assert store.runs.unfinished() == []


async def test_idempotent_tool_started_before_the_crash_is_run_again(store: Store) -> None:
    workshop = Workshop(hang_idempotent=True)
    model = ScriptedModel(script)
    agent = agent_for(workshop, model)
    crashed = await crash_in_hang(store, agent, workshop, session_id="s-1", tenant="acme")

    engine = LocalEngine(store)
    (resumed,) = await engine.resume(lambda rec: agent)

    assert resumed.id == crashed.id
    assert resumed.status == "completed"
    assert resumed.output == "report fetched / hang finished"
    assert resumed.error_code is None
    assert (resumed.session_id, resumed.tenant) == ("s-1", "acme")
    assert resumed.owner == engine.owner
    assert resumed.steps == 5
    # Completed steps replayed from the journal, never re-executed.
    assert workshop.calls == Counter({"fetch": 1, "hang": 2})
    assert len(model.requests) == 3
    assert store.runs.get(crashed.id) == resumed
    assert [s.state for s in store.runs.steps(crashed.id)] == ["completed"] * 5


async def test_completed_non_idempotent_step_is_replayed_not_repeated(store: Store) -> None:
    workshop = Workshop(hang_idempotent=True, fetch_idempotent=False)
    model = ScriptedModel(script)
    agent = agent_for(workshop, model)
    await crash_in_hang(store, agent, workshop)

    (resumed,) = await LocalEngine(store).resume(lambda rec: agent)

    assert resumed.status == "completed"
    assert resumed.output == "report fetched / hang finished"
    assert workshop.calls["fetch"] == 1


async def test_a_changed_spec_needs_review(store: Store) -> None:
    workshop = Workshop(hang_idempotent=True)
    model = ScriptedModel(script)
    crashed = await crash_in_hang(store, agent_for(workshop, model), workshop)
    changed = agent_for(workshop, model, instructions="new instructions")

    (resumed,) = await LocalEngine(store).resume(lambda rec: changed)

    assert resumed.status == "needs_review"
    assert resumed.error_code == "NEEDS_REVIEW"
    assert resumed.error_message is not None
    assert "changed since this run started" in resumed.error_message
    assert workshop.calls["hang"] == 1
    assert len(model.requests) == 2
    assert store.runs.get(crashed.id) == resumed


async def test_an_agent_that_cannot_be_loaded_needs_review(store: Store) -> None:
    workshop = Workshop(hang_idempotent=True)
    await crash_in_hang(store, agent_for(workshop, ScriptedModel(script)), workshop)

    def gone(rec: RunRecord) -> Agent:
        raise UserError(f"spec of {rec.agent} was deleted")

    (resumed,) = await LocalEngine(store).resume(gone)

    assert resumed.status == "needs_review"
    assert resumed.error_message is not None
    assert "could not be loaded: spec of worker was deleted" in resumed.error_message


async def test_a_resumed_session_run_sees_only_earlier_turns(store: Store) -> None:
    workshop = Workshop(hang_idempotent=True)
    seen: list[ModelRequest] = []

    def chat(request: ModelRequest) -> ScriptItem:
        seen.append(request)
        if request.messages[-1].content == "earlier":
            return "noted"
        return script(request)

    agent = agent_for(workshop, ScriptedModel(chat))
    await LocalEngine(store).run(agent, "earlier", session_id="s-1")
    await crash_in_hang(store, agent, workshop, session_id="s-1")

    (resumed,) = await LocalEngine(store).resume(lambda rec: agent)

    assert resumed.status == "completed"
    assert [m.content for m in seen[-1].messages[1:3]] == ["earlier", "noted"]


async def test_runs_of_a_live_owner_are_left_alone(store: Store) -> None:
    engine = LocalEngine(store)
    workshop = Workshop(hang_idempotent=True)
    agent = agent_for(workshop, ScriptedModel(script))
    task = asyncio.create_task(engine.run(agent, "make the report"))
    await workshop.hanging.wait()
    await store.writer.flush()
    loaded: list[str] = []

    def load(rec: RunRecord) -> Agent:
        loaded.append(rec.id)
        return agent

    try:
        # Its own engine is alive, and so is another open engine of this process:
        # neither may resume it. Nor may anyone resume runs of this host's PID 1 or
        # of another host.
        assert await engine.resume(load) == []
        assert await LocalEngine(store).resume(load) == []
        for owner in [f"{socket.gethostname()}:1:x", "elsewhere.example:123:x"]:
            with store.engine.begin() as conn:
                conn.exec_driver_sql("UPDATE runs SET owner = ?", (owner,))
            assert await LocalEngine(store).resume(load) == []
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert loaded == []
    assert [r.status for r in store.runs.unfinished()] == ["running"]


async def test_a_run_of_a_dead_process_on_this_host_is_resumed(store: Store) -> None:
    workshop = Workshop(hang_idempotent=True)
    agent = agent_for(workshop, ScriptedModel(script))
    crashed = await crash_in_hang(store, agent, workshop)
    # A PID that was just used and has exited: free, as after a crash.
    proc = await asyncio.create_subprocess_exec("true")
    await proc.wait()
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE runs SET owner = ?", (f"{socket.gethostname()}:{proc.pid}:dead",)
        )
    assert proc.pid != os.getpid()

    (resumed,) = await LocalEngine(store).resume(lambda rec: agent)

    assert resumed.id == crashed.id
    assert resumed.status == "completed"


async def test_memory_engine_has_nothing_to_resume() -> None:
    assert await LocalEngine().resume(lambda rec: pytest.fail("nothing to load")) == []
