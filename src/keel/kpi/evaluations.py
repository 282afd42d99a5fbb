"""The latest evaluation of an agent (or one of its versions), as KPI figures.

``keel eval`` and the scheduler store every evaluation in ``eval_runs`` (see
keel.evals' ``EvalHistory``): one row per evaluation, its metrics as JSON. The KPI
report reads those rows here, straight from the table, so ``keel.kpi`` does not
import the evaluation runner (and the engine beneath it) to show four numbers.

An evaluation is a measurement at one point in time, not a stream of events, so an
evaluation KPI's value in a window is the figure of the **latest** evaluation that
started in it; with none, the KPI is ``None`` like any other KPI with nothing to
compute it from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import RowMapping, select

from keel.store import Store
from keel.store.schema import eval_runs


class EvalFigures(BaseModel):
    """One stored evaluation, as the KPI report shows it (times in UNIX seconds)."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    trigger: str
    suites: list[str]
    cases: int
    passed: int
    pass_rate: float | None
    adversarial_cases: int
    adversarial_block_rate: float | None
    p95_ms: float | None
    mean_cost_usd: float | None
    gate_passed: bool | None
    started_at: float
    finished_at: float


def load_evaluations(store: Store, *, agent: str, since: float, until: float) -> list[EvalFigures]:
    """``agent``'s evaluations that started from ``since`` to ``until``, newest first."""
    q = (
        select(eval_runs)
        .where(
            eval_runs.c.agent == agent,
            eval_runs.c.started_at >= since,
            eval_runs.c.started_at <= until,
        )
        .order_by(eval_runs.c.started_at.desc(), eval_runs.c.finished_at.desc())
    )
    with store.engine.connect() as conn:
        return [_figures(row) for row in conn.execute(q).mappings()]


def evaluated_agents(store: Store, *, since: float, until: float) -> list[str]:
    """Names of the agents evaluated from ``since`` to ``until``."""
    q = (
        select(eval_runs.c.agent)
        .where(eval_runs.c.started_at >= since, eval_runs.c.started_at <= until)
        .distinct()
    )
    with store.engine.connect() as conn:
        return [name for (name,) in conn.execute(q)]


def latest(
    evaluations: Sequence[EvalFigures], *, since: float, version: str | None = None
) -> EvalFigures | None:
    """The newest of ``evaluations`` (newest first) started at ``since`` or later,
    of ``version`` if given; ``None`` if there is none."""
    for e in evaluations:
        if e.started_at < since:
            return None
        if version is None or e.version == version:
            return e
    return None


def eval_kpis(e: EvalFigures | None) -> dict[str, tuple[float | None, int]]:
    """The evaluation KPIs of ``e``: ``{name: (value, samples)}``, samples being the
    cases the figure is computed over."""
    if e is None:
        return {
            "eval_pass_rate": (None, 0),
            "adversarial_block_rate": (None, 0),
            "eval_p95_ms": (None, 0),
            "eval_cost_per_case_usd": (None, 0),
        }
    return {
        "eval_pass_rate": (e.pass_rate, e.cases),
        "adversarial_block_rate": (
            e.adversarial_block_rate,
            e.adversarial_cases if e.adversarial_block_rate is not None else 0,
        ),
        "eval_p95_ms": (e.p95_ms, e.cases if e.p95_ms is not None else 0),
        "eval_cost_per_case_usd": (
            e.mean_cost_usd,
            e.cases if e.mean_cost_usd is not None else 0,
        ),
    }


def _figures(r: RowMapping) -> EvalFigures:
    metrics: dict[str, float | None] = json.loads(r["metrics"])

    def number(name: str) -> float | None:
        value = metrics.get(name)
        return None if value is None else float(value)

    gate = r["gate_passed"]
    return EvalFigures(
        id=r["id"],
        version=r["agent_version"],
        trigger=r["trigger"],
        suites=json.loads(r["suites"]),
        cases=r["cases"],
        passed=r["passed"],
        pass_rate=number("pass_rate"),
        adversarial_cases=int(metrics.get("adversarial_cases") or 0),
        adversarial_block_rate=number("adversarial_block_rate"),
        p95_ms=number("p95_ms"),
        mean_cost_usd=number("mean_cost_usd"),
        gate_passed=None if gate is None else bool(gate),
        started_at=r["started_at"],
        finished_at=r["finished_at"],
    )
