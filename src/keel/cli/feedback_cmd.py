"""``keel feedback …``: record feedback on runs, validate corrections, export them.

Texts (corrections, edits, rephrasings) are masked with the PII rules of the agent
that served the run, read from the spec the run recorded, before they are stored.

Exit codes follow ``keel``: 0 ok, 2 bad input — an unknown run or feedback id, not
exactly one kind of feedback, a value the kind does not take.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from keel.cli import context
from keel.cli.kpi_cmd import ConfigOpt, TenantOpt, fail, write_out
from keel.config import Settings
from keel.errors import KeelError
from keel.kpi import FeedbackRepository, finetune_examples, window_seconds, write_jsonl
from keel.kpi.feedback import Masker
from keel.store import RunRecord, Store

feedback_app = typer.Typer(
    help="Feedback on runs: add it, validate corrections, export fine-tuning data.",
    no_args_is_help=True,
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _open(config: Path | None) -> tuple[Settings, Store]:
    try:
        s = context.settings(config)
        return s, context.open_store(s, audit=False)
    except KeelError as e:
        raise fail(f"{e.code}: {e.message}") from None


def _run(store: Store, prefix: str) -> RunRecord:
    found = store.runs.find(prefix)
    if not found:
        raise fail(f"NOT_FOUND: no run {prefix!r}")
    if len(found) > 1:
        raise fail(f"{prefix!r} matches several runs; give more characters")
    return found[0]


def _masker(rec: RunRecord, s: Settings) -> Masker | None:
    """The agent's own PII masking (``journal``), or ``None`` for Keel's default rules."""
    if not rec.spec_path:
        return None
    try:
        gov = context.load_agent(rec.spec_path, s).governor
    except KeelError as e:
        err.print(
            f"warning: {rec.spec_path} does not load ({e.code}); masking with the default "
            "PII rules",
            markup=False,
        )
        return None
    return None if gov is None else (lambda text: gov.mask(text, "journal"))


@feedback_app.command("add")
def add(
    run_id: Annotated[str, typer.Argument(help="run id (a unique prefix is enough)")],
    thumbs: Annotated[
        Literal["up", "down"] | None, typer.Option("--thumbs", help="up or down")
    ] = None,
    score: Annotated[int | None, typer.Option("--score", min=1, max=5, help="a score")] = None,
    correction: Annotated[
        str | None, typer.Option("--correction", help="the answer the agent should have given")
    ] = None,
    signal: Annotated[
        Literal["rephrase", "edit", "abandon"] | None,
        typer.Option("--signal", help="an implicit signal: rephrase, edit or abandon"),
    ] = None,
    text: Annotated[
        str | None,
        typer.Option("--text", help="with --signal: the rephrased request or edited answer"),
    ] = None,
    consent: Annotated[
        bool, typer.Option("--consent", help="the user agrees to its use for fine-tuning")
    ] = False,
    validated_by: Annotated[
        str | None,
        typer.Option("--validated-by", help="who checked the correction (makes it exportable)"),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--as", help="who gave it (default: cli:<your user name>)")
    ] = None,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="the run's tenant (default: none)")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Record one piece of feedback on a run."""
    chosen: list[tuple[str, float | None, str | None]] = []
    if thumbs is not None:
        chosen.append(("thumbs", 1.0 if thumbs == "up" else -1.0, None))
    if score is not None:
        chosen.append(("score", float(score), None))
    if correction is not None:
        chosen.append(("correction", None, correction))
    if signal is not None:
        chosen.append((signal, None, text))
    if len(chosen) != 1:
        raise fail("give exactly one of --thumbs, --score, --correction or --signal")
    if text is not None and signal is None:
        raise fail("--text goes with --signal (a correction is --correction TEXT)")
    kind, value, body = chosen[0]
    s, store = _open(config)
    with store:
        rec = _run(store, run_id)
        mask = _masker(rec, s) if body is not None else None
        try:
            fb = FeedbackRepository(store).record(
                tenant=tenant,
                run_id=rec.id,
                kind=kind,
                value=value,
                text=body,
                consent=consent,
                actor=actor or context.cli_principal([]).id,
                validated_by=validated_by,
                mask=mask,
            )
        except KeelError as e:
            raise fail(f"{e.code}: {e.message}") from None
    out.print(f"recorded {fb.id}: {fb.kind} on {fb.run_id} ({fb.agent}@{fb.agent_version})")


@feedback_app.command("validate")
def validate(
    feedback_id: Annotated[str, typer.Argument(help="feedback id")],
    by: Annotated[str, typer.Option("--by", help="who checked the correction")],
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="the feedback's tenant (default: none)")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Mark a correction or edit as checked by a person (exportable with consent)."""
    _, store = _open(config)
    with store:
        try:
            fb = FeedbackRepository(store).validate(feedback_id, tenant=tenant, validator=by)
        except KeelError as e:
            raise fail(f"{e.code}: {e.message}") from None
    out.print(f"{fb.id}: validated by {fb.validated_by}", markup=False)


@feedback_app.command("list")
def list_feedback(
    run: Annotated[str | None, typer.Option("--run", help="only this run's")] = None,
    agent: Annotated[str | None, typer.Option("--agent", help="only this agent's")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False,
    tenant: TenantOpt = None,
    config: ConfigOpt = None,
) -> None:
    """List feedback, newest first."""
    _, store = _open(config)
    with store:
        rows = FeedbackRepository(store).list(
            tenant=tenant, all_tenants=tenant is None, run_id=run, agent=agent, limit=limit
        )
    if as_json:
        sys.stdout.write(json.dumps([r.to_dict() for r in rows], indent=2) + "\n")
        return
    if not rows:
        out.print("no feedback")
        return
    table = Table()
    for col in ("id", "run", "agent", "kind", "value", "text", "consent", "validated by"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.id,
            r.run_id or "",
            f"{r.agent}@{r.agent_version}",
            r.kind,
            "" if r.value is None else f"{r.value:g}",
            (r.text or "")[:60],
            "yes" if r.consent else "",
            r.validated_by or "",
        )
    out.print(table)


@feedback_app.command("export")
def export(
    fmt: Annotated[
        Literal["openai-jsonl"], typer.Option("--format", help="openai-jsonl (chat fine-tuning)")
    ] = "openai-jsonl",
    out_file: Annotated[Path | None, typer.Option("--out", help="write to this file")] = None,
    agent: Annotated[str | None, typer.Option("--agent", help="only this agent's runs")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="only feedback newer than this, e.g. 30d")
    ] = None,
    tenant: TenantOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Write fine-tuning examples: consented, human-validated corrections, PII masked."""
    try:
        start = None if since is None else time.time() - window_seconds(since)
    except KeelError as e:
        raise fail(f"{e.code}: {e.message}") from None
    _, store = _open(config)
    lines: list[str] = []
    with store:
        examples = finetune_examples(
            store,
            tenant=tenant,
            all_tenants=tenant is None,
            agent=agent,
            since=start,
            system_prompt=lambda _agent, spec_path: _instructions(spec_path),
        )
        n = write_jsonl(examples, lines.append)
    write_out("".join(lines), out_file)
    err.print(f"{n} example(s) in {fmt} format", markup=False)


def _instructions(spec_path: str | None) -> str | None:
    """The agent's system prompt from its spec (``None`` if it no longer loads)."""
    if not spec_path:
        return None
    from keel.spec.loader import load_spec

    try:
        return load_spec(spec_path).instructions
    except KeelError:
        return None
