"""Telemetry on a real engine: spans into OpenTelemetry's in-memory exporter, metrics
into the Prometheus reader ``keel serve`` uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from keel.telemetry import Telemetry, TelemetryConfig


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def telemetry(exporter: InMemorySpanExporter) -> Iterator[Telemetry]:
    t = Telemetry(TelemetryConfig(prometheus=True), span_processors=[SimpleSpanProcessor(exporter)])
    yield t
    t.shutdown()
