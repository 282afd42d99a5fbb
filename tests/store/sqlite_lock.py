"""Holding a SQLite file's write lock from another connection, for the writer tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from keel.store import Store


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
