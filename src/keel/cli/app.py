"""The ``keel`` command.

Exit codes: 0 ok, 1 the run (or the operation) failed, 2 bad input — a broken
spec, invalid arguments or configuration. A run waiting for approval has not
failed: ``keel run`` exits 0 and prints the approval to decide.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from keel.cli import context, render
from keel.cli.alerts_cmd import alerts_app
from keel.cli.approvals_cmd import approvals_app
from keel.cli.audit_cmd import audit_app
from keel.cli.escalations_cmd import escalations_app, webhooks_app
from keel.cli.eval_cmd import eval_app
from keel.cli.feedback_cmd import feedback_app
from keel.cli.keys_cmd import keys_app
from keel.cli.kpi_cmd import kpi_app
from keel.cli.pii_cmd import pii_app
from keel.cli.policy_cmd import policy_app
from keel.cli.scaffold import scaffold
from keel.cli.serve_cmd import serve
from keel.errors import KeelError, SpecError, UserError

if TYPE_CHECKING:
    from keel.api.run_output import PresentedRun
    from keel.config import Settings
    from keel.store import RunRecord

app = typer.Typer(
    name="keel",
    help="Keel: run AI agents in production — specs, durable runs, governance, audit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
runs_app = typer.Typer(help="Inspect and resume runs.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")
app.add_typer(approvals_app, name="approvals")
app.add_typer(eval_app, name="eval")
app.add_typer(keys_app, name="keys")
app.add_typer(kpi_app, name="kpi")
app.add_typer(feedback_app, name="feedback")
app.add_typer(alerts_app, name="alerts")
app.add_typer(escalations_app, name="escalations")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(pii_app, name="pii")
app.command()(serve)

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="keel.toml to use (default: $KEEL_CONFIG, ./keel.toml, then $KEEL_HOME/keel.toml)",
    ),
]


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    # Messages quote user input (run ids, durations): never read them as markup.
    err.print(f"[red]error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _plain(line: str) -> None:
    """One line of run data (user input, model output): never markup, never wrapped."""
    out.print(line, markup=False, highlight=False, soft_wrap=True)


def _user_error(e: KeelError) -> typer.Exit:
    if isinstance(e, SpecError):
        for p in e.problems:
            # One problem per line, however narrow the terminal: editors and CI parse them.
            err.print(str(p), markup=False, soft_wrap=True)
        return typer.Exit(EXIT_BAD_INPUT)
    return _fail(f"{e.code}: {e.message}", EXIT_BAD_INPUT if isinstance(e, UserError) else 1)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="folder to create the agent project in")],
    name: Annotated[str | None, typer.Option(help="agent name (default: folder name)")] = None,
) -> None:
    """Scaffold an agent project that validates and runs offline."""
    try:
        files = scaffold(directory, name=name)
    except KeelError as e:
        raise _user_error(e) from None
    for f in files:
        _plain(f"created {f}")
    # Quoted, so the hint can be pasted as is even when the path has spaces.
    where = shlex.quote(str(directory))
    _plain(f'next: keel validate {where} && keel run {where} "hello"')


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="agent spec file or folder")],
    config: ConfigOpt = None,
) -> None:
    """Check a spec and everything it references; print its version and content hash."""
    try:
        agent = context.load_agent(path, context.settings(config))
    except KeelError as e:
        raise _user_error(e) from None
    tools = ", ".join(d.name for d in agent.tool_definitions) or "none"
    out.print(f"ok: {agent.name}@{agent.version} {agent.content_hash}", soft_wrap=True)
    out.print(
        f"model: {agent.model.name}  tools: {tools}  prompt version: {agent.prompt_version}",
        markup=False,
        soft_wrap=True,
    )


def _parse_input(agent_schema: dict[str, Any] | None, text: str) -> Any:
    if agent_schema is None or agent_schema.get("type") == "string":
        return text
    try:
        return json.loads(text)
    except ValueError as e:
        raise UserError(f"this agent takes JSON input (spec.input.schema); {e}") from e


@app.command()
def run(
    path: Annotated[Path, typer.Argument(help="agent spec file or folder")],
    input: Annotated[str, typer.Argument(help="the request (JSON if the agent's input is)")],
    session: Annotated[
        str | None, typer.Option("--session", help="continue this conversation")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            help="a role to run as (repeatable; policies map roles to tool scopes). "
            "Default: admin — the local CLI user owns the embedded store.",
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Run an agent once, durably, and print its answer and steps."""
    try:
        s = context.settings(config)
        agent = context.load_agent(path, s)
        value = _parse_input(agent.input_schema, input)
        store = context.open_store(s)
    except KeelError as e:
        raise _user_error(e) from None
    try:
        engine = context.engine(store, s)
        try:
            principal = context.cli_principal(role or ["admin"])
            rec = asyncio.run(engine.run(agent, value, session_id=session, principal=principal))
        except KeelError as e:
            raise _user_error(e) from None
        steps = store.runs.steps(rec.id)
        if as_json:
            doc = render.run_json(rec, data=store.location)
            doc["trace"] = [render.step_json(st) for st in steps]
            sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        else:
            render.print_run(out, rec, steps, data=store.location)
    finally:
        store.close()
    if rec.status not in ("completed", "awaiting_approval"):
        raise typer.Exit(EXIT_FAILED)


@runs_app.command("list")
def runs_list(
    status: Annotated[str | None, typer.Option(help="only runs in this status")] = None,
    agent: Annotated[str | None, typer.Option(help="only runs of this agent")] = None,
    session: Annotated[str | None, typer.Option(help="only runs of this session")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many runs")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print the runs as JSON")] = False,
    config: ConfigOpt = None,
) -> None:
    """List recent runs, newest first."""
    try:
        settings = context.settings(config)
        store = context.open_store(settings)
    except KeelError as e:
        raise _user_error(e) from None
    with store:
        records = store.runs.recent(limit=limit, status=status, agent=agent, session_id=session)
        if as_json:
            docs = [render.run_json(p.record) for p in _as_answered(settings, records)]
            sys.stdout.write(json.dumps(docs, indent=2) + "\n")
        else:
            render.print_runs(out, records)


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="run id (a unique prefix is enough)")],
    as_json: Annotated[
        bool, typer.Option("--json", help="print the run and its journal as JSON")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Show one run and its step timeline from the journal."""
    try:
        settings = context.settings(config)
        store = context.open_store(settings)
    except KeelError as e:
        raise _user_error(e) from None
    with store:
        found = store.runs.find(run_id)
        if not found:
            raise _fail(f"NOT_FOUND: no run {run_id!r}", EXIT_FAILED)
        if len(found) > 1:
            raise _fail(f"{run_id!r} matches several runs; give more characters")
        shown = _as_answered(settings, found)[0]
        rec = shown.record
        steps = store.runs.steps(rec.id)
        if as_json:
            doc = render.run_json(rec, data=store.location)
            doc["journal"] = [render.step_json(st, full=True) for st in steps]
            sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
            return
        _plain(render.summary_line(rec))
        if rec.error_code:
            _plain(f"error: {rec.error_code}: {rec.error_message}")
        _plain(f"input: {json.dumps(rec.input, ensure_ascii=False)}")
        if rec.output is not None:
            label = "output" if shown.form == "output" else "output (as journaled)"
            _plain(f"{label}: {json.dumps(rec.output, ensure_ascii=False)}")
        render.print_timeline(out, steps)


def _as_answered(settings: Settings, records: list[RunRecord]) -> list[PresentedRun]:
    """The runs with their outputs as they were answered, by the agents loaded from the
    specs they recorded (the journal form where that cannot be done: docs/api.md#runs)."""
    from keel.api.run_output import RecordedSpecs, present_all

    return present_all(RecordedSpecs(context.agent_for_run(settings)), records)


@runs_app.command("resume")
def runs_resume(config: ConfigOpt = None) -> None:
    """Resume runs left unfinished by a process that stopped (crash, kill, reboot)."""
    try:
        s = context.settings(config)
        store = context.open_store(s)
    except KeelError as e:
        raise _user_error(e) from None
    with store:
        engine = context.engine(store, s)
        records = asyncio.run(engine.resume(context.agent_for_run(s)))
        if not records:
            out.print("no unfinished runs")
        for rec in records:
            _plain(render.summary_line(rec))
    if any(r.status != "completed" for r in records):
        raise typer.Exit(EXIT_FAILED)


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """``30d``, ``12h``, ``90m``, ``45s``, ``2w`` → seconds."""
    m = _DURATION.match(text.strip())
    if not m:
        raise UserError(f"duration {text!r} must look like 30d, 12h, 90m, 45s or 2w")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


@app.command()
def purge(
    older_than: Annotated[
        str, typer.Option("--older-than", help="age of finished runs to delete, e.g. 30d")
    ],
    config: ConfigOpt = None,
) -> None:
    """Delete finished runs and their journals older than a given age."""
    try:
        age = parse_duration(older_than)
        store = context.open_store(context.settings(config))
    except KeelError as e:
        raise _user_error(e) from None
    with store:
        n = store.runs.purge(finished_before=time.time() - age)
        tokens = context.purge_pii_vault(store, context.settings(config))
    out.print(f"purged {n} run(s) finished more than {older_than} ago")
    if tokens:
        out.print(f"purged {tokens} PII token value(s) older than pii_vault_ttl_s")


def main() -> None:
    app()
