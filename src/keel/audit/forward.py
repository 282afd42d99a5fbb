"""Streaming audit records to a SIEM sink, at least once, resuming after restarts.

A ``Forwarder`` has a name; for each tenant it keeps a cursor (the last record id
delivered) in the ``audit_cursors`` table. Each pass reads the records after the
cursor in id order, hands them to the sink in batches, and moves the cursor only
after the sink accepted a batch. A crash between delivery and the cursor update
sends that batch again on restart — at least once, never lost; receivers
deduplicate on ``(tenant, id)`` or the record hash. A sink that fails stops the
pass with the cursor at the last accepted batch; so does a record that cannot be
read (edited in the database), named, after the records before it are delivered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from keel.audit import reader
from keel.audit.export import ExportFormat, formatter
from keel.audit.record import AuditRecord, canonical_json
from keel.audit.sinks import AuditSink, DeliveryError
from keel.store.schema import audit_cursors

log = logging.getLogger(__name__)

# A record ready to send: (id, line, JSON document).
_Item = tuple[int, str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ForwardResult:
    delivered: int
    failed: str | None = None


def delivered_through(engine: Engine, tenant: str) -> dict[str, int]:
    """Every forwarder that has run on this store (a name with a cursor for any tenant),
    with the last record of ``tenant`` it delivered (0 for none): a purge must not
    delete what one of them has not delivered yet (``keel.audit.purge``)."""
    with engine.connect() as conn:
        names = conn.execute(select(audit_cursors.c.name).distinct()).scalars().all()
        cursors = conn.execute(
            select(audit_cursors.c.name, audit_cursors.c.last_id).where(
                audit_cursors.c.tenant == tenant
            )
        ).all()
    through = dict.fromkeys(names, 0)
    through.update((name, int(last_id)) for name, last_id in cursors)
    return through


class Forwarder:
    """Forwards new audit records of every tenant to ``sink``."""

    def __init__(
        self,
        engine: Engine,
        sink: AuditSink,
        *,
        name: str = "default",
        format: ExportFormat = "jsonl",
        version: str = "",
        batch: int = 500,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be >= 1")
        self._engine = engine
        self._sink = sink
        self.name = name
        self._line = formatter(format, version=version)
        self._jsonl = format == "jsonl"
        self._batch = batch
        self._clock = clock
        upsert = (pg_insert if engine.dialect.name == "postgresql" else sqlite_insert)(
            audit_cursors
        )
        self._save = upsert.on_conflict_do_update(
            index_elements=[audit_cursors.c.name, audit_cursors.c.tenant],
            set_={"last_id": upsert.excluded.last_id, "updated_at": upsert.excluded.updated_at},
        )

    def cursor(self, tenant: str) -> int:
        """The last record id of ``tenant`` delivered (0 if none)."""
        q = select(audit_cursors.c.last_id).where(
            audit_cursors.c.name == self.name, audit_cursors.c.tenant == tenant
        )
        with self._engine.connect() as conn:
            value = conn.execute(q).scalar()
        return 0 if value is None else int(value)

    def run_once(self) -> ForwardResult:
        """Deliver everything after the cursors; stop at the first sink failure, or at a
        record that cannot be read (edited in the database), named in ``failed``."""
        delivered = 0
        for tenant in reader.tenants(self._engine):
            pending: list[_Item] = []
            for row in reader.iter_rows(self._engine, tenant, after_id=self.cursor(tenant)):
                try:
                    record = AuditRecord.from_row(row)
                    doc = record.to_dict()
                    # JSON lines are the document's canonical JSON: the payload is
                    # parsed once, not once for each.
                    line = canonical_json(doc) if self._jsonl else self._line(record)
                    pending.append((record.id, line, doc))
                except reader.UNREADABLE:
                    # Not skipped, which would move the cursor past it, and not a crash
                    # at every pass either: what comes before it is delivered, then the
                    # forwarder stops here and says where.
                    failed = self._deliver(tenant, pending) if pending else None
                    if failed is None:
                        delivered += len(pending)
                        failed = reader.unreadable(tenant, row[1])
                    return ForwardResult(delivered, failed)
                if len(pending) >= self._batch:
                    failed = self._deliver(tenant, pending)
                    if failed is not None:
                        return ForwardResult(delivered, failed)
                    delivered += len(pending)
                    pending = []
            if pending:
                failed = self._deliver(tenant, pending)
                if failed is not None:
                    return ForwardResult(delivered, failed)
                delivered += len(pending)
        return ForwardResult(delivered)

    def run(self, stop: threading.Event, *, interval_s: float = 1.0) -> int:
        """Forward until ``stop`` is set, polling every ``interval_s``; returns records sent.

        Sink failures are logged and retried on the next pass, and so are database
        errors (a lock held past the timeout): a batch delivered whose cursor could not
        be saved is sent again.
        """
        total = 0
        while not stop.is_set():
            try:
                result = self.run_once()
            except SQLAlchemyError as e:
                result = ForwardResult(0, f"database error: {str(e).splitlines()[0]}")
            total += result.delivered
            if result.failed is not None:
                log.warning("audit forwarder %r: %s (will retry)", self.name, result.failed)
            stop.wait(interval_s)
        return total

    def _deliver(self, tenant: str, items: list[_Item]) -> str | None:
        try:
            self._sink.deliver([line for _, line, _ in items], [doc for _, _, doc in items])
        except DeliveryError as e:
            return e.message
        with self._engine.begin() as conn:
            conn.execute(
                self._save,
                {
                    "name": self.name,
                    "tenant": tenant,
                    "last_id": items[-1][0],
                    "updated_at": self._clock(),
                },
            )
        return None
