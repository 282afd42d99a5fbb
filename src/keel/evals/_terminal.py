"""The terminal summary of an evaluation: suites, failures, regressions, metrics, gates."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from keel.evals._results import CaseResult, EvalReport

MAX_FAILURES_SHOWN = 20


def print_summary(console: Console, report: EvalReport) -> None:
    """Write the summary of ``report`` to ``console``; data is never read as markup."""
    by_suite: dict[str, list[CaseResult]] = defaultdict(list)
    for r in report.results:
        by_suite[r.suite].append(r)
    table = Table(title=f"{report.agent}@{report.agent_version}", title_justify="left")
    for column in ("suite", "cases", "passed", "failed", "pass rate"):
        table.add_column(column, justify="left" if column == "suite" else "right")
    for suite in report.suites:
        rows = by_suite.get(suite, [])
        table.add_row(escape(suite), *_counts(rows))
    table.add_row("total", *_counts(list(report.results)), style="bold")
    console.print(table)
    failed = [r for r in report.results if not r.passed]
    if failed:
        console.print(f"[bold]failures ({len(failed)})[/]")
        for r in failed[:MAX_FAILURES_SHOWN]:
            first = r.failed_checks[0] if r.failed_checks else None
            why = "" if first is None else f": {first.name}"
            if first is not None and first.detail:
                why += f" — {first.detail}"
            more = len(r.failed_checks) - 1
            tail = f" (+{more} more check(s))" if more > 0 else ""
            _plain(console, f"  {r.suite} / {r.case_id}{why}{tail}")
        if len(failed) > MAX_FAILURES_SHOWN:
            hidden = len(failed) - MAX_FAILURES_SHOWN
            _plain(console, f"  … and {hidden} more (write them all with --json or --junit)")
    if report.regressions:
        console.print(f"[bold red]regressions ({len(report.regressions)})[/]: passed last time")
        for g in report.regressions:
            _plain(console, f"  {g.suite} / {g.case_id} (passed in {g.previous_run})")
    if report.fixed:
        _plain(console, f"fixed since the previous run: {len(report.fixed)}")
    _plain(console, "metrics: " + _metrics_line(report))
    for gate in report.gates:
        if gate.passed:
            console.print(f"[green]gate passed[/]: {escape(gate.text)}", soft_wrap=True)
        else:
            console.print(f"[red]gate failed[/]: {escape(gate.text)}", soft_wrap=True)
            for failure in gate.failures:
                _plain(console, f"  {failure}")
    compared = ", ".join(f"{s}: {e}" for s, e in report.previous.items())
    where = f"evaluation {report.id}"
    if compared:
        where += f" (compared with {compared})"
    _plain(console, where)


def _counts(rows: list[CaseResult]) -> tuple[str, str, str, str]:
    passed = sum(r.passed for r in rows)
    rate = f"{passed / len(rows):.1%}" if rows else "—"
    return str(len(rows)), str(passed), str(len(rows) - passed), rate


def _metrics_line(report: EvalReport) -> str:
    m = report.metrics
    parts = [f"pass_rate {_num(m.get('pass_rate'), '.3f')}"]
    if m.get("adversarial_cases"):
        parts.append(f"adversarial_block_rate {_num(m.get('adversarial_block_rate'), '.3f')}")
    if m.get("journeys"):
        parts.append(f"journey_pass_rate {_num(m.get('journey_pass_rate'), '.3f')}")
    parts.append(f"p50 {_num(m.get('p50_ms'), '.1f')} ms")
    parts.append(f"p95 {_num(m.get('p95_ms'), '.1f')} ms")
    cost = m.get("cost_usd")
    parts.append("cost unknown" if cost is None else f"cost ${cost:.6f}")
    return " · ".join(parts)


def _num(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _plain(console: Console, line: str) -> None:
    console.print(line, markup=False, highlight=False, soft_wrap=True)
