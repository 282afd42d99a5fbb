"""Positional statements of the group writer: rows as tuples in a declared column order.

They must store exactly what the same rows by name store, on SQLite and on a real
Postgres server (``pg_server.PgServer``), be refused at registration when the columns
do not match the statement, and fail row by row like any write when a group fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlite_lock import write_locked

from keel.errors import UserError
from keel.store import Store
from keel.store.schema import audit_log
from pg_server import PgServer

COLUMNS = ("tenant", "id", "time", "kind", "actor", "run_id", "payload", "prev_hash", "hash")


def record(tenant: str, i: int, **values: Any) -> tuple[Any, ...]:
    """One audit_log row in ``COLUMNS`` order (values that need care: quotes, unicode,
    None, a float that must round-trip)."""
    row: dict[str, Any] = {
        "tenant": tenant,
        "id": i,
        "time": 1_700_000_000.123456 + i / 7,
        "kind": "tool.call",
        "actor": 'ünï "actor"',
        "run_id": None if i % 2 else f"run-{i}",
        "payload": f'{{"i":{i},"s":"a\\u2028b"}}',
        "prev_hash": f"{i - 1:064x}",
        "hash": f"{i:064x}",
    }
    row.update(values)
    return tuple(row[c] for c in COLUMNS)


def stored(store: Store, tenant: str) -> list[tuple[Any, ...]]:
    c = audit_log.c
    query = select(*(c[k] for k in COLUMNS)).where(c.tenant == tenant).order_by(c.id)
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


@pytest.fixture(params=["sqlite", "postgres"])
def any_store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Store]:
    """A migrated store on a SQLite file, then on a fresh database of a real Postgres."""
    if request.param == "sqlite":
        s = Store.open(f"sqlite:///{tmp_path / 'keel.db'}")
        yield s
        s.close()
        return
    pg: PgServer = request.getfixturevalue("pg")
    name = pg.create_database()
    s = Store.open(pg.url(name))
    try:
        yield s
    finally:
        s.close()
        pg.drop_database(name)


async def test_positional_rows_store_what_the_same_rows_by_name_store(any_store: Store) -> None:
    writer = any_store.writer
    named, positional = insert(audit_log), insert(audit_log)
    writer.positional(positional, COLUMNS)
    rows = [record("x", i) for i in range(1, 8)]

    writer.submit_many(named, [dict(zip(COLUMNS, r, strict=True)) for r in rows])
    writer.submit_many(positional, [record("p", i) for i in range(1, 5)])
    writer.submit(positional, record("p", 5))  # one row on its own: a tuple too
    writer.submit_many(positional, [record("p", i) for i in range(6, 8)])
    writer.submit_many(positional, [])  # nothing to write: nothing queued
    await writer.flush()

    as_named = stored(any_store, "x")
    as_positional = stored(any_store, "p")
    assert [r[1:] for r in as_positional] == [r[1:] for r in as_named]
    assert [r[1:] for r in as_named] == [r[1:] for r in rows]
    # Every row counts as a write, however many a submit_many queued at once.
    assert writer.writes == 7 + 7 + 1  # and the flush marker


@pytest.mark.parametrize(
    "columns",
    [
        ("id", "tenant", "time", "kind", "actor", "run_id", "payload", "prev_hash", "hash"),
        (*COLUMNS, "extra"),
        ("tenant", "id", "time", "kind", "actor", "run_id", "payload", "prev_hash", "hash", "id"),
    ],
    ids=["reordered", "unknown", "repeated"],
)
def test_columns_that_do_not_match_the_statement_are_refused_at_registration(
    any_store: Store, columns: tuple[str, ...]
) -> None:
    stmt = insert(audit_log)
    with pytest.raises(UserError, match="do not match the statement's parameters"):
        any_store.writer.positional(stmt, columns)
    # Not registered: the statement still takes rows by name.
    any_store.writer.submit(stmt, dict(zip(COLUMNS, record("t", 1), strict=True)))
    asyncio.run(any_store.writer.flush())
    assert len(stored(any_store, "t")) == 1


async def test_a_failing_positional_group_is_replayed_and_the_good_writes_commit(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'keel.db'}")
    try:
        writer = store.writer
        stmt = insert(audit_log)
        writer.positional(stmt, COLUMNS)
        writer.submit_many(stmt, [record("t", 1)])
        await writer.flush()
        named = insert(audit_log)

        with write_locked(store), caplog.at_level(logging.ERROR, logger="keel.store.writer"):
            # Everything piles up behind the lock, then commits in one group, which fails
            # on the duplicate (t, 1) and is replayed one row at a time.
            before = writer.submit(stmt, record("t", 2), wait=True)
            writer.submit_many(stmt, [record("t", 3), record("t", 1), record("t", 4)])
            after = writer.submit(named, dict(zip(COLUMNS, record("u", 1), strict=True)), wait=True)
        assert before is not None
        assert after is not None
        assert await asyncio.gather(before, after) == [None, None]
        await writer.flush()

        assert [r[1] for r in stored(store, "t")] == [1, 2, 3, 4]
        assert stored(store, "t")[0] == record("t", 1)
        assert any("store write failed" in r.getMessage() for r in caplog.records)
        assert stored(store, "u") == [record("u", 1)]
    finally:
        store.close()


async def test_waited_submit_many_resolves_at_commit_and_carries_a_failure(
    any_store: Store,
) -> None:
    writer = any_store.writer
    positional, named = insert(audit_log), insert(audit_log)
    writer.positional(positional, COLUMNS)

    done = writer.submit_many(positional, [record("w", 1), record("w", 2)], wait=True)
    by_name = writer.submit_many(
        named, [dict(zip(COLUMNS, record("n", i), strict=True)) for i in (1, 2)], wait=True
    )
    assert done is not None
    assert by_name is not None
    await asyncio.gather(done, by_name)
    # Resolved means committed: visible to another connection, nothing else awaited.
    assert [r[1] for r in stored(any_store, "w")] == [1, 2]
    assert [r[1] for r in stored(any_store, "n")] == [1, 2]

    # A duplicate fails its own submission only; its neighbour in the group commits.
    failing = writer.submit_many(positional, [record("w", 3), record("w", 1)], wait=True)
    fine = writer.submit_many(named, [dict(zip(COLUMNS, record("n", 3), strict=True))], wait=True)
    assert failing is not None
    assert fine is not None
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await failing
    await fine
    assert [r[1] for r in stored(any_store, "w")] == [1, 2, 3]
    assert [r[1] for r in stored(any_store, "n")] == [1, 2, 3]

    empty = writer.submit_many(positional, [], wait=True)
    assert empty is not None
    assert await empty == []
