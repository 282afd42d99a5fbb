"""``keel approvals …``: list, show and decide tool calls waiting for a person.

``approve`` and ``reject`` record the decision, then continue the run in this
process (``LocalEngine.continue_run``) and print its new status.

Exit codes follow ``keel``: 0 ok, 1 the continued run did not complete (failed or
needs review), 2 bad input — an unknown approval id, an approval already decided
(``CONFLICT``), arguments that are not a JSON object or that the tool's schema or
policy refuse, a decider without an approver role.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from keel.cli import context, render
from keel.cli.terminal import (
    EXIT_FAILED,
    ConfigOpt,
    age,
    err,
    fail,
    open_store,
    plain,
)
from keel.errors import KeelError
from keel.hitl import ApprovalRecord, Approvals
from keel.store import RunRecord

approvals_app = typer.Typer(
    help="Tool calls waiting for a person: list, show, approve, reject.",
    no_args_is_help=True,
)

AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="who decides, as recorded (default: cli:<your user name>)"),
]
RoleOpt = Annotated[
    list[str] | None,
    typer.Option("--role", help="a role to decide as (repeatable). Default: admin"),
]


def line(a: ApprovalRecord, *, now: float) -> str:
    """One approval on one line, its id first (scripts take the first word)."""
    status = "" if a.status == "pending" else f"  {a.status} by {a.decider}"
    return (
        f"{a.id}  {a.run_id}  {a.tool}  age {age(now - a.created_at)}{status}  "
        f"{'; '.join(a.reasons)}"
    )


@approvals_app.command("list")
def list_approvals(
    show_all: Annotated[
        bool, typer.Option("--all", help="decided approvals too, newest first")
    ] = False,
    limit: Annotated[
        int, typer.Option(min=1, max=10_000, help="at most this many approvals")
    ] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="print them as JSON")] = False,
    config: ConfigOpt = None,
) -> None:
    """List pending approvals, oldest first: id, run, tool, age, reasons."""
    _, store = open_store(config)
    with store:
        records = Approvals(store).list(status=None if show_all else "pending", limit=limit)
    if as_json:
        sys.stdout.write(json.dumps([a.to_dict() for a in records], indent=2) + "\n")
        return
    if not records:
        err.print("no pending approvals" if not show_all else "no approvals")
    now = time.time()
    for a in records:
        plain(line(a, now=now))


@approvals_app.command("show")
def show(
    approval_id: Annotated[str, typer.Argument(help="approval id (a unique prefix is enough)")],
    as_json: Annotated[bool, typer.Option("--json", help="print it as JSON")] = False,
    config: ConfigOpt = None,
) -> None:
    """Show one approval: tool, masked arguments, reasons, risk, who may decide."""
    _, store = open_store(config)
    with store:
        try:
            a = Approvals(store).get(approval_id)
        except KeelError as e:
            raise fail(f"{e.code}: {e.message}") from None
        run = store.runs.get(a.run_id)
    if as_json:
        sys.stdout.write(json.dumps(a.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    plain(f"approval {a.id}  status: {a.status}")
    plain(f"run: {a.run_id}  step: {a.step}  agent: {a.agent}")
    if run is not None:
        plain(f"request: {json.dumps(run.input, ensure_ascii=False)}")
    plain(f"tool: {a.tool}  risk: {a.risk}")
    plain(f"arguments: {json.dumps(a.arguments, ensure_ascii=False)}")
    for reason in a.reasons:
        plain(f"reason: {reason}")
    plain(f"who may decide: roles {', '.join(a.roles)}")
    plain(f"policy: {a.policy_hash or '-'}")
    if a.status != "pending":
        plain(f"decided: {a.status} by {a.decider}  reason: {a.decision_reason or '-'}")
        if a.edited_arguments is not None:
            plain(f"edited arguments: {json.dumps(a.edited_arguments, ensure_ascii=False)}")


@approvals_app.command("approve")
def approve(
    approval_id: Annotated[str, typer.Argument(help="approval id (a unique prefix is enough)")],
    reason: Annotated[str | None, typer.Option(help="why, for the record")] = None,
    args: Annotated[
        str | None,
        typer.Option("--args", help="JSON object replacing the call's arguments"),
    ] = None,
    decider: AsOpt = None,
    role: RoleOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Approve a tool call (optionally with edited arguments), then continue its run."""
    edited: dict[str, Any] | None = None
    if args is not None:
        try:
            edited = json.loads(args)
        except ValueError as e:
            raise fail(f"INPUT_INVALID: --args is not JSON ({e})") from None
        if not isinstance(edited, dict):
            raise fail("INPUT_INVALID: --args must be a JSON object")
    _decide(approval_id, "approve", reason, edited, decider, role, config)


@approvals_app.command("reject")
def reject(
    approval_id: Annotated[str, typer.Argument(help="approval id (a unique prefix is enough)")],
    reason: Annotated[str, typer.Option(help="why; the model reads it and tells the user")],
    decider: AsOpt = None,
    role: RoleOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Reject a tool call (the model is told why), then continue its run."""
    _decide(approval_id, "reject", reason, None, decider, role, config)


def _decide(
    approval_id: str,
    action: str,
    reason: str | None,
    edited: dict[str, Any] | None,
    decider: str | None,
    role: list[str] | None,
    config: Path | None,
) -> None:
    s, store = open_store(config)
    who = context.cli_principal(role or ["admin"])
    if decider:
        who = type(who)(decider, who.roles, who.tenant)
    with store:
        approvals = Approvals(store)
        load = context.agent_for_run(s)

        async def go() -> tuple[ApprovalRecord, RunRecord]:
            record = approvals.get(approval_id)
            if action == "reject":
                decided = await approvals.reject(record.id, decider=who, reason=reason or "")
            else:
                agent = None
                if edited is not None:
                    run = store.runs.get(record.run_id)
                    if run is None:
                        raise KeelError(f"run {record.run_id} is gone")
                    agent = load(run)
                decided = await approvals.approve(
                    record.id, decider=who, reason=reason, arguments=edited, agent=agent
                )
            engine = context.engine(store, s)
            try:
                return decided, await engine.continue_run(decided.run_id, load)
            finally:
                await engine.close()

        try:
            decided, run = asyncio.run(go())
        except KeelError as e:
            raise fail(f"{e.code}: {e.message}") from None
    plain(f"{decided.id} {decided.status} by {decided.decider}")
    plain(render.summary_line(run))
    if run.status not in ("completed", "awaiting_approval"):
        raise typer.Exit(EXIT_FAILED)
