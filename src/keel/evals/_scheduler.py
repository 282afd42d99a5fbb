"""Scheduled evaluations: a job run at the minutes a cron expression names.

``keel serve`` starts one ``EvalScheduler`` when ``eval_schedule`` is set
(``KEEL_EVAL_SCHEDULE``), with the job ``evaluate_agents(...)`` builds: every served
agent's suites through ``evaluate(..., trigger="schedule")``, so the results land in
the same tables as ``keel eval``. The clock and the sleep are injectable: tests drive
a day of schedule in microseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from keel.agent import Agent
from keel.errors import KeelError
from keel.evals._cron import CronSchedule
from keel.evals._evaluate import evaluate
from keel.evals._history import EvalHistory
from keel.evals._judge import build_judges
from keel.evals._loading import suites_for
from keel.evals._results import EvalReport
from keel.models.pricing import PriceTable
from keel.spec.loader import load_spec

log = logging.getLogger(__name__)

# Sleep at most this long at a time, so a wall clock that jumps (suspend, NTP) is
# noticed within a minute instead of after a long sleep computed from the old time.
MAX_SLEEP_S = 60.0


class EvalScheduler:
    """Calls ``job`` at every time ``schedule`` names, one at a time.

    A run that takes longer than the interval is not doubled up: the next time is
    computed after it ends, and times missed meanwhile are skipped, not replayed.
    A job that raises is logged and the schedule goes on.
    """

    def __init__(
        self,
        schedule: CronSchedule,
        job: Callable[[], Awaitable[Any]],
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.schedule = schedule
        self._job = job
        self._clock = clock
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self.runs = 0
        self.failures = 0

    def next_run(self) -> float:
        """When the job runs next (UNIX seconds)."""
        now = datetime.fromtimestamp(self._clock(), UTC)
        return self.schedule.next_after(now).timestamp()

    async def run(self, *, max_runs: int | None = None) -> None:
        """Run the schedule until cancelled (or ``max_runs`` jobs have run)."""
        while max_runs is None or self.runs < max_runs:
            due = self.next_run()
            while (left := due - self._clock()) > 0:
                await self._sleep(min(left, MAX_SLEEP_S))
            self.runs += 1
            try:
                await self._job()
            except Exception:
                self.failures += 1
                log.exception("scheduled evaluation failed (%s)", self.schedule.text)

    def start(self) -> asyncio.Task[None]:
        """Run in the background on the current event loop; ``stop`` ends it."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run())
        return self._task

    async def stop(self) -> None:
        """Cancel the background task (a job in progress is cancelled too)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def evaluate_agents(
    agents: Callable[[], Iterable[Agent]],
    history: EvalHistory,
    *,
    credentials: Mapping[str, str],
    prices: PriceTable | None = None,
    concurrency: int = 4,
    session_turns: int = 20,
) -> Callable[[], Awaitable[list[EvalReport]]]:
    """A scheduler job: evaluate each agent ``agents()`` names, one after another.

    Each agent's suites are read from its spec folder at every run (``suites_for``,
    adversarial corpus included), so edited suites count from the next run; an agent
    defined in code (no spec) has none and is skipped. An agent whose suites cannot be
    loaded is logged and skipped; the others still run.
    """

    async def job() -> list[EvalReport]:
        reports = []
        for agent in agents():
            if agent.spec_path is None:
                continue
            try:
                suites = suites_for(load_spec(agent.spec_path))
                _, judges = build_judges(suites, credentials=credentials, prices=prices)
                report = await evaluate(
                    agent,
                    suites,
                    history=history,
                    judges=judges,
                    trigger="schedule",
                    concurrency=concurrency,
                    session_turns=session_turns,
                )
            except KeelError as e:
                log.error("scheduled evaluation of %s skipped: %s: %s", agent.ref, e.code, e)
                continue
            reports.append(report)
            log.info(
                "scheduled evaluation %s of %s: %d/%d passed",
                report.id,
                agent.ref,
                sum(r.passed for r in report.results),
                len(report.results),
            )
        return reports

    return job
