"""KPIs per agent, version and time window, computed from the store, against targets.

``kpi_report(store, tenant=..., agent=..., since=...)`` is what ``keel kpi report``
prints and what the HTTP API serves. Every number is computed from runs created in
the window (``since`` to now), their journal, approvals and feedback; definitions
are in ``KPIS`` and docs/observability.md. A KPI with nothing to compute it from
(no finished run, no rated feedback) is ``null``, never a made-up zero.

Targets come from the agent's spec (``spec.kpis``): the spec the agent's newest run
was started from, read for its ``kpis`` section only (no tool code is imported).
Without ``since``, a KPI with a target is measured over its own ``window``.

The evaluation KPIs (group ``evaluation``) come from ``eval_runs`` instead: the
figures of the latest evaluation in the window (keel.kpi.evaluations). Evaluations
belong to no tenant; a tenant's report shows them for the agents that tenant has
runs of, an ``all_tenants`` report for every agent run or evaluated.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from keel.errors import UserError
from keel.kpi.evaluations import (
    EvalFigures,
    eval_kpis,
    evaluated_agents,
    latest,
    load_evaluations,
)
from keel.spec.model import KpiSpec
from keel.store import Store
from keel.store.schema import approvals, feedback, run_steps, runs

Group = Literal["operational", "business", "trust", "evaluation"]
Unit = Literal["ratio", "s", "ms", "usd"]
Direction = Literal["at_least", "at_most"]
DEFAULT_WINDOW = "7d"

# Codes of runs that failed because Keel or a dependency could not serve them (as
# opposed to a refused or invalid request): what availability counts as down.
UNAVAILABLE = frozenset(
    {"INTERNAL", "MODEL_UNAVAILABLE", "AGENT_TIMEOUT", "TOOL_ERROR", "TOOL_TIMEOUT"}
)
FINISHED = ("completed", "failed", "needs_review", "cancelled")


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    name: str
    group: Group
    unit: Unit
    direction: Direction
    meaning: str


KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        "availability",
        "operational",
        "ratio",
        "at_least",
        "finished runs that did not fail for want of service (INTERNAL, MODEL_UNAVAILABLE, "
        "AGENT_TIMEOUT, TOOL_ERROR, TOOL_TIMEOUT), over finished runs",
    ),
    KpiDefinition(
        "latency_p50_s",
        "operational",
        "s",
        "at_most",
        "median wall time of finished runs, start to finish (nearest rank)",
    ),
    KpiDefinition("latency_p95_s", "operational", "s", "at_most", "95th percentile of the same"),
    KpiDefinition("latency_p99_s", "operational", "s", "at_most", "99th percentile of the same"),
    KpiDefinition(
        "tool_success_rate",
        "operational",
        "ratio",
        "at_least",
        "completed tool calls without an error, over completed tool calls",
    ),
    KpiDefinition(
        "fallback_rate",
        "operational",
        "ratio",
        "at_most",
        "finished runs where the model chain fell back past a failing model, over finished runs",
    ),
    KpiDefinition(
        "resolved_without_handoff",
        "business",
        "ratio",
        "at_least",
        "completed runs that needed no person (no approval, not escalated, not needs_review), "
        "over finished runs",
    ),
    KpiDefinition(
        "time_to_resolution_s",
        "business",
        "s",
        "at_most",
        "median time from a task's first run to its last, over tasks whose last run completed "
        "(a task is a session, or a run without one)",
    ),
    KpiDefinition(
        "cost_per_task_usd",
        "business",
        "usd",
        "at_most",
        "model spend of all runs in the window over the tasks resolved in it",
    ),
    KpiDefinition(
        "acceptance_rate",
        "trust",
        "ratio",
        "at_least",
        "thumbs up and scores of 4 or 5, over thumbs and scores",
    ),
    KpiDefinition(
        "override_rate",
        "trust",
        "ratio",
        "at_most",
        "finished runs a person overrode (a correction or edit, an approval rejected or "
        "approved with edits), over finished runs",
    ),
    KpiDefinition(
        "thumbs_down_rate", "trust", "ratio", "at_most", "thumbs down over thumbs up and down"
    ),
    KpiDefinition(
        "eval_pass_rate",
        "evaluation",
        "ratio",
        "at_least",
        "cases and journeys that passed, over those run, in the latest evaluation",
    ),
    KpiDefinition(
        "adversarial_block_rate",
        "evaluation",
        "ratio",
        "at_least",
        "adversarial cases whose attack failed, over adversarial cases, in the latest evaluation",
    ),
    KpiDefinition(
        "eval_p95_ms",
        "evaluation",
        "ms",
        "at_most",
        "95th percentile turn latency of the latest evaluation, milliseconds",
    ),
    KpiDefinition(
        "eval_cost_per_case_usd",
        "evaluation",
        "usd",
        "at_most",
        "model cost per case of the latest evaluation (none if a model has no price)",
    ),
)
_BY_NAME = {k.name: k for k in KPIS}


class KpiValue(BaseModel):
    """One KPI's actual value (``None``: nothing to compute it from) and its target."""

    model_config = ConfigDict(frozen=True)

    name: str
    group: Group
    unit: Unit
    value: float | None
    samples: int
    since: float
    target: float | None = None
    direction: Direction
    met: bool | None = None


class VersionKpis(BaseModel):
    """One version's KPIs; ``evaluation``: its latest evaluation in the window."""

    model_config = ConfigDict(frozen=True)

    version: str
    runs: int
    kpis: list[KpiValue]
    evaluation: EvalFigures | None = None


class AgentKpis(BaseModel):
    model_config = ConfigDict(frozen=True)

    agent: str
    runs: int
    kpis: list[KpiValue]
    versions: list[VersionKpis]
    targets_from: str | None = None
    evaluation: EvalFigures | None = None


class KpiReport(BaseModel):
    """The report: ``agents`` over ``since``–``until`` (UNIX seconds)."""

    model_config = ConfigDict(frozen=True)

    generated_at: float
    since: float
    until: float
    tenant: str | None
    agents: list[AgentKpis]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def window_seconds(text: str) -> float:
    """``7d`` → seconds. Raises ``UserError`` for anything else."""
    t = text.strip()
    unit = t[-1:]
    try:
        n = float(t[:-1])
    except ValueError:
        n = -1.0
    if unit not in _DURATION_UNITS or n <= 0 or not math.isfinite(n):
        raise UserError(f"window {text!r} must look like 30m, 24h, 7d or 4w")
    return n * _DURATION_UNITS[unit]


# -- the data ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Run:
    id: str
    agent: str
    version: str
    session_id: str | None
    status: str
    error_code: str | None
    fell_back: bool
    cost_usd: float
    created_at: float
    finished_at: float | None
    spec_path: str | None
    tool_ok: int = 0
    tool_calls: int = 0
    approvals: int = 0
    overridden: bool = False
    thumbs_up: int = 0
    thumbs_down: int = 0
    scores_high: int = 0
    scores: int = 0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED and self.finished_at is not None

    @property
    def handed_off(self) -> bool:
        return self.status == "needs_review" or self.error_code == "ESCALATED" or self.approvals > 0


def _load(
    store: Store, *, since: float, tenant: str | None, all_tenants: bool, agent: str | None
) -> list[_Run]:
    where = [runs.c.created_at >= since]
    if not all_tenants:
        where.append(runs.c.tenant.is_(None) if tenant is None else runs.c.tenant == tenant)
    if agent is not None:
        where.append(runs.c.agent == agent)
    ids = select(runs.c.id).where(*where).scalar_subquery()
    q = select(
        runs.c.id,
        runs.c.agent,
        runs.c.agent_version,
        runs.c.session_id,
        runs.c.status,
        runs.c.error_code,
        runs.c.fallbacks,
        runs.c.cost_usd,
        runs.c.created_at,
        runs.c.finished_at,
        runs.c.spec_path,
    ).where(*where)
    found: dict[str, _Run] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(q).mappings():
            found[r["id"]] = _Run(
                r["id"],
                r["agent"],
                r["agent_version"],
                r["session_id"],
                r["status"],
                r["error_code"],
                bool(r["fallbacks"] and json.loads(r["fallbacks"])),
                r["cost_usd"] or 0.0,
                r["created_at"],
                r["finished_at"],
                r["spec_path"],
            )
        steps = select(run_steps.c.run_id, run_steps.c.payload).where(
            run_steps.c.run_id.in_(ids),
            run_steps.c.kind == "tool",
            run_steps.c.state == "completed",
        )
        for run_id, payload in conn.execute(steps):
            run = found.get(run_id)
            if run is not None:
                run.tool_calls += 1
                if "error" not in json.loads(payload).get("result", {}):
                    run.tool_ok += 1
        asked = select(approvals.c.run_id, approvals.c.status, approvals.c.edited_arguments).where(
            approvals.c.run_id.in_(ids)
        )
        for run_id, status, edited in conn.execute(asked):
            run = found.get(run_id)
            if run is not None:
                run.approvals += 1
                if status == "rejected" or (status == "approved" and edited is not None):
                    run.overridden = True
        said = select(feedback.c.run_id, feedback.c.kind, feedback.c.value).where(
            feedback.c.run_id.in_(ids)
        )
        for run_id, kind, value in conn.execute(said):
            run = found.get(run_id)
            if run is None:
                continue
            if kind in ("correction", "edit"):
                run.overridden = True
            elif kind == "thumbs":
                if value is not None and value > 0:
                    run.thumbs_up += 1
                else:
                    run.thumbs_down += 1
            elif kind == "score" and value is not None:
                run.scores += 1
                run.scores_high += value >= 4
    return list(found.values())


# -- the arithmetic ------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0–1) of ``values``; ``None`` for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def _ratio(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole


def compute(rs: Sequence[_Run]) -> dict[str, tuple[float | None, int]]:
    """Every KPI of ``rs``: ``{name: (value, samples)}``."""
    done = [r for r in rs if r.finished]
    durations = [r.finished_at - r.created_at for r in done if r.finished_at is not None]
    tool_calls = sum(r.tool_calls for r in rs)
    tasks: dict[str, list[_Run]] = defaultdict(list)
    for r in done:
        tasks[r.session_id or f"run:{r.id}"].append(r)
    resolution: list[float] = []
    for task in tasks.values():
        task.sort(key=lambda r: r.created_at)
        last = task[-1]
        if last.status == "completed" and last.finished_at is not None:
            resolution.append(last.finished_at - task[0].created_at)
    thumbs = sum(r.thumbs_up + r.thumbs_down for r in rs)
    rated = thumbs + sum(r.scores for r in rs)
    cost = sum(r.cost_usd for r in rs)
    return {
        "availability": (
            _ratio(sum(r.error_code not in UNAVAILABLE for r in done), len(done)),
            len(done),
        ),
        "latency_p50_s": (percentile(durations, 0.50), len(durations)),
        "latency_p95_s": (percentile(durations, 0.95), len(durations)),
        "latency_p99_s": (percentile(durations, 0.99), len(durations)),
        "tool_success_rate": (_ratio(sum(r.tool_ok for r in rs), tool_calls), tool_calls),
        "fallback_rate": (_ratio(sum(r.fell_back for r in done), len(done)), len(done)),
        "resolved_without_handoff": (
            _ratio(sum(r.status == "completed" and not r.handed_off for r in done), len(done)),
            len(done),
        ),
        "time_to_resolution_s": (percentile(resolution, 0.50), len(resolution)),
        "cost_per_task_usd": (_ratio(cost, len(resolution)), len(resolution)),
        "acceptance_rate": (
            _ratio(sum(r.thumbs_up + r.scores_high for r in rs), rated),
            rated,
        ),
        "override_rate": (_ratio(sum(r.overridden for r in done), len(done)), len(done)),
        "thumbs_down_rate": (_ratio(sum(r.thumbs_down for r in rs), thumbs), thumbs),
    }


def _measure(
    rs: Sequence[_Run],
    evaluations: Sequence[EvalFigures],
    *,
    since: float,
    version: str | None,
) -> dict[str, tuple[float | None, int]]:
    found = compute([r for r in rs if r.created_at >= since])
    found.update(eval_kpis(latest(evaluations, since=since, version=version)))
    return found


def _values(
    rs: Sequence[_Run],
    evaluations: Sequence[EvalFigures],
    *,
    since: float,
    version: str | None,
    targets: Mapping[str, KpiSpec],
    own_windows: Mapping[str, float],
) -> list[KpiValue]:
    by_window: dict[float, dict[str, tuple[float | None, int]]] = {}
    out = []
    for k in KPIS:
        start = own_windows.get(k.name, since)
        if start not in by_window:
            by_window[start] = _measure(rs, evaluations, since=start, version=version)
        value, samples = by_window[start][k.name]
        spec = targets.get(k.name)
        direction: Direction = k.direction if spec is None else (spec.direction or k.direction)
        met = None
        if spec is not None and value is not None:
            met = value >= spec.target if direction == "at_least" else value <= spec.target
        out.append(
            KpiValue(
                name=k.name,
                group=k.group,
                unit=k.unit,
                value=value,
                samples=samples,
                since=start,
                target=None if spec is None else spec.target,
                direction=direction,
                met=met,
            )
        )
    return out


# -- targets -------------------------------------------------------------------------------


def spec_kpis(spec_path: str | Path) -> list[KpiSpec]:
    """The ``spec.kpis`` of the spec file at ``spec_path`` (``[]`` if it has none).

    Reads the YAML only: no tool module is imported. Raises ``UserError`` when the
    file cannot be read or its ``kpis`` are invalid.
    """
    import yaml

    try:
        doc = yaml.safe_load(Path(spec_path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise UserError(f"cannot read KPI targets from {spec_path}: {e}") from e
    items = ((doc or {}).get("spec") or {}).get("kpis") or []
    try:
        return [KpiSpec.model_validate(item) for item in items]
    except ValueError as e:
        raise UserError(f"{spec_path}: invalid spec.kpis: {e}") from e


TargetSource = Callable[[str, str | None], Sequence[KpiSpec]]


def _targets_from_spec(agent: str, spec_path: str | None) -> Sequence[KpiSpec]:
    if spec_path is None or not Path(spec_path).is_file():
        return []
    return spec_kpis(spec_path)


def kpi_report(
    store: Store,
    *,
    tenant: str | None,
    agent: str | None = None,
    since: float | None = None,
    all_tenants: bool = False,
    targets: TargetSource | None = None,
    now: float | None = None,
) -> KpiReport:
    """KPIs of ``tenant``'s runs (``all_tenants``: everyone's) per agent and version.

    ``since`` (UNIX seconds) starts every KPI's window; without it the report covers
    the last 7 days and each KPI with a target its own ``window``. ``targets(agent,
    spec_path)`` supplies the targets (default: the ``spec.kpis`` of the spec file
    the agent's newest run recorded). Agents are those with runs in the last year
    (or ``agent``). The evaluation KPIs and ``evaluation`` are those of the latest
    evaluation in the window: for every agent with ``all_tenants``, otherwise for the
    agents ``tenant`` has runs of (evaluations have no tenant). Raises ``UserError``
    for an unreadable spec.
    """
    until = time.time() if now is None else now
    report_since = until - window_seconds(DEFAULT_WINDOW) if since is None else since
    source = targets or _targets_from_spec
    agents = []
    found = _agents(
        store,
        agent=agent,
        since=until - _YEAR_S,
        until=until,
        tenant=tenant,
        all_tenants=all_tenants,
    )
    for name, spec_path, has_runs in found:
        specs: dict[str, KpiSpec] = {k.name: k for k in source(name, spec_path)}
        own: dict[str, float] = {}
        if since is None:
            own = {k.name: until - window_seconds(k.window) for k in specs.values()}
        start = min([report_since, *own.values()])
        rs = _load(store, since=start, agent=name, tenant=tenant, all_tenants=all_tenants)
        evaluations: list[EvalFigures] = []
        if all_tenants or has_runs:
            evaluations = load_evaluations(store, agent=name, since=start, until=until)
        in_window = [r for r in rs if r.created_at >= report_since]
        versions = sorted(
            {r.version for r in in_window}
            | {e.version for e in evaluations if e.started_at >= report_since},
            key=_version_key,
        )
        agents.append(
            AgentKpis(
                agent=name,
                runs=len(in_window),
                kpis=_values(
                    rs,
                    evaluations,
                    since=report_since,
                    version=None,
                    targets=specs,
                    own_windows=own,
                ),
                versions=[
                    VersionKpis(
                        version=v,
                        runs=sum(r.version == v for r in in_window),
                        kpis=_values(
                            [r for r in rs if r.version == v],
                            evaluations,
                            since=report_since,
                            version=v,
                            targets=specs,
                            own_windows=own,
                        ),
                        evaluation=latest(evaluations, since=report_since, version=v),
                    )
                    for v in versions
                ],
                targets_from=spec_path if specs else None,
                evaluation=latest(evaluations, since=report_since),
            )
        )
    return KpiReport(
        generated_at=until, since=report_since, until=until, tenant=tenant, agents=agents
    )


_YEAR_S = 365 * 86_400.0


def _agents(
    store: Store,
    *,
    agent: str | None,
    since: float,
    until: float,
    tenant: str | None,
    all_tenants: bool,
) -> list[tuple[str, str | None, bool]]:
    """``(agent, spec path of its newest run, has runs)`` of agents with runs since
    ``since`` (with ``all_tenants``, also those evaluated since then)."""
    where = [runs.c.created_at >= since]
    if not all_tenants:
        where.append(runs.c.tenant.is_(None) if tenant is None else runs.c.tenant == tenant)
    if agent is not None:
        where.append(runs.c.agent == agent)
    found: list[tuple[str, str | None, bool]] = []
    with store.engine.connect() as conn:
        names = {n for (n,) in conn.execute(select(runs.c.agent).where(*where).distinct())}
        for name in sorted(names):
            newest = conn.execute(
                select(runs.c.spec_path)
                .where(*where, runs.c.agent == name)
                .order_by(runs.c.created_at.desc())
                .limit(1)
            ).scalar()
            found.append((name, newest, True))
    if all_tenants:
        evaluated = set(evaluated_agents(store, since=since, until=until)) - names
        found.extend((n, None, False) for n in evaluated if agent in (None, n))
        found.sort()
    if agent is not None and not found:
        found.append((agent, None, False))
    return found


def _version_key(v: str) -> tuple[Any, ...]:
    core = v.split("+", 1)[0].split("-", 1)[0]
    parts: Iterable[str] = core.split(".")
    try:
        return tuple(int(p) for p in parts), v
    except ValueError:
        return (), v
