"""Postgres audit guards name themselves: the error says which trigger refused.

Only the trigger function changes (``CREATE OR REPLACE``); the triggers of 0002 stay.
SQLite's guards are untouched: nothing to do there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

from keel.store.schema import POSTGRES_GUARD_FUNCTION

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The function as 0002 created it.
_BEFORE = """
CREATE OR REPLACE FUNCTION keel_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_GUARD_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_BEFORE)
