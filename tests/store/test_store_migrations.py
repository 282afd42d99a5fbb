"""Opening a store: migrations on a fresh file, and again on a current one."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

import keel.store
from keel.store import Store, upgrade

MIGRATIONS = Path(keel.store.__file__).parent / "migrations"
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_migrations_create_the_tables_on_a_fresh_file(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "dir" / "keel.db"

    with Store.open(f"sqlite:///{db}") as store:
        tables = set(inspect(store.engine).get_table_names())
        assert {"runs", "run_steps", "sessions", "alembic_version"} <= tables
        indexes = {i["name"] for i in inspect(store.engine).get_indexes("runs")}
        assert {"ix_runs_status", "ix_runs_created_at", "ix_runs_session"} <= indexes
        assert store.location == str(db.resolve())

    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_migrating_again_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keel.db'}"
    with Store.open(url) as store:
        store.runs.purge(finished_before=0)  # the tables are usable
    engine = create_engine(url)
    try:
        upgrade(engine)
        upgrade(engine)
        with engine.connect() as conn:
            versions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        assert versions == [(HEAD,)]
    finally:
        engine.dispose()
    with Store.open(url) as store:
        assert store.runs.count_by_status() == {}


def test_open_without_migrating_leaves_the_file_empty(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'keel.db'}", migrate=False) as store:
        assert inspect(store.engine).get_table_names() == []


def test_the_migrations_build_exactly_the_declared_schema(tmp_path: Path) -> None:
    # schema.py (what the code queries) and the migrations (what databases get) must
    # never drift: autogenerate finds no difference between them.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from keel.store.schema import metadata

    with Store.open(f"sqlite:///{tmp_path / 'k.db'}") as store, store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
