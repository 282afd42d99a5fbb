"""Keel's spans: recorded as plain values while a call runs, handed to OpenTelemetry's
span processors as finished ``ReadableSpan``s when it ends.

Why not the SDK's ``Tracer``: its live ``Span`` (a lock, per-attribute validation,
sampler and self-metrics hooks) costs about 30 µs per span on the run path of a
2-core machine, four times what the finished span Keel hands over costs, and a run
makes at least three. Everything after ``on_end`` is the SDK's own: the
``BatchSpanProcessor``, the OTLP and console exporters, any processor a caller adds.

What this gives up, on purpose: processors' ``on_start`` is not called (batching and
exporting processors do not use it), and sampling is the default one — a trace is
recorded unless the caller's ``traceparent`` says it is not sampled, whose flag then
passes on unchanged. Values Keel sets are always valid attribute types.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from time import time_ns
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_UNSET = Status(StatusCode.UNSET)


class OpenSpan:
    """A span being recorded. ``end`` hands it to the processors (once)."""

    __slots__ = (
        "_events",
        "_recorder",
        "_start",
        "_status",
        "attributes",
        "context",
        "kind",
        "name",
        "parent",
    )

    def __init__(
        self,
        recorder: SpanRecorder,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        kind: SpanKind,
        attributes: dict[str, Any],
    ) -> None:
        self._recorder = recorder
        self.name = name
        self.context = context
        self.parent = parent
        self.kind = kind
        self.attributes = attributes
        self._events: list[Event] = []
        self._status = _UNSET
        self._start = time_ns()

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        self.attributes.update(attributes)

    def add_event(self, name: str, attributes: Mapping[str, Any]) -> None:
        self._events.append(Event(name, dict(attributes), time_ns()))

    def set_status(self, code: StatusCode, description: str | None = None) -> None:
        self._status = Status(code, description)

    def end(self) -> None:
        recorder = self._recorder
        if not recorder.recording(self.context):
            return
        span = ReadableSpan(
            name=self.name,
            context=self.context,
            parent=self.parent,
            resource=recorder.resource,
            attributes=self.attributes,
            events=tuple(self._events),
            kind=self.kind,
            status=self._status,
            start_time=self._start,
            end_time=time_ns(),
            instrumentation_scope=recorder.scope,
        )
        for processor in recorder.processors:
            processor.on_end(span)


class SpanRecorder:
    """Makes ``OpenSpan``s and hands the finished ones to ``processors``."""

    def __init__(
        self,
        processors: Sequence[SpanProcessor],
        *,
        resource: Resource,
        scope: InstrumentationScope,
    ) -> None:
        self.processors = tuple(processors)
        self.resource = resource
        self.scope = scope

    def start(
        self,
        name: str,
        *,
        parent: SpanContext | None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: dict[str, Any] | None = None,
    ) -> OpenSpan:
        """A new span, child of ``parent`` (a new trace without one). ``attributes`` is
        kept as given (not copied): pass a dict of your own."""
        span_id = random.getrandbits(64) or 1
        if parent is None:
            context = SpanContext(
                random.getrandbits(128) or 1, span_id, is_remote=False, trace_flags=_SAMPLED
            )
        else:
            context = SpanContext(
                parent.trace_id,
                span_id,
                is_remote=False,
                trace_flags=parent.trace_flags,
                trace_state=parent.trace_state,
            )
        return OpenSpan(self, name, context, parent, kind, attributes or {})

    @staticmethod
    def recording(context: SpanContext) -> bool:
        return context.trace_flags.sampled

    def force_flush(self, timeout_millis: int) -> None:
        for p in self.processors:
            p.force_flush(timeout_millis)

    def shutdown(self) -> None:
        for p in self.processors:
            p.shutdown()
