"""Humans in the loop: escalations, SLA timers, the webhook outbox and dead letters.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "run_id",
            sa.String(40),
            sa.ForeignKey("runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("tenant", sa.String(128), nullable=True),
        sa.Column("session_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("bundle", sa.Text, nullable=False),
        sa.Column("tier", sa.Integer, nullable=False, server_default="1"),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("claimed_at", sa.Float, nullable=True),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("resolved_at", sa.Float, nullable=True),
        sa.Column("resolution", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("run_id", name="uq_escalations_run"),
    )
    op.create_index("ix_escalations_status", "escalations", ["status", "created_at"])
    op.create_index("ix_escalations_tenant", "escalations", ["tenant", "created_at"])
    op.create_table(
        "sla_timers",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(40), nullable=False),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("tenant", sa.String(128), nullable=True),
        sa.Column("action", sa.String(24), nullable=True),
        sa.Column("deadline", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fired_at", sa.Float, nullable=True),
        sa.Column("outcome", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_sla_timers_due", "sla_timers", ["status", "deadline"])
    op.create_index("ix_sla_timers_agent", "sla_timers", ["agent", "status"])
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("tenant", sa.String(128), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_webhook_outbox_due", "webhook_outbox", ["next_attempt_at"])
    op.create_table(
        "webhook_dead_letters",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("tenant", sa.String(128), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("failed_at", sa.Float, nullable=False),
    )
    op.create_index("ix_webhook_dead_letters_failed", "webhook_dead_letters", ["failed_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_dead_letters_failed", "webhook_dead_letters")
    op.drop_table("webhook_dead_letters")
    op.drop_index("ix_webhook_outbox_due", "webhook_outbox")
    op.drop_table("webhook_outbox")
    op.drop_index("ix_sla_timers_agent", "sla_timers")
    op.drop_index("ix_sla_timers_due", "sla_timers")
    op.drop_table("sla_timers")
    op.drop_index("ix_escalations_tenant", "escalations")
    op.drop_index("ix_escalations_status", "escalations")
    op.drop_table("escalations")
