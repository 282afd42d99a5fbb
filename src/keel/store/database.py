"""Opening a store: engine, connection settings, migrations, the group writer.

``Store.open("sqlite:///path/keel.db")`` is the embedded default; a Postgres URL
(``postgresql://`` or ``postgresql+psycopg://``, driver from the ``postgres`` extra)
uses the same tables and migrations. SQLite runs in WAL mode so readers never wait
for the writer, with ``synchronous=NORMAL`` (durable across process crashes; a power
loss may lose the last commits, never corrupt the file).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from keel.errors import ConfigError
from keel.store.runs import RunRepository
from keel.store.writer import GroupWriter

_MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op (one query) when it is current."""
    cfg = _alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    from alembic import command

    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """The database behind one Keel process: repositories over one engine.

    Writes on the run path go through ``writer`` (group commit); reads and
    administrative writes (purge) use pooled connections.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writer = GroupWriter(engine)
        self.runs = RunRepository(engine, self.writer)
        self._on_close: list[Callable[[], None]] = []

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        u = make_url(url)
        kwargs: dict[str, Any] = {}
        if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        if u.drivername == "postgresql":
            # psycopg 3 (the ``postgres`` extra), not SQLAlchemy's default, psycopg2.
            u = u.set(drivername="postgresql+psycopg")
        try:
            engine = create_engine(u, **kwargs)
        except ModuleNotFoundError as e:
            raise ConfigError(
                f"the database driver for {u.drivername!r} is not installed ({e.name}): "
                "for Postgres use a postgresql:// or postgresql+psycopg:// URL and "
                "pip install 'keel[postgres]'"
            ) from None
        if u.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        if migrate:
            upgrade(engine)
        return cls(engine)

    @property
    def location(self) -> str:
        """Where the data lives, for people: a file path or a URL without password."""
        u = self.engine.url
        if u.get_backend_name() == "sqlite":
            return str(Path(u.database or "").resolve())
        return u.render_as_string(hide_password=True)

    def on_close(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` at ``close``, newest first, while the writer still accepts writes.

        Packages layered on the store (the audit log's final checkpoint) use it, so the
        store need not know about them.
        """
        self._on_close.append(callback)

    def close(self) -> None:
        while self._on_close:
            self._on_close.pop()()
        self.writer.close()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
