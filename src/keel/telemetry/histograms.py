"""Histograms aggregated by Keel, reported in OpenTelemetry's metrics data model.

The SDK's synchronous ``Histogram.record`` validates and hashes the attributes and
builds a measurement object on every call: about 10 µs on a 2-core machine, and a
run records at least five. Keel's histograms take a pre-built attribute tuple and
add to explicit buckets under a lock (about 1 µs); at collection, the readers Keel
builds (Prometheus, periodic OTLP) add these cumulative points to what the SDK
collected, as ``HistogramDataPoint``s of the same resource and scope. Buckets follow
OpenTelemetry's rule: a value lands in the first bucket whose bound is ``>=`` it.

This is the "metric producer" the OpenTelemetry specification describes for metrics
aggregated outside the SDK; the Python SDK has no such hook yet, so the readers
merge in ``_receive_metrics``, the one method a reader implementation provides.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left
from collections.abc import Sequence
from time import time_ns

from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    HistogramDataPoint,
    Metric,
    MetricsData,
    ResourceMetrics,
    ScopeMetrics,
)
from opentelemetry.sdk.metrics.export import Histogram as HistogramData
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

Attrs = tuple[tuple[str, str], ...]


class _Point:
    __slots__ = ("count", "counts", "max", "min", "start", "sum")

    def __init__(self, buckets: int) -> None:
        self.counts = [0] * buckets
        self.count = 0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.start = time_ns()


class Histogram:
    """Cumulative explicit-bucket histograms, one per attribute set."""

    __slots__ = ("_lock", "_points", "bounds", "description", "name", "unit")

    def __init__(self, name: str, unit: str, description: str, bounds: Sequence[float]) -> None:
        self.name = name
        self.unit = unit
        self.description = description
        self.bounds = tuple(float(b) for b in bounds)
        self._points: dict[Attrs, _Point] = {}
        self._lock = threading.Lock()

    def record(self, value: float, attributes: Attrs) -> None:
        if value < 0 or not math.isfinite(value):
            return  # as the SDK: negative and non-finite values are dropped
        with self._lock:
            p = self._points.get(attributes)
            if p is None:
                p = self._points[attributes] = _Point(len(self.bounds) + 1)
            p.counts[bisect_left(self.bounds, value)] += 1
            p.count += 1
            p.sum += value
            if value < p.min:
                p.min = value
            if value > p.max:
                p.max = value

    def metric(self, now: int) -> Metric | None:
        with self._lock:
            points = [
                HistogramDataPoint(
                    attributes=dict(key),
                    start_time_unix_nano=p.start,
                    time_unix_nano=now,
                    count=p.count,
                    sum=p.sum,
                    bucket_counts=list(p.counts),
                    explicit_bounds=self.bounds,
                    min=p.min,
                    max=p.max,
                )
                for key, p in self._points.items()
            ]
        if not points:
            return None
        return Metric(
            name=self.name,
            description=self.description,
            unit=self.unit,
            data=HistogramData(
                data_points=points, aggregation_temporality=AggregationTemporality.CUMULATIVE
            ),
        )


class HistogramSet:
    """Keel's histograms, and their merge into what a reader collected."""

    def __init__(self, resource: Resource, scope: InstrumentationScope) -> None:
        self._resource = resource
        self._scope = scope
        self._histograms: list[Histogram] = []

    def histogram(
        self, name: str, unit: str, description: str, bounds: Sequence[float]
    ) -> Histogram:
        h = Histogram(name, unit, description, bounds)
        self._histograms.append(h)
        return h

    def merged(self, data: MetricsData) -> MetricsData:
        """``data`` with these histograms' points added under Keel's resource and scope."""
        now = time_ns()
        extra = [m for m in (h.metric(now) for h in self._histograms) if m is not None]
        if not extra:
            return data
        resources = list(data.resource_metrics)
        for i, rm in enumerate(resources):
            for j, sm in enumerate(rm.scope_metrics):
                if sm.scope.name == self._scope.name:
                    scopes = list(rm.scope_metrics)
                    scopes[j] = ScopeMetrics(sm.scope, [*sm.metrics, *extra], sm.schema_url)
                    resources[i] = ResourceMetrics(rm.resource, scopes, rm.schema_url)
                    return MetricsData(resources)
        ours = ScopeMetrics(self._scope, extra, "")
        if resources:
            first = resources[0]
            resources[0] = ResourceMetrics(
                first.resource, [*first.scope_metrics, ours], first.schema_url
            )
        else:
            resources.append(ResourceMetrics(self._resource, [ours], ""))
        return MetricsData(resources)
