"""Drift detection: an EWMA baseline of a metric's mean and variance, and the rule
that turns one window's value into fire, hold, clear or learn.

Pure arithmetic, no storage: ``keel.kpi.drift`` computes each window's values from
the store, keeps the baselines and alerts in tables, and calls ``DriftRule.judge``.

The baseline is an exponentially weighted moving average (weight ``alpha``) of the
window values and of their squared deviation. For its first windows the weight is
``1/n`` instead, so the baseline starts as a plain mean rather than leaning on the
first value. While an alert fires the baseline is frozen: a drift must not become
the new normal just by lasting, and the alert clears only when values return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Action = Literal["learn", "fire", "hold", "clear"]


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a metric usually is: EWMA ``mean`` and ``var`` over ``n`` windows."""

    mean: float = 0.0
    var: float = 0.0
    n: int = 0

    @property
    def std(self) -> float:
        return math.sqrt(max(self.var, 0.0))

    def updated(self, value: float, alpha: float) -> Baseline:
        if self.n == 0:
            return Baseline(value, 0.0, 1)
        a = max(alpha, 1.0 / (self.n + 1))
        delta = value - self.mean
        return Baseline(
            self.mean + a * delta,
            (1.0 - a) * (self.var + a * delta * delta),
            self.n + 1,
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """The rule's answer for one window.

    ``action``: ``learn`` (no alert; the baseline absorbed the value), ``fire`` (a new
    alert), ``hold`` (still drifting, baseline frozen), ``clear`` (back within bounds).
    ``sigmas`` is the window's signed distance from the baseline mean, in (floored)
    standard deviations; ``baseline`` is the baseline to keep after this window.
    """

    action: Action
    value: float
    sigmas: float
    mean: float
    std: float
    baseline: Baseline


@dataclass(frozen=True, slots=True)
class DriftRule:
    """When a window counts as drift.

    A window drifts when it is more than ``sigma`` standard deviations from the
    baseline mean, once the baseline has seen ``min_samples`` windows. The standard
    deviation used is at least ``rel_floor`` times the mean's magnitude and at least
    ``abs_floor``: a metric that never varied (a deterministic token count) must not
    alert on a change too small to matter.
    """

    sigma: float = 2.0
    alpha: float = 0.1
    min_samples: int = 5
    rel_floor: float = 0.1
    abs_floor: float = 0.0

    def __post_init__(self) -> None:
        if self.sigma <= 0 or not 0 < self.alpha <= 1 or self.min_samples < 1:
            raise ValueError("drift rule needs sigma > 0, 0 < alpha <= 1 and min_samples >= 1")

    def judge(self, baseline: Baseline, value: float, *, firing: bool) -> Verdict:
        std = max(baseline.std, self.rel_floor * abs(baseline.mean), self.abs_floor, 1e-12)
        sigmas = (value - baseline.mean) / std if baseline.n else 0.0
        if baseline.n < self.min_samples:
            action: Action = "clear" if firing else "learn"
            return Verdict(
                action, value, sigmas, baseline.mean, std, baseline.updated(value, self.alpha)
            )
        if abs(sigmas) > self.sigma:
            return Verdict(
                "hold" if firing else "fire", value, sigmas, baseline.mean, std, baseline
            )
        return Verdict(
            "clear" if firing else "learn",
            value,
            sigmas,
            baseline.mean,
            std,
            baseline.updated(value, self.alpha),
        )
