"""Tables of Keel's store, as SQLAlchemy Core metadata.

The same tables serve SQLite (embedded default) and Postgres (fleet mode); the
Alembic migrations under ``keel/store/migrations`` create them. Timestamps are
UNIX seconds as floats so both databases sort and compare them the same way.
The audit tables are append-only: triggers (``audit_guard_ddl``) refuse UPDATE and
DELETE on them; ``keel.audit.purge`` is the one code path that lifts the DELETE
guard, inside the transaction that deletes.
JSON columns are TEXT holding canonical JSON written by Keel, which keeps the
hot path free of dialect-specific JSON handling.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from keel.errors import UserError

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
    # queued | running | awaiting_approval | completed | failed | needs_review | cancelled
    # | escalated
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
    # JSON {id, roles, tenant}: who the run acts for (policy input; replayed on resume).
    Column("principal", Text, nullable=True),
    # JSON list of the policy decisions taken on the run (point, result, reasons, hash).
    Column("decisions", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
    # W3C traceparent of the request that started the run: a resume continues its trace.
    Column("traceparent", String(64), nullable=True),
)
Index("ix_runs_status", runs.c.status)
Index("ix_runs_tenant", runs.c.tenant, runs.c.created_at)
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

# Approvals (keel.hitl): a run that needs a person's approval for a tool call stops
# in ``awaiting_approval`` with one row here, keyed by its (run_id, step) — a row,
# not a waiting task. ``arguments`` are masked for people; ``edited_arguments`` are
# the decider's replacement, passed to the tool when approved with edits.
approvals = Table(
    "approvals",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("run_id", String(40), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("step", Integer, nullable=False),
    Column("agent", String(63), nullable=False),
    Column("tenant", String(128), nullable=True),
    Column("tool", String(200), nullable=False),
    Column("arguments", Text, nullable=False),  # JSON, masked
    Column("reasons", Text, nullable=False),  # JSON list of strings
    Column("risk", String(24), nullable=False),
    Column("policy_hash", String(80), nullable=False),
    Column("roles", Text, nullable=False),  # JSON list: roles that may decide
    Column("status", String(16), nullable=False),  # pending | approved | rejected
    Column("decider", String(200), nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("edited_arguments", Text, nullable=True),  # JSON
    Column("created_at", Float, nullable=False),
    Column("decided_at", Float, nullable=True),
    UniqueConstraint("run_id", "step", name="uq_approvals_run_step"),
)
Index("ix_approvals_status", approvals.c.status, approvals.c.created_at)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("agent", String(63), nullable=False),
    Column("tenant", String(128), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# The audit log (keel.audit): one hash chain per tenant. ``id`` is the record's
# sequence number within its tenant, from 1; ``payload`` is canonical JSON. A rowid
# table on purpose: rowid order is insertion order, which tamper checks rely on.
audit_log = Table(
    "audit_log",
    metadata,
    Column("tenant", String(128), primary_key=True),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("time", Float, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("run_id", String(40), nullable=True),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
# Only audit.purge rows are indexed: verify finds the purge anchor without a scan,
# and the run path pays nothing for it.
Index(
    "ix_audit_log_purges",
    audit_log.c.tenant,
    audit_log.c.id,
    sqlite_where=text("kind = 'audit.purge'"),
    postgresql_where=text("kind = 'audit.purge'"),
)

# Signed Merkle tree heads over a tenant's records 1..tree_size. ``frontier`` holds
# the roots of the perfect subtrees covering those records, so a process can resume
# the tree without reading the whole log.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(128), nullable=False),
    Column("tree_size", Integer, nullable=False),
    Column("root", String(64), nullable=False),
    Column("time", Float, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("frontier", Text, nullable=False),
    UniqueConstraint("tenant", "tree_size", name="uq_audit_checkpoints_size"),
)

# A cache of the Merkle tree, filled by proofs (keel.audit.tree_cache): the hash of
# the perfect subtree of 2**level leaves starting at leaf ``first_leaf``. Derived
# data, never evidence: proofs check what they build from it against a signed root
# and drop nodes that misled them; verify does not read it. Not append-only.
audit_tree_nodes = Table(
    "audit_tree_nodes",
    metadata,
    Column("tenant", String(128), primary_key=True),
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("first_leaf", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
)

# Where each named forwarder stopped, per tenant (at-least-once delivery).
audit_cursors = Table(
    "audit_cursors",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("tenant", String(128), primary_key=True),
    Column("last_id", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# API keys (keel.api): only a hash of the secret is stored; ``prefix`` is the public,
# unique part of the key by which a request's key is found before its hash is checked.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("prefix", String(24), nullable=False, unique=True),
    Column("secret_hash", String(128), nullable=False),
    Column("tenant", String(128), nullable=False),
    Column("roles", Text, nullable=False),  # JSON list
    Column("name", String(200), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("revoked_at", Float, nullable=True),
    Column("last_used_at", Float, nullable=True),
)

# ``Idempotency-Key`` on run creation: the same (tenant, key) always names one run.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant", String(128), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("run_id", String(40), nullable=False),
    Column("created_at", Float, nullable=False),
)
Index("ix_idempotency_created", idempotency_keys.c.created_at)

# Feedback on runs (keel.telemetry / keel.kpi): explicit (thumbs, score, correction)
# and implicit (rephrase, edit, abandon) signals, linked to run, session and version.
feedback = Table(
    "feedback",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("run_id", String(40), nullable=True),
    Column("session_id", String(128), nullable=True),
    Column("agent", String(63), nullable=False),
    Column("agent_version", String(64), nullable=False),
    Column("tenant", String(128), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("value", Float, nullable=True),
    Column("text", Text, nullable=True),  # masked
    Column("consent", Integer, nullable=False, server_default="0"),
    Column("validated_by", String(200), nullable=True),
    Column("actor", String(200), nullable=True),
    Column("created_at", Float, nullable=False),
)
Index("ix_feedback_agent", feedback.c.agent, feedback.c.created_at)
Index("ix_feedback_run", feedback.c.run_id)

# Drift detection: a rolling (EWMA) baseline per agent and metric, and the alerts
# raised when a window sits too far from it.
drift_baselines = Table(
    "drift_baselines",
    metadata,
    Column("agent", String(63), primary_key=True),
    Column("metric", String(80), primary_key=True),
    Column("mean", Float, nullable=False),
    Column("var", Float, nullable=False),
    Column("n", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("agent", String(63), nullable=False),
    Column("metric", String(80), nullable=False),
    Column("status", String(16), nullable=False),  # firing | cleared
    Column("value", Float, nullable=False),
    Column("baseline_mean", Float, nullable=False),
    Column("baseline_std", Float, nullable=False),
    Column("sigmas", Float, nullable=False),
    Column("fired_at", Float, nullable=False),
    Column("cleared_at", Float, nullable=True),
)
Index("ix_alerts_status", alerts.c.status, alerts.c.fired_at)

# Evaluations (keel.evals): one row per run of some suites against one agent version,
# and one per case. A new run is compared with the previous run of each suite.
eval_runs = Table(
    "eval_runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("agent", String(63), nullable=False),
    Column("agent_version", String(64), nullable=False),
    Column("agent_hash", String(80), nullable=False),
    Column("trigger", String(16), nullable=False),  # cli | schedule | api
    Column("suites", Text, nullable=False),  # JSON list of suite names
    Column("cases", Integer, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("metrics", Text, nullable=False),  # JSON {metric: value}
    Column("gates", Text, nullable=True),  # JSON list of gate outcomes
    Column("gate_passed", Integer, nullable=True),  # 1 | 0; null without a gate
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float, nullable=False),
)
Index("ix_eval_runs_agent", eval_runs.c.agent, eval_runs.c.started_at)

eval_results = Table(
    "eval_results",
    metadata,
    Column(
        "eval_run_id",
        String(40),
        ForeignKey("eval_runs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("suite", String(200), primary_key=True),
    Column("case_id", String(200), primary_key=True),
    Column("kind", String(16), nullable=False),  # case | journey
    Column("tags", Text, nullable=False),  # JSON list
    Column("passed", Integer, nullable=False),
    Column("regression", Integer, nullable=False, server_default="0"),
    Column("status", String(24), nullable=False),
    Column("error_code", String(40), nullable=True),
    Column("latency_ms", Float, nullable=False),
    Column("cost_usd", Float, nullable=True),
    Column("checks", Text, nullable=False),  # JSON list of {name, passed, detail}
    Column("output", Text, nullable=True),  # JSON, masked
)
Index("ix_eval_results_suite", eval_results.c.suite, eval_results.c.case_id)

# Escalations (keel.hitl): a run handed to a person ends ``escalated`` with one row
# here holding its ``EscalationBundle`` (masked: what a person needs to take over).
escalations = Table(
    "escalations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("run_id", String(40), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("agent", String(63), nullable=False),
    Column("tenant", String(128), nullable=True),
    Column("session_id", String(128), nullable=True),
    # open | claimed | resolved | handed_back | expired
    Column("status", String(16), nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list of reason codes
    Column("bundle", Text, nullable=False),  # JSON EscalationBundle, masked
    Column("tier", Integer, nullable=False, server_default="1"),
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_at", Float, nullable=True),
    Column("resolved_by", String(200), nullable=True),
    Column("resolved_at", Float, nullable=True),
    Column("resolution", Text, nullable=True),  # JSON {reply, hand_back, run_id}
    Column("created_at", Float, nullable=False),
    UniqueConstraint("run_id", name="uq_escalations_run"),
)
Index("ix_escalations_status", escalations.c.status, escalations.c.created_at)
Index("ix_escalations_tenant", escalations.c.tenant, escalations.c.created_at)

# SLA timers: one durable row per approval or escalation a person must answer within
# ``spec.escalation.sla_seconds``; ``keel.hitl.SlaTimers`` fires them at ``deadline``
# (after a restart too). ``status``: pending, then met (answered in time) or breached.
sla_timers = Table(
    "sla_timers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(16), nullable=False),  # approval | escalation
    Column("target_id", String(40), nullable=False),
    Column("run_id", String(40), nullable=False),
    Column("agent", String(63), nullable=False),
    Column("tenant", String(128), nullable=True),
    Column("action", String(24), nullable=True),  # spec.escalation.on_breach
    Column("deadline", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("fired_at", Float, nullable=True),
    Column("outcome", Text, nullable=True),  # what the breach action did
    Column("created_at", Float, nullable=False),
)
Index("ix_sla_timers_due", sla_timers.c.status, sla_timers.c.deadline)
Index("ix_sla_timers_agent", sla_timers.c.agent, sla_timers.c.status)

# Webhooks: a durable outbox the background sender drains (the run path only adds
# rows), and the dead letters of deliveries that failed their last retry. Endpoint
# secrets are never stored: ``endpoint`` names the configured endpoint.
webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("id", String(40), primary_key=True),  # the delivery id
    Column("event", String(40), nullable=False),
    Column("endpoint", String(200), nullable=False),
    Column("url", Text, nullable=False),
    Column("tenant", String(128), nullable=True),
    Column("payload", Text, nullable=False),  # the JSON body, rendered
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
)
Index("ix_webhook_outbox_due", webhook_outbox.c.next_attempt_at)

webhook_dead_letters = Table(
    "webhook_dead_letters",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("event", String(40), nullable=False),
    Column("endpoint", String(200), nullable=False),
    Column("url", Text, nullable=False),
    Column("tenant", String(128), nullable=True),
    Column("payload", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("failed_at", Float, nullable=False),
)
Index("ix_webhook_dead_letters_failed", webhook_dead_letters.c.failed_at)

# PII token vault (keel.store.vault): each token's value, AES-256-GCM encrypted under
# the data dir's vault.key, per tenant ("" for none); purged past its TTL.
pii_vault = Table(
    "pii_vault",
    metadata,
    Column("tenant", String(128), primary_key=True),
    Column("handle", String(64), primary_key=True),  # type:tok_hex
    Column("sealed", LargeBinary, nullable=False),  # nonce (12 bytes) + ciphertext + tag
    Column("created_at", Float, nullable=False),
    # The vault key that sealed it (vault_keyring); rows from before 0011 are key 1.
    Column("key_id", Integer, nullable=False, server_default=text("1")),
)
Index("ix_pii_vault_created", pii_vault.c.created_at)
Index("ix_pii_vault_key", pii_vault.c.key_id)

AUDIT_GUARDED = ("audit_log", "audit_checkpoints")


def audit_guard_name(table: str, operation: str) -> str:
    """The name of the trigger refusing ``operation`` (UPDATE, DELETE, TRUNCATE) on ``table``."""
    return f"{table}_no_{operation.lower()}"


def audit_guard_ddl(dialect: str, table: str, operation: str) -> list[str]:
    """Statements creating the trigger that refuses ``operation`` on ``table``.

    Shared by migration 0002 and the purge, which drops and recreates the DELETE
    guard inside its transaction, so the two can never drift apart. On Postgres,
    migration 0002 also guards TRUNCATE (a statement-level trigger); SQLite has no
    TRUNCATE (its ``DELETE`` without ``WHERE`` fires the DELETE guard).
    """
    name = audit_guard_name(table, operation)
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {name} BEFORE {operation} ON {table} BEGIN "
            f"SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
        ]
    if dialect == "postgresql":
        level = "STATEMENT" if operation == "TRUNCATE" else "ROW"
        return [
            f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
            f"FOR EACH {level} EXECUTE FUNCTION keel_audit_append_only()"
        ]
    return []


# The trigger function behind every Postgres guard (migrations 0002, 0012). Its error
# names the table, the operation and the trigger, so whoever hits it knows what refused.
POSTGRES_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION keel_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused by trigger %', TG_TABLE_NAME, TG_OP, TG_NAME
    USING HINT = 'audit records leave the log only through keel audit purge, itself audited';
END
$$
"""

_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def postgres_app_grants(role: str) -> list[str]:
    """The SQL giving the application's Postgres ``role`` least privilege on Keel's tables.

    Run by the owner of the tables (the role that ran the migrations), after them.
    ``role`` reads and writes every table, but on the audit tables it may only SELECT
    and INSERT: UPDATE, DELETE and TRUNCATE are refused by the permission system, even
    if the guard triggers were disabled. Migrations and ``keel audit purge`` (which
    lifts the DELETE guard, an owner's right) run as the owner, not as ``role``.
    Raises ``UserError`` unless ``role`` is a lowercase SQL identifier.
    """
    if not _ROLE.fullmatch(role) or role in ("public", "postgres"):
        raise UserError(
            f"role {role!r} is not usable: give the name of the application's login role, "
            "a lowercase SQL identifier (letters, digits, _; at most 63), not public or postgres"
        )
    role = f'"{role}"'  # quoted: a keyword (user, admin...) is a valid name too
    guarded = ", ".join(AUDIT_GUARDED)
    others = ", ".join(t.name for t in metadata.sorted_tables if t.name not in AUDIT_GUARDED)
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"REVOKE ALL ON {guarded} FROM {role}",
        f"GRANT SELECT, INSERT ON {guarded} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {others} TO {role}",
        f"GRANT SELECT ON alembic_version TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
