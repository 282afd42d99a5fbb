"""Chaining records onto the head another process moved, at commit time.

A process chains its records in memory (``AuditLog.append_events``) on the head it
last saw, so appending never touches the database. Another process may append to
the same tenant meanwhile (``keel serve`` and a CLI command on one SQLite file).
Nothing is lost to that: the head only grows, so when it moved, the id this
process chose for its first record is taken, and the group commit fails on the
primary key. The writer then tries the group again *checked*, and ``Rechainer``
— the group writer's preparer for audit inserts — reads each tenant's stored head
inside that write transaction (on SQLite the writer holds the write lock, so
nobody can move it before the commit) and re-chains the group's records onto it:
the same content, a new id, ``prev_hash`` and hash.

Records this process chained after the moved ones, still queued, link to hashes
that were never stored: each tenant keeps the last ``(old hash -> new id, new
hash)`` link, and the next groups re-chain what follows it without reading
anything, until the in-memory head itself has moved onto the stored chain (an
after-commit callback moves it, and has the Merkle frontier rebuilt from the
database before the next checkpoint).

When no other process appends, a commit pays one dictionary check per group.

Rows are tuples in ``AUDIT_COLUMNS`` order: the audit insert is a positional
statement of the group writer, so a record costs no dict on the run path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import select

from keel.audit.record import GENESIS_HASH, ContentEncoder
from keel.store.schema import audit_log
from keel.store.writer import Prepare, Row

# The audit insert's row: a tuple in this order (the table's column order).
AUDIT_COLUMNS = (
    "tenant",
    "id",
    "time",
    "kind",
    "actor",
    "run_id",
    "payload",
    "prev_hash",
    "hash",
)
TENANT, ID, TIME, KIND, ACTOR, RUN_ID, PAYLOAD, PREV_HASH, HASH = range(len(AUDIT_COLUMNS))
AuditRow = tuple[Any, ...]

# tenant -> (hash a queued record may link to, the id and hash that record really has)
Link = tuple[str, int, str]
# Called after commit with the tenant and its last link: True once the log's
# in-memory head is on the stored chain (no queued record needs the link any more).
Rebased = Callable[[str, Link], bool]


class Rechainer:
    """The group writer's preparer for one audit log's inserts (see the module doc)."""

    def __init__(self, rebased: Rebased) -> None:
        self._rebased = rebased
        # Only the committing thread (one at a time) reads or writes this.
        self._links: dict[str, Link] = {}

    def __call__(self, p: Prepare) -> Sequence[Row]:
        if not p.checked and not self._links:
            return p.rows
        links = dict(self._links)
        seen: set[str] = set()
        moved: dict[str, Link] = {}
        on_chain: list[str] = []
        out: list[Row] = []
        for row in cast(list[AuditRow], p.rows):
            tenant: str = row[TENANT]
            if p.checked and tenant not in seen:
                seen.add(tenant)
                head_id, head_hash = _stored_head(p, tenant)
                if row[ID] == head_id + 1 and row[PREV_HASH] == head_hash:
                    links.pop(tenant, None)
                    on_chain.append(tenant)
                else:
                    links[tenant] = (row[PREV_HASH], head_id, head_hash)
            link = links.get(tenant)
            if link is None or row[PREV_HASH] != link[0]:
                out.append(row)
                continue
            new = _rechained(row, link[1] + 1, link[2])
            links[tenant] = moved[tenant] = (row[HASH], new[ID], new[HASH])
            out.append(new)
        if moved or on_chain:
            p.after_commit.append(lambda: self._settle(moved, on_chain))
        return out

    def _settle(self, moved: dict[str, Link], on_chain: list[str]) -> None:
        for tenant in on_chain:
            # Stored as chained: what this process queues next links to stored hashes.
            self._links.pop(tenant, None)
        for tenant, link in moved.items():
            if self._rebased(tenant, link):
                self._links.pop(tenant, None)
            else:
                self._links[tenant] = link


def _stored_head(p: Prepare, tenant: str) -> tuple[int, str]:
    c = audit_log.c
    rows = p.read(select(c.id, c.hash).where(c.tenant == tenant).order_by(c.id.desc()).limit(1))
    return (0, GENESIS_HASH) if not rows else (int(rows[0][0]), str(rows[0][1]))


def _rechained(row: AuditRow, id: int, prev_hash: str) -> AuditRow:
    """``row`` as record ``id`` linking to ``prev_hash``: same content, new hash."""
    content = ContentEncoder(actor=row[ACTOR], run_id=row[RUN_ID], tenant=row[TENANT])
    text = content.encode(id, row[KIND], row[PAYLOAD], prev_hash, row[TIME])
    digest = hashlib.sha256(text.encode()).hexdigest()
    tenant, _, time, kind, actor, run_id, payload, _, _ = row
    return (tenant, id, time, kind, actor, run_id, payload, prev_hash, digest)
