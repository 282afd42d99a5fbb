"""Evaluations: one row per eval run (an agent version over some suites), one per case.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("agent_version", sa.String(64), nullable=False),
        sa.Column("agent_hash", sa.String(80), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),  # cli | schedule | api
        sa.Column("suites", sa.Text, nullable=False),  # JSON list of suite names
        sa.Column("cases", sa.Integer, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("metrics", sa.Text, nullable=False),  # JSON {metric: value}
        sa.Column("gates", sa.Text, nullable=True),  # JSON list of gate outcomes
        sa.Column("gate_passed", sa.Integer, nullable=True),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float, nullable=False),
    )
    op.create_index("ix_eval_runs_agent", "eval_runs", ["agent", "started_at"])
    op.create_table(
        "eval_results",
        sa.Column(
            "eval_run_id",
            sa.String(40),
            sa.ForeignKey("eval_runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("suite", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),  # case | journey
        sa.Column("tags", sa.Text, nullable=False),  # JSON list
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("regression", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("error_code", sa.String(40), nullable=True),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=True),
        sa.Column("checks", sa.Text, nullable=False),  # JSON list of checks
        sa.Column("output", sa.Text, nullable=True),  # JSON, masked
    )
    op.create_index("ix_eval_results_suite", "eval_results", ["suite", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_eval_results_suite", "eval_results")
    op.drop_table("eval_results")
    op.drop_index("ix_eval_runs_agent", "eval_runs")
    op.drop_table("eval_runs")
