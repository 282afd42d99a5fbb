"""Reading the audit tables: records in order, checkpoints, the purge anchor.

Reads use pooled connections and keyset pagination (``id > last ORDER BY id``), so
a scan of millions of records holds no long transaction and streams in batches.
On SQLite, batches go straight to the driver as plain tuples (``_fetch``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, func, select, union

from keel.audit.checkpoint import CHECKPOINT_FORMAT, Checkpoint
from keel.audit.merkle import Frontier, ProofError
from keel.audit.merkle import leaf_hashes as merkle_leaf_hashes
from keel.audit.record import UNREADABLE as UNREADABLE  # read by the API, CLI, forwarder
from keel.audit.record import AuditRecord, is_hex_digest
from keel.store.schema import audit_checkpoints, audit_log

_COLUMNS = (
    audit_log.c.tenant,
    audit_log.c.id,
    audit_log.c.time,
    audit_log.c.kind,
    audit_log.c.actor,
    audit_log.c.run_id,
    audit_log.c.payload,
    audit_log.c.prev_hash,
    audit_log.c.hash,
)


# (id, time, kind, actor, run_id, payload, prev_hash, hash): a record without its tenant.
ChainRow = tuple[Any, Any, Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A checkpoint as the database holds it, with the frontier that resumes its tree."""

    id: int
    checkpoint: Checkpoint
    frontier: list[str]


@dataclass(frozen=True, slots=True)
class PurgeAnchor:
    """Where a purged tenant's log starts: records ``1..last_id`` are gone.

    ``last_hash`` is the hash of record ``last_id`` (what record ``last_id + 1``
    links to) and ``frontier`` the Merkle frontier over the purged leaves, so
    roots and proofs for later records can still be computed. Both are taken from
    the ``audit.purge`` record ``record_id``, which the chain itself protects.
    """

    record_id: int
    last_id: int
    last_hash: str
    frontier: Frontier

    @classmethod
    def from_record(cls, record: AuditRecord) -> PurgeAnchor:
        p = record.payload
        try:
            last_id, last_hash = p["last_id"], p["last_hash"]
            nodes = [bytes.fromhex(h) for h in p["frontier"]]
            frontier = Frontier(last_id, nodes)
        except (KeyError, TypeError, ValueError, ProofError) as e:
            raise ProofError(f"audit.purge record {record.id} is malformed: {e}") from None
        if not is_hex_digest(last_hash) or not isinstance(last_id, int):
            raise ProofError(f"audit.purge record {record.id} is malformed")
        return cls(record.id, last_id, last_hash, frontier)


def tenants(engine: Engine, *, malformed: list[str] | None = None) -> list[str]:
    """Every tenant with records or checkpoints, sorted.

    A tenant column that holds no text (a blob written into SQLite by hand) names no
    tenant: left out, and said in ``malformed`` if given.
    """
    q = union(select(audit_log.c.tenant).distinct(), select(audit_checkpoints.c.tenant))
    with engine.connect() as conn:
        values = [r[0] for r in conn.execute(q)]
    if malformed is not None:
        malformed += [
            f"rows whose tenant is {v!r}, not text, were edited or inserted by hand"
            for v in values
            if not isinstance(v, str)
        ]
    return sorted(v for v in values if isinstance(v, str))


def last_record(engine: Engine, tenant: str) -> AuditRecord | None:
    q = (
        select(*_COLUMNS)
        .where(audit_log.c.tenant == tenant)
        .order_by(audit_log.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return None if row is None else AuditRecord.from_row(row)


def get_record(engine: Engine, tenant: str, record_id: int) -> AuditRecord | None:
    q = select(*_COLUMNS).where(audit_log.c.tenant == tenant, audit_log.c.id == record_id)
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return None if row is None else _record(row)


def _record(row: Any) -> AuditRecord:
    """``AuditRecord.from_row``; raises ``ProofError`` if a column holds a value of another
    type (text in a number column), which only editing the table can put there."""
    try:
        return AuditRecord.from_row(row)
    except UNREADABLE:
        raise ProofError(
            f"audit record {row[1]!r} of tenant {row[0]!r} has a field of the wrong type (edited)"
        ) from None


def first_id(engine: Engine, tenant: str) -> int | None:
    q = select(func.min(audit_log.c.id)).where(audit_log.c.tenant == tenant)
    with engine.connect() as conn:
        value = conn.execute(q).scalar()
    return None if value is None else int(value)


def _fetch(engine: Engine, query: Select[Any]) -> list[Any]:
    """All rows of ``query`` as plain tuples.

    On SQLite the compiled statement goes straight to the driver: SQLAlchemy's
    per-row processing would cost more than verifying the row (scans of millions
    of records, benchmarks/audit.py).
    """
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            return [tuple(r) for r in conn.execute(query)]
        compiled = query.compile(dialect=engine.dialect)
        params = [compiled.params[k] for k in compiled.positiontup or ()]
        raw: Any = conn.connection.driver_connection
        rows: list[Any] = raw.execute(str(compiled), params).fetchall()
        return rows


def iter_rows(
    engine: Engine,
    tenant: str,
    *,
    after_id: int = 0,
    until_id: int | None = None,
    since_time: float | None = None,
    batch: int = 20_000,
) -> Iterator[tuple[Any, ...]]:
    """Raw rows (the ``AuditRecord.from_row`` layout) with ``after_id < id <= until_id``."""
    last = after_id
    while True:
        q = (
            select(*_COLUMNS)
            .where(audit_log.c.tenant == tenant, audit_log.c.id > last)
            .order_by(audit_log.c.id)
            .limit(batch)
        )
        if until_id is not None:
            q = q.where(audit_log.c.id <= until_id)
        if since_time is not None:
            q = q.where(audit_log.c.time >= since_time)
        rows = _fetch(engine, q)
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1][1]


def chain_batches(engine: Engine, tenant: str, *, batch: int = 8192) -> Iterator[list[ChainRow]]:
    """A tenant's whole log in id order, as lists of at most ``batch`` ``ChainRow`` tuples.

    What ``keel audit verify`` reads: no tenant column (the caller knows it), one
    list per batch so the caller can check a batch with list operations. Batches of
    a few thousand rows read fastest (measured at 1M records: 4,096-row batches
    cost ~5 % less CPU per row than 20,000-row ones, 100,000-row ones ~15 % more).
    """
    last = 0
    c = audit_log.c
    while True:
        q = (
            select(c.id, c.time, c.kind, c.actor, c.run_id, c.payload, c.prev_hash, c.hash)
            .where(c.tenant == tenant, c.id > last)
            .order_by(c.id)
            .limit(batch)
        )
        rows = _fetch(engine, q)
        if rows:
            yield rows
        if len(rows) < batch:
            return
        last = rows[-1][0]


def unreadable(tenant: str, record_id: object) -> str:
    """What to say of a record that raised one of ``UNREADABLE``."""
    return (
        f"record {record_id!r} of tenant {tenant!r} cannot be read (edited in the "
        "database?); run keel audit verify"
    )


def leaf_hashes(engine: Engine, tenant: str, *, after_id: int, until_id: int) -> list[bytes]:
    """Leaf hashes of records ``after_id+1 .. until_id`` from their stored hashes.

    Raises ``ProofError`` if one of those records is missing or its hash is not hex.
    """
    q = (
        select(audit_log.c.id, audit_log.c.hash)
        .where(
            audit_log.c.tenant == tenant,
            audit_log.c.id > after_id,
            audit_log.c.id <= until_id,
        )
        .order_by(audit_log.c.id)
    )
    rows = _fetch(engine, q)
    ids = [r[0] for r in rows]
    if ids != list(range(after_id + 1, until_id + 1)):
        missing = next(
            (i for i, got in enumerate(ids, start=after_id + 1) if got != i),
            len(ids) + after_id + 1,
        )
        raise ProofError(f"record {missing} is missing; run keel audit verify")
    try:
        return merkle_leaf_hashes([bytes.fromhex(r[1]) for r in rows])
    except (TypeError, ValueError):
        raise ProofError(
            f"a record among {after_id + 1}..{until_id} has a malformed hash"
        ) from None


def stored_checkpoints(
    engine: Engine, tenant: str, *, malformed: list[str] | None = None
) -> list[StoredCheckpoint]:
    """A tenant's checkpoints, smallest tree first.

    Each row is checked as strictly as a checkpoint read from outside: anyone who may
    insert rows can add one. A row that is not a checkpoint (a root that is not hex,
    text for a number…) is left out, and said why in ``malformed`` if given.
    """
    c = audit_checkpoints.c
    q = (
        select(c.id, c.tenant, c.tree_size, c.root, c.time, c.key_id, c.signature, c.frontier)
        .where(c.tenant == tenant)
        .order_by(c.tree_size)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    out: list[StoredCheckpoint] = []
    for r in rows:
        try:
            out.append(StoredCheckpoint(int(r[0]), _checkpoint(r[1:7]), _frontier_list(r[7])))
        except ProofError as e:
            if malformed is not None:
                malformed.append(f"stored checkpoint row {r[0]} is malformed: {e.message}")
    return out


def checkpoint_at(engine: Engine, tenant: str, tree_size: int) -> Checkpoint | None:
    """The stored checkpoint of ``tenant`` at exactly ``tree_size``, if any (and well-formed)."""
    c = audit_checkpoints.c
    q = select(c.tenant, c.tree_size, c.root, c.time, c.key_id, c.signature).where(
        c.tenant == tenant, c.tree_size == tree_size
    )
    with engine.connect() as conn:
        r = conn.execute(q).first()
    if r is None:
        return None
    try:
        return _checkpoint(r)
    except ProofError:
        return None


def _checkpoint(row: Any) -> Checkpoint:
    """``(tenant, tree_size, root, time, key_id, signature)`` as a checkpoint; raises
    ``ProofError`` if a column does not hold what a checkpoint has."""
    names = ("tenant", "tree_size", "root", "time", "key_id", "signature")
    return Checkpoint.from_dict({"format": CHECKPOINT_FORMAT, **dict(zip(names, row, strict=True))})


def _frontier_list(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return [h for h in value if is_hex_digest(h)] if isinstance(value, list) else []


def purge_anchor(engine: Engine, tenant: str, *, through: int | None = None) -> PurgeAnchor | None:
    """The newest ``audit.purge`` record's anchor, or ``None`` if the tenant was never purged.

    With ``through``: the newest one whose purged range ends at record ``through``, where
    the log starts while a newer purge is recorded but its delete did not happen yet.
    """
    q = (
        select(*_COLUMNS)
        .where(audit_log.c.tenant == tenant, audit_log.c.kind == "audit.purge")
        .order_by(audit_log.c.id.desc())
    )
    with engine.connect() as conn:
        rows = conn.execute(q if through is not None else q.limit(1)).all()
    for row in rows:
        anchor = PurgeAnchor.from_record(_record(row))
        if through is None or anchor.last_id == through:
            return anchor
    return None
