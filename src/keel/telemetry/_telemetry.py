"""``Telemetry``: one process's spans and meter, built from a ``TelemetryConfig``.

Keel keeps its own span processors (``keel.telemetry.spans``) and ``MeterProvider``
instead of installing OpenTelemetry's global providers: an application embedding
Keel keeps control of its globals, and two engines (or two tests) never share
exporters by accident. Trace context still crosses into the application's spans
through W3C ``traceparent`` values and OpenTelemetry's context (each tool call's
span is current while the tool runs).

Importing this module imports OpenTelemetry; the engine imports it only when it is
given a ``Telemetry``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.sdk.metrics import AlwaysOffExemplarFilter, MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricReader,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

from keel.telemetry.config import TelemetryConfig
from keel.telemetry.histograms import HistogramSet
from keel.telemetry.metrics import RunMetrics
from keel.telemetry.prometheus import PrometheusExposition
from keel.telemetry.spans import OpenSpan, SpanRecorder
from keel.telemetry.traceparent import format_traceparent, valid_traceparent

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.metrics.export import MetricExporter

log = logging.getLogger(__name__)

SCOPE = "keel"


class Telemetry:
    """Tracing and metrics for one process. ``shutdown`` flushes and stops exporters.

    ``span_processors`` and ``metric_readers`` are added to what the config builds:
    tests pass an in-memory exporter or reader, the benchmark a null exporter.
    """

    def __init__(
        self,
        config: TelemetryConfig,
        *,
        span_processors: Sequence[SpanProcessor] = (),
        metric_readers: Sequence[MetricReader] = (),
    ) -> None:
        from keel import __version__

        self.config = config
        resource = Resource({"service.name": config.service_name, "service.version": __version__})
        processors = list(span_processors)
        exporter = _span_exporter(config)
        if exporter is not None:
            processors.append(BatchSpanProcessor(exporter))
        scope = InstrumentationScope(SCOPE, __version__)
        self.tracing = bool(processors)
        self.spans = SpanRecorder(processors, resource=resource, scope=scope)
        self._histograms = HistogramSet(resource, scope)
        readers = list(metric_readers)
        metric_exporter = _metric_exporter(config)
        if metric_exporter is not None:
            readers.append(
                PeriodicExportingMetricReader(
                    metric_exporter, export_interval_millis=config.metrics_interval_s * 1000
                )
            )
        self._exposition: PrometheusExposition | None = None
        if config.prometheus:
            self._exposition = PrometheusExposition()
            readers.append(self._exposition.reader)
        for reader in readers:
            _feed(reader, self._histograms)
        self._meter_provider = MeterProvider(
            metric_readers=readers,
            resource=resource,
            exemplar_filter=AlwaysOffExemplarFilter(),
        )
        self.metrics = RunMetrics(
            self._meter_provider.get_meter(SCOPE, __version__), self._histograms
        )
        if self._exposition is not None:
            self._exposition.declare(self.metrics.declared)
        self._closed = False

    @property
    def capture_content(self) -> bool:
        return self.config.capture_content

    # -- trace context -------------------------------------------------------------------

    def start_span(
        self,
        name: str,
        *,
        parent: SpanContext | None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: dict[str, Any] | None = None,
    ) -> OpenSpan:
        """A span, child of ``parent`` (a new trace without one); ``end`` it."""
        return self.spans.start(name, parent=parent, kind=kind, attributes=attributes)

    @staticmethod
    def parent(traceparent: str | None) -> SpanContext | None:
        """The remote span a W3C ``traceparent`` names (``None`` for none or an invalid
        one: the run starts a new trace)."""
        tp = valid_traceparent(traceparent)
        if tp is None:
            return None
        return SpanContext(
            trace_id=int(tp[3:35], 16),
            span_id=int(tp[36:52], 16),
            is_remote=True,
            trace_flags=TraceFlags(int(tp[53:55], 16)),
        )

    @staticmethod
    def traceparent(span: OpenSpan) -> str:
        """The W3C ``traceparent`` naming ``span``."""
        ctx = span.context
        return format_traceparent(ctx.trace_id, ctx.span_id, int(ctx.trace_flags))

    @staticmethod
    def current(span: OpenSpan) -> Context:
        """An OpenTelemetry context whose current span is ``span``: attach it while
        code that may start its own spans (an instrumented HTTP client) runs."""
        return trace.set_span_in_context(NonRecordingSpan(span.context))

    # -- metrics exposition ----------------------------------------------------------------

    def prometheus(self) -> tuple[bytes, str]:
        """The ``/metrics`` body and content type (Prometheus text exposition).

        Raises ``RuntimeError`` when this telemetry was built without ``prometheus``.
        """
        if self._exposition is None:
            raise RuntimeError("Prometheus exposition is off (TelemetryConfig.prometheus)")
        return self._exposition.render()

    # -- lifecycle -------------------------------------------------------------------------

    def force_flush(self, timeout_s: float = 10.0) -> None:
        """Export what is buffered now (spans, then metrics)."""
        millis = int(timeout_s * 1000)
        self.spans.force_flush(millis)
        self._meter_provider.force_flush(millis)

    def shutdown(self) -> None:
        """Flush and stop every exporter; idempotent."""
        if self._closed:
            return
        self._closed = True
        self.spans.shutdown()
        self._meter_provider.shutdown()


def _feed(reader: MetricReader, histograms: HistogramSet) -> None:
    """Make ``reader`` receive Keel's histograms with each collection (see
    ``keel.telemetry.histograms``): its ``_receive_metrics``, wrapped on this instance,
    gets the SDK's collection with Keel's points added."""
    receive = reader._receive_metrics

    def receive_with_histograms(
        metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> None:
        receive(histograms.merged(metrics_data), timeout_millis, **kwargs)

    setattr(reader, "_receive_metrics", receive_with_histograms)  # noqa: B010 (a method)


def _otlp_url(config: TelemetryConfig, signal: str) -> str | None:
    """The OTLP/HTTP URL of ``signal`` (``traces``/``metrics``) under the endpoint."""
    if config.endpoint is None:
        return None
    base = config.endpoint.rstrip("/")
    suffix = f"/v1/{signal}"
    if base.endswith(("/v1/traces", "/v1/metrics")):
        base = base.rsplit("/v1/", 1)[0]
    return base + suffix


def _span_exporter(config: TelemetryConfig) -> SpanExporter | None:
    if config.exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        # stderr: stdout belongs to the command's own output (``keel run --json``).
        return ConsoleSpanExporter(out=sys.stderr)
    if config.exporter != "otlp":
        return None
    headers = dict(config.headers)
    if config.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcSpanExporter,
        )

        return GrpcSpanExporter(
            endpoint=config.endpoint, headers=headers, insecure=_insecure(config)
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=_otlp_url(config, "traces"), headers=headers)


def _metric_exporter(config: TelemetryConfig) -> MetricExporter | None:
    if config.exporter == "console":
        from opentelemetry.sdk.metrics.export import ConsoleMetricExporter

        return ConsoleMetricExporter(out=sys.stderr)
    if config.exporter != "otlp":
        return None
    headers = dict(config.headers)
    if config.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter as GrpcMetricExporter,
        )

        return GrpcMetricExporter(
            endpoint=config.endpoint, headers=headers, insecure=_insecure(config)
        )
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

    return OTLPMetricExporter(endpoint=_otlp_url(config, "metrics"), headers=headers)


def _insecure(config: TelemetryConfig) -> bool | None:
    # gRPC: plaintext for http:// endpoints (a local collector), TLS otherwise.
    if config.endpoint is None:
        return None
    return config.endpoint.startswith("http://")
