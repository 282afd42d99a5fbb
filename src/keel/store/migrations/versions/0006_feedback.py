"""Observability: feedback on runs, drift baselines and the alerts they raise.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("run_id", sa.String(40), nullable=True),
        sa.Column("session_id", sa.String(128), nullable=True),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("agent_version", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(128), nullable=True),
        # thumbs | score | correction | rephrase | edit | abandon
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("consent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("validated_by", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_feedback_agent", "feedback", ["agent", "created_at"])
    op.create_index("ix_feedback_run", "feedback", ["run_id"])
    op.create_table(
        "drift_baselines",
        sa.Column("agent", sa.String(63), primary_key=True),
        sa.Column("metric", sa.String(80), primary_key=True),
        sa.Column("mean", sa.Float, nullable=False),
        sa.Column("var", sa.Float, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("metric", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),  # firing | cleared
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("baseline_mean", sa.Float, nullable=False),
        sa.Column("baseline_std", sa.Float, nullable=False),
        sa.Column("sigmas", sa.Float, nullable=False),
        sa.Column("fired_at", sa.Float, nullable=False),
        sa.Column("cleared_at", sa.Float, nullable=True),
    )
    op.create_index("ix_alerts_status", "alerts", ["status", "fired_at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_status", "alerts")
    op.drop_table("alerts")
    op.drop_table("drift_baselines")
    op.drop_index("ix_feedback_run", "feedback")
    op.drop_index("ix_feedback_agent", "feedback")
    op.drop_table("feedback")
