"""Real audit logs in SQLite files for the tests: build them, read them, tamper with them."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from pathlib import Path
from typing import Any

from keel.audit import AuditLog, AuditOptions, AuditRecord
from keel.store import Store


def open_store(data_dir: Path) -> Store:
    return Store.open(f"sqlite:///{data_dir / 'keel.db'}")


def fill(
    data_dir: Path,
    n: int,
    *,
    tenant: str | None = None,
    every: int = 1000,
    checkpoint_file: Path | None = None,
    checkpoint_at: Collection[int] = (),
) -> None:
    """Append ``n`` records, checkpointed every ``every`` (in the background) and at close.

    The signing key is made first, so on a new log its ``key.change`` record is
    record 1. ``checkpoint_at``: also checkpoint, synchronously, when the log has
    that many records.
    """
    with open_store(data_dir) as store:
        log = AuditLog.of(
            store,
            AuditOptions.for_store(store, checkpoint_every=every, checkpoint_file=checkpoint_file),
        )
        log.signer()
        for i in range(n):
            rec = log.append(
                "tool.call",
                {"i": i, "text": "abc", "tool": "lookup"},
                actor="agent:test",
                tenant=tenant,
                run_id=f"run_{i:04d}",
            )
            if rec.id in checkpoint_at:
                log.checkpoint(tenant)


def events(db: Path, *, tenant: str | None = None) -> list[tuple[str, str, str | None, str]]:
    """Every event the stored records hold, in order: ``(kind, actor, run_id, payload
    JSON)``, a ``run.events`` record read as its events (``tenant``: that tenant's only)."""
    where = "" if tenant is None else f" where tenant = '{tenant}'"
    found = []
    columns = "tenant, id, time, kind, actor, run_id, payload, prev_hash, hash"
    for row in rows(db, f"select {columns} from audit_log{where} order by tenant, id"):
        record = AuditRecord.from_row(row)
        found += [(e.kind, record.actor, record.run_id, e.payload_json) for e in record.events()]
    return found


def tamper(db: Path, *statements: str, params: tuple[Any, ...] = ()) -> None:
    """Run SQL on the database as an attacker would: guard triggers dropped first."""
    conn = sqlite3.connect(db)
    try:
        for (name,) in conn.execute("select name from sqlite_master where type='trigger'"):
            conn.execute(f'drop trigger "{name}"')
        for statement in statements:
            conn.execute(statement, params) if params else conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def disk_errors(db: Path, operation: str, table: str, *, failing: bool) -> None:
    """Make every ``operation`` (insert, delete…) on ``table`` fail as a database error
    would (a trigger that aborts it), or, with ``failing`` False, stop doing so."""
    conn = sqlite3.connect(db)
    try:
        if failing:
            conn.execute(
                f"create trigger test_disk_error before {operation} on {table} "
                "begin select raise(abort, 'disk I/O error'); end"
            )
        else:
            conn.execute("drop trigger test_disk_error")
        conn.commit()
    finally:
        conn.close()


def rows(db: Path, sql: str = "select * from audit_log order by tenant, id") -> list[Any]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


class Clock:
    """A log's clock that the test moves: each reading is one second after the last."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


def old_then_new(log: AuditLog, clock: Clock) -> None:
    """Twenty records and a checkpoint before time 3000, then ten after: a purge before
    3000 deletes records 1-21 (the signing key's record included) and appends record 32."""
    for i in range(20):
        log.append("tool.call", {"i": i}, actor="a")
    log.checkpoint()
    clock.now = 5000.0
    for i in range(10):
        log.append("tool.call", {"i": i}, actor="a")
