"""PII token vault: encrypted token values per tenant, purged past their TTL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pii_vault",
        sa.Column("tenant", sa.String(128), primary_key=True),
        sa.Column("handle", sa.String(64), primary_key=True),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_pii_vault_created", "pii_vault", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_pii_vault_created", table_name="pii_vault")
    op.drop_table("pii_vault")
