"""What the group writer queues and hands out: writes, rows, counters, preparers' view.

Kept apart from ``keel.store.writer`` (which re-exports the public names) so that the
writer module holds the committing machinery only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Executable

# A row's parameters: by name, or a tuple in a positional statement's column order.
Row = Mapping[str, Any] | tuple[Any, ...]


@dataclass(slots=True)
class Write:
    statement: Executable
    # A list: all the rows of one ``submit_many`` of a positional statement.
    params: Row | list[Row]
    future: asyncio.Future[None] | None
    loop: asyncio.AbstractEventLoop | None
    # Its number in submission order (see ``GroupWriter.amend``).
    seq: int = 0


@dataclass(slots=True)
class WriterCounts:
    """What a writer has done so far: cheap counters that benchmarks read, since a
    thread hand-off costs latency no single timing shows (issue 6)."""

    # Groups committed on a waiter's event loop thread, and by the writer thread.
    inline_commits: int = 0
    thread_commits: int = 0
    # Inline attempts that found the connection held by the other committer, or
    # SQLite's write lock taken by another connection (the writer thread commits then).
    inline_busy: int = 0
    inline_locked: int = 0
    # Times the writer thread was woken to commit, and batches of futures settled
    # through ``call_soon_threadsafe`` (a wake-up of the waiter's loop each).
    thread_wakeups: int = 0
    handoffs: int = 0
    # Waited writes settled through those hand-offs, and the writer thread's time in
    # its commits (wall clock: GIL waits included).
    handed_off: int = 0
    thread_commit_s: float = 0.0
    # Time the inline commits took on their loops (wall clock).
    inline_commit_s: float = 0.0


class QueuedWrite:
    """A write queued with ``GroupWriter.submit_amendable``: what ``amend`` takes."""

    __slots__ = ("_write",)

    def __init__(self, write: Write) -> None:
        self._write = write

    @property
    def params(self) -> Mapping[str, Any]:
        return cast(Mapping[str, Any], self._write.params)


@dataclass(frozen=True, slots=True)
class Prepare:
    """What a preparer gets: one statement's rows of a group, inside its transaction.

    ``checked`` is False on a group's first attempt and True when the group is tried
    again after failing: a preparer that assumed something cheaply (the audit log
    assumes no other process appended) reads the database this time, with ``read``,
    which runs a SELECT inside the transaction; ``read(query, params)`` binds
    ``params`` to the query's ``bindparam``s, so one query object can be kept and
    reused (compiled once, not at every call). ``after_commit`` takes callbacks run
    once the transaction has committed (never if it rolls back): state a preparer
    derives from the rows it wrote belongs there.
    """

    rows: list[Row]
    checked: bool
    read: Callable[..., list[tuple[Any, ...]]]
    after_commit: list[Callable[[], None]] = field(default_factory=list)


Preparer = Callable[[Prepare], Sequence[Row]]
