"""``keel kpi report``: operational, business and trust KPIs against the spec's targets.

Exit codes follow ``keel``: 0 ok (targets missed are reported, not an error), 2 bad
input — an unknown format, a malformed ``--since``, an unreadable spec.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from keel.cli import context
from keel.errors import KeelError, UserError
from keel.kpi import KpiReport, kpi_report, window_seconds
from keel.kpi.html import describe_evaluation, format_value

kpi_app = typer.Typer(help="KPIs per agent and version, against the spec's targets.")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_BAD_INPUT = 2

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="keel.toml to use (default: $KEEL_CONFIG, ./keel.toml, then $KEEL_HOME/keel.toml)",
    ),
]
TenantOpt = Annotated[
    str | None,
    typer.Option("--tenant", help="only this tenant's runs (default: every tenant's)"),
]


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(message)}", markup=True, highlight=False)
    return typer.Exit(code)


def write_out(text: str, out_file: Path | None) -> None:
    """``text`` to ``out_file``, or to stdout."""
    if out_file is None:
        sys.stdout.write(text)
        return
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
    except OSError as e:
        raise fail(f"cannot write {out_file}: {e}") from None
    err.print(f"wrote {out_file}", markup=False)


@kpi_app.callback()
def _kpi() -> None:
    """KPIs per agent and version, against the spec's targets."""


@kpi_app.command("report")
def report(
    agent: Annotated[str | None, typer.Argument(help="only this agent")] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="window ending now, e.g. 24h, 7d (default: 7d, and each target's own window)",
        ),
    ] = None,
    fmt: Annotated[
        Literal["table", "json", "html"],
        typer.Option("--format", help="table, json, or html (charts, works offline)"),
    ] = "table",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write the report to this file")
    ] = None,
    tenant: TenantOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Show each KPI's actual value beside its target, per agent and version."""
    try:
        start = None if since is None else time.time() - window_seconds(since)
        store = context.open_store(context.settings(config), audit=False)
    except KeelError as e:
        raise fail(f"{e.code}: {e.message}") from None
    with store:
        try:
            doc = kpi_report(
                store, tenant=tenant, all_tenants=tenant is None, agent=agent, since=start
            )
        except UserError as e:
            raise fail(f"{e.code}: {e.message}") from None
    if fmt == "json":
        write_out(json.dumps(doc.to_json(), indent=2) + "\n", out_file)
    elif fmt == "html":
        from keel.kpi.html import render_html

        try:
            write_out(render_html(doc), out_file)
        except UserError as e:
            raise fail(e.message) from None
    elif out_file is not None:
        buffer = io.StringIO()
        print_report(Console(file=buffer, width=120, color_system=None), doc)
        write_out(buffer.getvalue(), out_file)
    else:
        print_report(out, doc)


def print_report(console: Console, doc: KpiReport) -> None:
    span = f"{_when(doc.since)} to {_when(doc.until)}"
    if not doc.agents:
        console.print(f"no runs from {span}", markup=False)
        return
    for agent in doc.agents:
        versions = agent.versions if len(agent.versions) > 1 else []
        table = Table(title=f"{agent.agent} · {agent.runs} run(s) · {span}", title_justify="left")
        table.add_column("KPI")
        table.add_column("actual", justify="right")
        for v in versions:
            table.add_column(v.version, justify="right")
        table.add_column("target", justify="right")
        table.add_column("", justify="center")
        table.add_column("n", justify="right")
        for i, k in enumerate(agent.kpis):
            mark = {True: "[green]met[/]", False: "[red]missed[/]", None: ""}[k.met]
            target = "—" if k.target is None else format_value(k, k.target)
            if k.target is not None:
                target = ("≥ " if k.direction == "at_least" else "≤ ") + target
            table.add_row(
                escape(k.name),
                format_value(k),
                *(format_value(v.kpis[i]) for v in versions),
                target,
                mark,
                str(k.samples),
            )
        console.print(table)
        if agent.evaluation is not None:
            console.print(describe_evaluation(agent.evaluation), markup=False, style="dim")
        if agent.targets_from:
            console.print(f"targets: {agent.targets_from}", markup=False, style="dim")


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))
