"""The audit log, its signed checkpoints and forwarder cursors; append-only guards.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from keel.store.schema import (
    AUDIT_GUARDED,
    POSTGRES_GUARD_FUNCTION,
    audit_guard_ddl,
    audit_guard_name,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PURGES = sa.text("kind = 'audit.purge'")


def upgrade() -> None:
    # audit_log first: it is the table people (and checks) find first by name.
    op.create_table(
        "audit_log",
        sa.Column("tenant", sa.String(128), primary_key=True),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("time", sa.Float, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("run_id", sa.String(40), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_audit_log_purges",
        "audit_log",
        ["tenant", "id"],
        sqlite_where=_PURGES,
        postgresql_where=_PURGES,
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("tree_size", sa.Integer, nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("time", sa.Float, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("frontier", sa.Text, nullable=False),
        sa.UniqueConstraint("tenant", "tree_size", name="uq_audit_checkpoints_size"),
    )
    op.create_table(
        "audit_cursors",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("tenant", sa.String(128), primary_key=True),
        sa.Column("last_id", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(POSTGRES_GUARD_FUNCTION)
    for table in AUDIT_GUARDED:
        for operation in ("UPDATE", "DELETE"):
            for statement in audit_guard_ddl(dialect, table, operation):
                op.execute(statement)
    if dialect == "postgresql":
        for table in AUDIT_GUARDED:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION keel_audit_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in AUDIT_GUARDED:
        for operation in ("UPDATE", "DELETE"):
            if dialect == "postgresql":
                op.execute(
                    f"DROP TRIGGER IF EXISTS {audit_guard_name(table, operation)} ON {table}"
                )
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {audit_guard_name(table, operation)}")
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS keel_audit_append_only()")
    op.drop_table("audit_cursors")
    op.drop_table("audit_checkpoints")
    op.drop_index("ix_audit_log_purges", table_name="audit_log")
    op.drop_table("audit_log")
