"""One evaluation end to end: run the suites, compare, gate, store the results.

``evaluate`` is what ``keel eval`` and the scheduler call. The cases run on a
sandbox: a fresh SQLite store in a temporary folder with its own engine, so
governance, approvals, the journal and the audit log work as in production while
hundreds of test runs (and their pending approvals) stay out of the real store.
Only the results go to ``history`` (the real store), where the previous evaluation
of each suite is found and new failures are called out as regressions.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from keel.agent import Agent
from keel.engine.ids import new_id
from keel.engine.local.engine import LocalEngine
from keel.evals._gate import Gate, GateSyntaxError, compute_metrics
from keel.evals._history import EvalHistory, compare
from keel.evals._judge import Judge
from keel.evals._loading import LoadedSuite
from keel.evals._results import CaseResult, EvalReport, GateOutcome, Regression
from keel.evals._runner import DEFAULT_ROLES, EvalRunner
from keel.store import Store


async def evaluate(
    agent: Agent,
    suites: Sequence[LoadedSuite],
    *,
    history: EvalHistory | None = None,
    gate: Gate | None = None,
    tags: Sequence[str] = (),
    concurrency: int = 4,
    judge: Judge | None = None,
    judges: Mapping[str, Judge] | None = None,
    roles: Sequence[str] = DEFAULT_ROLES,
    trigger: str = "cli",
    session_turns: int = 20,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
    clock: Callable[[], float] = time.time,
) -> EvalReport:
    """Run ``suites`` against ``agent`` and return the report (stored in ``history``).

    ``gate`` applies to all results; a suite's own gate (the spec's ``evals[].gate``)
    to that suite's. ``on_start`` gets the number of cases about to run. Raises
    ``SpecError`` for a suite gate or fixture that is wrong, before anything runs.
    """
    suite_gates = {s.name: _suite_gate(s) for s in suites if s.gate}
    started = clock()
    eval_id = new_id("evl")
    with tempfile.TemporaryDirectory(prefix="keel-eval-") as sandbox:
        store = Store.open(f"sqlite:///{Path(sandbox) / 'runs.db'}")
        engine = LocalEngine(store, max_concurrency=concurrency, session_turns=session_turns)
        try:
            runner = EvalRunner(
                agent,
                engine,
                concurrency=concurrency,
                judge=judge,
                judges=judges,
                roles=roles,
                on_result=on_result,
            )
            runner.check_suites(suites)
            if on_start is not None:
                on_start(len(runner.selected(suites, tags)))
            results = await runner.run(suites, tags=tags)
        finally:
            await engine.close()
            store.close()
    finished = clock()
    regressions: list[Regression] = []
    fixed: list[Regression] = []
    previous: dict[str, str] = {}
    if history is not None:
        regressions, fixed, previous = compare(history, agent.name, results, before=started)
    regressed = {(r.suite, r.case_id) for r in regressions}
    results = [
        dataclasses.replace(r, regression=True) if (r.suite, r.case_id) in regressed else r
        for r in results
    ]
    metrics = compute_metrics(results, regressions=len(regressions))
    gates: list[GateOutcome] = []
    if gate is not None:
        gates.append(gate.check(metrics))
    for name, suite_gate in suite_gates.items():
        mine = [r for r in results if r.suite == name]
        count = sum(1 for r in mine if r.regression)
        gates.append(suite_gate.check(compute_metrics(mine, regressions=count), scope=name))
    report = EvalReport(
        id=eval_id,
        agent=agent.name,
        agent_version=agent.version,
        agent_hash=agent.content_hash,
        trigger=trigger,
        suites=tuple(s.name for s in suites),
        results=tuple(results),
        metrics=metrics,
        started_at=started,
        finished_at=finished,
        regressions=tuple(regressions),
        fixed=tuple(fixed),
        previous=previous,
        gates=tuple(gates),
    )
    if history is not None:
        history.record(report)
    return report


def _suite_gate(suite: LoadedSuite) -> Gate:
    assert suite.gate is not None
    try:
        return Gate.parse(suite.gate)
    except GateSyntaxError as e:
        raise GateSyntaxError(f"the gate of suite {suite.name} (spec.evals): {e.message}") from e
