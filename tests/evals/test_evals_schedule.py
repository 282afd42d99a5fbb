"""Scheduled evaluations: the cron parser, the scheduler on an injected clock, the setting."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eval_kit import HELPDESK, agent_at, helpdesk_copy

from keel.agent import Agent
from keel.config import load_settings
from keel.errors import ConfigError
from keel.evals import CronSchedule, EvalHistory, EvalScheduler, evaluate_agents
from keel.models import ScriptedModel
from keel.store import Store


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        ("0 2 * * *", "2026-03-01T01:59:30", "2026-03-01T02:00:00"),
        ("0 2 * * *", "2026-03-01T02:00:00", "2026-03-02T02:00:00"),
        ("*/15 * * * *", "2026-03-01T10:07:00", "2026-03-01T10:15:00"),
        ("30 9 * * mon-fri", "2026-03-06T10:00:00", "2026-03-09T09:30:00"),  # Fri -> Mon
        ("0 0 1 jan *", "2026-06-15T00:00:00", "2027-01-01T00:00:00"),
        ("0 0 29 2 *", "2026-03-01T00:00:00", "2028-02-29T00:00:00"),
        ("0 12 13 * 5", "2026-03-01T00:00:00", "2026-03-06T12:00:00"),  # the 13th OR a Friday
        ("5,10-12/2 3 * * 7", "2026-03-01T03:05:00", "2026-03-01T03:10:00"),  # Sunday as 7
        ("@daily", "2026-03-01T12:00:00", "2026-03-02T00:00:00"),
        ("@hourly", "2026-03-01T12:00:00", "2026-03-01T13:00:00"),
        ("@weekly", "2026-03-04T12:00:00", "2026-03-08T00:00:00"),
    ],
)
def test_next_after(expr: str, after: str, expected: str) -> None:
    assert CronSchedule.parse(expr).next_after(_at(after)) == _at(expected)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 2 * *", "has 4 field(s); it needs 5"),
        ("61 * * * *", "minute '61': minute runs from 0 to 59"),
        ("0 0 * foo *", "month 'foo': expected a number from 1 to 12"),
        ("*/0 * * * *", "a step is a number of at least 1"),
        ("0 5-1 * * *", "range 5-1 runs backwards"),
        ("0 0 31 2 *", "never matches a real date"),
    ],
)
def test_bad_expressions_say_what_is_wrong(expr: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        CronSchedule.parse(expr)
    assert message in e.value.message


def test_the_setting_and_its_variable() -> None:
    assert load_settings({}).eval_schedule is None
    settings = load_settings({"KEEL_EVAL_SCHEDULE": "@nightly"}, cwd=Path("/nonexistent"))
    assert settings.eval_schedule == "@nightly"
    with pytest.raises(ConfigError, match=r"eval_schedule: .*hour '24'"):
        load_settings({"KEEL_EVAL_SCHEDULE": "0 24 * * *"}, cwd=Path("/nonexistent"))


class FakeClock:
    """Time that passes only when the scheduler sleeps (or a job says it took a while)."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_the_scheduler_runs_the_job_at_each_scheduled_minute() -> None:
    clock = FakeClock(_at("2026-03-01T23:00:00"))
    fired: list[datetime] = []

    async def job() -> None:
        fired.append(datetime.fromtimestamp(clock(), UTC))

    scheduler = EvalScheduler(CronSchedule.parse("0 2 * * *"), job, clock=clock, sleep=clock.sleep)
    assert scheduler.next_run() == _at("2026-03-02T02:00:00").timestamp()
    await scheduler.run(max_runs=3)
    assert fired == [
        _at("2026-03-02T02:00:00"),
        _at("2026-03-03T02:00:00"),
        _at("2026-03-04T02:00:00"),
    ]
    assert max(clock.sleeps) == 60.0  # never sleeps longer than a minute at a time


async def test_a_slow_or_failing_job_neither_doubles_up_nor_stops_the_schedule() -> None:
    clock = FakeClock(_at("2026-03-01T10:00:30"))
    fired: list[datetime] = []

    async def job() -> None:
        fired.append(datetime.fromtimestamp(clock(), UTC))
        clock.now += 150  # takes two and a half minutes
        if len(fired) == 1:
            raise RuntimeError("the first run breaks")

    scheduler = EvalScheduler(CronSchedule.parse("* * * * *"), job, clock=clock, sleep=clock.sleep)
    await scheduler.run(max_runs=2)
    assert fired == [_at("2026-03-01T10:01:00"), _at("2026-03-01T10:04:00")]
    assert (scheduler.runs, scheduler.failures) == (2, 1)


async def test_start_and_stop_in_the_background() -> None:
    started = asyncio.Event()

    async def job() -> None:
        started.set()

    async def no_wait(_: float) -> None:
        await asyncio.sleep(0)

    clock = FakeClock(_at("2026-03-01T10:00:00"))

    async def tick(seconds: float) -> None:
        await clock.sleep(seconds)
        await no_wait(seconds)

    scheduler = EvalScheduler(CronSchedule.parse("@hourly"), job, clock=clock, sleep=tick)
    task = scheduler.start()
    assert scheduler.start() is task
    await asyncio.wait_for(started.wait(), 5)
    await scheduler.stop()
    assert task.cancelled() or task.done()


async def test_a_scheduled_evaluation_lands_in_the_same_tables(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = helpdesk_copy(tmp_path / "broken")
    (broken / "evals").mkdir()
    (broken / "evals" / "bad.yaml").write_text("cases: [{id: a, inptu: x}]\n")
    agents = [
        agent_at(HELPDESK),
        Agent.define("inline", model=ScriptedModel(["hi"])),  # no spec, no suites: skipped
        agent_at(broken),
    ]
    store = Store.open(f"sqlite:///{tmp_path / 'keel.db'}")
    try:
        history = EvalHistory(store)
        job = evaluate_agents(lambda: agents, history, credentials={}, concurrency=8)
        clock = FakeClock(_at("2026-03-01T01:59:00"))
        scheduler = EvalScheduler(
            CronSchedule.parse("0 2 * * *"), job, clock=clock, sleep=clock.sleep
        )
        with caplog.at_level(logging.INFO, logger="keel.evals._scheduler"):
            await scheduler.run(max_runs=1)
        (stored,) = history.recent()
        assert stored.agent == "helpdesk"
        assert stored.trigger == "schedule"
        assert stored.suites == ("journeys", "regression", "adversarial")
        assert stored.cases == stored.passed
        assert stored.cases >= 200
        assert scheduler.failures == 0
        assert "scheduled evaluation of helpdesk@1.0.0" in caplog.text
        assert "unknown key 'inptu'" in caplog.text
    finally:
        store.close()
