"""Telemetry: OpenTelemetry traces and metrics (GenAI conventions), drift detection, alerts.

``Telemetry(TelemetryConfig(...))`` builds one process's tracer and meter; give it to
``LocalEngine(..., telemetry=...)`` and every run reports ``invoke_agent``, ``chat``
and ``execute_tool`` spans and the metrics in ``keel.telemetry.semconv``. Without
one (the default) the engine records nothing and OpenTelemetry is never imported:
this facade loads ``Telemetry`` lazily. See docs/observability.md.

Like ``governance`` and ``models``, this package imports nothing above it: the
store-backed parts (feedback, KPIs, drift baselines and alerts) are in ``keel.kpi``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from keel.telemetry.alerts import Alert, AlertNotifier, sign
from keel.telemetry.config import TelemetryConfig
from keel.telemetry.drift import Baseline, DriftRule, Verdict
from keel.telemetry.traceparent import format_traceparent, trace_id_of, valid_traceparent

if TYPE_CHECKING:
    from keel.telemetry._telemetry import Telemetry

__all__ = [
    "Alert",
    "AlertNotifier",
    "Baseline",
    "DriftRule",
    "Telemetry",
    "TelemetryConfig",
    "Verdict",
    "format_traceparent",
    "sign",
    "trace_id_of",
    "valid_traceparent",
]


def __getattr__(name: str) -> Any:
    if name == "Telemetry":
        value = importlib.import_module("keel.telemetry._telemetry").Telemetry
        globals()[name] = value
        return value
    raise AttributeError(f"module 'keel.telemetry' has no attribute {name!r}")
