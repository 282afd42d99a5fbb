"""How runs look on a terminal and in ``--json``: one place, so they can't drift."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from keel.store import RunRecord, StepRecord


def run_json(rec: RunRecord, *, data: str | None = None) -> dict[str, Any]:
    """The ``--json`` document of a run (stable keys; documented in docs/cli.md)."""
    return {
        "run_id": rec.id,
        "status": rec.status,
        "output": rec.output,
        "error": None
        if rec.error_code is None
        else {"code": rec.error_code, "message": rec.error_message},
        "agent": {
            "name": rec.agent,
            "version": rec.agent_version,
            "hash": rec.agent_hash,
            "prompt_version": rec.prompt_version,
        },
        "model_used": rec.model_used,
        "fallback_used": bool(rec.fallbacks),
        "fallbacks": rec.fallbacks,
        "flags": rec.flags,
        "decisions": rec.decisions,
        "steps": rec.steps,
        "usage": {
            "input_tokens": rec.input_tokens,
            "output_tokens": rec.output_tokens,
            "total_tokens": rec.input_tokens + rec.output_tokens,
        },
        "cost_usd": rec.cost_usd,
        "session_id": rec.session_id,
        "tenant": rec.tenant,
        "created_at": rec.created_at,
        "finished_at": rec.finished_at,
        "data": data,
    }


def step_json(step: StepRecord, *, full: bool = False) -> dict[str, Any]:
    """One journal step for ``--json``: the trace form, or with ``full`` the journal
    form (payload and timestamps instead of the duration)."""
    doc: dict[str, Any] = {
        "step": step.step,
        "kind": step.kind,
        "name": step.name,
        "state": step.state,
    }
    if full:
        doc.update(payload=step.payload, started_at=step.started_at, finished_at=step.finished_at)
    else:
        doc["ms"] = (
            None
            if step.finished_at is None
            else round((step.finished_at - step.started_at) * 1e3, 3)
        )
    return doc


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _cost(cost: float | None) -> str:
    return "unknown" if cost is None else f"${cost:.6f}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)


def print_run(console: Console, rec: RunRecord, steps: list[StepRecord], *, data: str) -> None:
    """A finished run: its answer, how it got there (the step trace), where it is stored."""
    if rec.status == "completed":
        console.print(Panel(escape(_text(rec.output)), title="answer", title_align="left"))
    elif rec.status == "awaiting_approval":
        # Not a failure: the run continues once a person decides (keel approvals).
        console.print(
            Panel(
                f"{escape(rec.error_message or '')}\n"
                "decide with: keel approvals approve|reject ID (keel approvals list)",
                title="run awaiting_approval",
                title_align="left",
                border_style="yellow",
            )
        )
    else:
        console.print(
            Panel(
                f"[bold]{rec.error_code}[/]: {escape(rec.error_message or '')}",
                title=f"run {rec.status}",
                title_align="left",
                border_style="red",
            )
        )
    if rec.fallbacks:
        tried = "; ".join(
            f"{f['model']} ({f['error_code']}: {f['message']})" for f in rec.fallbacks
        )
        console.print(
            f"[yellow]answered by fallback model {escape(rec.model_used or '?')}[/] "
            f"after: {escape(tried)}"
        )
    print_timeline(console, steps)
    console.print(summary_line(rec), markup=False, soft_wrap=True)
    console.print(f"data: {escape(data)}  (keel runs show {rec.id})", soft_wrap=True)


def summary_line(rec: RunRecord) -> str:
    flags = f"  flags: {', '.join(rec.flags)}" if rec.flags else ""
    return (
        f"run {rec.id}  status: {rec.status}  agent: {rec.agent}@{rec.agent_version}  "
        f"model: {rec.model_used or '-'}  steps: {rec.steps}  "
        f"tokens: {rec.input_tokens + rec.output_tokens}  cost: {_cost(rec.cost_usd)}{flags}"
    )


def _step_summary(step: StepRecord) -> str:
    p = step.payload
    if step.kind == "model":
        msg = p.get("response", {}).get("message", {})
        calls = msg.get("tool_calls") or []
        if calls:
            return "calls " + ", ".join(
                f"{c['name']}({json.dumps(c['arguments'], ensure_ascii=False)})" for c in calls
            )
        return "answers: " + _clip(msg.get("content", ""))
    result = p.get("result")
    if result is None:
        return "started, no result recorded"
    if result.get("error"):
        return f"error ({result.get('error_kind')}): {_clip(result['error'])}"
    return "→ " + _clip(result.get("content", ""))


def _clip(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def print_timeline(console: Console, steps: list[StepRecord]) -> None:
    table = Table(title="steps", title_justify="left", expand=False)
    table.add_column("#", justify="right")
    table.add_column("kind")
    table.add_column("name")
    table.add_column("state")
    table.add_column("ms", justify="right")
    table.add_column("detail", overflow="fold")
    for s in steps:
        ms = "-" if s.finished_at is None else f"{(s.finished_at - s.started_at) * 1e3:.1f}"
        table.add_row(str(s.step), s.kind, escape(s.name), s.state, ms, escape(_step_summary(s)))
    console.print(table)


def print_runs(console: Console, records: list[RunRecord]) -> None:
    table = Table(expand=False)
    for col in ("run", "agent", "status", "model", "steps", "tokens", "cost", "created (UTC)"):
        # Ids and statuses are read by scripts: never wrapped or cut, however narrow.
        table.add_column(
            col,
            no_wrap=col in ("run", "status"),
            min_width=len("awaiting_approval") if col == "status" else None,
        )
    for r in records:
        table.add_row(
            r.id,
            f"{r.agent}@{r.agent_version}",
            r.status,
            r.model_used or "-",
            str(r.steps),
            str(r.input_tokens + r.output_tokens),
            _cost(r.cost_usd),
            _when(r.created_at),
        )
    console.print(table)
