"""Evaluation results in the store, per agent version, and regressions against them.

Every evaluation is a row of ``eval_runs`` (agent, version, content hash, trigger,
metrics, gates) with one ``eval_results`` row per case. ``compare`` looks up, for
each suite, the agent's previous evaluation that ran that suite: a case that passed
there and fails now is a regression; one that failed there and passes now is fixed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from keel.evals._results import CaseResult, CheckResult, EvalReport, Regression
from keel.store import Store
from keel.store.schema import eval_results, eval_runs


@dataclass(frozen=True, slots=True)
class EvalRunSummary:
    """One stored evaluation, without its cases."""

    id: str
    agent: str
    agent_version: str
    agent_hash: str
    trigger: str
    suites: tuple[str, ...]
    cases: int
    passed: int
    metrics: dict[str, float | None]
    gate_passed: bool | None
    started_at: float
    finished_at: float


class EvalHistory:
    """Reads and writes evaluations in ``store`` (its own short transactions: results
    are written once per evaluation, not on the run path)."""

    def __init__(self, store: Store) -> None:
        self._engine = store.engine

    def record(self, report: EvalReport) -> None:
        """Store ``report`` and its cases in one transaction."""
        gates = [g.to_dict() for g in report.gates]
        run_row = {
            "id": report.id,
            "agent": report.agent,
            "agent_version": report.agent_version,
            "agent_hash": report.agent_hash,
            "trigger": report.trigger,
            "suites": json.dumps(list(report.suites)),
            "cases": len(report.results),
            "passed": sum(r.passed for r in report.results),
            "metrics": json.dumps(report.metrics),
            "gates": json.dumps(gates) if gates else None,
            "gate_passed": None if not gates else int(all(g.passed for g in report.gates)),
            "started_at": report.started_at,
            "finished_at": report.finished_at,
        }
        rows = [_result_row(report.id, r) for r in report.results]
        with self._engine.begin() as conn:
            conn.execute(insert(eval_runs), [run_row])
            if rows:
                conn.execute(insert(eval_results), rows)

    def previous(self, agent: str, suite: str, *, before: float) -> str | None:
        """The id of ``agent``'s latest evaluation started before ``before`` that ran
        ``suite``, or None."""
        has_suite = (
            select(eval_results.c.eval_run_id)
            .where(eval_results.c.eval_run_id == eval_runs.c.id, eval_results.c.suite == suite)
            .exists()
        )
        q = (
            select(eval_runs.c.id)
            .where(eval_runs.c.agent == agent, eval_runs.c.started_at < before, has_suite)
            .order_by(eval_runs.c.started_at.desc())
            .limit(1)
        )
        with self._engine.connect() as conn:
            return conn.execute(q).scalar()

    def outcomes(self, eval_run_id: str, suite: str) -> dict[str, bool]:
        """Case id -> passed, for one suite of one evaluation."""
        q = select(eval_results.c.case_id, eval_results.c.passed).where(
            eval_results.c.eval_run_id == eval_run_id, eval_results.c.suite == suite
        )
        with self._engine.connect() as conn:
            return {case: bool(passed) for case, passed in conn.execute(q).all()}

    def recent(self, *, agent: str | None = None, limit: int = 20) -> list[EvalRunSummary]:
        """Evaluations, newest first."""
        q = select(eval_runs).order_by(eval_runs.c.started_at.desc()).limit(limit)
        if agent is not None:
            q = q.where(eval_runs.c.agent == agent)
        with self._engine.connect() as conn:
            return [_summary(r) for r in conn.execute(q).mappings()]

    def results(self, eval_run_id: str) -> list[CaseResult]:
        """The cases of one evaluation, as stored (outputs masked)."""
        q = (
            select(eval_results)
            .where(eval_results.c.eval_run_id == eval_run_id)
            .order_by(eval_results.c.suite, eval_results.c.case_id)
        )
        with self._engine.connect() as conn:
            return [_case(r) for r in conn.execute(q).mappings()]


def compare(
    history: EvalHistory, agent: str, results: list[CaseResult], *, before: float
) -> tuple[list[Regression], list[Regression], dict[str, str]]:
    """(regressions, fixed, previous evaluation id per suite) of ``results``."""
    regressions: list[Regression] = []
    fixed: list[Regression] = []
    previous: dict[str, str] = {}
    for suite in dict.fromkeys(r.suite for r in results):
        prev = history.previous(agent, suite, before=before)
        if prev is None:
            continue
        previous[suite] = prev
        then = history.outcomes(prev, suite)
        for r in results:
            if r.suite != suite or r.case_id not in then:
                continue
            if then[r.case_id] and not r.passed:
                regressions.append(Regression(suite, r.case_id, prev))
            elif not then[r.case_id] and r.passed:
                fixed.append(Regression(suite, r.case_id, prev))
    return regressions, fixed, previous


def _result_row(eval_run_id: str, r: CaseResult) -> dict[str, Any]:
    return {
        "eval_run_id": eval_run_id,
        "suite": r.suite,
        "case_id": r.case_id,
        "kind": r.kind,
        "tags": json.dumps(list(r.tags)),
        "passed": int(r.passed),
        "regression": int(r.regression),
        "status": r.status,
        "error_code": r.error_code,
        "latency_ms": r.latency_ms,
        "cost_usd": r.cost_usd,
        "checks": json.dumps([c.to_dict() for c in r.checks], ensure_ascii=False),
        "output": None if r.output is None else json.dumps(r.output, ensure_ascii=False),
    }


def _summary(row: Any) -> EvalRunSummary:
    return EvalRunSummary(
        id=row["id"],
        agent=row["agent"],
        agent_version=row["agent_version"],
        agent_hash=row["agent_hash"],
        trigger=row["trigger"],
        suites=tuple(json.loads(row["suites"])),
        cases=row["cases"],
        passed=row["passed"],
        metrics=json.loads(row["metrics"]),
        gate_passed=None if row["gate_passed"] is None else bool(row["gate_passed"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def _case(row: Any) -> CaseResult:
    return CaseResult(
        suite=row["suite"],
        case_id=row["case_id"],
        kind=row["kind"],
        tags=tuple(json.loads(row["tags"])),
        passed=bool(row["passed"]),
        checks=tuple(CheckResult.from_dict(c) for c in json.loads(row["checks"])),
        latencies_ms=(row["latency_ms"],),
        cost_usd=row["cost_usd"],
        status=row["status"],
        error_code=row["error_code"],
        output=None if row["output"] is None else json.loads(row["output"]),
        regression=bool(row["regression"]),
    )
