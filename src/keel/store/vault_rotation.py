"""Moving the PII vault to a new key: usage per key, re-encryption, retirement.

The procedure (docs/governance.md, "Rotating the vault key"):

1. ``VaultKeyring.rotate`` makes a new key current. Running processes seal new values
   under it within ``pii_vault_key_refresh_s``; every older key still opens its rows.
2. :func:`reencrypt` re-seals every live row under the current key, in batches of
   ``batch_size`` rows, each batch one transaction. A row is updated only if it still
   holds what was read (``key_id`` and ``sealed``), so a value rewritten meanwhile by a
   running process is never overwritten with an older one. At every moment each row is
   sealed under a key of the keyring: there is no window where a token cannot be
   restored. Interrupted, it simply runs again (it selects the rows not yet under the
   current key); run again when done, it changes nothing.
3. :func:`retire_key` drops an old key once no live row uses it (expired rows under it,
   never revealed anyway, are deleted with it) and once every running process has had
   time to stop sealing under it (twice ``pii_vault_key_refresh_s`` after the next key
   became current).

Key material and values never leave this module's locals: reports carry ids and counts.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import and_, bindparam, case, delete, func, select, tuple_, update

from keel.errors import ConfigError, Conflict, UserError
from keel.store.schema import pii_vault
from keel.store.vault import NONCE_BYTES, associated_data
from keel.store.vault_keyring import VaultKeyring, VaultKeys

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from keel.store.database import Store

DEFAULT_BATCH_SIZE: Final = 500
MAX_BATCH_SIZE: Final = 10_000


@dataclass(frozen=True)
class KeyUsage:
    """Rows sealed under one key: ``live`` (still revealed) and ``expired`` (past the TTL)."""

    key_id: int
    live: int
    expired: int


@dataclass
class Reencryption:
    """What one :func:`reencrypt` call did (its audit record)."""

    key_id: int  # the current key, the rows' new key
    reencrypted: int = 0
    from_keys: dict[int, int] = field(default_factory=dict)
    changed_meanwhile: int = 0  # rewritten by a running process between read and update
    unreadable: int = 0  # did not open under their key (tampered): left as they are
    batches: int = 0
    remaining: int = 0  # live rows still under another key when the call ended

    @property
    def complete(self) -> bool:
        return self.remaining == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "reencrypted": self.reencrypted,
            "from_keys": {str(k): n for k, n in sorted(self.from_keys.items())},
            "changed_meanwhile": self.changed_meanwhile,
            "unreadable": self.unreadable,
            "batches": self.batches,
            "remaining": self.remaining,
            "complete": self.complete,
        }


def key_usage(store: Store, *, ttl_s: float, now: float | None = None) -> dict[int, KeyUsage]:
    """``key id -> KeyUsage`` for every key some row of the vault uses."""
    cutoff = (time.time() if now is None else now) - ttl_s
    live = func.sum(case((pii_vault.c.created_at > cutoff, 1), else_=0))
    query = select(pii_vault.c.key_id, func.count(), live).group_by(pii_vault.c.key_id)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    usage = {}
    for key_id, n, n_live in rows:
        usage[int(key_id)] = KeyUsage(int(key_id), int(n_live or 0), int(n) - int(n_live or 0))
    return usage


def reencrypt(
    store: Store,
    keys: VaultKeys,
    *,
    ttl_s: float,
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: float | None = None,
    on_batch: Callable[[Reencryption], None] | None = None,
) -> Reencryption:
    """Re-seal every live row not under ``keys.current`` with it (see the module docstring).

    ``on_batch`` is called after each committed batch (progress; raising from it stops
    the run there, as a crash would). Raises ``UserError`` for a batch size out of
    range and ``ConfigError`` (reason ``vault_key_missing``) before writing anything
    when live rows are sealed under keys the keyring does not hold.
    """
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise UserError(f"the batch size must be 1 to {MAX_BATCH_SIZE}, not {batch_size}")
    now = time.time() if now is None else now
    cutoff = now - ttl_s
    active = keys.active
    missing = {
        k: u.live
        for k, u in key_usage(store, ttl_s=ttl_s, now=now).items()
        if u.live and k not in active
    }
    if missing:
        listed = ", ".join(f"key {k} ({n} entries)" for k, n in sorted(missing.items()))
        raise ConfigError(
            f"PII vault entries are sealed under keys the keyring does not hold: {listed}. "
            "Restore the keyring (vault.keys) or vault.key from your backup; nothing was "
            "re-encrypted",
            details={"reason": "vault_key_missing", "key_ids": sorted(missing)},
        )
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aeads = {k: AESGCM(key) for k, key in active.items()}
    current = keys.current
    report = Reencryption(current)
    after: tuple[str, str] | None = None
    c = pii_vault.c
    # Only if the row still holds what was read: a value a running process rewrote
    # meanwhile is newer than ours.
    reseal = (
        update(pii_vault)
        .where(
            and_(
                c.tenant == bindparam("b_tenant"),
                c.handle == bindparam("b_handle"),
                c.key_id == bindparam("old_key"),
                c.sealed == bindparam("old"),
            )
        )
        .values(sealed=bindparam("new"), key_id=current)
    )
    while True:
        query = (
            select(c.tenant, c.handle, c.key_id, c.sealed)
            .where(and_(c.key_id != current, c.created_at > cutoff))
            .order_by(c.tenant, c.handle)
            .limit(batch_size)
        )
        if after is not None:
            query = query.where(tuple_(c.tenant, c.handle) > tuple_(*after))
        with store.engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            break
        updates: list[dict[str, Any]] = []
        for tenant, handle, key_id, sealed in rows:
            sealed = bytes(sealed)
            aad = associated_data(tenant, handle)
            try:
                plain = aeads[key_id].decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
            except InvalidTag:
                report.unreadable += 1
                continue
            nonce = os.urandom(NONCE_BYTES)
            updates.append(
                {
                    "b_tenant": tenant,
                    "b_handle": handle,
                    "old_key": key_id,
                    "old": sealed,
                    "new": nonce + aeads[current].encrypt(nonce, plain, aad),
                }
            )
        by_key: dict[int, list[dict[str, Any]]] = {}
        for u in updates:
            by_key.setdefault(u["old_key"], []).append(u)
        moved: dict[int, int] = {}
        with store.engine.begin() as conn:  # one batch, one transaction
            for old_key, group in by_key.items():
                moved[old_key] = _execute_counted(conn, reseal, group)
                report.changed_meanwhile += len(group) - moved[old_key]
        for k, n in moved.items():
            report.from_keys[k] = report.from_keys.get(k, 0) + n
            report.reencrypted += n
        report.batches += 1
        after = (rows[-1].tenant, rows[-1].handle)
        if on_batch is not None:
            on_batch(report)
    report.remaining = sum(
        u.live for k, u in key_usage(store, ttl_s=ttl_s, now=now).items() if k != current
    )
    return report


def _execute_counted(conn: Connection, stmt: Any, params: list[dict[str, Any]]) -> int:
    """Run ``stmt`` once per parameter set; how many rows it changed in all."""
    if conn.dialect.supports_sane_multi_rowcount:
        return int(conn.execute(stmt, params).rowcount)  # one executemany
    return sum(int(conn.execute(stmt, p).rowcount) for p in params)


@dataclass(frozen=True)
class Retirement:
    """What :func:`retire_key` did (its audit record)."""

    key_id: int
    expired_deleted: int
    keys: VaultKeys = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "expired_deleted": self.expired_deleted}


def retire_key(
    store: Store,
    keyring: VaultKeyring,
    key_id: int,
    *,
    ttl_s: float,
    refresh_s: float,
    now: float | None = None,
) -> Retirement:
    """Retire ``key_id`` for good (see the module docstring).

    Raises ``NotFound`` for a key the keyring never had; ``Conflict`` for the current
    key, one already retired, one superseded too recently for every process to have
    noticed (reason ``vault_key_recent``) or one live rows still use (reason
    ``vault_key_in_use``: run ``keel pii reencrypt`` first). Nothing changes then.
    """
    now = time.time() if now is None else now
    deleted = 0

    def check(keys: VaultKeys) -> None:
        nonlocal deleted
        usage = key_usage(store, ttl_s=ttl_s, now=now).get(key_id)
        if usage is not None and usage.live:
            raise Conflict(
                f"{usage.live} PII vault entries are still sealed under key {key_id}: run "
                f"`keel pii reencrypt` first (nothing was retired)",
                details={"reason": "vault_key_in_use", "key_id": key_id, "entries": usage.live},
            )
        since = keys.superseded_at(key_id)
        wait = 0.0 if since is None else since + 2 * refresh_s - now
        if wait > 0:
            raise Conflict(
                f"PII vault key {key_id} stopped being current less than "
                f"{2 * refresh_s:g} s ago; running processes re-read the keyring every "
                f"{refresh_s:g} s (pii_vault_key_refresh_s) and may still seal under it: "
                f"retry in {math.ceil(wait)} s (and `keel pii reencrypt` first if it then refuses)",
                details={"reason": "vault_key_recent", "key_id": key_id, "retry_after_s": wait},
            )
        if usage is not None and usage.expired:
            # Past the TTL they are never revealed; without their key they never could be.
            with store.engine.begin() as conn:
                gone = delete(pii_vault).where(
                    and_(pii_vault.c.key_id == key_id, pii_vault.c.created_at <= now - ttl_s)
                )
                deleted = int(conn.execute(gone).rowcount)

    keys = keyring.retire(key_id, check=check, now=now)
    return Retirement(key_id, deleted, keys)
