"""Tables of Keel's store, as SQLAlchemy Core metadata.

The same tables serve SQLite (embedded default) and Postgres (fleet mode); the
Alembic migrations under ``keel/store/migrations`` create them. Timestamps are
UNIX seconds as floats so both databases sort and compare them the same way.
JSON columns are TEXT holding canonical JSON written by Keel, which keeps the
hot path free of dialect-specific JSON handling.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("agent", String(63), nullable=False),
    Column("agent_version", String(64), nullable=False),
    Column("agent_hash", String(80), nullable=False),
    Column("prompt_version", String(64), nullable=False),
    Column("spec_path", Text, nullable=True),
    Column("tenant", String(128), nullable=True),
    Column("session_id", String(128), nullable=True),
    # queued | running | completed | failed | needs_review
    Column("status", String(24), nullable=False),
    Column("input", Text, nullable=False),
    Column("output", Text, nullable=True),
    Column("error_code", String(40), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("model_used", String(200), nullable=True),
    Column("fallbacks", Text, nullable=True),
    Column("flags", Text, nullable=True),
    Column("steps", Integer, nullable=False, default=0),
    Column("input_tokens", Integer, nullable=False, default=0),
    Column("output_tokens", Integer, nullable=False, default=0),
    Column("cost_usd", Float, nullable=True),
    Column("owner", String(128), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
)
Index("ix_runs_status", runs.c.status)
Index("ix_runs_created_at", runs.c.created_at)
Index("ix_runs_session", runs.c.session_id, runs.c.created_at)
Index("ix_runs_agent", runs.c.agent, runs.c.created_at)

# The step journal: one row per effect of a run, keyed by (run_id, step). A row is
# written as "started" before a tool's side effect and completed with its result;
# model steps are written once, completed. Resume replays completed rows.
run_steps = Table(
    "run_steps",
    metadata,
    Column("run_id", String(40), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("step", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # model | tool
    Column("state", String(16), nullable=False),  # started | completed
    Column("name", String(200), nullable=False),  # model id or tool name
    Column("payload", Text, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("agent", String(63), nullable=False),
    Column("tenant", String(128), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
