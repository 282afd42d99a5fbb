"""Purging old audit records, as an audited and checkpointed event.

Retention never removes audit rows silently. ``purge_before``:

1. refuses to purge records a forwarder (``keel.audit.forward``) has not delivered
   yet: its SIEM would never see them. A retired forwarder is named in
   ``ignore_forwarders``, and the purge record says what it had not delivered;
2. verifies the tenant's log and refuses to purge one that does not verify (an
   anchor taken from tampered records would launder them);
3. appends an ``audit.purge`` record naming the range (``first_id``..``last_id``),
   the cut-off time, the hash of the last purged record (what the first remaining
   record links to) and the Merkle frontier over the purged leaves;
4. signs a checkpoint covering that record and waits until both are committed;
5. deletes the range in one transaction that lifts the DELETE guard trigger and
   puts it back before committing — the only code path that deletes audit rows.

``keel audit verify`` then starts the chain from that anchor, and roots and proofs
for every later record still compute from the recorded frontier. A delete that
fails leaves a purge recorded but not done; the next ``purge_before`` carries it
out first (verify meanwhile starts from the anchor before it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from keel.audit import reader
from keel.audit.checkpoint import Checkpoint
from keel.audit.forward import delivered_through
from keel.audit.log import AuditLog
from keel.audit.merkle import Frontier
from keel.audit.record import AuditRecord, tenant_key
from keel.audit.verify import verify_log
from keel.errors import Conflict, Forbidden, KeelError, UserError
from keel.store.schema import audit_guard_ddl, audit_guard_name, audit_log


@dataclass(frozen=True, slots=True)
class PurgeResult:
    tenant: str
    first_id: int
    last_id: int
    deleted: int
    record: AuditRecord
    checkpoint: Checkpoint | None


def purge_before(
    audit: AuditLog,
    before: float,
    *,
    actor: str,
    tenant: str | None = None,
    ignore_forwarders: Collection[str] = (),
) -> PurgeResult | None:
    """Purge a tenant's records older than ``before`` (UNIX seconds); ``None`` if none are.

    Only a prefix is purged: records up to (not including) the first one at or
    after ``before``. Raises ``Conflict`` (nothing written) if a forwarder not in
    ``ignore_forwarders`` has not delivered them all, ``UserError`` if the log does not
    verify or an ignored forwarder never ran here.
    """
    tkey = tenant_key(tenant)
    engine = audit.store.engine
    audit.flush()  # decide on committed records only
    anchor = reader.purge_anchor(engine, tkey)
    start = 1 if anchor is None else anchor.last_id + 1
    # Records the newest purge recorded as gone are still there when its delete failed
    # (or its process stopped): this purge carries it out, even with nothing newer.
    first = reader.first_id(engine, tkey)
    unfinished = first is not None and first < start
    with engine.connect() as conn:
        newer = conn.execute(
            select(func.min(audit_log.c.id)).where(
                audit_log.c.tenant == tkey, audit_log.c.time >= before
            )
        ).scalar()
        last = conn.execute(
            select(func.max(audit_log.c.id)).where(audit_log.c.tenant == tkey)
        ).scalar()
    if last is None:
        return None
    end = int(last) if newer is None else int(newer) - 1
    if end < start and not unfinished:
        return None
    behind = _undelivered(engine, tkey, end, ignore_forwarders) if end >= start else {}
    _check_can_lift_guard(engine)
    report = verify_log(engine, tenant=tkey, public_key=audit.public_key())
    if not report.ok:
        raise UserError(
            f"refusing to purge tenant {tkey!r}: its audit log does not verify ("
            + "; ".join(str(p) for p in report.problems[:5])
            + ")"
        )
    if end < start:  # nothing newer: the unfinished purge only
        assert anchor is not None
        assert first is not None
        deleted = _carry_out(audit, tkey, anchor.last_id, anchor.record_id)
        recorded = reader.get_record(engine, tkey, anchor.record_id)
        assert recorded is not None  # the anchor was read from it
        return PurgeResult(tkey, first, anchor.last_id, deleted, recorded, None)
    frontier = Frontier() if anchor is None else anchor.frontier.copy()
    frontier.extend(reader.leaf_hashes(engine, tkey, after_id=frontier.size, until_id=end))
    last_purged = reader.get_record(engine, tkey, end)
    assert last_purged is not None  # verified above: the range is complete
    payload: dict[str, Any] = {
        "before": before,
        "first_id": start,
        "last_id": end,
        "records": end - start + 1,
        "last_hash": last_purged.hash,
        "frontier": [n.hex() for n in frontier.nodes],
    }
    if behind:
        payload["forwarders_behind"] = behind
    # Committed before anything is deleted: a purge whose record cannot be stored
    # raises here, deleting nothing.
    record = audit.append_committed_blocking("audit.purge", payload, actor=actor, tenant=tenant)
    signed = audit.checkpoint(tkey) if audit.signer() is not None else []
    # Stored under another id if another process appended meanwhile (re-chained).
    anchor = reader.purge_anchor(engine, tkey)
    stored = None if anchor is None else reader.get_record(engine, tkey, anchor.record_id)
    record = record if stored is None else stored
    deleted = _carry_out(audit, tkey, end, record.id)
    first_deleted = first if unfinished and first is not None else start
    return PurgeResult(tkey, first_deleted, end, deleted, record, signed[0] if signed else None)


def _undelivered(
    engine: Engine, tenant: str, last_id: int, ignore: Collection[str]
) -> dict[str, int]:
    """The ignored forwarders that have not delivered records ``..last_id`` (with the
    last record each did deliver); raises ``Conflict`` if any other has not."""
    through = delivered_through(engine, tenant)
    unknown = sorted(set(ignore) - through.keys())
    if unknown:
        raise UserError(
            f"no audit forwarder named {', '.join(map(repr, unknown))} has run on this store "
            f"(forwarders: {', '.join(map(repr, sorted(through))) or 'none'})"
        )
    behind = {name: last for name, last in sorted(through.items()) if last < last_id}
    blocking = {name: last for name, last in behind.items() if name not in ignore}
    if blocking:
        said = ", ".join(
            f"{name!r} has delivered through record {last}" for name, last in blocking.items()
        )
        raise Conflict(
            f"refusing to purge records ..{last_id} of tenant {tenant!r}: not every "
            f"forwarder has delivered them ({said}). Run `keel audit forward --name NAME` "
            "until it catches up, or, for a forwarder that is retired, pass "
            "--ignore-forwarder NAME (the purge record names what it had not delivered)"
        )
    return behind


def _carry_out(audit: AuditLog, tenant: str, last_id: int, record_id: int) -> int:
    """``delete_range``, its failure said as what it leaves: a purge recorded, not done."""
    try:
        return delete_range(audit, tenant, last_id)
    except (SQLAlchemyError, sqlite3.Error) as e:
        why = str(e).splitlines()[0]
        raise KeelError(
            f"the purge of tenant {tenant!r} through record {last_id} is recorded (audit.purge "
            f"record {record_id}), but deleting the records failed ({why}); run keel audit "
            "purge again to finish it"
        ) from None


def _check_can_lift_guard(engine: Engine) -> None:
    """Refuse before anything is written if this role cannot lift the DELETE guard.

    On Postgres only the tables' owner (or a member of its role) may disable a
    trigger; an application role with least privilege may not, and a purge record
    whose delete then failed would announce a purge that never happened.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        owner = conn.execute(
            text(
                "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class"
                " WHERE oid = 'audit_log'::regclass"
            )
        ).scalar()
    if not owner:
        raise Forbidden(
            "this database role may not purge audit records: run `keel audit purge` as the "
            "owner of the audit tables (the role that ran the migrations) or a member of it"
        )


def delete_range(audit: AuditLog, tenant: str, last_id: int) -> int:
    """Delete records ``..last_id`` of ``tenant`` with the DELETE guard lifted, atomically."""
    engine = audit.store.engine
    guard = audit_guard_name("audit_log", "DELETE")
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return _delete_sqlite(conn, guard, tenant, last_id)
        with conn.begin():
            conn.execute(text(f"ALTER TABLE audit_log DISABLE TRIGGER {guard}"))
            result = conn.execute(
                delete(audit_log).where(audit_log.c.tenant == tenant, audit_log.c.id <= last_id)
            )
            conn.execute(text(f"ALTER TABLE audit_log ENABLE TRIGGER {guard}"))
            return int(result.rowcount)


def _delete_sqlite(conn: Connection, guard: str, tenant: str, last_id: int) -> int:
    # SQLite DDL is transactional, but the driver would run a leading DROP TRIGGER in
    # autocommit mode: open the transaction explicitly so the guard can never stay off.
    raw: Any = conn.connection.driver_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute("BEGIN IMMEDIATE")
    try:
        raw.execute(f"DROP TRIGGER {guard}")
        cursor = raw.execute(
            "DELETE FROM audit_log WHERE tenant = ? AND id <= ?", (tenant, last_id)
        )
        deleted = int(cursor.rowcount)
        for statement in audit_guard_ddl("sqlite", "audit_log", "DELETE"):
            raw.execute(statement)
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    return deleted
