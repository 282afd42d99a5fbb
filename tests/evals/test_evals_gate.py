"""Metrics of a set of results, and gates over them."""

from __future__ import annotations

import pytest

from keel.evals import METRICS, CaseResult, Gate, GateSyntaxError, compute_metrics


def _result(
    case_id: str,
    passed: bool,
    *,
    tags: tuple[str, ...] = (),
    kind: str = "case",
    latencies: tuple[float, ...] = (10.0,),
    cost: float | None = 0.01,
) -> CaseResult:
    return CaseResult(
        suite="s",
        case_id=case_id,
        kind=kind,  # type: ignore[arg-type]
        tags=tags,
        passed=passed,
        checks=(),
        latencies_ms=latencies,
        cost_usd=cost,
        status="completed",
        error_code=None,
        output=None,
    )


def test_metrics_of_mixed_results() -> None:
    results = [
        _result("a", True, latencies=(5.0, 15.0)),
        _result("b", False, latencies=(30.0,)),
        _result("c", True, tags=("adversarial",), latencies=(40.0,)),
        _result("d", False, tags=("adversarial",), latencies=(1000.0,)),
        _result("j", True, kind="journey", latencies=(20.0,)),
    ]
    m = compute_metrics(results, regressions=1)
    assert set(m) == set(METRICS)
    assert m["cases"] == 5
    assert m["passed"] == 3
    assert m["failed"] == 2
    assert m["pass_rate"] == pytest.approx(0.6)
    assert m["adversarial_cases"] == 2
    assert m["adversarial_block_rate"] == 0.5
    assert m["journeys"] == 1
    assert m["journey_pass_rate"] == 1.0
    # Nearest rank over the six turn latencies: 5 15 20 30 40 1000.
    assert (m["p50_ms"], m["p95_ms"], m["p99_ms"], m["max_ms"]) == (20.0, 1000.0, 1000.0, 1000.0)
    assert m["cost_usd"] == pytest.approx(0.05)
    assert m["mean_cost_usd"] == pytest.approx(0.01)
    assert m["regressions"] == 1


def test_rates_have_no_value_without_cases_and_cost_none_when_unknown() -> None:
    m = compute_metrics([_result("a", True, cost=None)])
    assert m["adversarial_block_rate"] is None
    assert m["journey_pass_rate"] is None
    assert m["cost_usd"] is None
    assert m["mean_cost_usd"] is None
    empty = compute_metrics([])
    assert empty["pass_rate"] is None
    assert empty["p95_ms"] is None


def test_a_gate_passes_and_fails_naming_the_threshold() -> None:
    gate = Gate.parse("pass_rate>=0.95, adversarial_block_rate >= 99%,p95_ms<=2000")
    assert [(t.metric, t.op, t.value) for t in gate.thresholds] == [
        ("pass_rate", ">=", 0.95),
        ("adversarial_block_rate", ">=", 0.99),
        ("p95_ms", "<=", 2000.0),
    ]
    ok = gate.check({"pass_rate": 1.0, "adversarial_block_rate": 1.0, "p95_ms": 12.5})
    assert ok.passed
    assert ok.failures == ()
    assert ok.checked[2] == "p95_ms<=2000 (p95_ms = 12.5)"
    bad = gate.check({"pass_rate": 0.9, "adversarial_block_rate": 1.0, "p95_ms": 2500.0})
    assert not bad.passed
    assert bad.failures == (
        "pass_rate>=0.95 failed: pass_rate is 0.9",
        "p95_ms<=2000 failed: p95_ms is 2500",
    )


def test_a_metric_without_a_value_fails_its_threshold() -> None:
    outcome = Gate.parse("adversarial_block_rate>=0.99").check({"adversarial_block_rate": None})
    assert outcome.failures == (
        "adversarial_block_rate>=0.99 failed: adversarial_block_rate has no value in this run",
    )


def test_every_operator() -> None:
    metrics = {"failed": 2.0}
    assert Gate.parse("failed<3").check(metrics).passed
    assert Gate.parse("failed>1").check(metrics).passed
    assert Gate.parse("failed==2").check(metrics).passed
    assert not Gate.parse("failed<2").check(metrics).passed
    assert Gate.parse("failed==2").check(metrics, scope="nightly").text == "nightly: failed==2"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "has an empty term"),
        ("pass_rate>=0.9,", "has an empty term"),
        ("pass_rate=>0.9", "is not 'metric OP number'"),
        ("pass_rate>=high", "is not 'metric OP number'"),
        ("pass_rate", "is not 'metric OP number'"),
        ("accuracy>=0.9", "unknown metric 'accuracy'; metrics are cases, passed"),
    ],
)
def test_a_malformed_gate_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(GateSyntaxError) as e:
        Gate.parse(text)
    assert message in e.value.message
    assert e.value.code == "INPUT_INVALID"
