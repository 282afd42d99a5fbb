"""Alembic environment for Keel's store.

Keel runs migrations programmatically (``keel.store.migrate``), handing Alembic an
open connection through ``config.attributes["connection"]``; the same scripts run on
SQLite and Postgres.
"""

from __future__ import annotations

from alembic import context

from keel.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when the alembic CLI is used directly
    raise RuntimeError("run Keel migrations through keel.store.database.upgrade()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
