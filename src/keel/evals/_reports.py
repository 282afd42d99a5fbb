"""Writing an evaluation out: JSON, JUnit XML for any CI, and a self-contained HTML page.

Every writer takes an ``EvalReport`` (outputs already masked) and a path, and
writes the file whole through a temporary file and a rename, so a reader never sees
half a report. The HTML report imports plotly only when asked for (the ``reports``
extra) and embeds plotly.js from the installed package: it opens offline.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

from keel.errors import UserError
from keel.evals._files import write_atomic
from keel.evals._gate import METRICS
from keel.evals._results import CaseResult, EvalReport


def write_json(report: EvalReport, path: Path) -> None:
    write_atomic(path, json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")


def junit_xml(report: EvalReport) -> str:
    """One ``<testsuite>`` per suite and one ``<testcase>`` per case or journey.

    A failed case is a ``<failure>`` whose message counts the failed checks (type
    ``regression`` when it passed in the previous run) and whose text lists them.
    """
    by_suite: dict[str, list[CaseResult]] = defaultdict(list)
    for r in report.results:
        by_suite[r.suite].append(r)
    root = ET.Element(
        "testsuites",
        name=f"keel eval {report.agent}@{report.agent_version}",
        tests=str(len(report.results)),
        failures=str(sum(not r.passed for r in report.results)),
        errors="0",
        time=_seconds(report.finished_at - report.started_at),
    )
    for suite in report.suites:
        results = by_suite.get(suite, [])
        element = ET.SubElement(
            root,
            "testsuite",
            name=suite,
            tests=str(len(results)),
            failures=str(sum(not r.passed for r in results)),
            errors="0",
            skipped="0",
            time=_seconds(sum(r.latency_ms for r in results) / 1000),
        )
        props = ET.SubElement(element, "properties")
        for name, value in (
            ("agent", report.agent),
            ("agent_version", report.agent_version),
            ("agent_hash", report.agent_hash),
            ("eval_run", report.id),
        ):
            ET.SubElement(props, "property", name=name, value=value)
        for r in results:
            case = ET.SubElement(
                element,
                "testcase",
                classname=f"{suite}.{r.kind}",
                name=r.case_id,
                time=_seconds(r.latency_ms / 1000),
            )
            if not r.passed:
                failed = r.failed_checks
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=f"{len(failed)} of {len(r.checks)} checks failed"
                    + (" (regression)" if r.regression else ""),
                    type="regression" if r.regression else "failure",
                )
                failure.text = "\n".join(
                    f"{c.name}: {c.detail}" if c.detail else c.name for c in failed
                )
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(report: EvalReport, path: Path) -> None:
    write_atomic(path, junit_xml(report))


def html_report(report: EvalReport) -> str:
    """A self-contained page: metrics, gates, regressions, failures, and three charts
    (pass rate by tag, turn latency and case cost distributions). Raises ``UserError``
    when plotly (the ``reports`` extra) is not installed."""
    try:
        import plotly.graph_objects as go  # type: ignore[import-untyped]
        from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]
    except ImportError as e:
        raise UserError("the HTML report needs plotly: pip install 'keel[reports]'") from e
    charts = [
        _chart(go, _pass_rate_by_tag(go, report)),
        _chart(go, _histogram(go, report, "latency")),
        _chart(go, _histogram(go, report, "cost")),
    ]
    esc = html.escape
    title = f"keel eval: {report.agent}@{report.agent_version}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        f"<style>{_CSS}</style>",
        f"<script>{get_plotlyjs()}</script>",
        "</head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p class=meta>{esc(report.agent_hash)} · evaluation {esc(report.id)} · "
        f"suites: {esc(', '.join(report.suites))}</p>",
        _verdict(report),
        _metrics_table(report),
        *charts,
        _regressions(report),
        _failures(report),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_html(report: EvalReport, path: Path) -> None:
    write_atomic(path, html_report(report))


# -- HTML pieces -------------------------------------------------------------------

_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}"
    "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;"
    "text-align:left;vertical-align:top}.pass{color:#1a7f37}.fail{color:#c62828}"
    ".meta{color:#666}pre{white-space:pre-wrap;margin:0}"
)


def _chart(go: Any, figure: Any) -> str:
    figure.update_layout(height=360, margin={"l": 40, "r": 20, "t": 50, "b": 40})
    return str(figure.to_html(full_html=False, include_plotlyjs=False))


def _pass_rate_by_tag(go: Any, report: EvalReport) -> Any:
    tags: dict[str, list[bool]] = defaultdict(list)
    for r in report.results:
        for tag in r.tags or ("(untagged)",):
            tags[tag].append(r.passed)
    names = sorted(tags)
    rates = [sum(tags[t]) / len(tags[t]) for t in names]
    counts = [f"{sum(tags[t])}/{len(tags[t])}" for t in names]
    bar = go.Bar(x=names, y=rates, text=counts, textposition="auto")
    figure = go.Figure(bar)
    figure.update_layout(title="Pass rate by tag", yaxis={"range": [0, 1], "tickformat": ".0%"})
    return figure


def _histogram(go: Any, report: EvalReport, which: str) -> Any:
    if which == "latency":
        values = [x for r in report.results for x in r.latencies_ms]
        title, axis = "Turn latency", "milliseconds"
    else:
        values = [r.cost_usd for r in report.results if r.cost_usd is not None]
        title, axis = "Cost per case", "USD"
    figure = go.Figure(go.Histogram(x=values, nbinsx=40))
    figure.update_layout(title=f"{title} ({len(values)} values)", xaxis={"title": axis})
    return figure


def _verdict(report: EvalReport) -> str:
    esc = html.escape
    lines = []
    for g in report.gates:
        cls = "pass" if g.passed else "fail"
        word = "passed" if g.passed else "FAILED"
        lines.append(f"<p class={cls}>gate {esc(g.text)}: {word}</p>")
        lines += [f"<p class=fail>{esc(f)}</p>" for f in g.failures]
    if not report.gates:
        cls = "pass" if report.passed else "fail"
        word = "every case passed" if report.passed else "some cases failed"
        lines.append(f"<p class={cls}>{word}</p>")
    return "\n".join(lines)


def _metrics_table(report: EvalReport) -> str:
    rows = []
    for name, value in report.metrics.items():
        shown = "—" if value is None else f"{value:.4g}"
        rows.append(
            f"<tr><td>{html.escape(name)}</td><td>{shown}</td>"
            f"<td>{html.escape(METRICS.get(name, ''))}</td></tr>"
        )
    return "<table><tr><th>metric</th><th>value</th><th></th></tr>" + "".join(rows) + "</table>"


def _regressions(report: EvalReport) -> str:
    if not report.regressions:
        return ""
    items = "".join(
        f"<li>{html.escape(r.suite)} / {html.escape(r.case_id)} "
        f"(passed in {html.escape(r.previous_run)})</li>"
        for r in report.regressions
    )
    return f"<h2 class=fail>Regressions</h2><ul>{items}</ul>"


def _failures(report: EvalReport) -> str:
    failed = [r for r in report.results if not r.passed]
    if not failed:
        return ""
    esc = html.escape
    rows = []
    for r in failed:
        checks = "<br>".join(
            esc(f"{c.name}: {c.detail}" if c.detail else c.name) for c in r.failed_checks
        )
        output = esc(json.dumps(r.output, ensure_ascii=False) if r.output is not None else "")
        rows.append(
            f"<tr><td>{esc(r.suite)}</td><td>{esc(r.case_id)}</td><td>{esc(r.status)}</td>"
            f"<td>{checks}</td><td><pre>{output}</pre></td></tr>"
        )
    head = (
        "<tr><th>suite</th><th>case</th><th>status</th><th>failed checks</th><th>answer</th></tr>"
    )
    return f"<h2>Failures ({len(failed)})</h2><table>{head}{''.join(rows)}</table>"


# -- files -----------------------------------------------------------------------------


def _seconds(value: float) -> str:
    return f"{max(0.0, value):.3f}"
