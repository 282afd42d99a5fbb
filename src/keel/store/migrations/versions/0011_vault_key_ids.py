"""PII vault key ids: each value records the key that sealed it, so keys can rotate.

Rows written before this revision were sealed under the only key there was,
``vault.key``: key 1, the column's default.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "pii_vault",
        sa.Column("key_id", sa.Integer, nullable=False, server_default=sa.text("1")),
    )
    op.create_index("ix_pii_vault_key", "pii_vault", ["key_id"])


def downgrade() -> None:
    op.drop_index("ix_pii_vault_key", table_name="pii_vault")
    with op.batch_alter_table("pii_vault") as batch:
        batch.drop_column("key_id")
