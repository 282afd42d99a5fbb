"""The group writer: order kept, writes committed in groups, one bad write fails alone.

To make grouping deterministic, a second SQLite connection holds the write lock while
writes are submitted: the writer blocks on its first group, the rest pile up behind it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.exc import IntegrityError
from sqlite_lock import write_locked

from keel.store import GroupWriter, Store
from keel.store import writer as writer_module
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


def outcome(**values: Any) -> dict[str, Any]:
    """What ``finish_run`` records: every column it sets."""
    out: dict[str, Any] = {
        "status": "completed",
        "output": '"ok"',
        "error_code": None,
        "error_message": None,
        "model_used": "m",
        "fallbacks": None,
        "flags": None,
        "steps": 1,
        "input_tokens": 3,
        "output_tokens": 4,
        "cost_usd": 0.0,
        "decisions": None,
        "updated_at": 3.0,
        "finished_at": 3.0,
    }
    out.update(values)
    return out


def unfinished_row(run_id: str) -> dict[str, Any]:
    """A new run's row with every column ``finish_run`` sets (so it can be amended)."""
    row = run_row(run_id)
    return row | {k: None for k in outcome() if k not in row}


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


def committed(store: Store, run_id: str) -> sqlite3.Row | None:
    """The run's row as another connection sees it (committed data only)."""
    path = store.engine.url.database
    assert path is not None
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        row: sqlite3.Row | None = conn.execute(
            "select * from runs where id = ?", (run_id,)
        ).fetchone()
        return row
    finally:
        conn.close()


async def test_an_unwaited_write_from_an_event_loop_commits_without_a_waited_one(
    store: Store,
) -> None:
    # Not announced to the writer thread: the loop's timer commits it on the loop, so
    # the thread never competes with the loop for the GIL (issue 6).
    store.runs.insert_run(run_row("alone"))
    deadline = asyncio.get_running_loop().time() + 5
    while committed(store, "alone") is None:
        assert asyncio.get_running_loop().time() < deadline, "never committed"
        await asyncio.sleep(0.005)

    counts = store.writer.counts
    assert (counts.inline_commits, counts.thread_commits, counts.thread_wakeups) == (1, 0, 0)


async def test_a_loop_that_finds_the_connection_taken_commits_once_it_is_free(
    store: Store,
) -> None:
    # Another committer of the process (here: the test) holds the connection; the
    # waited write is not handed to the writer thread but committed on its own loop
    # when the connection is free, so its future needs no hand-off between threads.
    writer, loop = store.writer, asyncio.get_running_loop()
    await writer.flush()
    assert writer._conn_lock.acquire(blocking=False)
    loop.call_later(0.02, writer._conn_lock.release)
    done = writer.submit(insert(runs), run_row("r1"), wait=True)
    assert done is not None
    await done

    counts = writer.counts
    assert counts.inline_busy >= 1
    assert (counts.thread_commits, counts.handoffs) == (0, 0)
    assert ids(store) == {"r1"}


async def _waited(writer: GroupWriter, run_id: str) -> None:
    done = writer.submit(insert(runs), run_row(run_id), wait=True)
    assert done is not None
    await done


async def test_a_waited_write_from_a_background_loop_is_committed_by_the_serving_loop(
    store: Store,
) -> None:
    # The audit checkpointer waits for its writes on a loop of its own thread: the loop
    # that commits inline (the server's) commits them too, and tells that loop.
    writer = store.writer
    await _waited(writer, "r0")  # this loop now commits inline for the process
    inline = writer.counts.inline_commits

    async def background() -> None:
        await _waited(writer, "bg")

    await asyncio.to_thread(asyncio.run, background())

    counts = writer.counts
    assert counts.inline_commits == inline + 1
    assert (counts.handoffs, counts.handed_off, counts.thread_commits) == (1, 1, 0)
    assert ids(store) == {"r0", "bg"}


async def test_a_serving_loop_blocked_on_a_background_waiter_is_not_waited_for(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server's loop may block on the very thread that waits for a write (a shutdown
    # joins the audit checkpointer): after DELEGATED_S that thread commits it itself.
    monkeypatch.setattr(writer_module, "DELEGATED_S", 0.05)
    writer = store.writer
    await _waited(writer, "r0")

    async def background() -> None:
        await _waited(writer, "bg")

    started = time.monotonic()
    waiter = threading.Thread(target=asyncio.run, args=(background(),))
    waiter.start()
    waiter.join(timeout=10)  # blocks this loop, as Store.close does

    assert not waiter.is_alive(), "the background write was never committed"
    assert time.monotonic() - started < 5
    assert ids(store) == {"r0", "bg"}


def test_an_unwaited_write_whose_loop_stopped_still_commits(store: Store) -> None:
    async def submit() -> None:
        store.runs.insert_run(run_row("orphan"))

    # The loop is closed at once, before its timer can fire: the writer thread's poll
    # finds the write.
    asyncio.run(submit())
    deadline = time.monotonic() + 5
    while committed(store, "orphan") is None:
        assert time.monotonic() < deadline, "never committed"
        time.sleep(0.01)


async def test_a_finished_run_still_queued_is_one_insert(store: Store) -> None:
    repo, writer = store.runs, store.writer
    with write_locked(store):  # nothing commits until the end of the block
        queued = repo.insert_run(unfinished_row("r1"))
        repo.journal_step(
            "r1",
            1,
            kind="model",
            state="completed",
            name="m",
            payload="{}",
            started_at=1.0,
            finished_at=2.0,
        )
        done = repo.finish_run("r1", outcome(), inserted=queued)
        assert done is not None
    await done

    assert (writer.writes, writer.commits) == (2, 1)  # the insert, amended; the step
    rec = repo.get("r1")
    assert rec is not None
    assert (rec.status, rec.output, rec.finished_at) == ("completed", "ok", 3.0)
    assert [s.step for s in repo.steps("r1")] == [1]


async def test_a_run_committed_before_it_finished_is_updated(store: Store) -> None:
    repo, writer = store.runs, store.writer
    queued = repo.insert_run(unfinished_row("r1"))
    await writer.flush()  # the insert is committed: too late to amend it
    done = repo.finish_run("r1", outcome(), inserted=queued)
    assert done is not None
    await done

    assert writer.writes == 3  # the insert, the flush marker, then an update
    rec = repo.get("r1")
    assert rec is not None
    assert (rec.status, rec.output, rec.finished_at) == ("completed", "ok", 3.0)


async def test_an_amendment_naming_other_columns_is_an_update(store: Store) -> None:
    repo, writer = store.runs, store.writer
    with write_locked(store):
        queued = repo.insert_run(run_row("r1"))  # has no 'output' column to amend
        done = repo.finish_run("r1", outcome(status="failed"), inserted=queued)
        assert done is not None
    await done

    assert writer.writes == 2
    rec = repo.get("r1")
    assert rec is not None
    assert rec.status == "failed"


async def test_an_amended_insert_that_fails_fails_the_finish(store: Store) -> None:
    repo = store.runs
    repo.insert_run(run_row("dup"))
    await store.writer.flush()
    queued = repo.insert_run(unfinished_row("dup"))
    done = repo.finish_run("dup", outcome(), inserted=queued)
    assert done is not None

    with pytest.raises(IntegrityError):
        await done


def test_the_wal_is_checkpointed_by_the_writer_thread(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "CHECKPOINT_WRITES", 20)
    path = Path(store.engine.url.database or "")
    before = path.stat().st_size
    for i in range(40):
        store.runs.insert_run(run_row(f"r{i:02}"))
        asyncio.run(store.writer.flush())

    # The rows reach the database file itself only through a checkpoint; the writer's
    # own automatic one is set far higher than this.
    deadline = time.monotonic() + 5
    while path.stat().st_size == before:
        assert time.monotonic() < deadline, "the WAL was never checkpointed"
        time.sleep(0.01)
    raw: Any = store.writer._raw()
    assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == (
        writer_module.AUTOCHECKPOINT_PAGES
    )


async def test_waited_writes_of_one_turn_of_the_loop_share_one_commit(store: Store) -> None:
    # Runs that end in the same turn of the event loop commit in one transaction, on the
    # loop, once its ready callbacks have run; committed at once, each was a transaction
    # of its own (issue 6: one commit per API run at any load).
    writer, stmt = store.writer, insert(runs)
    await writer.flush()
    before = writer.commits
    waited = [writer.submit(stmt, run_row(f"r{i:02}"), wait=True) for i in range(20)]
    assert not any(fut is None or fut.done() for fut in waited)

    await asyncio.gather(*[fut for fut in waited if fut is not None])

    assert writer.commits == before + 1
    assert len(ids(store)) == 20
