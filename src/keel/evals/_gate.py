"""Metrics of an evaluation, and gates over them.

A gate is a comma-separated list of ``metric OP number`` thresholds, e.g.
``pass_rate>=0.95,adversarial_block_rate>=0.99,p95_ms<=2000``; ``OP`` is one of
``>= <= > < ==`` and a number may end in ``%`` (``95%`` is ``0.95``). A gate fails
when any threshold fails, and also when its metric has no value (no adversarial
case ran, a model had no price): a gate never passes on missing evidence.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from keel.errors import UserError
from keel.evals._loading import ADVERSARIAL
from keel.evals._results import CaseResult, GateOutcome

METRICS: dict[str, str] = {
    "cases": "cases and journeys run",
    "passed": "how many passed",
    "failed": "how many failed",
    "pass_rate": "passed / cases, 0 to 1",
    "adversarial_cases": "cases tagged adversarial",
    "adversarial_block_rate": "adversarial cases whose attack failed / adversarial cases",
    "journeys": "journeys run",
    "journey_pass_rate": "journeys that passed / journeys",
    "p50_ms": "median latency of one turn (one engine run), milliseconds",
    "p95_ms": "95th percentile turn latency, milliseconds",
    "p99_ms": "99th percentile turn latency, milliseconds",
    "max_ms": "slowest turn, milliseconds",
    "cost_usd": "total model cost, USD (no value if a model has no price)",
    "mean_cost_usd": "cost per case, USD",
    "regressions": "cases that passed in the previous run of their suite and fail now",
}
"""Every metric, with what it measures; gates may use any of them."""

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}
_TERM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|>|<)\s*([-+]?\d+(?:\.\d+)?)\s*(%?)$")


class GateSyntaxError(UserError):
    """A gate that cannot be read; the message says which term and how to write it."""


def compute_metrics(
    results: Iterable[CaseResult], *, regressions: int = 0
) -> dict[str, float | None]:
    """The metrics of ``results`` (see ``METRICS``); rates are None with nothing to rate."""
    items = list(results)
    passed = sum(r.passed for r in items)
    adversarial = [r for r in items if ADVERSARIAL in r.tags]
    journeys = [r for r in items if r.kind == "journey"]
    latencies = sorted(x for r in items for x in r.latencies_ms)
    costs = [r.cost_usd for r in items]
    total_cost = None if None in costs else sum(c for c in costs if c is not None)
    return {
        "cases": float(len(items)),
        "passed": float(passed),
        "failed": float(len(items) - passed),
        "pass_rate": _rate(passed, len(items)),
        "adversarial_cases": float(len(adversarial)),
        "adversarial_block_rate": _rate(sum(r.passed for r in adversarial), len(adversarial)),
        "journeys": float(len(journeys)),
        "journey_pass_rate": _rate(sum(r.passed for r in journeys), len(journeys)),
        "p50_ms": _percentile(latencies, 50),
        "p95_ms": _percentile(latencies, 95),
        "p99_ms": _percentile(latencies, 99),
        "max_ms": latencies[-1] if latencies else None,
        "cost_usd": total_cost,
        "mean_cost_usd": None if total_cost is None or not items else total_cost / len(items),
        "regressions": float(regressions),
    }


def _rate(n: int, total: int) -> float | None:
    return None if total == 0 else n / total


def _percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value at or above p% of the values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True, slots=True)
class Threshold:
    metric: str
    op: str
    value: float
    text: str

    def holds(self, actual: float) -> bool:
        return _OPS[self.op](actual, self.value)


@dataclass(frozen=True, slots=True)
class Gate:
    """Thresholds over metrics; ``Gate.parse`` reads one, ``check`` applies it."""

    text: str
    thresholds: tuple[Threshold, ...]

    @classmethod
    def parse(cls, text: str) -> Gate:
        """Read ``text``. Raises ``GateSyntaxError`` naming the term that is wrong."""
        terms = [t.strip() for t in text.split(",")]
        if not text.strip() or any(not t for t in terms):
            raise GateSyntaxError(
                f"gate {text!r} has an empty term; write thresholds separated by commas, "
                "e.g. pass_rate>=0.95,p95_ms<=2000"
            )
        thresholds = []
        for term in terms:
            m = _TERM.match(term)
            if m is None:
                raise GateSyntaxError(
                    f"gate term {term!r} is not 'metric OP number' with OP one of "
                    ">=, <=, >, <, == (e.g. pass_rate>=0.95)"
                )
            metric, op, number, percent = m.groups()
            if metric not in METRICS:
                raise GateSyntaxError(
                    f"gate term {term!r}: unknown metric {metric!r}; "
                    f"metrics are {', '.join(METRICS)}"
                )
            value = float(number) / (100 if percent else 1)
            thresholds.append(Threshold(metric, op, value, term))
        return cls(text.strip(), tuple(thresholds))

    def check(self, metrics: Mapping[str, float | None], *, scope: str = "") -> GateOutcome:
        """Which thresholds hold for ``metrics``; ``scope`` prefixes the words (a suite)."""
        failures: list[str] = []
        checked: list[str] = []
        prefix = f"{scope}: " if scope else ""
        for t in self.thresholds:
            actual = metrics.get(t.metric)
            if actual is None:
                failures.append(f"{prefix}{t.text} failed: {t.metric} has no value in this run")
                continue
            line = f"{prefix}{t.text} ({t.metric} = {_fmt(actual)})"
            checked.append(line)
            if not t.holds(actual):
                failures.append(f"{prefix}{t.text} failed: {t.metric} is {_fmt(actual)}")
        label = f"{scope}: {self.text}" if scope else self.text
        return GateOutcome(label, not failures, tuple(failures), tuple(checked))


def _fmt(value: float) -> str:
    if value == int(value) and abs(value) >= 1:
        return str(int(value))
    return f"{value:.4g}"
