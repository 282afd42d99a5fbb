"""The EWMA baseline and the fire / hold / clear rule, on numbers worked out by hand."""

from __future__ import annotations

import math

import pytest

from keel.telemetry import Baseline, DriftRule


def test_the_baseline_starts_as_a_plain_mean_then_weighs_the_newest_by_alpha() -> None:
    b = Baseline()
    for x in (10.0, 12.0, 14.0):
        b = b.updated(x, alpha=0.1)
    # Weights 1, 1/2, 1/3: the running mean of 10, 12, 14.
    assert b.n == 3
    assert b.mean == pytest.approx(12.0)
    # var: 0 → (1-½)(0 + ½·2²) = 1 → (1-⅓)(1 + ⅓·(14-11)²) = 8/3
    assert b.var == pytest.approx(8 / 3)
    for _ in range(20):
        b = b.updated(12.0, alpha=0.1)
    before = b
    b = b.updated(22.0, alpha=0.1)  # n > 10: alpha itself
    assert b.mean == pytest.approx(before.mean + 0.1 * (22.0 - before.mean))
    assert b.var == pytest.approx(0.9 * (before.var + 0.1 * (22.0 - before.mean) ** 2))


def test_fire_hold_clear_and_a_frozen_baseline() -> None:
    rule = DriftRule(sigma=2.0, alpha=0.5, min_samples=3, rel_floor=0.0)
    b = Baseline(mean=100.0, var=25.0, n=3)  # σ = 5
    learn = rule.judge(b, 108.0, firing=False)  # 1.6σ
    assert learn.action == "learn"
    assert learn.sigmas == pytest.approx(1.6)
    assert learn.baseline.n == 4
    fire = rule.judge(b, 111.0, firing=False)  # 2.2σ
    assert fire.action == "fire"
    assert fire.sigmas == pytest.approx(2.2)
    assert fire.baseline == b  # frozen: a drift does not become the norm
    hold = rule.judge(b, 60.0, firing=True)
    assert hold.action == "hold"
    assert hold.sigmas == pytest.approx(-8.0)
    assert hold.baseline == b
    clear = rule.judge(b, 101.0, firing=True)
    assert clear.action == "clear"
    assert clear.baseline.n == 4


def test_no_alert_while_the_baseline_learns_and_floors_on_a_flat_metric() -> None:
    rule = DriftRule(sigma=2.0, min_samples=5, rel_floor=0.1, abs_floor=1.0)
    young = Baseline(mean=50.0, var=0.0, n=4)
    assert rule.judge(young, 500.0, firing=False).action == "learn"
    flat = Baseline(mean=50.0, var=0.0, n=10)  # never varied: σ floored at 10% of 50
    assert rule.judge(flat, 59.0, firing=False).action == "learn"
    v = rule.judge(flat, 61.0, firing=False)
    assert v.action == "fire"
    assert v.std == 5.0
    assert v.sigmas == pytest.approx(2.2)
    zero = Baseline(mean=0.0, var=0.0, n=10)  # the absolute floor
    assert rule.judge(zero, 1.5, firing=False).action == "learn"
    assert rule.judge(zero, 2.5, firing=False).action == "fire"
    assert math.isfinite(rule.judge(zero, 1e9, firing=False).sigmas)


def test_a_rule_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="sigma"):
        DriftRule(sigma=0)
    with pytest.raises(ValueError, match="alpha"):
        DriftRule(alpha=1.5)
