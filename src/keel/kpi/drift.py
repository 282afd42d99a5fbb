"""Drift monitoring: per agent and metric, each time window against its EWMA baseline.

Windows are fixed, aligned slices of time (``window_s`` long, e.g. each hour on the
hour). Once a window is complete, ``DriftMonitor.check`` computes its values from
the runs created in it and judges each against that metric's baseline
(``keel.telemetry.drift.DriftRule``): an alert fires when a window sits more than
``sigma`` standard deviations away, and clears when a later window is back within
bounds. A window with fewer than ``min_runs`` finished runs tells nothing and is
skipped. Each window is processed once: the baselines' ``updated_at`` is the end of
the last window they took in.

Metrics, per agent and window:

====================  ==================================================================
``latency_s``         mean wall time of finished runs
``tokens_per_run``    mean input + output tokens of finished runs
``tool_rate:<tool>``  calls of ``<tool>`` per finished run
``escalation_rate``   finished runs handed to a person (approval, escalation, review)
``thumbs_down_rate``  thumbs down over thumbs given in the window (``min_runs`` of them)
``label:<value>``     share of finished runs whose answer is labelled ``<value>``: a
                      structured answer's ``label``, ``category``, ``intent`` or
                      ``classification`` field, the first present
====================  ==================================================================

Alerts are rows in ``alerts`` (``keel alerts``), POSTed to the configured webhooks
when they fire and when they clear, and reported as the ``keel.drift.alerts.firing``
gauge when the monitor has telemetry.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from keel.kpi.feedback import new_id
from keel.store import Store
from keel.store.schema import alerts, approvals, drift_baselines, feedback, run_steps, runs
from keel.telemetry.alerts import Alert, AlertNotifier, AlertStatus
from keel.telemetry.drift import Baseline, DriftRule, Verdict

if TYPE_CHECKING:
    from keel.config import Settings
    from keel.telemetry import Telemetry

log = logging.getLogger(__name__)

LABEL_FIELDS = ("label", "category", "intent", "classification")
_FINISHED = ("completed", "failed", "needs_review", "escalated")
_METRIC_LEN = 80
# The smallest standard deviation each metric family is judged with: changes under
# these never alert (5 percentage points of a rate, 10 ms, one token, 0.1 calls/run).
_ABS_FLOORS = {
    "latency_s": 0.01,
    "tokens_per_run": 1.0,
    "tool_rate": 0.1,
    "escalation_rate": 0.05,
    "thumbs_down_rate": 0.05,
    "label": 0.05,
}


@dataclass(frozen=True, slots=True)
class DriftSettings:
    """How windows are cut and judged (``keel.toml``: ``drift_*``)."""

    sigma: float = 2.0
    window_s: float = 3600.0
    min_samples: int = 5
    min_runs: int = 5
    alpha: float = 0.1
    rel_floor: float = 0.1
    # How far back a new baseline starts learning, and the most windows one check reads.
    max_windows: int = 500

    @classmethod
    def from_settings(cls, s: Settings) -> DriftSettings:
        return cls(
            sigma=s.drift_sigma,
            window_s=s.drift_window_s,
            min_samples=s.drift_min_samples,
            min_runs=s.drift_min_runs,
            alpha=s.drift_alpha,
        )

    def rule(self, metric: str) -> DriftRule:
        family = metric.split(":", 1)[0]
        return DriftRule(
            sigma=self.sigma,
            alpha=self.alpha,
            min_samples=self.min_samples,
            rel_floor=self.rel_floor,
            abs_floor=_ABS_FLOORS.get(family, 0.0),
        )


@dataclass(frozen=True, slots=True)
class WindowValues:
    """One window of one agent: its finished runs and each metric's value."""

    agent: str
    start: float
    end: float
    runs: int
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """What one check changed: an alert that ``fired`` or ``cleared``."""

    event: AlertStatus
    alert: Alert


class AlertRepository:
    """The ``alerts`` table."""

    def __init__(self, store: Store) -> None:
        self._engine = store.engine

    def list(
        self, *, status: AlertStatus | None = None, agent: str | None = None, limit: int = 100
    ) -> list[Alert]:
        """Newest first."""
        q = select(alerts).order_by(alerts.c.fired_at.desc(), alerts.c.id.desc()).limit(limit)
        if status is not None:
            q = q.where(alerts.c.status == status)
        if agent is not None:
            q = q.where(alerts.c.agent == agent)
        with self._engine.connect() as conn:
            return [_alert(r) for r in conn.execute(q).mappings()]

    def firing(self, agent: str) -> dict[str, Alert]:
        return {a.metric: a for a in self.list(status="firing", agent=agent, limit=10_000)}


def _alert(row: Any) -> Alert:
    return Alert(
        id=row["id"],
        agent=row["agent"],
        metric=row["metric"],
        status=row["status"],
        value=row["value"],
        baseline_mean=row["baseline_mean"],
        baseline_std=row["baseline_std"],
        sigmas=row["sigmas"],
        fired_at=row["fired_at"],
        cleared_at=row["cleared_at"],
    )


class DriftMonitor:
    """Judges complete windows against baselines; stores, sends and reports alerts."""

    def __init__(
        self,
        store: Store,
        settings: DriftSettings | None = None,
        *,
        telemetry: Telemetry | None = None,
        notifier: AlertNotifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings or DriftSettings()
        self.alerts = AlertRepository(store)
        self._telemetry = telemetry
        self._notifier = notifier
        self._clock = clock

    async def check(self, *, agent: str | None = None) -> list[AlertEvent]:
        """Process every complete window not yet judged (of ``agent``, or every agent
        with recent runs); return the alerts that fired or cleared, in order."""
        now = self._clock()
        w = self.settings.window_s
        horizon = math.floor(now / w) * w  # the end of the last complete window
        oldest = horizon - self.settings.max_windows * w
        names = [agent] if agent is not None else self._agents(oldest)
        events: list[AlertEvent] = []
        for name in names:
            events.extend(self._check_agent(name, oldest, horizon))
        if self._telemetry is not None:
            for e in events:
                self._telemetry.metrics.drift(
                    agent=e.alert.agent, metric=e.alert.metric, firing=e.event == "firing"
                )
        if self._notifier is not None:
            for e in events:
                await self._notifier.send(e.alert, e.event)
        return events

    async def watch(self, *, interval_s: float | None = None) -> None:
        """Check forever, every ``interval_s`` (default: a quarter window, 1 s to 5 min).
        Errors are logged and the next check goes on; cancel the task to stop."""
        every = interval_s or min(max(self.settings.window_s / 4, 1.0), 300.0)
        while True:
            try:
                await self.check()
            except Exception:
                log.exception("drift check failed; retrying in %.0fs", every)
            await asyncio.sleep(every)

    # -- one agent -----------------------------------------------------------------------

    def _check_agent(self, agent: str, oldest: float, horizon: float) -> list[AlertEvent]:
        baselines = self._baselines(agent)
        processed = max((b[1] for b in baselines.values()), default=None)
        start = oldest if processed is None else max(processed, oldest)
        if start >= horizon:
            return []
        firing = self.alerts.firing(agent)
        events: list[AlertEvent] = []
        for window in self.windows(agent, start, horizon):
            if window.runs < self.settings.min_runs:
                continue
            values = dict(window.values)
            # A label or tool seen before and absent now is a share or rate of zero.
            for metric in baselines:
                if metric.startswith(("label:", "tool_rate:")):
                    values.setdefault(metric, 0.0)
            for metric, value in sorted(values.items()):
                base = baselines.get(metric, (Baseline(), 0.0))[0]
                alert = firing.get(metric)
                verdict = self.settings.rule(metric).judge(base, value, firing=alert is not None)
                baselines[metric] = (verdict.baseline, window.end)
                event = self._apply(agent, metric, verdict, alert, window.end)
                if event is not None:
                    events.append(event)
                    if event.event == "firing":
                        firing[metric] = event.alert
                    else:
                        firing.pop(metric, None)
        self._save(agent, baselines)
        return events

    def _apply(
        self, agent: str, metric: str, verdict: Verdict, alert: Alert | None, at: float
    ) -> AlertEvent | None:
        if verdict.action == "fire":
            fired = Alert(
                id=new_id("alr"),
                agent=agent,
                metric=metric,
                status="firing",
                value=verdict.value,
                baseline_mean=verdict.mean,
                baseline_std=verdict.std,
                sigmas=verdict.sigmas,
                fired_at=at,
            )
            row = fired.to_dict()
            with self.store.engine.begin() as conn:
                conn.execute(insert(alerts), row)
            log.warning("drift alert fired: %s", fired.summary)
            return AlertEvent("firing", fired)
        if verdict.action == "clear" and alert is not None:
            with self.store.engine.begin() as conn:
                conn.execute(
                    update(alerts)
                    .where(alerts.c.id == alert.id)
                    .values(status="cleared", cleared_at=at)
                )
            cleared = Alert(**{**alert.to_dict(), "status": "cleared", "cleared_at": at})
            log.info("drift alert cleared: %s (now %.4g)", alert.summary, verdict.value)
            return AlertEvent("cleared", cleared)
        return None

    def _baselines(self, agent: str) -> dict[str, tuple[Baseline, float]]:
        q = select(drift_baselines).where(drift_baselines.c.agent == agent)
        with self.store.engine.connect() as conn:
            return {
                r["metric"]: (Baseline(r["mean"], r["var"], r["n"]), r["updated_at"])
                for r in conn.execute(q).mappings()
            }

    def _save(self, agent: str, baselines: dict[str, tuple[Baseline, float]]) -> None:
        known = set(self._baselines(agent))
        with self.store.engine.begin() as conn:
            for metric, (b, at) in baselines.items():
                values = {"mean": b.mean, "var": b.var, "n": b.n, "updated_at": at}
                if metric in known:
                    conn.execute(
                        update(drift_baselines)
                        .where(drift_baselines.c.agent == agent, drift_baselines.c.metric == metric)
                        .values(**values)
                    )
                else:
                    conn.execute(
                        insert(drift_baselines), {"agent": agent, "metric": metric, **values}
                    )

    def _agents(self, since: float) -> list[str]:
        q = select(runs.c.agent).where(runs.c.created_at >= since).distinct()
        with self.store.engine.connect() as conn:
            return sorted(n for (n,) in conn.execute(q))

    # -- window values ---------------------------------------------------------------------

    def windows(self, agent: str, start: float, end: float) -> list[WindowValues]:
        """The complete windows of ``agent`` from ``start`` to ``end``, oldest first
        (only those with a finished run or a thumb)."""
        w = self.settings.window_s
        where = [runs.c.agent == agent, runs.c.created_at >= start, runs.c.created_at < end]
        ids = select(runs.c.id).where(*where).scalar_subquery()
        per: dict[int, _Window] = defaultdict(_Window)
        with self.store.engine.connect() as conn:
            q = select(
                runs.c.id,
                runs.c.status,
                runs.c.error_code,
                runs.c.created_at,
                runs.c.finished_at,
                runs.c.input_tokens,
                runs.c.output_tokens,
                runs.c.output,
            ).where(*where)
            index: dict[str, int] = {}
            for r in conn.execute(q).mappings():
                k = math.floor(r["created_at"] / w)
                index[r["id"]] = k
                per[k].add_run(r)
            steps = select(run_steps.c.run_id, run_steps.c.name).where(
                run_steps.c.run_id.in_(ids), run_steps.c.kind == "tool"
            )
            for run_id, tool in conn.execute(steps):
                if run_id in index:
                    per[index[run_id]].tool(run_id, tool)
            asked = select(approvals.c.run_id).where(approvals.c.run_id.in_(ids)).distinct()
            for (run_id,) in conn.execute(asked):
                if run_id in index:
                    per[index[run_id]].handed_off.add(run_id)
            thumbs = select(feedback.c.created_at, feedback.c.value).where(
                feedback.c.agent == agent,
                feedback.c.kind == "thumbs",
                feedback.c.created_at >= start,
                feedback.c.created_at < end,
            )
            for created_at, value in conn.execute(thumbs):
                per[math.floor(created_at / w)].thumb(value)
        return [
            per[k].values(agent, k * w, (k + 1) * w, self.settings.min_runs) for k in sorted(per)
        ]


@dataclass(slots=True)
class _Window:
    finished: set[str] = field(default_factory=set)
    latency: list[float] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    handed_off: set[str] = field(default_factory=set)
    tools: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    labels: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    thumbs_up: int = 0
    thumbs_down: int = 0

    def add_run(self, r: Any) -> None:
        if r["status"] == "awaiting_approval":
            self.handed_off.add(r["id"])
        if r["finished_at"] is None or r["status"] not in _FINISHED:
            return
        self.finished.add(r["id"])
        self.latency.append(r["finished_at"] - r["created_at"])
        self.tokens.append(r["input_tokens"] + r["output_tokens"])
        if r["status"] in ("needs_review", "escalated") or r["error_code"] == "ESCALATED":
            self.handed_off.add(r["id"])
        label = output_label(r["output"])
        if label is not None:
            self.labels[label[: _METRIC_LEN - 6]] += 1

    def tool(self, run_id: str, name: str) -> None:
        if run_id in self.finished:
            self.tools[name[: _METRIC_LEN - 10]] += 1

    def thumb(self, value: float | None) -> None:
        if value is not None and value > 0:
            self.thumbs_up += 1
        else:
            self.thumbs_down += 1

    def values(self, agent: str, start: float, end: float, min_runs: int) -> WindowValues:
        n = len(self.finished)
        out: dict[str, float] = {}
        if n:
            out["latency_s"] = sum(self.latency) / n
            out["tokens_per_run"] = sum(self.tokens) / n
            out["escalation_rate"] = len(self.handed_off & self.finished) / n
            out.update({f"tool_rate:{t}": c / n for t, c in self.tools.items()})
            out.update({f"label:{v}": c / n for v, c in self.labels.items()})
        thumbs = self.thumbs_up + self.thumbs_down
        if thumbs >= min_runs:
            out["thumbs_down_rate"] = self.thumbs_down / thumbs
        return WindowValues(agent, start, end, n, out)


def output_label(stored: str | None) -> str | None:
    """The label of a stored answer: the first string field of ``LABEL_FIELDS``."""
    if not stored or not stored.startswith("{"):
        return None
    try:
        value = json.loads(stored)
    except ValueError:
        return None
    if isinstance(value, dict):
        for name in LABEL_FIELDS:
            label = value.get(name)
            if isinstance(label, str) and label:
                return label
    return None
