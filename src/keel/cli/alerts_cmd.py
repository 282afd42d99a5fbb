"""``keel alerts``: drift alerts, listed; ``keel alerts check`` judges new windows.

``keel serve`` checks continuously; ``keel alerts check`` does one check from the
command line (cron, CI), storing alerts and sending the configured webhooks.

Exit codes follow ``keel``: 0 ok, 2 bad input (configuration).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from keel.cli import context
from keel.cli.kpi_cmd import ConfigOpt, fail
from keel.errors import KeelError
from keel.kpi import AlertRepository, DriftMonitor, DriftSettings
from keel.telemetry import Alert, AlertNotifier

alerts_app = typer.Typer(
    help="Drift alerts: list them (the default), or check for new ones.",
    invoke_without_command=True,
)

out = Console(highlight=False, soft_wrap=True)

AsJson = Annotated[bool, typer.Option("--json", help="print as JSON")]


@alerts_app.callback()
def alerts(
    ctx: typer.Context,
    status: Annotated[
        Literal["firing", "cleared", "all"],
        typer.Option("--status", help="firing, cleared or all"),
    ] = "all",
    agent: Annotated[str | None, typer.Option("--agent", help="only this agent's")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many")] = 50,
    as_json: AsJson = False,
    config: ConfigOpt = None,
) -> None:
    """List drift alerts, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        store = context.open_store(context.settings(config), audit=False)
    except KeelError as e:
        raise fail(f"{e.code}: {e.message}") from None
    with store:
        rows = AlertRepository(store).list(
            status=None if status == "all" else status, agent=agent, limit=limit
        )
    if as_json:
        sys.stdout.write(json.dumps([a.to_dict() for a in rows], indent=2) + "\n")
        return
    print_alerts(out, rows)


def print_alerts(console: Console, rows: list[Alert]) -> None:
    if not rows:
        console.print("no alerts")
        return
    table = Table()
    for col in ("id", "status", "agent", "metric", "value", "baseline", "σ", "fired", "cleared"):
        table.add_column(col)
    for a in rows:
        table.add_row(
            a.id,
            "[red]firing[/]" if a.status == "firing" else "cleared",
            a.agent,
            a.metric,
            f"{a.value:.4g}",
            f"{a.baseline_mean:.4g} ± {a.baseline_std:.3g}",
            f"{a.sigmas:+.1f}",
            _when(a.fired_at),
            "" if a.cleared_at is None else _when(a.cleared_at),
        )
    console.print(table)


@alerts_app.command("check")
def check(
    agent: Annotated[str | None, typer.Option("--agent", help="only this agent")] = None,
    as_json: AsJson = False,
    config: ConfigOpt = None,
) -> None:
    """Judge every complete window not yet checked; fire and clear alerts."""
    try:
        s = context.settings(config)
        store = context.open_store(s, audit=False)
    except KeelError as e:
        raise fail(f"{e.code}: {e.message}") from None
    secret = None if s.alert_webhook_secret is None else s.alert_webhook_secret.get_secret_value()
    monitor = DriftMonitor(
        store,
        DriftSettings.from_settings(s),
        notifier=AlertNotifier(s.alert_webhooks, secret=secret) if s.alert_webhooks else None,
    )
    with store:
        events = asyncio.run(monitor.check(agent=agent))
    if as_json:
        doc = [{"event": ev.event, "alert": ev.alert.to_dict()} for ev in events]
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    if not events:
        out.print("no alert fired or cleared")
    for ev in events:
        out.print(f"{ev.event}: {ev.alert.summary}", markup=False)


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))
