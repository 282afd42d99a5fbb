"""``keel pii …``: the PII vault's keys — list, rotate, re-encrypt, retire.

The rotation procedure (docs/governance.md#rotating-the-vault-key)::

    keel pii rotate-key          # a new key seals new values; old ones still open theirs
    keel pii reencrypt           # every live value moves to the new key (resumable)
    keel pii retire-key 1        # the old key is dropped once nothing uses it

Each change is an audit record (kind ``key.change``, key ids and counts only), committed
before the command returns. No command prints or logs key material or values.

Exit codes follow ``keel``: 0 ok, 1 the operation did not complete (a key in use, a
re-encryption that left rows behind), 2 bad input or configuration (a broken keyring).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from keel.audit.log import AuditLog
from keel.cli import context
from keel.errors import AuditUnavailable, KeelError, UserError
from keel.host import pii_vault_keyring
from keel.store import Store
from keel.store.vault_rotation import (
    DEFAULT_BATCH_SIZE,
    MAX_BATCH_SIZE,
    Reencryption,
    key_usage,
    reencrypt,
    retire_key,
)

pii_app = typer.Typer(
    help="The PII token vault's keys: list, rotate, re-encrypt, retire.",
    no_args_is_help=True,
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_FAILED, EXIT_BAD_INPUT = 1, 2

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="keel.toml to use (default: $KEEL_CONFIG, ./keel.toml, then $KEEL_HOME/keel.toml)",
    ),
]


def _fail(e: KeelError) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(f'{e.code}: {e.message}')}", markup=True)
    return typer.Exit(EXIT_BAD_INPUT if isinstance(e, UserError) else EXIT_FAILED)


def _audit(store: Store, event: str, payload: dict[str, Any]) -> None:
    audit = AuditLog.of(store)
    actor = context.cli_principal(["admin"]).id
    try:
        # Committed before the operator is told it happened.
        audit.append_committed_blocking("key.change", {"event": event} | payload, actor=actor)
    except AuditUnavailable as e:
        # The change took effect: say so, and that the log does not have it.
        raise _fail(AuditUnavailable(f"{event} took effect, but {e.message}")) from None


def _when(t: float | None) -> str:
    if t is None:
        return "-"
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pii_app.command("keys")
def keys(
    as_json: Annotated[bool, typer.Option("--json", help="print them as JSON")] = False,
    config: ConfigOpt = None,
) -> None:
    """List the vault's keys: id, state, dates and the values sealed under each. Never keys."""
    try:
        s = context.settings(config)
        vault_keys = pii_vault_keyring(s).load()
        store = context.open_store(s, audit=False)
    except KeelError as e:
        raise _fail(e) from None
    with store:
        usage = key_usage(store, ttl_s=s.pii_vault_ttl_s)
    rows: list[dict[str, Any]] = []
    for entry in vault_keys.entries:
        used = usage.get(entry.id)
        current = entry.id == vault_keys.current
        state = "retired" if entry.retired else "current" if current else "active"
        where = "vault.key" if entry.in_key_file else None if entry.retired else "keyring"
        rows.append(
            {
                "id": entry.id,
                "state": state,
                "where": where,
                "created_at": entry.created_at,
                "retired_at": entry.retired_at,
                "live_entries": used.live if used else 0,
                "expired_entries": used.expired if used else 0,
            }
        )
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    for r in rows:
        out.print(
            f"{r['id']}  {r['state']:<7}  {r['where'] or '-':<9}  "
            f"created {_when(r['created_at'])}  retired {_when(r['retired_at'])}  "
            f"entries {r['live_entries']} live, {r['expired_entries']} expired",
            markup=False,
        )


@pii_app.command("rotate-key")
def rotate_key(config: ConfigOpt = None) -> None:
    """Make a new random vault key current; values under older keys stay readable."""
    try:
        s = context.settings(config)
        store = context.open_store(s)
    except KeelError as e:
        raise _fail(e) from None
    with store:
        try:
            rotated, previous = pii_vault_keyring(s).rotate()
        except KeelError as e:
            raise _fail(e) from None
        _audit(store, "pii_vault.key_rotated", {"key_id": rotated.current, "previous": previous})
    out.print(f"vault key {rotated.current} is now current (was {previous})", markup=False)
    err.print(
        f"running processes seal new values under it within {s.pii_vault_key_refresh_s:g} s; "
        "next: `keel pii reencrypt`, then `keel pii retire-key "
        f"{previous}` to drop the old key",
        markup=False,
    )


@pii_app.command("reencrypt")
def reencrypt_cmd(
    batch_size: Annotated[
        int,
        typer.Option(
            min=1, max=MAX_BATCH_SIZE, help="rows per transaction (each batch commits alone)"
        ),
    ] = DEFAULT_BATCH_SIZE,
    config: ConfigOpt = None,
) -> None:
    """Re-seal every live vault value under the current key, in batches; safe to re-run."""
    try:
        s = context.settings(config)
        store = context.open_store(s)
        vault_keys = pii_vault_keyring(s).load()
    except KeelError as e:
        raise _fail(e) from None

    def progress(r: Reencryption) -> None:
        err.print(f"batch {r.batches}: {r.reencrypted} re-encrypted so far", markup=False)

    with store:
        try:
            report = reencrypt(
                store,
                vault_keys,
                ttl_s=s.pii_vault_ttl_s,
                batch_size=batch_size,
                on_batch=progress,
            )
        except KeelError as e:
            raise _fail(e) from None
        _audit(store, "pii_vault.reencrypted", report.to_dict())
    moved = ", ".join(f"{n} from key {k}" for k, n in sorted(report.from_keys.items()))
    out.print(
        f"re-encrypted {report.reencrypted} value(s) under key {report.key_id}"
        + (f" ({moved})" if moved else ""),
        markup=False,
    )
    if report.unreadable:
        err.print(
            f"warning: {report.unreadable} value(s) do not decrypt under their key (tampered "
            "rows); they stay as they are and their tokens are not revealed",
            markup=False,
        )
    if not report.complete:
        err.print(
            f"{report.remaining} live value(s) are still under older keys; run "
            "`keel pii reencrypt` again",
            markup=False,
        )
        raise typer.Exit(EXIT_FAILED)


@pii_app.command("retire-key")
def retire_key_cmd(
    key_id: Annotated[int, typer.Argument(help="the id of the key to retire (keel pii keys)")],
    config: ConfigOpt = None,
) -> None:
    """Drop an old vault key for good; refused while any live value is sealed under it."""
    try:
        s = context.settings(config)
        store = context.open_store(s)
    except KeelError as e:
        raise _fail(e) from None
    with store:
        try:
            done = retire_key(
                store,
                pii_vault_keyring(s),
                key_id,
                ttl_s=s.pii_vault_ttl_s,
                refresh_s=s.pii_vault_key_refresh_s,
            )
        except KeelError as e:
            raise _fail(e) from None
        _audit(store, "pii_vault.key_retired", done.to_dict())
    expired = f"; {done.expired_deleted} expired value(s) deleted" if done.expired_deleted else ""
    out.print(f"vault key {key_id} retired{expired}", markup=False)
