"""Fixtures shared by the tests: a SQLite store on ``tmp_path``, engines over it, and one
throwaway PostgreSQL server for the whole session (``pg``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from keel.engine import LocalEngine
from keel.store import RunRecord, Store
from pg_server import PgServer, PgUnavailable


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A migrated store in a fresh SQLite file, closed (writer drained) after the test."""
    s = Store.open(f"sqlite:///{tmp_path / 'keel.db'}")
    yield s
    s.close()


@pytest.fixture(params=["memory", "durable"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[LocalEngine]:
    """``LocalEngine()`` in memory, then ``LocalEngine(store)`` journaling to SQLite."""
    if request.param == "memory":
        yield LocalEngine()
        return
    s = Store.open(f"sqlite:///{tmp_path / 'engine.db'}")
    e = LocalEngine(s)
    yield e
    await e.close()
    s.close()


@pytest.fixture
def persisted(engine: LocalEngine) -> Callable[[RunRecord], RunRecord]:
    """The run as the engine's store holds it; in memory mode, the record itself."""

    def get(rec: RunRecord) -> RunRecord:
        if engine.store is None:
            return rec
        got = engine.store.runs.get(rec.id)
        assert got is not None, f"run {rec.id} is not in the store"
        return got

    return get


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    """A throwaway PostgreSQL cluster (tests/pg_server.py); fails, never skips, without one."""
    try:
        server = PgServer.start()
    except PgUnavailable as e:
        missing = str(e)
    else:
        missing = ""
    if missing:  # fail outside the except: the message alone, without a traceback chain
        pytest.fail(missing, pytrace=False)
    with server:
        yield server
