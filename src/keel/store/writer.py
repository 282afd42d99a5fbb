"""One writer connection fed by a queue, committing in groups.

SQLite allows one writer at a time; rather than let every coroutine fight for the
lock, all writes of a process go through one thread that drains its queue and
commits everything it found in a single transaction (group commit). Under load a
transaction carries hundreds of writes; alone, a write still commits in tens of
microseconds (WAL, ``synchronous=NORMAL``).

Callers choose per write whether to wait for its commit. The loop waits only where
durability matters before the world changes: before a tool's side effect, and
before a run's result is returned. Order is preserved: a write never commits
before one submitted earlier.

On a server the event loop is the committer, and the writer thread a fallback: a
commit by the thread while the loop computes waits for the GIL at each of its
statements (up to ``sys.getswitchinterval()``, 5 ms, each), and every waited write
that finds the connection taken meanwhile waits for it, then for a hand-off back to
its loop (issue 6, measured at 500 runs/s on a shared machine: thread commits of
~8 ms, 0.6 waited writes per run settled through them, p50 up to ~20 ms instead of
~2 ms). So:

- a waited write is committed by its loop once the loop has run the callbacks that
  are ready (``GroupWriter._commit_soon``); one nobody waits for, by its loop's timer
  after ``GRACE_S`` if no waited write has committed it by then (``_due``);
- a loop that finds the connection taken by another committer tries again shortly,
  and claims the rest meanwhile, rather than hand its writes to the thread;
- writes waited for on a background thread's loop (the audit checkpointer's) are
  committed by the loop that commits for the process while it runs (the server's),
  after ``DELEGATED_S`` by their own if that one is blocked;
- the writer thread commits only what no running loop will: writes from threads
  without a loop, a loop that stopped, a queue at ``max_batch``, a database locked
  by another process (the thread may wait for it, a loop must not), and ``close``.

SQLite's WAL is checkpointed by the writer thread on a connection of its own
(``PASSIVE``: commits go on meanwhile), not by the commit that happens to cross the
threshold (an automatic checkpoint copies ~1000 pages and syncs the file: 0.1–0.2 ms
of every run's latency, amortised).

A statement may have a *preparer* (``GroupWriter.prepare``): it sees that
statement's rows inside the write transaction, just before they are executed, and
may rewrite them from what the database holds then. The audit log uses it to chain
its records onto the head another process may have moved.

A statement may be *positional* (``GroupWriter.positional``): its rows are tuples in
a declared column order, sent to SQLite's driver as they are (no dict per row, no
conversion at commit), and a ``submit_many`` of it queues one write for all its rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, cast

from sqlalchemy import Connection, Engine, Executable
from sqlalchemy.exc import DBAPIError, IntegrityError

from keel.store._compiled import CompiledStatements
from keel.store._writes import Prepare, Preparer, QueuedWrite, Row, WriterCounts
from keel.store._writes import Write as _Write

__all__ = ["GroupWriter", "Prepare", "Preparer", "QueuedWrite", "Row", "WriterCounts"]

log = logging.getLogger(__name__)

# What an inline commit attempt did (``GroupWriter._commit_inline``).
_Inline = Literal["committed", "busy", "locked", "off"]

# How many times a failed group whose statements have a preparer is tried again,
# checked, before its writes are replayed one by one. On SQLite the first checked
# attempt holds the write lock while it reads, so it cannot race; on Postgres
# another writer can, and the next attempt reads again.
CHECKED_ATTEMPTS = 3

# How long unwaited writes are left for a waited write's commit before their loop's
# timer commits them (or, from a thread without a loop, the writer thread does).
GRACE_S = 0.002
# How long a waited write whose commit was handed to another event loop waits for it
# before its own loop commits it (that loop may be blocked on the waiter's thread).
DELEGATED_S = 0.25
# How soon an event loop that found the connection taken by another committer of this
# process tries again (doubling each time, up to ``RETRY_MAX_S``), and for how long
# before it hands over to the writer thread.
RETRY_S = 0.0005
RETRY_MAX_S = 0.005
RETRY_FOR_S = 1.0
# How often an idle writer thread looks for unwaited writes whose event loop stopped
# before its timer handed them over.
POLL_S = 0.1
# Rows committed between two WAL checkpoints by the writer thread (about the pages of
# SQLite's own automatic checkpoint), and the automatic one left on the writer's
# connection as a backstop, should the writer thread fall behind (pages).
CHECKPOINT_WRITES = 1000
AUTOCHECKPOINT_PAGES = 10_000
# How long the writer thread waits for SQLite's write lock (matches the store's pragma).
BUSY_TIMEOUT_MS = 10_000


class GroupWriter:
    """Serialises writes onto one connection and commits them in groups.

    ``submit`` is thread-safe and never blocks on the database. ``close`` drains the
    queue, so nothing submitted before it is lost.

    Committers share the connection, one at a time (``_conn_lock``): an event loop,
    on its own thread, which commits everything pending (see the module docstring
    for when), and the writer thread, for what no running loop will commit. A batch
    is taken from the queue only while holding the connection, so batches commit in
    the order they were taken. ``counts`` says who committed what.
    """

    def __init__(self, engine: Engine, *, max_batch: int = 2048) -> None:
        self._engine = engine
        # On SQLite, statements are compiled once and sent with the driver's
        # executemany: SQLAlchemy's per-execute bookkeeping costs more than the
        # insert itself on this path (measured: ~0.37 -> ~0.12 ms of writer time/run).
        self._qmark = engine.dialect.paramstyle == "qmark"
        self._compiled = CompiledStatements(engine.dialect)
        self._preparers: dict[int, tuple[Executable, Preparer]] = {}
        # Positional statements: their columns, and their SQL on SQLite.
        self._positional: dict[int, tuple[Executable, tuple[str, ...], str]] = {}
        self._max_batch = max_batch
        self._pending: list[_Write] = []
        # Held with ``with self._lock`` (C), not the condition (a Python frame per
        # enter and exit, on every write submitted); ``_cond`` waits and notifies.
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._conn_lock = threading.Lock()
        self._conn: Connection | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._stopping = False
        # Set when the writer thread must not wait out its grace period: a waited
        # write could not be committed inline, the queue is long, or it is closing.
        self._urgent = False
        # Set when a write came from a thread with no event loop: the writer thread
        # commits it after the grace period.
        self._soon = False
        # Writes submitted and taken into a batch so far: the write numbered
        # ``_taken + 1`` is the oldest pending one.
        self._submitted = 0
        self._taken = 0
        # The event loop whose timer will hand pending writes over (see ``_due``).
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        # The event loop that will commit pending writes inline (see ``_commit_soon``),
        # and the one that commits waited writes for every loop while it runs.
        self._inline_loop: asyncio.AbstractEventLoop | None = None
        self._home: asyncio.AbstractEventLoop | None = None
        # WAL checkpoints by the writer thread (SQLite files only).
        self._checkpoints = self._qmark and engine.url.database not in (None, "", ":memory:")
        self._unchecked = 0
        self._checkpoint_due = False
        self.commits = 0
        self.writes = 0
        self.counts = WriterCounts()

    def submit(
        self, statement: Executable, params: Row, *, wait: bool = False
    ) -> asyncio.Future[None] | None:
        """Queue one write. With ``wait`` returns a future resolved after its commit.

        The future carries the write's exception if it failed. Writes not waited on
        that fail are logged; they are never silently dropped.
        """
        if not wait:
            self._enqueue(_Write(statement, params, None, None))
            return None
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._enqueue(_Write(statement, params, fut, loop))
        self._commit_soon(loop)
        return fut

    def submit_amendable(self, statement: Executable, params: Mapping[str, Any]) -> QueuedWrite:
        """Queue one write nobody waits for yet, which ``amend`` may still change."""
        write = _Write(statement, params, None, None)
        self._enqueue(write)
        return QueuedWrite(write)

    def amend(self, queued: QueuedWrite, params: Mapping[str, Any]) -> asyncio.Future[None] | None:
        """Give a queued write new parameters, and a future resolved after its commit.

        A run's row is inserted when it starts and updated when it ends; when both
        happen before any commit, one insert of the final row does the work of two
        statements. Returns ``None``, changing nothing, when the write can no longer
        be amended: it was taken into a group already; ``params`` names other columns;
        or the writes queued after it might not all commit in its group — amended, it
        stands for a change submitted last, so it must not commit before them. The
        caller then submits its change as a write of its own.
        """
        write = queued._write
        if params.keys() != queued.params.keys():
            return None
        loop = asyncio.get_running_loop()
        with self._lock:
            if (
                write.seq <= self._taken
                or write.future is not None
                or self._submitted - self._taken > self._max_batch
            ):
                return None
            fut: asyncio.Future[None] = loop.create_future()
            write.params, write.future, write.loop = params, fut, loop
        self._commit_soon(loop)
        return fut

    def submit_many(
        self, statement: Executable, rows: Sequence[Row], *, wait: bool = False
    ) -> asyncio.Future[Any] | None:
        """Queue several writes of one statement, back to back.

        Rows of a positional statement are tuples, queued as one write (a failed group
        still replays them one by one). With ``wait`` (on an event loop) returns a
        future resolved once every row is committed, carrying the first failure.
        """
        if wait:
            return self._submit_many_waited(statement, rows)
        with self._lock:
            if self._closed:
                raise RuntimeError("the store writer is closed")
            if id(statement) in self._positional:
                if rows:
                    self._add(_Write(statement, list(rows), None, None))
                return None
            pending, seq = self._pending, self._submitted
            for row in rows:
                seq += 1
                pending.append(_Write(statement, row, None, None, seq))
            self._submitted = seq
            self._queued(unwaited=True)
        return None

    def _submit_many_waited(
        self, statement: Executable, rows: Sequence[Row]
    ) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        if not rows:
            writes = []
        elif id(statement) in self._positional:
            writes = [_Write(statement, list(rows), loop.create_future(), loop)]
        else:
            writes = [_Write(statement, row, loop.create_future(), loop) for row in rows]
        with self._lock:
            for write in writes:
                self._add(write)
        self._commit_soon(loop)
        futures = [w.future for w in writes if w.future is not None]
        if len(futures) == 1:
            # Settled with the group's other futures: a caller that awaits this after
            # another write of that group finds it done, with no turn of the loop
            # (``gather`` would settle its own future one callback later).
            return futures[0]
        return asyncio.gather(*futures)

    def prepare(self, statement: Executable, preparer: Preparer) -> None:
        """Have ``preparer`` rewrite ``statement``'s rows in every transaction (see ``Prepare``).

        It runs on the committing thread, one group at a time, and returns the rows to
        execute, in order; an exception it raises fails the group like a failed write.
        Register before submitting the statement; one preparer per statement object.
        """
        self._preparers[id(statement)] = (statement, preparer)

    def positional(self, statement: Executable, columns: tuple[str, ...]) -> None:
        """Take ``statement``'s rows as tuples in ``columns`` order from now on.

        Raises ``UserError`` unless ``columns`` are the statement's parameters in the
        order it compiles to (for an insert: the table's column order). Register
        before submitting the statement; its preparer, if any, sees tuples too.
        """
        sql = self._compiled.positional_sql(statement, columns)
        self._positional[id(statement)] = (statement, columns, sql)

    async def flush(self) -> None:
        """Wait until every write submitted so far is committed."""
        if self._thread is None:
            return
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._enqueue(_Write(_NOOP, {}, fut, loop))
        self._commit_soon(loop)
        await fut

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._stopping = True
            self._urgent = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join()
        self._drain()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _enqueue(self, write: _Write) -> None:
        with self._lock:
            self._add(write)

    def _add(self, write: _Write) -> None:
        """Queue ``write``; hold ``_lock``."""
        if self._closed:
            raise RuntimeError("the store writer is closed")
        self._pending.append(write)
        self._submitted += 1
        write.seq = self._submitted
        self._queued(unwaited=write.future is None)

    def _queued(self, *, unwaited: bool) -> None:
        """After writes were queued: see that they get committed; hold ``_lock``."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="keel-writer", daemon=True)
            self._thread.start()
        if len(self._pending) >= self._max_batch:
            self._urgent = True
            self._cond.notify()
        elif unwaited and not self._soon and not self._timer_armed():
            self._announce()

    def _timer_armed(self) -> bool:
        loop = self._timer_loop
        # The running loop is not closed: no ``is_closed`` call (Python) on every submit.
        return loop is not None and (loop is asyncio._get_running_loop() or not loop.is_closed())

    def _announce(self) -> None:
        """Make sure a pending unwaited write is committed soon; hold ``_lock``.

        From an event loop: its timer checks after ``GRACE_S`` (on the loop's thread,
        so nothing competes for the GIL meanwhile); elsewhere: the writer thread,
        woken now, waits out the grace period itself.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._soon = True
            self._cond.notify()
            return
        self._timer_loop = loop
        loop.call_later(GRACE_S, self._due, self._taken + 1)

    def _due(self, oldest: int) -> None:
        """The timer of ``_announce``: commit write ``oldest`` on this loop if it is still
        pending; if it was committed, watch the oldest pending one instead."""
        with self._lock:
            self._timer_loop = None
            if not self._pending or self._closed:
                return
            if self._taken >= oldest:
                self._announce()
                return
        # Committed here, between two callbacks, rather than by the writer thread: a
        # thread commit on a busy loop waits for the GIL at each of its statements (up to
        # ``sys.getswitchinterval()`` each: ~8 ms a commit, measured at 500 runs/s), and
        # the waited writes of the runs that end meanwhile find the connection taken and
        # wait for it too (issue 6; see the module docstring).
        outcome = self._commit_inline()
        if outcome == "busy":
            with self._lock:  # another committer has the connection: look again later
                if not self._timer_armed():
                    self._announce()
        elif outcome != "committed":
            self._hurry()

    def _commit_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        """Have ``loop`` commit what is pending once it has run the callbacks that are
        ready now (on its own thread, ``_commit_inline``).

        The runs that end in one turn of the loop then share one transaction: committed
        at once, each paid a transaction of its own on the loop (``BEGIN``, the WAL
        frames of every page it touched, ``COMMIT``), one per run even under load. The
        waiter loses nothing: its loop was busy with those callbacks anyway.
        """
        with self._lock:
            home = self._home
            if home is loop or home is None or home.is_closed() or not home.is_running():
                self._home = home = loop
            # A commit already due on that loop takes this write too.
            due, self._inline_loop = self._inline_loop is home, home
            seq = self._submitted
        if home is loop:
            if not due:
                loop.call_soon(self._inline_due, loop)
            return
        # Another loop commits inline in this process (the server's): it commits this
        # write too, and this loop is told through ``call_soon_threadsafe``. Committed
        # here instead, on a background thread's loop (the audit checkpointer's), the
        # group would hold the connection while this thread waits for the GIL at each
        # statement, and the server loop's own waited writes with it (issue 6).
        if not due:
            with contextlib.suppress(RuntimeError):  # closed meanwhile: the fallback commits
                home.call_soon_threadsafe(self._inline_due, home)
        # Should the home loop be blocked (waiting for this very thread: a shutdown joins
        # the audit checkpointer's), commit here.
        loop.call_later(DELEGATED_S, self._delegated_due, seq)

    def _delegated_due(self, seq: int) -> None:
        with self._lock:
            if self._taken >= seq or self._closed:
                return
        if self._commit_inline() != "committed":
            self._hurry()

    def _inline_due(self, loop: asyncio.AbstractEventLoop, waited: float = 0.0) -> None:
        with self._lock:
            if self._inline_loop is loop:
                self._inline_loop = None
            if self._closed:
                return  # ``close`` committed everything
        outcome = self._commit_inline()
        if outcome == "busy" and waited < RETRY_FOR_S:
            # Another committer of this process has the connection for a moment: try
            # again shortly rather than leave these writes to the writer thread, whose
            # commit on a busy loop waits for the GIL (see ``_due``). Claimed meanwhile,
            # so that committer leaves the rest to this loop (``_drain``).
            with self._lock:
                if self._inline_loop is None:
                    self._inline_loop = loop
            delay = min(RETRY_MAX_S, max(RETRY_S, waited))
            loop.call_later(delay, self._inline_due, loop, waited + delay)
        elif outcome != "committed":
            self._hurry()

    def _hurry(self) -> None:
        with self._lock:
            self._urgent = True
            self._cond.notify()

    def _commit_inline(self) -> _Inline:
        """Commit what is pending on the caller's thread, if that cannot block it.

        Only on SQLite, only when no other committer holds the connection ("busy"
        otherwise), and only if the database's write lock is free right now
        ("locked": another process may hold it): the caller's event loop must never
        wait on a lock. Otherwise the writer thread, which may wait, does it.
        """
        if not self._qmark:
            return "off"
        if not self._conn_lock.acquire(blocking=False):
            self.counts.inline_busy += 1
            return "busy"
        started = time.perf_counter()
        try:
            if not self._lock_now():
                self.counts.inline_locked += 1
                return "locked"
            begun = True
            while self._take_and_commit(begun=begun):
                self.counts.inline_commits += 1
                begun = False
            self._end_if_open()
        finally:
            self._conn_lock.release()
        self.counts.inline_commit_s += time.perf_counter() - started
        return "committed"

    def _lock_now(self) -> bool:
        """Open the SQLite write transaction without waiting; False if it is taken."""
        raw = self._raw()
        if raw.in_transaction:
            raw.commit()
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False
        return True

    def _begin_waiting(self, raw: Any) -> None:
        """Open the SQLite write transaction, waiting up to ``BUSY_TIMEOUT_MS`` for it.

        The writer's connection has no busy timeout of its own (so the inline path
        never waits); the writer thread waits here instead, off the event loop.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        delay = 0.001
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    def _raw(self) -> Any:
        if self._conn is None:
            self._conn = self._engine.connect()
            if self._qmark:
                raw: Any = self._conn.connection.driver_connection
                raw.execute("PRAGMA busy_timeout=0")
                if self._checkpoints:
                    raw.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        return self._conn.connection.driver_connection

    def _end_if_open(self) -> None:
        # The inline path opened a transaction before knowing whether anything was
        # left to commit (the writer thread may have taken it meanwhile).
        assert self._conn is not None
        raw: Any = self._conn.connection.driver_connection
        if raw.in_transaction:
            raw.execute("COMMIT")

    def _take_and_commit(self, *, begun: bool = False) -> bool:
        """Commit one batch of what is pending; hold ``_conn_lock``. False if none.

        ``begun``: the SQLite write transaction is already open (inline path).
        """
        with self._lock:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            self._taken += len(batch)
        if not batch:
            return False
        self._raw()
        assert self._conn is not None
        self._commit(self._conn, batch, begun=begun)
        return True

    def _drain(self) -> None:
        with self._conn_lock:
            started = time.perf_counter()
            while self._take_and_commit():
                self.counts.thread_commits += 1
                if self._loop_commits():
                    break  # the rest is that loop's, committed there: no hand-off back
            self.counts.thread_commit_s += time.perf_counter() - started

    def _loop_commits(self) -> bool:
        """Whether a running event loop has an inline commit due (so the writer thread
        may leave pending writes to it); never while closing."""
        loop = self._inline_loop
        return not self._stopping and loop is not None and loop.is_running()

    def _run(self) -> None:
        while True:
            with self._lock:
                drain = self._wait_for_work()
                if self._stopping and not self._pending:
                    return
                checkpoint, self._checkpoint_due = self._checkpoint_due, False
            if drain:
                self.counts.thread_wakeups += 1
                self._drain()
            if checkpoint:
                self._checkpoint()

    def _wait_for_work(self) -> bool:
        """Wait, holding ``_lock``, for something to do; True if pending writes are due."""
        while True:
            if self._urgent or self._stopping:
                self._urgent = self._soon = False
                return True
            if self._soon:
                # Writes nobody waits for can wait a moment: a run usually ends with a
                # waited write that commits them all inline, in one group.
                self._cond.wait(timeout=GRACE_S)
                self._urgent = self._soon = False
                return True
            if self._checkpoint_due:
                return False
            # Pending writes that were pending a whole poll ago: their event loop
            # stopped before its timer committed them. Younger ones are still its own.
            oldest = self._taken + 1 if self._pending else None
            if (
                not self._cond.wait(timeout=POLL_S)
                and oldest
                and self._taken < oldest
                and not self._loop_commits()
            ):
                return True

    def _checkpoint(self) -> None:
        """Copy the WAL into the database without blocking anyone (``PASSIVE``), on a
        pooled connection: committers keep appending to the WAL meanwhile."""
        try:
            conn = self._engine.raw_connection()
            try:
                raw: Any = conn.driver_connection
                raw.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()
        except Exception as e:  # the automatic checkpoint remains as a backstop
            log.warning("WAL checkpoint failed: %s", e)

    def _commit(self, conn: Connection, batch: list[_Write], *, begun: bool = False) -> None:
        errors: dict[int, BaseException] = {}
        try:
            self._transaction(conn, batch, begun=begun)
        except Exception:
            if not self._committed_checked(conn, batch):
                self._replay(conn, batch, errors)
        self.commits += 1
        # Rows, not queued writes: one write of a positional ``submit_many`` holds several.
        written = len(batch) + sum([len(w.params) - 1 for w in batch if type(w.params) is list])
        self.writes += written
        if self._checkpoints:
            self._unchecked += written
            if self._unchecked >= CHECKPOINT_WRITES:
                self._unchecked = 0
                with self._lock:
                    self._checkpoint_due = True
                    self._cond.notify()
        self._resolve(batch, errors)

    def _committed_checked(self, conn: Connection, batch: list[_Write]) -> bool:
        """Try a failed group again with its preparers checking; True once it commits."""
        if not self._preparers or not any(id(w.statement) in self._preparers for w in batch):
            return False
        for _ in range(CHECKED_ATTEMPTS):
            try:
                self._transaction(conn, batch, begun=False, checked=True)
            except IntegrityError:
                continue  # raced by another writer again (Postgres): read again
            except Exception:
                return False
            return True
        return False

    def _replay(
        self, conn: Connection, batch: list[_Write], errors: dict[int, BaseException]
    ) -> None:
        # One bad write must not fail its neighbours: replay the group one by one
        # so each caller learns its own outcome.
        for i, w in enumerate(batch):
            if w.statement is _NOOP:
                continue
            rows = w.params if type(w.params) is list else [w.params]
            for row in rows:
                one = w if len(rows) == 1 else _Write(w.statement, row, None, None)
                try:
                    self._transaction(conn, [one], begun=False, checked=True)
                except Exception as e:
                    errors[i] = e
                    if w.future is None:
                        log.error("store write failed: %s", e)

    def _transaction(
        self, conn: Connection, batch: list[_Write], *, begun: bool, checked: bool = False
    ) -> None:
        after: list[Callable[[], None]] = []
        if not self._qmark:
            with conn.begin():
                for stmt, rows in _groups(batch):
                    if id(stmt) in self._preparers:
                        rows = self._prepared_rows(stmt, rows, checked, after, conn.execute)
                        if not rows:
                            continue
                    positional = self._positional.get(id(stmt))
                    if positional is not None:
                        columns = positional[1]
                        conn.execute(stmt, [dict(zip(columns, r, strict=True)) for r in rows])
                    else:
                        conn.execute(stmt, [dict(cast(Mapping[str, Any], r)) for r in rows])
            _run_all(after)
            return
        # SQLite: one explicit transaction on the driver connection (see __init__ for
        # why), whatever the driver's own implicit-transaction mode is.
        raw: Any = conn.connection.driver_connection
        if not begun:
            if raw.in_transaction:
                raw.commit()
            self._begin_waiting(raw)
        sql = ""
        try:
            for stmt, rows in _groups(batch):
                if id(stmt) in self._preparers:
                    rows = self._prepared_rows(stmt, rows, checked, after, raw.execute)
                    if not rows:
                        continue
                positional = self._positional.get(id(stmt))
                if positional is not None:
                    sql = positional[2]
                    raw.executemany(sql, rows)  # tuples in column order already
                    continue
                named = cast(list[Mapping[str, Any]], rows)
                sql, order = self._compiled.shaped(stmt, named[0])
                raw.executemany(sql, [tuple([row[k] for k in order]) for row in named])
            raw.execute("COMMIT")
        except sqlite3.Error as e:
            raw.execute("ROLLBACK")
            # The same exception types as through SQLAlchemy (IntegrityError...).
            raise DBAPIError.instance(sql, None, e, sqlite3.Error) from e
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        _run_all(after)

    def _prepared_rows(
        self,
        stmt: Executable,
        rows: list[Row],
        checked: bool,
        after: list[Callable[[], None]],
        execute: Callable[..., Any],
    ) -> list[Row]:
        def read(
            query: Executable, params: Mapping[str, Any] | None = None
        ) -> list[tuple[Any, ...]]:
            if not self._qmark:
                return [tuple(r) for r in execute(query, dict(params or {}))]
            sql, bound = self._compiled.read(query, params)
            return [tuple(r) for r in execute(sql, bound).fetchall()]

        preparer = self._preparers[id(stmt)][1]
        return list(preparer(Prepare(rows, checked, read, after)))

    def _resolve(self, batch: list[_Write], errors: dict[int, BaseException]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], Any]]] = {}
        for i, w in enumerate(batch):
            if w.future is not None and w.loop is not None:
                by_loop.setdefault(w.loop, []).append((w.future, errors.get(i)))
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for loop, items in by_loop.items():
            if loop is current:
                # Committed inline, on the waiter's own loop: settle now.
                _settle(items)
                continue
            self.counts.handoffs += 1
            self.counts.handed_off += len(items)
            # A closed loop means its process is shutting down: nobody is left to tell.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, items)


def _groups(batch: list[_Write]) -> list[tuple[Executable, list[Row]]]:
    """Runs of consecutive writes of the same statement, in order (each one
    executemany); ``flush`` markers are dropped."""
    groups: list[tuple[Executable, list[Row]]] = []
    for w in batch:
        if w.statement is _NOOP:
            continue
        if not groups or groups[-1][0] is not w.statement:
            groups.append((w.statement, []))
        params = w.params
        if type(params) is list:
            groups[-1][1].extend(params)
        else:
            groups[-1][1].append(cast(Row, params))
    return groups


def _run_all(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            # The rows are committed; a callback's failure must not make them look failed.
            log.exception("after-commit callback failed")


def _settle(items: list[tuple[asyncio.Future[None], BaseException | None]]) -> None:
    for fut, err in items:
        if fut.done():
            continue
        if err is None:
            fut.set_result(None)
        else:
            fut.set_exception(err)


# Marker statement used by ``flush``: it commits nothing and is never executed.
_NOOP: Any = object()
