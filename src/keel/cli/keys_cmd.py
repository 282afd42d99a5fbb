"""``keel keys …``: API keys for the HTTP API — create (shown once), list, revoke.

``create`` prints the key alone on standard output, so ``KEY=$(keel keys create …)``
captures exactly the key; what it is for and the warning that it is not shown again
go to standard error. Keys are stored hashed: a lost key is revoked and replaced.

Exit codes follow ``keel``: 0 ok, 2 bad input — an unknown role or key, a key
already revoked.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from keel.api.keys import ROLES, ApiKeyRecord, ApiKeys
from keel.cli import context
from keel.errors import KeelError
from keel.store import Store

keys_app = typer.Typer(
    help="API keys for the HTTP API: create (shown once), list, revoke.",
    no_args_is_help=True,
)

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


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(message)}", markup=True, highlight=False)
    return typer.Exit(EXIT_BAD_INPUT)


def _open(config: Path | None) -> Store:
    try:
        return context.open_store(context.settings(config))
    except KeelError as e:
        raise _fail(f"{e.code}: {e.message}") from None


def _when(t: float | None) -> str:
    if t is None:
        return "-"
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def line(k: ApiKeyRecord) -> str:
    """One key on one line, its id first (scripts take the first word); never the secret."""
    revoked = f"  revoked {_when(k.revoked_at)}" if k.revoked_at is not None else ""
    return (
        f"{k.id}  {k.hint}  tenant {k.tenant}  roles {','.join(k.roles)}  "
        f"name {k.name or '-'}  created {_when(k.created_at)}  "
        f"last used {_when(k.last_used_at)}{revoked}"
    )


@keys_app.command("create")
def create(
    tenant: Annotated[str, typer.Option(help="the tenant the key acts for")],
    role: Annotated[
        list[str],
        typer.Option("--role", help=f"a role of the key (repeatable): {', '.join(ROLES)}"),
    ],
    name: Annotated[str | None, typer.Option(help="what the key is for, for people")] = None,
    config: ConfigOpt = None,
) -> None:
    """Create an API key and print it once: it is stored hashed and cannot be shown again."""
    store = _open(config)
    with store:
        try:
            rec, key = ApiKeys(store).create(
                tenant, role, name=name, actor=context.cli_principal(["admin"]).id
            )
        except KeelError as e:
            raise _fail(f"{e.code}: {e.message}") from None
    err.print(
        f"created {rec.id} for tenant {rec.tenant}, roles {', '.join(rec.roles)}",
        markup=False,
    )
    sys.stdout.write(key + "\n")
    err.print(
        "warning: this key is shown once and will not be shown again; store it in a secret "
        f"manager now (lost: `keel keys revoke {rec.id}` and create another)",
        markup=False,
    )


@keys_app.command("list")
def list_keys(
    tenant: Annotated[str | None, typer.Option(help="only this tenant's keys")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="revoked keys too")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print them as JSON")] = False,
    config: ConfigOpt = None,
) -> None:
    """List API keys, oldest first: id, prefix, tenant, roles, name, last use. Never secrets."""
    store = _open(config)
    with store:
        records = ApiKeys(store).list(tenant, include_revoked=show_all)
    if as_json:
        sys.stdout.write(json.dumps([k.to_dict() for k in records], indent=2) + "\n")
        return
    if not records:
        err.print("no API keys" if show_all else "no active API keys (--all shows revoked ones)")
    for k in records:
        out.print(line(k), markup=False, highlight=False)


@keys_app.command("revoke")
def revoke(
    id: Annotated[str, typer.Argument(help="key id, its prefix, or the key itself")],
    config: ConfigOpt = None,
) -> None:
    """Revoke an API key for good (other processes stop accepting it within 5 seconds)."""
    store = _open(config)
    with store:
        try:
            rec = ApiKeys(store).revoke(id, actor=context.cli_principal(["admin"]).id)
        except KeelError as e:
            raise _fail(f"{e.code}: {e.message}") from None
    out.print(f"revoked {rec.id} ({rec.hint}, tenant {rec.tenant})", markup=False)
