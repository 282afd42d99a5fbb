"""The group writer: order kept, writes committed in groups, one bad write fails alone.

To make grouping deterministic, a second SQLite connection holds the write lock while
writes are submitted: the writer blocks on its first group, the rest pile up behind it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.exc import IntegrityError

from keel.store import GroupWriter, Store
from keel.store.schema import runs


def run_row(run_id: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": run_id,
        "agent": "desk",
        "agent_version": "1.0.0",
        "agent_hash": "sha256:0",
        "prompt_version": "1",
        "spec_path": None,
        "tenant": None,
        "session_id": None,
        "status": "running",
        "input": '"hi"',
        "steps": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cost_usd": 0.0,
        "owner": None,
        "created_at": 1.0,
        "updated_at": 1.0,
    }
    row.update(values)
    return row


@contextmanager
def write_locked(store: Store) -> Iterator[None]:
    """Hold SQLite's write lock from another connection until the block ends."""
    path = store.engine.url.database
    assert path is not None
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def ids(store: Store) -> set[str]:
    return {r.id for r in store.runs.recent(limit=1000)}


async def test_writes_commit_in_submission_order(store: Store) -> None:
    repo = store.runs
    repo.insert_run(run_row("r1"))
    for i in range(50):
        repo.journal_step(
            "r1",
            i,
            kind="tool",
            state="started",
            name="t",
            payload="{}",
            started_at=float(i),
            finished_at=None,
        )
        repo.set_status("r1", "running", owner=f"owner-{i}", now=float(i))
        # Only lands if the insert just before it already committed.
        repo.complete_step("r1", i, payload=json.dumps({"n": i}), finished_at=float(i) + 0.5)
    await store.writer.flush()

    steps = repo.steps("r1")
    assert [s.step for s in steps] == list(range(50))
    assert {s.state for s in steps} == {"completed"}
    assert [s.payload["n"] for s in steps] == list(range(50))
    rec = repo.get("r1")
    assert rec is not None
    assert (rec.owner, rec.updated_at) == ("owner-49", 49.0)


async def test_concurrent_writes_are_committed_in_groups(store: Store) -> None:
    writer = store.writer
    stmt = insert(runs)

    async def write(i: int) -> None:
        fut = writer.submit(stmt, run_row(f"r{i:03}"), wait=True)
        assert fut is not None
        await fut

    with write_locked(store):
        tasks = [asyncio.create_task(write(i)) for i in range(200)]
        await asyncio.sleep(0)  # every task has submitted; the writer is stuck on the lock
    await asyncio.gather(*tasks)

    assert len(ids(store)) == 200
    assert writer.writes == 200
    assert writer.commits <= 2  # the group it was stuck on, and everything queued behind


async def test_a_failing_write_fails_only_its_own_future(store: Store) -> None:
    writer = store.writer
    stmt = insert(runs)
    first = writer.submit(stmt, run_row("dup"), wait=True)
    assert first is not None
    await first

    with write_locked(store):
        futures = [
            writer.submit(stmt, run_row("before"), wait=True),
            writer.submit(stmt, run_row("dup"), wait=True),  # duplicate primary key
            writer.submit(stmt, run_row("after"), wait=True),
        ]
    results = await asyncio.gather(*futures, return_exceptions=True)

    assert results[0] is None
    assert isinstance(results[1], IntegrityError)
    assert results[2] is None
    assert ids(store) == {"dup", "before", "after"}
    # The writer keeps going after a failure.
    store.runs.insert_run(run_row("later"))
    await writer.flush()
    assert "later" in ids(store)


async def test_a_failing_write_nobody_waits_for_is_logged(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.runs.insert_run(run_row("dup"))
    store.runs.insert_run(run_row("dup"))
    store.runs.insert_run(run_row("next"))
    with caplog.at_level(logging.ERROR, logger="keel.store.writer"):
        await store.writer.flush()

    assert ids(store) == {"dup", "next"}
    assert any("store write failed" in r.getMessage() for r in caplog.records)


async def test_flush_waits_for_everything_submitted(store: Store) -> None:
    for i in range(20):
        store.runs.insert_run(run_row(f"r{i}"))

    await store.writer.flush()

    assert len(ids(store)) == 20


async def test_flush_before_any_write_returns(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    writer = GroupWriter(engine)
    try:
        await writer.flush()
        assert (writer.commits, writer.writes) == (0, 0)
    finally:
        writer.close()
        engine.dispose()


def test_close_drains_the_queue_then_refuses_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keel.db'}"
    store = Store.open(url)
    for i in range(10):
        store.runs.insert_run(run_row(f"r{i}"))
    store.close()
    store.close()  # closing twice is harmless

    with pytest.raises(RuntimeError, match="writer is closed"):
        store.runs.insert_run(run_row("late"))
    with Store.open(url) as reopened:
        assert len(ids(reopened)) == 10
