"""Record on each run who it acts for (so a resumed run is governed as the original)
and the policy decisions taken on it, with their bundle hashes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("principal", sa.Text, nullable=True))
        batch.add_column(sa.Column("decisions", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("decisions")
        batch.drop_column("principal")
