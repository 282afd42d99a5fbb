"""``RunMetrics``: the instruments one Keel process records, and how it records them.

The run path pays for a dict update or a bucket increment, never for the SDK's
per-measurement work: counts (runs by status, tool calls by outcome, fallbacks,
escalations, SLA breaches, cost, drift alerts) are tallied in dicts and reported
through asynchronous (observable) counters when a reader collects; histograms
(token usage, durations, time to a person) are aggregated by
``keel.telemetry.histograms`` and added to each collection. Prometheus and OTLP get
the same cumulative series either way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from keel.telemetry import semconv as sc
from keel.telemetry.histograms import Histogram, HistogramSet

if TYPE_CHECKING:
    from opentelemetry.metrics import CallbackOptions, Meter, Observation

log = logging.getLogger(__name__)

Attrs = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Instrument:
    """One declared metric, so an exposition can list it before it has a value."""

    name: str
    unit: str
    kind: Literal["histogram", "counter", "gauge"]
    description: str


class _Tally:
    """Cumulative sums per attribute set, read by an observable counter's callback."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[Attrs, float] = {}

    def add(self, key: Attrs, amount: float = 1.0) -> None:
        self._values[key] = self._values.get(key, 0.0) + amount

    def snapshot(self) -> list[tuple[Attrs, float]]:
        # list() of a dict view runs without releasing the GIL: a consistent copy
        # even while the event loop's thread adds to it.
        return list(self._values.items())


class RunMetrics:
    """Every metric Keel reports (names in ``keel.telemetry.semconv``)."""

    def __init__(self, meter: Meter, histograms: HistogramSet) -> None:
        from opentelemetry.metrics import Observation

        self._meter = meter
        self._histograms = histograms
        self._observation = Observation
        self.declared: list[Instrument] = []
        self.token_usage = self._histogram(
            sc.TOKEN_USAGE, "{token}", "Number of input and output tokens used.", sc.TOKEN_BUCKETS
        )
        self.operation_duration = self._histogram(
            sc.OPERATION_DURATION, "s", "GenAI operation duration.", sc.DURATION_BUCKETS
        )
        self.run_duration = self._histogram(
            sc.RUN_DURATION, "s", "Wall time of one run execution, by final status."
        )
        self.step_duration = self._histogram(
            sc.STEP_DURATION,
            "s",
            "Latency of one tool call step (model calls: gen_ai.client.operation.duration).",
        )
        self.time_to_human = self._histogram(
            sc.TIME_TO_HUMAN,
            "s",
            "Time from an approval request to a person's decision.",
            sc.HUMAN_BUCKETS,
        )
        self.runs = self._counter(sc.RUNS, "{run}", "Run executions by final status.")
        self.tool_calls = self._counter(
            sc.TOOL_CALLS, "{call}", "Tool calls by tool and outcome (ok or the error kind)."
        )
        self.fallbacks = self._counter(
            sc.FALLBACKS, "{fallback}", "Models a fallback chain skipped because they failed."
        )
        self.escalations = self._counter(
            sc.ESCALATIONS, "{run}", "Runs handed to a person, by reason."
        )
        self.sla_breaches = self._counter(
            sc.SLA_BREACHES, "{breach}", "Service-level breaches: tool timeouts."
        )
        self.cost = self._counter(sc.COST, "{USD}", "Model spend in US dollars.")
        self.drift_alerts = self._counter(
            sc.DRIFT_ALERTS, "{alert}", "Drift alerts fired, by agent and metric."
        )
        self._firing: dict[Attrs, int] = {}
        self._gauge(
            sc.DRIFT_ALERTS_FIRING,
            "{alert}",
            "1 while a drift alert is firing for an agent's metric, else 0.",
            self._observe_firing,
        )
        self._pending_sources: dict[str, Callable[[], int]] = {}
        self._lock = threading.Lock()
        self._gauge(
            sc.APPROVALS_PENDING,
            "{approval}",
            "Approvals waiting for a person.",
            self._observe_pending,
        )
        self._chat_attrs: dict[tuple[str, str, str | None], tuple[Attrs, Attrs, Attrs]] = {}

    def _histogram(
        self,
        name: str,
        unit: str,
        description: str,
        buckets: tuple[float, ...] = sc.DURATION_BUCKETS,
    ) -> Histogram:
        self.declared.append(Instrument(name, unit, "histogram", description))
        return self._histograms.histogram(name, unit, description, buckets)

    def _counter(self, name: str, unit: str, description: str) -> _Tally:
        self.declared.append(Instrument(name, unit, "counter", description))
        tally = _Tally()

        def observe(_options: CallbackOptions) -> Iterable[Observation]:
            for key, value in tally.snapshot():
                yield self._observation(value, dict(key))

        self._meter.create_observable_counter(
            name, callbacks=[observe], unit=unit, description=description
        )
        return tally

    def _gauge(
        self,
        name: str,
        unit: str,
        description: str,
        callback: Callable[[CallbackOptions], Iterable[Observation]],
    ) -> None:
        self.declared.append(Instrument(name, unit, "gauge", description))
        self._meter.create_observable_gauge(
            name, callbacks=[callback], unit=unit, description=description
        )

    # -- recording (the run path) ------------------------------------------------------

    def chat(
        self,
        *,
        request_model: str,
        response_model: str,
        duration_s: float,
        input_tokens: int,
        output_tokens: int,
        error_type: str | None = None,
    ) -> None:
        """One model call: ``gen_ai.client.operation.duration`` and token usage."""
        key = (request_model, response_model, error_type)
        attrs = self._chat_attrs.get(key)
        if attrs is None:
            base: Attrs = (
                (sc.OPERATION_NAME, sc.CHAT),
                (sc.PROVIDER_NAME, sc.provider_of(response_model)),
                (sc.REQUEST_MODEL, request_model),
                (sc.RESPONSE_MODEL, response_model),
            )
            timed = base if error_type is None else (*base, (sc.ERROR_TYPE, error_type))
            attrs = self._chat_attrs[key] = (
                timed,
                (*base, (sc.TOKEN_TYPE, "input")),
                (*base, (sc.TOKEN_TYPE, "output")),
            )
        self.operation_duration.record(duration_s, attrs[0])
        if error_type is None:
            self.token_usage.record(input_tokens, attrs[1])
            self.token_usage.record(output_tokens, attrs[2])

    def step(self, *, agent: str, kind: str, duration_s: float) -> None:
        self.step_duration.record(duration_s, ((sc.AGENT_NAME, agent), (sc.STEP_KIND, kind)))

    def tool(self, *, agent: str, tool: str, outcome: str, duration_s: float) -> None:
        self.step(agent=agent, kind="tool", duration_s=duration_s)
        self.tool_calls.add(
            ((sc.AGENT_NAME, agent), (sc.TOOL_NAME, tool), (sc.TOOL_OUTCOME, outcome))
        )
        if outcome == "timeout":
            self.sla_breach(agent=agent, kind="tool_timeout")

    def fallback(self, *, agent: str, model: str, error_type: str) -> None:
        self.fallbacks.add(
            ((sc.AGENT_NAME, agent), (sc.FALLBACK_FROM, model), (sc.ERROR_TYPE, error_type))
        )

    def run(
        self,
        *,
        agent: str,
        status: str,
        duration_s: float,
        cost_usd: float | None,
        model: str | None,
    ) -> None:
        key = ((sc.AGENT_NAME, agent), (sc.RUN_STATUS, status))
        self.runs.add(key)
        self.run_duration.record(duration_s, key)
        if cost_usd:
            self.cost.add(((sc.AGENT_NAME, agent), (sc.RESPONSE_MODEL, model or "")), cost_usd)

    def escalation(self, *, agent: str, reason: str) -> None:
        self.escalations.add(((sc.AGENT_NAME, agent), (sc.ESCALATION_REASON, reason)))

    def approval_decided(self, *, agent: str, tool: str, outcome: str, wait_s: float) -> None:
        self.time_to_human.record(
            wait_s, ((sc.AGENT_NAME, agent), (sc.TOOL_NAME, tool), (sc.APPROVAL_OUTCOME, outcome))
        )

    def sla_breach(self, *, agent: str, kind: str) -> None:
        self.sla_breaches.add(((sc.AGENT_NAME, agent), (sc.SLA_KIND, kind)))

    def drift(self, *, agent: str, metric: str, firing: bool) -> None:
        """A drift alert fired (``firing``) or cleared for ``agent``'s ``metric``."""
        key = ((sc.AGENT_NAME, agent), (sc.DRIFT_METRIC, metric))
        self._firing[key] = 1 if firing else 0
        if firing:
            self.drift_alerts.add(key)

    def count_pending_approvals(self, name: str, source: Callable[[], int]) -> None:
        """Report ``source()`` (approvals waiting, e.g. counted in the store) as the
        pending-approvals gauge; one source per ``name``, the newest wins."""
        with self._lock:
            self._pending_sources[name] = source

    # -- collection (a reader's thread) ------------------------------------------------

    def _observe_firing(self, _options: CallbackOptions) -> Iterable[Observation]:
        for key, value in list(self._firing.items()):
            yield self._observation(value, dict(key))

    def _observe_pending(self, _options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            sources = list(self._pending_sources.values())
        if sources:
            yield self._observation(sum(_safe_count(s) for s in sources))


def _safe_count(source: Callable[[], int]) -> int:
    # A collection must not fail because the store is briefly unavailable.
    try:
        return int(source())
    except Exception as e:
        log.warning("could not count pending approvals: %s", e)
        return 0
