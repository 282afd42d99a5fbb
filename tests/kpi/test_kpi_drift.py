"""Drift, for real: a tool slows down, the latency alert fires; it recovers, it clears.

Runs go through a durable engine whose clock is real time shifted by an offset the
test moves forward one window at a time: each run's latency is real (the tool really
sleeps), while windows of 100 "seconds" pass in a moment.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kpi_seed import add_feedback, add_run, add_tool_step
from webhook_receiver import Hook, webhook_receiver

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.kpi import AlertRepository, DriftMonitor, DriftSettings
from keel.kpi.drift import output_label
from keel.models import ModelRequest, ScriptedModel, ToolCall
from keel.store import Store
from keel.telemetry import AlertNotifier, Telemetry, TelemetryConfig, sign
from keel.tools import tool

WINDOW = 100.0
START = 1_800_000_000.0  # a window boundary


class ShiftedClock:
    def __init__(self) -> None:
        self.offset = 0.0
        self._t0 = time.time()

    def __call__(self) -> float:
        return START + self.offset + (time.time() - self._t0)

    def enter_window(self, k: int) -> None:
        self.offset = k * WINDOW + 1.0 - (time.time() - self._t0)


@pytest.fixture
def hook() -> Iterator[Hook]:
    with webhook_receiver() as h:
        yield h


async def test_a_slowed_tool_fires_the_latency_alert_and_recovery_clears_it(
    tmp_path: Path, hook: Hook
) -> None:
    delay = {"s": 0.05}

    @tool(name="search", idempotent=True)
    async def search(query: str) -> str:
        """Search the knowledge base."""
        await asyncio.sleep(delay["s"])
        return "article 7"

    def script(request: ModelRequest) -> str | ToolCall:
        if request.messages[-1].role == "tool":
            return "See article 7."
        return ToolCall("c1", "search", {"query": "vpn"})

    agent = Agent.define("helpdesk", model=ScriptedModel(script), tools=[search])
    clock = ShiftedClock()
    store = Store.open(f"sqlite:///{tmp_path / 'k.db'}")
    engine = LocalEngine(store, clock=clock)
    telemetry = Telemetry(TelemetryConfig(prometheus=True))
    monitor = DriftMonitor(
        store,
        DriftSettings(
            sigma=3.0, window_s=WINDOW, min_samples=4, min_runs=3, alpha=0.3, rel_floor=0.3
        ),
        telemetry=telemetry,
        notifier=AlertNotifier([hook.url], secret="hook-secret"),
        clock=clock,
    )

    async def window(k: int, seconds: float) -> list[str]:
        """Three runs in window k, then a check once it is complete."""
        delay["s"] = seconds
        clock.enter_window(k)
        recs = await asyncio.gather(*(engine.run(agent, "vpn drops") for _ in range(3)))
        assert {r.status for r in recs} == {"completed"}
        clock.enter_window(k + 1)
        return [f"{e.event} {e.alert.metric}" for e in await monitor.check()]

    for k in range(5):  # the baseline learns: no alert, whatever the noise
        assert await window(k, 0.05) == []
    assert await window(5, 0.5) == ["firing latency_s"]
    (alert,) = AlertRepository(store).list(status="firing")
    assert alert.agent == "helpdesk"
    assert alert.value > 0.5
    assert alert.sigmas > 3
    assert alert.fired_at == START + 6 * WINDOW
    assert 0.05 <= alert.baseline_mean < 0.5
    firing = 'keel_drift_alerts_firing{gen_ai_agent_name="helpdesk",keel_drift_metric="latency_s"}'
    assert f"{firing} 1.0" in telemetry.prometheus()[0].decode()

    assert await window(6, 0.05) == ["cleared latency_s"]
    assert AlertRepository(store).list(status="firing") == []
    (cleared,) = AlertRepository(store).list(status="cleared")
    assert cleared.id == alert.id
    assert cleared.cleared_at == START + 7 * WINDOW
    assert f"{firing} 0.0" in telemetry.prometheus()[0].decode()
    assert await window(7, 0.05) == []  # windows are judged once: nothing new

    assert [e["event"] for e in hook.events()] == ["keel.drift.firing", "keel.drift.cleared"]
    for headers, body in hook.received:
        assert headers["x-keel-signature"] == sign("hook-secret", headers["x-keel-timestamp"], body)
    await engine.close()
    store.close()
    telemetry.shutdown()


async def test_labels_rates_and_thin_windows(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'k.db'}")
    monitor = DriftMonitor(store, DriftSettings(window_s=WINDOW, min_runs=2), clock=lambda: 0)
    for i, (label, tools) in enumerate([("network", 2), ("network", 0), ("hardware", 1)]):
        rid = f"r{i}"
        add_run(store, rid, created=START + i, finished=START + i + 0.5,
                output={"category": label, "answer": "…"})  # fmt: skip
        for step in range(tools):
            add_tool_step(store, rid, step + 2)
    add_run(store, "r3", created=START + 3, finished=START + 4, status="needs_review",
            error_code="NEEDS_REVIEW", output=None)  # fmt: skip
    add_run(store, "late", created=START + WINDOW + 1, finished=START + WINDOW + 2)  # 1 run
    for value in (1, -1, -1):
        add_feedback(store, "r0", "thumbs", value=value, created=START + 5)
    first, thin = monitor.windows("helpdesk", START, START + 2 * WINDOW)
    assert (first.start, first.end, first.runs) == (START, START + WINDOW, 4)
    assert first.values == {
        "latency_s": pytest.approx((0.5 * 3 + 1.0) / 4),
        "tokens_per_run": 15.0,
        "escalation_rate": 0.25,
        "tool_rate:search": 0.75,
        "label:network": 0.5,
        "label:hardware": 0.25,
        "thumbs_down_rate": pytest.approx(2 / 3),
    }
    assert thin.runs == 1  # under min_runs: a check skips it
    assert output_label('{"intent": "vpn", "label": 3}') == "vpn"
    assert output_label('"just text"') is None
    store.close()
