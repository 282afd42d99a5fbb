"""``keel escalations …`` and ``keel webhooks …``: runs handed to a person, and the
webhook outbox's dead letters.

``escalations claim`` prints the continuity token that ``resolve`` needs;
``resolve --hand-back`` runs the agent's next turn in this process. ``webhooks
replay`` moves a dead letter back to the outbox and tries to deliver it at once.

Exit codes: 0 ok, 1 a delivery or continued run did not succeed, 2 bad input — an
unknown id, an escalation already taken or closed, an invalid or expired token.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Annotated

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
from keel.hitl import EscalationRecord, Escalations, Oversight, WebhookSender, hand_back_with
from keel.store import RunRecord

escalations_app = typer.Typer(
    help="Runs handed to a person: list, show, claim, resolve.", no_args_is_help=True
)
webhooks_app = typer.Typer(
    help="Webhook deliveries: pending ones, dead letters, replay.", no_args_is_help=True
)

AsOpt = Annotated[
    str | None, typer.Option("--as", help="who acts, as recorded (default: cli:<your user name>)")
]


def line(e: EscalationRecord, *, now: float) -> str:
    """One escalation on one line, its id first (scripts take the first word)."""
    who = f" by {e.claimed_by}" if e.claimed_by else ""
    return (
        f"{e.id}  {e.run_id}  {e.agent}  {e.status}{who}  tier {e.tier}  "
        f"age {age(now - e.created_at)}  {', '.join(e.reasons)}"
    )


@escalations_app.command("list")
def list_escalations(
    show_all: Annotated[bool, typer.Option("--all", help="closed ones too, newest first")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="print them as JSON")] = False,
    config: ConfigOpt = None,
) -> None:
    """List open and claimed escalations, oldest first: id, run, agent, status, reasons."""
    _, store = open_store(config)
    with store:
        records = Escalations(store).list(status=None if show_all else "active", limit=limit)
    if as_json:
        sys.stdout.write(json.dumps([e.to_dict() for e in records], indent=2) + "\n")
        return
    if not records:
        err.print("no open escalations" if not show_all else "no escalations")
    now = time.time()
    for e in records:
        plain(line(e, now=now))


@escalations_app.command("show")
def show(
    escalation_id: Annotated[str, typer.Argument(help="escalation id (a unique prefix is enough)")],
    as_json: Annotated[bool, typer.Option("--json", help="print it as JSON")] = False,
    config: ConfigOpt = None,
) -> None:
    """Show one escalation and its bundle: summary, transcript, tools, next actions."""
    _, store = open_store(config)
    with store:
        try:
            e = Escalations(store).get(escalation_id)
        except KeelError as x:
            raise fail(f"{x.code}: {x.message}") from None
    if as_json:
        sys.stdout.write(json.dumps(e.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    b = e.bundle
    plain(f"escalation {e.id}  status: {e.status}  tier: {e.tier}")
    plain(f"run: {e.run_id}  agent: {b.agent} {b.agent_version}  session: {e.session_id or '-'}")
    plain(f"reasons: {', '.join(e.reasons)}  trace: {b.trace_id or '-'}")
    plain(f"summary: {b.summary}")
    for m in b.transcript:
        content = m.get("content")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        plain(f"  {m.get('role')}: {text}")
    for t in b.tools:
        plain(f"tool {t['tool']} (step {t['step']}): {'ok' if t['ok'] else t['error']}")
    if b.draft_answer is not None:
        plain(f"draft answer: {json.dumps(b.draft_answer, ensure_ascii=False)}")
    for action in b.suggested_actions:
        plain(f"next: {action}")
    if e.claimed_by:
        plain(f"claimed by {e.claimed_by}")
    if e.resolution is not None:
        plain(f"resolved by {e.resolved_by}: {json.dumps(e.resolution, ensure_ascii=False)}")


@escalations_app.command("claim")
def claim(
    escalation_id: Annotated[str, typer.Argument(help="escalation id (a unique prefix is enough)")],
    who: AsOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Take an escalation; prints its continuity token (for ``resolve``)."""
    _, store = open_store(config)
    person = context.cli_principal(["admin"])
    if who:
        person = type(person)(who, person.roles, person.tenant)
    with store:
        escalations = Escalations(store)
        try:
            e = escalations.get(escalation_id)
            person = type(person)(person.id, person.roles, e.tenant)
            record, token = escalations.claim(e.id, claimer=person)
        except KeelError as x:
            raise fail(f"{x.code}: {x.message}") from None
    err.print(f"{record.id} claimed by {record.claimed_by}")
    plain(token)


@escalations_app.command("resolve")
def resolve(
    token: Annotated[str, typer.Argument(help="the continuity token from claim")],
    reply: Annotated[
        str | None, typer.Option(help="to the user; with --hand-back, a note for the agent")
    ] = None,
    hand_back: Annotated[
        bool, typer.Option("--hand-back", help="give the session back to the agent now")
    ] = False,
    who: AsOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Reply in the escalated session, or hand it back to the agent (which answers now)."""
    s, store = open_store(config)
    person = context.cli_principal(["admin"])
    if who:
        person = type(person)(who, person.roles, person.tenant)
    with store:
        escalations = Escalations(store)
        load = context.agent_for_run(s)

        async def go() -> tuple[EscalationRecord, RunRecord | None]:
            # The token names its escalation and tenant; resolve verifies it.
            e = _escalation_of(escalations, token)
            engine = context.engine(store, s)
            try:
                # The run's agent: it answers a hand-back, and its PII rules mask a
                # reply before the reply is stored.
                run = store.runs.get(e.run_id)
                if run is None and hand_back:
                    raise KeelError(f"run {e.run_id} is gone")
                agent = None if run is None else load(run)
                return await escalations.resolve(
                    token,
                    resolver=person,
                    reply=reply,
                    hand_back=hand_back,
                    tenant=e.tenant,
                    escalation_id=e.id,
                    continue_with=hand_back_with(engine) if hand_back else None,
                    agent=agent,
                )
            finally:
                await engine.close()

        try:
            done, run = asyncio.run(go())
        except KeelError as x:
            raise fail(f"{x.code}: {x.message}") from None
    plain(f"{done.id} {done.status} by {done.resolved_by}")
    if run is not None:
        plain(render.summary_line(run))
        if run.status not in ("completed", "awaiting_approval"):
            raise typer.Exit(EXIT_FAILED)


def _escalation_of(escalations: Escalations, token: str) -> EscalationRecord:
    """The escalation a token names (read without trusting it: resolve verifies it)."""
    import base64

    try:
        payload = token.split(".")[1]
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        escalation_id = str(body["e"])
    except (IndexError, ValueError, KeyError, TypeError):
        raise KeelError("not a continuity token (expected kct1.<payload>.<signature>)") from None
    return escalations.get(escalation_id)


@webhooks_app.command("list")
def list_webhooks(
    failed: Annotated[
        bool, typer.Option("--failed", help="dead letters: deliveries that failed every retry")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="print them as JSON")] = False,
    config: ConfigOpt = None,
) -> None:
    """List pending webhook deliveries (or, with --failed, the dead letters), id first."""
    _, store = open_store(config)
    with store:
        outbox = Oversight.of(store).webhooks
        rows = outbox.dead_letters(limit=limit) if failed else outbox.pending(limit=limit)
    if as_json:
        sys.stdout.write(json.dumps([d.to_dict() for d in rows], indent=2) + "\n")
        return
    if not rows:
        err.print("no dead letters" if failed else "no pending deliveries")
    now = time.time()
    for d in rows:
        plain(
            f"{d.id}  {d.event}  {d.endpoint}  attempts {d.attempts}  "
            f"age {age(now - d.created_at)}  {d.last_error or '-'}"
        )


@webhooks_app.command("replay")
def replay(
    delivery_id: Annotated[str, typer.Argument(help="the dead letter's delivery id")],
    config: ConfigOpt = None,
) -> None:
    """Move a dead letter back to the outbox and try to deliver it now."""
    _, store = open_store(config)
    with store:
        outbox = Oversight.of(store).webhooks
        try:
            d = outbox.replay(delivery_id)
        except KeelError as x:
            raise fail(f"{x.code}: {x.message}") from None

        async def go() -> bool:
            sender = WebhookSender(outbox)
            try:
                await sender.run_once()
            finally:
                await sender.stop()
            return all(p.id != d.id for p in outbox.pending(limit=10_000))

        delivered = asyncio.run(go())
    if delivered:
        plain(f"{d.id} delivered to {d.endpoint}")
        return
    plain(f"{d.id} back in the outbox; not delivered yet (keel serve retries it)")
    raise typer.Exit(EXIT_FAILED)
