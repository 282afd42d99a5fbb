"""The terminal summary, rendered at a fixed width and compared as text."""

from __future__ import annotations

import io

from rich.console import Console

from keel.evals import CaseResult, CheckResult, EvalReport, GateOutcome, Regression
from keel.evals._terminal import print_summary


def _case(case_id: str, suite: str, passed: bool, detail: str = "") -> CaseResult:
    checks = (CheckResult("contains 'x'", passed, detail),)
    return CaseResult(
        suite, case_id, "case", (), passed, checks, (12.0,), 0.0, "completed", None, "a"
    )


def test_the_summary_reads_as_documented() -> None:
    report = EvalReport(
        id="evl_1",
        agent="helpdesk",
        agent_version="1.0.0",
        agent_hash="sha256:0",
        trigger="cli",
        suites=("regression", "adversarial"),
        results=(
            _case("a", "regression", True),
            _case("b", "regression", False, "got '[red]not markup[/]'"),
            _case("c", "adversarial", True),
        ),
        metrics={
            "pass_rate": 2 / 3,
            "adversarial_cases": 1.0,
            "adversarial_block_rate": 1.0,
            "journeys": 0.0,
            "p50_ms": 12.0,
            "p95_ms": 12.0,
            "cost_usd": 0.0,
        },
        started_at=0.0,
        finished_at=1.0,
        regressions=(Regression("regression", "b", "evl_0"),),
        previous={"regression": "evl_0"},
        gates=(
            GateOutcome("pass_rate>=0.9", False, ("pass_rate>=0.9 failed: pass_rate is 0.6667",)),
        ),
    )
    buffer = io.StringIO()
    print_summary(Console(file=buffer, width=80, color_system=None), report)
    assert buffer.getvalue() == (
        "helpdesk@1.0.0                                       \n"
        "┏━━━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━┓\n"
        "┃ suite       ┃ cases ┃ passed ┃ failed ┃ pass rate ┃\n"
        "┡━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━┩\n"
        "│ regression  │     2 │      1 │      1 │     50.0% │\n"
        "│ adversarial │     1 │      1 │      0 │    100.0% │\n"
        "│ total       │     3 │      2 │      1 │     66.7% │\n"
        "└─────────────┴───────┴────────┴────────┴───────────┘\n"
        "failures (1)\n"
        "  regression / b: contains 'x' — got '[red]not markup[/]'\n"
        "regressions (1): passed last time\n"
        "  regression / b (passed in evl_0)\n"
        "metrics: pass_rate 0.667 · adversarial_block_rate 1.000 · p50 12.0 ms · p95 12.0 ms"
        " · cost $0.000000\n"
        "gate failed: pass_rate>=0.9\n"
        "  pass_rate>=0.9 failed: pass_rate is 0.6667\n"
        "evaluation evl_1 (compared with regression: evl_0)\n"
    )
