"""The KPI report as one self-contained HTML page with plotly charts.

plotly.js is embedded from the installed ``plotly`` package (the ``reports`` extra):
the page opens offline, fetches nothing from a CDN, and can be archived as is.
plotly is imported only here, only when an HTML report is asked for.
"""

from __future__ import annotations

import html
import time
from typing import Any

from keel.errors import UserError
from keel.kpi.evaluations import EvalFigures
from keel.kpi.report import KPIS, AgentKpis, KpiReport, KpiValue

_MEANING = {k.name: k.meaning for k in KPIS}


def format_value(k: KpiValue, value: float | None = None) -> str:
    v = k.value if value is None else value
    if v is None:
        return "—"
    if k.unit == "ratio":
        return f"{v * 100:.1f}%"
    if k.unit == "usd":
        return f"${v:.4f}"
    if k.unit == "ms":
        return f"{v:.1f} ms"
    return f"{v:.3f} s"


def describe_evaluation(e: EvalFigures) -> str:
    """One line about an evaluation: version, when, trigger, cases, gate."""
    gate = {True: " · gate passed", False: " · gate failed", None: ""}[e.gate_passed]
    return (
        f"latest evaluation {e.id}: version {e.version} · {_when(e.started_at)} · "
        f"{e.trigger} · {e.passed}/{e.cases} case(s) passed · suites {', '.join(e.suites)}" + gate
    )


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def render_html(report: KpiReport) -> str:
    """The report as HTML. Raises ``UserError`` when plotly is not installed."""
    try:
        import plotly.graph_objects as go  # type: ignore[import-untyped]
        from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]
    except ImportError as e:
        raise UserError(
            "HTML reports need plotly: pip install 'keel[reports]' (or use --format json)"
        ) from e
    body: list[str] = [
        f"<h1>KPI report</h1><p>{html.escape(_when(report.since))} to "
        f"{html.escape(_when(report.until))}"
        + (f" · tenant {html.escape(report.tenant)}" if report.tenant else "")
        + "</p>"
    ]
    if not report.agents:
        body.append("<p>No runs in this window.</p>")
    for agent in report.agents:
        body.append(_agent_section(agent, go))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Keel KPI report</title>"
        f"<script>{get_plotlyjs()}</script><style>{_CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>"
    )


def _agent_section(agent: AgentKpis, go: Any) -> str:
    parts = [f"<h2>{html.escape(agent.agent)}</h2><p>{agent.runs} run(s)</p>", _table(agent)]
    evaluated = [v.evaluation for v in agent.versions if v.evaluation is not None]
    if evaluated:
        parts.append(_evaluations(evaluated))
    ratios = [k for k in agent.kpis if k.unit == "ratio"]
    fig = go.Figure()
    fig.add_bar(
        name="actual",
        x=[k.name for k in ratios],
        y=[None if k.value is None else k.value * 100 for k in ratios],
    )
    fig.add_scatter(
        name="target",
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 28, "line": {"width": 3}},
        x=[k.name for k in ratios],
        y=[None if k.target is None else k.target * 100 for k in ratios],
    )
    fig.update_layout(title="Rates (%)", yaxis={"range": [0, 105]}, height=380)
    parts.append(fig.to_html(full_html=False, include_plotlyjs=False))
    if agent.versions:
        by_version = go.Figure()
        for name in ("latency_p50_s", "latency_p95_s", "latency_p99_s"):
            by_version.add_bar(
                name=name,
                x=[v.version for v in agent.versions],
                y=[next(k.value for k in v.kpis if k.name == name) for v in agent.versions],
            )
        by_version.update_layout(title="Latency by version (s)", barmode="group", height=340)
        parts.append(by_version.to_html(full_html=False, include_plotlyjs=False))
    return "<section>" + "".join(parts) + "</section>"


def _table(agent: AgentKpis) -> str:
    versions = agent.versions if len(agent.versions) > 1 else []
    head = "".join(f"<th>{html.escape(v.version)}</th>" for v in versions)
    rows = []
    for i, k in enumerate(agent.kpis):
        per_version = "".join(f"<td>{html.escape(format_value(v.kpis[i]))}</td>" for v in versions)
        target = "—" if k.target is None else format_value(k, k.target)
        status = {True: "met", False: "missed", None: ""}[k.met]
        rows.append(
            f"<tr class='{status}'><td title='{html.escape(_MEANING[k.name])}'>"
            f"{html.escape(k.name)}</td><td>{k.group}</td>"
            f"<td>{html.escape(format_value(k))}</td>{per_version}"
            f"<td>{html.escape(target)}</td><td>{status}</td><td>{k.samples}</td></tr>"
        )
    return (
        "<table><tr><th>KPI</th><th>group</th><th>actual</th>"
        f"{head}<th>target</th><th></th><th>samples</th></tr>" + "".join(rows) + "</table>"
    )


def _evaluations(evaluations: list[EvalFigures]) -> str:
    """The latest evaluation of each version, one row each."""

    def cell(value: float | None, unit: str) -> str:
        if value is None:
            return "—"
        return {"ratio": f"{value * 100:.1f}%", "ms": f"{value:.1f} ms"}.get(unit, f"${value:.4f}")

    rows = [
        f"<tr><td>{html.escape(e.version)}</td><td>{html.escape(_when(e.started_at))}</td>"
        f"<td>{html.escape(e.trigger)}</td><td>{html.escape(', '.join(e.suites))}</td>"
        f"<td>{e.passed}/{e.cases}</td><td>{cell(e.pass_rate, 'ratio')}</td>"
        f"<td>{cell(e.adversarial_block_rate, 'ratio')}</td><td>{cell(e.p95_ms, 'ms')}</td>"
        f"<td>{cell(e.mean_cost_usd, 'usd')}</td>"
        f"<td>{ {True: 'passed', False: 'failed', None: '—'}[e.gate_passed] }</td></tr>"
        for e in evaluations
    ]
    return (
        "<h3>Latest evaluation per version</h3><table class='evals'><tr><th>version</th>"
        "<th>when</th><th>trigger</th><th>suites</th><th>passed</th><th>pass rate</th>"
        "<th>adversarial blocked</th><th>p95</th><th>cost per case</th><th>gate</th></tr>"
        + "".join(rows)
        + "</table>"
    )


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}
td,th{padding:.3rem .7rem;border-bottom:1px solid #ddd;text-align:left}
tr.met td:nth-last-child(2){color:#1a7f37}
tr.missed td:nth-last-child(2){color:#cf222e}
"""
