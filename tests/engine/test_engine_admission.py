"""Admission control: concurrency limits (global, per agent) and the bounded queue.

Runs park inside a tool on an ``asyncio.Event`` gate, so "how many are inside at once"
is counted, never inferred from timing.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.errors import RateLimited, UserError
from keel.models import ModelRequest, ScriptedModel, ToolCall
from keel.models.scripted import ScriptItem
from keel.store import RunRecord
from keel.tools import ToolContext, tool


class Gate:
    """Counts runs inside ``hold`` (per agent too) and keeps them there until opened."""

    def __init__(self) -> None:
        self.active: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.peak_total = 0
        self.open = asyncio.Event()
        self.changed = asyncio.Event()

    async def enter(self, agent: str) -> None:
        self.active[agent] += 1
        self.peak[agent] = max(self.peak[agent], self.active[agent])
        self.peak_total = max(self.peak_total, self.active.total())
        self.changed.set()
        await self.open.wait()
        self.active[agent] -= 1

    async def until_inside(self, n: int) -> None:
        while self.active.total() < n:
            self.changed.clear()
            await self.changed.wait()


async def settle() -> None:
    """Give every ready task many chances to run (enough to cross any limit it could)."""
    for _ in range(50):
        await asyncio.sleep(0)


def gated_agent(gate: Gate, name: str = "worker") -> Agent:
    @tool(idempotent=True)
    async def hold(context: ToolContext) -> str:
        """Wait at the gate."""
        await gate.enter(context.agent)
        return "through"

    def script(request: ModelRequest) -> ScriptItem:
        if request.messages[-1].role == "tool":
            return "done"
        return ToolCall("c1", "hold", {})

    return Agent.define(name, model=ScriptedModel(script), tools=[hold])


async def test_at_most_max_concurrency_runs_execute_at_once() -> None:
    gate = Gate()
    engine = LocalEngine(max_concurrency=2)
    agent = gated_agent(gate)

    tasks = [asyncio.create_task(engine.run(agent, f"job {i}")) for i in range(5)]
    await gate.until_inside(2)
    await settle()

    assert gate.active.total() == 2
    assert engine.waiting == 3
    gate.open.set()
    records = await asyncio.gather(*tasks)
    assert [r.status for r in records] == ["completed"] * 5
    assert gate.peak_total == 2
    assert engine.waiting == 0


async def test_at_most_max_concurrency_per_agent_runs_of_one_agent() -> None:
    gate = Gate()
    engine = LocalEngine(max_concurrency=10, max_concurrency_per_agent=1)
    a, b = gated_agent(gate, "alpha"), gated_agent(gate, "beta")

    tasks = [asyncio.create_task(engine.run(agent, "job")) for agent in (a, a, a, b)]
    await gate.until_inside(2)
    await settle()

    assert gate.active == Counter({"alpha": 1, "beta": 1})
    gate.open.set()
    await asyncio.gather(*tasks)
    assert gate.peak == Counter({"alpha": 1, "beta": 1})


async def test_a_run_waiting_for_its_agent_does_not_block_other_agents() -> None:
    gate = Gate()
    engine = LocalEngine(max_concurrency=2, max_concurrency_per_agent=1)
    a, b = gated_agent(gate, "alpha"), gated_agent(gate, "beta")

    tasks = [asyncio.create_task(engine.run(agent, "job")) for agent in (a, a, b)]
    await settle()
    try:
        assert gate.active == Counter({"alpha": 1, "beta": 1})
    finally:
        gate.open.set()
        await asyncio.gather(*tasks)


async def test_beyond_the_queue_runs_are_rate_limited_at_once() -> None:
    gate = Gate()
    engine = LocalEngine(max_concurrency=1, max_queue=1)
    agent = gated_agent(gate)

    running = asyncio.create_task(engine.run(agent, "first"))
    await gate.until_inside(1)
    queued = asyncio.create_task(engine.run(agent, "second"))
    await settle()
    assert engine.waiting == 1

    with pytest.raises(RateLimited) as info:
        await engine.run(agent, "third")

    assert info.value.code == "RATE_LIMITED"
    assert info.value.retry_after_s > 0
    gate.open.set()
    records: list[RunRecord] = [await running, await queued]
    assert [r.status for r in records] == ["completed", "completed"]
    # With the queue drained there is room again.
    assert (await engine.run(agent, "fourth")).status == "completed"


async def test_with_no_queue_a_free_slot_still_runs() -> None:
    agent = Agent.define("direct", model=ScriptedModel(["ok"]))

    rec = await LocalEngine(max_concurrency=1, max_queue=0).run(agent, "go")

    assert rec.status == "completed"


async def test_a_cancelled_waiting_run_leaves_the_queue() -> None:
    gate = Gate()
    engine = LocalEngine(max_concurrency=1, max_queue=1)
    agent = gated_agent(gate)

    running = asyncio.create_task(engine.run(agent, "first"))
    await gate.until_inside(1)
    queued = asyncio.create_task(engine.run(agent, "second"))
    await settle()
    queued.cancel()
    with pytest.raises(asyncio.CancelledError):
        await queued

    assert engine.waiting == 0
    gate.open.set()
    assert (await running).status == "completed"
    assert (await engine.run(agent, "third")).status == "completed"


@pytest.mark.parametrize(
    ("concurrency", "queue"), [(0, 10), (1, -1)], ids=["no-concurrency", "negative-queue"]
)
def test_limits_are_checked_at_construction(concurrency: int, queue: int) -> None:
    with pytest.raises(UserError, match="max_concurrency must be >= 1"):
        LocalEngine(max_concurrency=concurrency, max_queue=queue)
