"""The Prometheus exposition of Keel's metrics, for ``GET /metrics``.

OpenTelemetry's ``PrometheusMetricReader`` collects into a ``CollectorRegistry`` of
Keel's own (never prometheus_client's global one, so two processes' worth of
metrics — or two tests — never mix). An instrument that has no value yet is still
listed, with its ``# HELP`` and ``# TYPE`` lines and no samples, as
prometheus_client does for a labelled metric nobody has used: a scrape right after
start-up shows what will be reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from keel.telemetry.metrics import Instrument

if TYPE_CHECKING:
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric


class PrometheusExposition:
    """A metric reader and the registry it fills; ``render`` is the ``/metrics`` body."""

    def __init__(self, declared: Sequence[Instrument] = ()) -> None:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader
        from prometheus_client import CollectorRegistry

        self._collected = CollectorRegistry(auto_describe=False)
        self.reader: PrometheusMetricReader = PrometheusMetricReader(
            disable_target_info=True, scope_info_enabled=False, registry=self._collected
        )
        self._declared: list[Instrument] = list(declared)
        self.registry: CollectorRegistry = CollectorRegistry(auto_describe=False)
        self.registry.register(_WithDeclared(self))

    def declare(self, instruments: Iterable[Instrument]) -> None:
        self._declared.extend(instruments)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def _families(self) -> Iterable[Metric]:
        from opentelemetry.exporter.prometheus._mapping import map_unit, sanitize_full_name
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        seen: set[str] = set()
        for family in self._collected.collect():
            if family.name in seen:
                continue
            seen.add(family.name)
            yield family
        kinds = {
            "histogram": HistogramMetricFamily,
            "counter": CounterMetricFamily,
            "gauge": GaugeMetricFamily,
        }
        for inst in self._declared:
            empty = kinds[inst.kind](
                sanitize_full_name(inst.name),
                inst.description,
                labels=(),
                unit=map_unit(inst.unit),
            )
            if empty.name not in seen:
                seen.add(empty.name)
                yield empty


class _WithDeclared:
    """The collector the exposition registry holds (prometheus_client's protocol)."""

    def __init__(self, exposition: PrometheusExposition) -> None:
        self._exposition = exposition

    def collect(self) -> Iterable[Metric]:
        return self._exposition._families()
