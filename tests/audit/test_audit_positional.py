"""The audit insert as a positional statement: what is stored is what was chained.

``AuditLog.append_events`` queues tuples in ``AUDIT_COLUMNS`` order; these tests hold
the stored rows to the records ``append`` returned, field by field, on SQLite and on
a real Postgres server, and re-chaining (records queued on a head another store
moved) to the same chain as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from keel.audit import AuditLog, AuditOptions, reader, verify_log
from keel.audit.log import AUDIT_COLUMNS
from keel.audit.record import AuditRecord
from keel.store import Store
from keel.store.schema import audit_log
from pg_server import PgServer


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLite file, then a fresh database of a real Postgres server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'keel.db'}"
        return
    pg: PgServer = request.getfixturevalue("pg")
    name = pg.create_database()
    yield pg.url(name)
    pg.drop_database(name)


def test_the_columns_are_the_audit_tables_in_its_order() -> None:
    assert tuple(c.name for c in audit_log.columns) == AUDIT_COLUMNS


def test_stored_records_are_the_records_appended(url: str) -> None:
    store = Store.open(url)
    try:
        log = AuditLog.of(store, AuditOptions(signing_key_path=None))
        appended: list[AuditRecord] = []
        for i in range(5):
            payload: dict[str, Any] = {"i": i, "text": 'quote " and \u2028 line'}
            run_id = None if i % 2 else f"run-{i}"
            for tenant in (None, "acme"):
                appended.append(
                    log.append("tool.call", payload, actor="agent:ü", tenant=tenant, run_id=run_id)
                )
        log.flush()
        got = [reader.get_record(store.engine, r.tenant, r.id) for r in appended]
        assert got == appended
        assert verify_log(store.engine, public_key=None).ok
    finally:
        store.close()


def test_two_stores_rechain_onto_each_other(url: str) -> None:
    # Each store chains on the head it saw; the second one's records are re-chained at
    # commit onto the first one's, reading and rewriting tuple rows.
    stores = [Store.open(url) for _ in range(2)]
    try:
        logs = [AuditLog.of(s, AuditOptions(signing_key_path=None)) for s in stores]
        for log in logs:
            log.head("acme")  # both start from an empty chain
        for round_ in range(3):
            for n, log in enumerate(logs):
                log.append_events(
                    [
                        ("tool.call", 1.0 + k, f'{{"by":{n},"k":{k},"r":{round_}}}')
                        for k in range(4)
                    ],
                    actor="agent:test",
                    tenant="acme",
                )
                log.flush()
        report = verify_log(stores[0].engine, public_key=None)
        assert report.ok, report.problems
        records = [AuditRecord.from_row(r) for r in reader.iter_rows(stores[0].engine, "acme")]
        assert [r.id for r in records] == list(range(1, 25))
        labels = sorted((r.payload["by"], r.payload["k"], r.payload["r"]) for r in records)
        assert labels == [(n, k, r) for n in range(2) for k in range(4) for r in range(3)]
    finally:
        for s in stores:
            s.close()
