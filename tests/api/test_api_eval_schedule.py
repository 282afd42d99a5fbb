"""keel serve runs the served agents' eval suites on the ``eval_schedule`` cron."""

from __future__ import annotations

from pathlib import Path

from conftest import EXAMPLE, make_settings
from keel import host
from keel.api.app import eval_scheduler, service_for
from keel.api.registry import AgentRegistry
from keel.evals import EvalHistory


async def test_a_scheduled_evaluation_runs_the_suites_and_stores_the_results(
    tmp_path: Path, offline: None
) -> None:
    settings = make_settings(tmp_path, eval_schedule="0 3 * * *")  # nightly, 03:00 UTC
    svc = service_for(settings, AgentRegistry([host.load_agent(EXAMPLE, settings, credentials={})]))
    now = [1_800_000_000.0]  # 2027-01-15 08:00 UTC
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    try:
        scheduler = eval_scheduler(svc, clock=lambda: now[0], sleep=sleep)
        assert scheduler is not None
        await scheduler.run(max_runs=1)
        # It waited for the next 03:00 UTC (19 h later), in steps of at most a minute.
        assert sum(slept) == 19 * 3600
        [summary] = EvalHistory(svc.store).recent(agent="helpdesk")
        assert summary.trigger == "schedule"
        assert summary.cases >= 200
        assert summary.passed == summary.cases
    finally:
        await svc.close()
        svc.store.close()


def test_no_schedule_no_scheduler(tmp_path: Path, offline: None) -> None:
    settings = make_settings(tmp_path)
    svc = service_for(settings, AgentRegistry([host.load_agent(EXAMPLE, settings, credentials={})]))
    try:
        assert eval_scheduler(svc) is None
    finally:
        svc.store.close()
