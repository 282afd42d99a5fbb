"""Continuous validation: regression, adversarial and journey suites that gate changes.

* ``load_suite(path)`` / ``suites_for(spec)`` / ``adversarial_suite()``: suite files
  (YAML beside the agent spec) and the adversarial corpus Keel ships;
* ``evaluate(agent, suites, history=..., gate=...)``: run them through the real
  engine on a sandbox store, compare with the previous run of each suite, apply
  gates, store the results (``EvalHistory``) and return an ``EvalReport``;
* ``EvalRunner``: the runner underneath, on an engine you bring;
* ``Gate.parse("pass_rate>=0.95,p95_ms<=2000")``, ``METRICS``;
* ``write_json`` / ``write_junit`` / ``write_html``: reports;
* ``capture_run(store, run_id)``: a real run becomes a regression case;
* ``CronSchedule``, ``EvalScheduler`` and ``evaluate_agents``: scheduled evaluations
  (``keel serve``).

The facade is lazy, like ``keel``'s own: ``keel.config`` reads ``CronSchedule``
without importing the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keel.evals._capture import Captured, capture_run
    from keel.evals._cron import CronSchedule
    from keel.evals._evaluate import evaluate
    from keel.evals._gate import METRICS, Gate, GateSyntaxError, compute_metrics
    from keel.evals._history import EvalHistory, EvalRunSummary
    from keel.evals._judge import Judge, JudgeError, Verdict, build_judges
    from keel.evals._loading import (
        ADVERSARIAL,
        LoadedSuite,
        adversarial_suite,
        load_suite,
        suites_for,
    )
    from keel.evals._reports import html_report, junit_xml, write_html, write_json, write_junit
    from keel.evals._results import (
        CaseResult,
        CheckResult,
        EvalReport,
        GateOutcome,
        Regression,
        TurnObservation,
    )
    from keel.evals._runner import DEFAULT_ROLES, EvalRunner
    from keel.evals._scheduler import EvalScheduler, evaluate_agents
    from keel.evals._suite import Case, Expect, Fixture, Journey, Persona, Suite, ToolMatcher

_EXPORTS: dict[str, str] = {
    "Captured": "_capture",
    "capture_run": "_capture",
    "CronSchedule": "_cron",
    "evaluate": "_evaluate",
    "METRICS": "_gate",
    "Gate": "_gate",
    "GateSyntaxError": "_gate",
    "compute_metrics": "_gate",
    "EvalHistory": "_history",
    "EvalRunSummary": "_history",
    "Judge": "_judge",
    "JudgeError": "_judge",
    "Verdict": "_judge",
    "build_judges": "_judge",
    "ADVERSARIAL": "_loading",
    "LoadedSuite": "_loading",
    "adversarial_suite": "_loading",
    "load_suite": "_loading",
    "suites_for": "_loading",
    "html_report": "_reports",
    "junit_xml": "_reports",
    "write_html": "_reports",
    "write_json": "_reports",
    "write_junit": "_reports",
    "CaseResult": "_results",
    "CheckResult": "_results",
    "EvalReport": "_results",
    "GateOutcome": "_results",
    "Regression": "_results",
    "TurnObservation": "_results",
    "DEFAULT_ROLES": "_runner",
    "EvalRunner": "_runner",
    "EvalScheduler": "_scheduler",
    "evaluate_agents": "_scheduler",
    "Case": "_suite",
    "Expect": "_suite",
    "Fixture": "_suite",
    "Journey": "_suite",
    "Persona": "_suite",
    "Suite": "_suite",
    "ToolMatcher": "_suite",
}

__all__ = [
    "ADVERSARIAL",
    "DEFAULT_ROLES",
    "METRICS",
    "Captured",
    "Case",
    "CaseResult",
    "CheckResult",
    "CronSchedule",
    "EvalHistory",
    "EvalReport",
    "EvalRunSummary",
    "EvalRunner",
    "EvalScheduler",
    "Expect",
    "Fixture",
    "Gate",
    "GateOutcome",
    "GateSyntaxError",
    "Journey",
    "Judge",
    "JudgeError",
    "LoadedSuite",
    "Persona",
    "Regression",
    "Suite",
    "ToolMatcher",
    "TurnObservation",
    "Verdict",
    "adversarial_suite",
    "build_judges",
    "capture_run",
    "compute_metrics",
    "evaluate",
    "evaluate_agents",
    "html_report",
    "junit_xml",
    "load_suite",
    "suites_for",
    "write_html",
    "write_json",
    "write_junit",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'keel.evals' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"keel.evals.{module}"), name)
    globals()[name] = value
    return value
