"""KPIs, feedback and drift alerts: the store-backed side of observability.

* ``kpi_report`` — operational, business and trust KPIs per agent, version and
  window, against the spec's ``kpis`` targets (``keel kpi report``, the HTTP API);
* ``FeedbackRepository`` / ``record_feedback`` — explicit and implicit feedback on
  runs; ``finetune_examples`` — consented, validated corrections as fine-tuning data;
* the evaluation KPIs: the latest stored evaluation (``eval_runs``) per agent and
  version, beside the KPIs of its runs (``EvalFigures``);
* ``DriftMonitor`` — EWMA baselines per agent and metric, alerts that fire and clear,
  webhooks (``keel alerts``).

Depends on the store (and the spec's ``KpiSpec``); the telemetry package it reports
drift metrics to imports nothing from here. See docs/observability.md.
"""

from keel.kpi.drift import AlertRepository, DriftMonitor, DriftSettings, WindowValues
from keel.kpi.evaluations import EvalFigures
from keel.kpi.feedback import (
    FEEDBACK_KINDS,
    FeedbackKind,
    FeedbackRecord,
    FeedbackRepository,
    record_feedback,
)
from keel.kpi.finetune import EXPORT_FORMATS, finetune_examples, write_jsonl
from keel.kpi.report import (
    KPIS,
    AgentKpis,
    KpiDefinition,
    KpiReport,
    KpiValue,
    VersionKpis,
    kpi_report,
    percentile,
    spec_kpis,
    window_seconds,
)

__all__ = [
    "EXPORT_FORMATS",
    "FEEDBACK_KINDS",
    "KPIS",
    "AgentKpis",
    "AlertRepository",
    "DriftMonitor",
    "DriftSettings",
    "EvalFigures",
    "FeedbackKind",
    "FeedbackRecord",
    "FeedbackRepository",
    "KpiDefinition",
    "KpiReport",
    "KpiValue",
    "VersionKpis",
    "WindowValues",
    "finetune_examples",
    "kpi_report",
    "percentile",
    "record_feedback",
    "spec_kpis",
    "window_seconds",
    "write_jsonl",
]
