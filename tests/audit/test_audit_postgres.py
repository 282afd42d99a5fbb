"""The audit log on a real Postgres store: records, verify, proofs, guards, grants, purge.

One throwaway PostgreSQL cluster per test session (``pg_server.PgServer``), one
database per test. Without PostgreSQL binaries these tests fail, naming the package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from audit_db import Clock, old_then_new
from sqlalchemy import inspect

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, ToolCall, tool
from keel.audit import (
    AuditLog,
    AuditOptions,
    AuditRecord,
    consistency_proof,
    inclusion_proof,
    purge_before,
    reader,
    verify_log,
    verify_proof,
)
from keel.errors import ConfigError, Forbidden, UserError
from keel.store import Store
from keel.store.schema import AUDIT_GUARDED, audit_guard_name, postgres_app_grants
from pg_server import PgServer

KEEL = Path(sys.executable).parent / "keel"
SECRET = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"
APP_ROLE = "keel_app"


@pytest.fixture
def dbname(pg: PgServer) -> Iterator[str]:
    name = pg.create_database()
    yield name
    pg.drop_database(name)


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "audit-signing.key"


def open_audited(pg: PgServer, dbname: str, key_path: Path, **options: object) -> Store:
    """A store on ``dbname`` whose audit log signs checkpoints with ``key_path``."""
    store = Store.open(pg.url(dbname))
    AuditLog.of(store, AuditOptions.for_store(store, signing_key_path=key_path, **options))
    return store


@pytest.fixture
def keel(
    tmp_path: Path, pg: PgServer, dbname: str, key_path: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The installed ``keel`` on this test's database (signing key in its data dir)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KEEL_", "OPENAI", "ANTHROPIC"))
    }
    env["KEEL_DATA_DIR"] = str(key_path.parent)
    env["KEEL_DATABASE_URL"] = pg.url(dbname)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KEEL), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )

    return run


def deployer() -> Agent:
    @tool(risk="write", idempotent=False)
    def deploy(service: str, api_key: str) -> str:
        """Deploy a service."""
        return f"deployed {service}"

    def script(request: ModelRequest) -> str | ToolCall:
        if request.messages[-1].role == "tool":
            return "the deployment succeeded"
        return ToolCall("c1", "deploy", {"service": "billing", "api_key": SECRET})

    return Agent.define("deployer", model=ScriptedModel(script), tools=[deploy])


def fill(store: Store, n: int, *, tenant: str | None = None) -> AuditLog:
    log = AuditLog.of(store)
    for i in range(n):
        log.append("tool.call", {"i": i}, actor="agent:test", tenant=tenant)
    log.flush()
    return log


def test_a_fresh_database_gets_the_tables_and_every_guard(pg: PgServer, dbname: str) -> None:
    with Store.open(pg.url(dbname)) as store:
        assert {"runs", "audit_log", "audit_checkpoints"} <= set(
            inspect(store.engine).get_table_names()
        )
    with pg.connect(dbname) as conn:
        triggers = conn.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
        ).fetchall()
    assert triggers == sorted(
        (audit_guard_name(table, op), "O")
        for table in AUDIT_GUARDED
        for op in ("UPDATE", "DELETE", "TRUNCATE")
    )
    # A second open finds the schema current and migrates nothing; a plain
    # postgresql:// URL means psycopg 3 too (not SQLAlchemy's default, psycopg2).
    with Store.open(pg.url(dbname).replace("+psycopg", "", 1)) as store:
        assert store.engine.url.drivername == "postgresql+psycopg"
        assert store.location.startswith("postgresql+psycopg://postgres@/keel_")


def test_a_driver_that_is_not_installed_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"pip install 'keel\[postgres\]'"):
        Store.open("postgresql+pg8000://keel@/keel?host=/nonexistent")


def test_the_migrations_build_the_declared_schema_and_go_down_cleanly(
    pg: PgServer, dbname: str
) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from keel.store.database import _alembic_config
    from keel.store.schema import metadata

    with Store.open(pg.url(dbname)) as store:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        with store.engine.begin() as conn:
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
    with pg.connect(dbname) as conn:
        assert conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall() == [("alembic_version",)]
        assert (
            conn.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'keel%'").fetchall() == []
        )
    with Store.open(pg.url(dbname)) as store:
        fill(store, 2)


async def test_durable_runs_are_audited_verified_and_proven(
    pg: PgServer, dbname: str, key_path: Path, keel
) -> None:
    store = open_audited(pg, dbname, key_path, checkpoint_every=100_000)
    engine = LocalEngine(store)
    agent = deployer()
    first = await engine.run(agent, "deploy billing", tenant="acme", session_id="s1")
    for _ in range(3):
        await engine.run(agent, "deploy billing", tenant="acme")
    await engine.close()
    log = AuditLog.of(store)
    assert first.status == "completed"
    early = log.checkpoint("acme")[0]
    await engine.run(agent, "deploy billing", tenant="acme")
    late = log.checkpoint("acme")[0]
    key = log.public_key()
    assert key is not None

    with pg.connect(dbname) as conn:
        audit = conn.execute(
            "SELECT tenant, id, time, kind, actor, run_id, payload, prev_hash, hash "
            "FROM audit_log WHERE tenant = 'acme' ORDER BY id"
        ).fetchall()
    # Two records a run (its commits before the tool ran and at its end), five events.
    events = [
        e for r in map(AuditRecord.from_row, audit) if r.run_id == first.id for e in r.events()
    ]
    assert [e.kind for e in events] == [
        "run.started",
        "model.call",
        "tool.call",
        "model.call",
        "run.finished",
    ]
    assert SECRET not in repr(audit)
    assert '"api_key":"[REDACTED]"' in events[2].payload_json
    assert (early.tree_size, late.tree_size) == (8, 10)

    report = verify_log(store.engine, public_key=key)
    assert report.ok, report.problems
    assert report.records == 10 + 1  # and the default tenant's key.change
    for record_id in (1, 4, 8, 10):
        doc = inclusion_proof(store.engine, "acme", record_id)
        assert verify_proof(doc, key).startswith(f"ok: record {record_id} ")
    grown = verify_proof(consistency_proof(store.engine, early, late), key)
    assert grown == (
        "ok: the log of tenant acme grew from 8 to 10 records without changing the first 8"
    )
    store.close()

    verified = keel("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    jsonl = keel("audit", "export", "--tenant", "acme").stdout.splitlines()
    assert len(jsonl) == 10  # a line per record
    assert all('"tenant":"acme"' in line for line in jsonl)
    cef = keel("audit", "export", "--format", "cef").stdout.splitlines()
    assert len(cef) == 25 + 1  # a line per event
    assert all(line.startswith("CEF:0|Keel|Keel|") for line in cef)


def test_two_stores_appending_to_one_tenant_chain_onto_each_other(
    pg: PgServer, dbname: str, key_path: Path
) -> None:
    # Two engines stand for two processes: each re-chains onto rows the other committed
    # (the group writer's checked retries on a unique-key conflict, Postgres-style).
    stores = [open_audited(pg, dbname, key_path) for _ in range(2)]
    logs = [AuditLog.of(s) for s in stores]

    def append(log: AuditLog) -> None:
        for i in range(300):
            log.append("tool.call", {"i": i}, actor="agent:test", tenant="acme")

    threads = [threading.Thread(target=append, args=(log,)) for log in logs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for log in logs:
        log.flush()
    logs[0].checkpoint("acme")
    report = verify_log(stores[0].engine, public_key=logs[0].public_key())
    for s in stores:
        s.close()
    assert report.ok, report.problems
    with pg.connect(dbname) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM audit_log WHERE tenant = 'acme'")]
    assert sorted(ids) == list(range(1, 601))


@pytest.mark.parametrize(
    ("statement", "guard"),
    [
        ("UPDATE audit_log SET actor = 'mallory'", "audit_log_no_update"),
        ("DELETE FROM audit_log WHERE id = 2", "audit_log_no_delete"),
        ("TRUNCATE audit_log", "audit_log_no_truncate"),
        ("UPDATE audit_checkpoints SET root = repeat('0', 64)", "audit_checkpoints_no_update"),
        ("DELETE FROM audit_checkpoints", "audit_checkpoints_no_delete"),
        ("TRUNCATE audit_checkpoints", "audit_checkpoints_no_truncate"),
    ],
)
def test_the_guards_refuse_changes_even_to_a_superuser(
    pg: PgServer, dbname: str, key_path: Path, statement: str, guard: str
) -> None:
    with open_audited(pg, dbname, key_path) as store:
        fill(store, 5)
        AuditLog.of(store).checkpoint()
    with pg.connect(dbname) as conn:
        before = conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
        with pytest.raises(psycopg.errors.RaiseException) as refused:
            conn.execute(statement)
        checkpoints = conn.execute("SELECT count(*) FROM audit_checkpoints").fetchone()
        assert conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall() == before
    table = guard.rsplit("_no_", 1)[0]
    operation = guard.rsplit("_", 1)[1].upper()
    assert str(refused.value).startswith(
        f"{table} is append-only: {operation} refused by trigger {guard}"
    )
    assert checkpoints == (1,)


def test_purge_is_recorded_and_puts_the_guard_back(
    pg: PgServer, dbname: str, key_path: Path, keel
) -> None:
    clock = Clock()
    store = Store.open(pg.url(dbname))
    log = AuditLog(store, AuditOptions(signing_key_path=key_path), clock=clock)
    store.on_close(log.close)
    old_then_new(log, clock)

    result = purge_before(log, 3000.0, actor="cli:ops")
    assert result is not None
    assert (result.first_id, result.last_id, result.deleted) == (1, 21, 21)
    assert result.record.kind == "audit.purge"
    assert result.checkpoint is not None
    assert result.checkpoint.tree_size == result.record.id == 32
    key = log.public_key()
    assert key is not None
    report = verify_log(store.engine, public_key=key)
    assert report.ok, report.problems
    assert report.tenants[0].purged_through == 21
    assert verify_proof(inclusion_proof(store.engine, "default", 25), key).startswith("ok")
    store.close()

    with pg.connect(dbname) as conn:
        assert conn.execute("SELECT min(id), max(id) FROM audit_log").fetchone() == (22, 32)
        enabled = conn.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_log_no_delete'"
        ).fetchone()
        assert enabled == ("O",)
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM audit_log")
    assert keel("audit", "verify").returncode == 0


def test_purge_refuses_a_log_that_does_not_verify(
    pg: PgServer, dbname: str, key_path: Path
) -> None:
    with open_audited(pg, dbname, key_path) as store:
        log = fill(store, 5)
        log.checkpoint()
        with pg.connect(dbname) as conn:  # a superuser lifts the guard and edits
            conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
            conn.execute("UPDATE audit_log SET actor = 'x' WHERE id = 2")
            conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")
        with pytest.raises(UserError, match="does not verify"):
            purge_before(log, 1e12, actor="cli:ops")
    with pg.connect(dbname) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (6,)


def test_the_grants_leave_the_application_role_append_only(
    pg: PgServer, dbname: str, key_path: Path, keel
) -> None:
    Store.open(pg.url(dbname)).close()  # migrated by the owner
    printed = keel("audit", "grants", "--role", APP_ROLE)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == "".join(f"{s};\n" for s in postgres_app_grants(APP_ROLE))
    with pg.connect(dbname) as owner:
        owner.execute(f"DROP ROLE IF EXISTS {APP_ROLE}")  # roles are cluster-wide
        owner.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
        owner.execute(printed.stdout)
    try:
        _act_as_the_application_role(pg, dbname, key_path)
    finally:
        with pg.connect(dbname) as owner:
            owner.execute(f"DROP OWNED BY {APP_ROLE}")
            owner.execute(f"DROP ROLE {APP_ROLE}")


def _act_as_the_application_role(pg: PgServer, dbname: str, key_path: Path) -> None:
    app_url = pg.url(dbname, user=APP_ROLE)
    with Store.open(app_url) as store:
        AuditLog.of(store, AuditOptions(signing_key_path=key_path))
        log = fill(store, 10)
        assert log.checkpoint()[0].tree_size == 11
        with pytest.raises(Forbidden, match="owner of the audit tables"):
            purge_before(log, 1e12, actor="cli:ops")
        assert verify_log(store.engine, public_key=log.public_key()).ok
        assert reader.first_id(store.engine, "default") == 1  # nothing was purged

    # The owner lifts every guard: the permission system still refuses the role.
    with pg.connect(dbname) as owner:
        for table in AUDIT_GUARDED:
            owner.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        with pg.connect(dbname, user=APP_ROLE) as app:
            for statement in (
                "UPDATE audit_log SET actor = 'mallory'",
                "DELETE FROM audit_log",
                "TRUNCATE audit_log",
                "UPDATE audit_checkpoints SET root = repeat('0', 64)",
                "DELETE FROM audit_checkpoints",
                "TRUNCATE audit_checkpoints",
                "ALTER TABLE audit_log DISABLE TRIGGER USER",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(statement)
            # What the application does need still works.
            app.execute("UPDATE runs SET status = status")
            app.execute("DELETE FROM audit_tree_nodes")
    finally:
        with pg.connect(dbname) as owner:
            for table in AUDIT_GUARDED:
                owner.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    with pg.connect(dbname) as owner:
        assert owner.execute("SELECT count(*) FROM audit_log").fetchone() == (11,)


@pytest.mark.parametrize("role", ["", "Keel", "app; DROP TABLE runs", "public", "a" * 64])
def test_grants_refuse_a_role_that_is_not_a_plain_name(role: str) -> None:
    with pytest.raises(UserError, match="lowercase SQL identifier"):
        postgres_app_grants(role)


async def test_a_role_that_may_not_insert_audit_rows_gets_no_answer_and_no_side_effect(
    pg: PgServer, dbname: str, key_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Fail closed on a misconfigured deployment: a role without INSERT on audit_log."""
    Store.open(pg.url(dbname)).close()  # migrated by the owner
    with pg.connect(dbname) as owner:
        owner.execute(f"DROP ROLE IF EXISTS {APP_ROLE}")
        owner.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
        owner.execute(";\n".join(postgres_app_grants(APP_ROLE)))
        owner.execute(f"REVOKE INSERT ON audit_log FROM {APP_ROLE}")
    deployed: list[str] = []

    @tool(risk="write", idempotent=False)
    def deploy(service: str) -> str:
        """Deploy a service."""
        deployed.append(service)
        return f"deployed {service}"

    script = [ToolCall("c1", "deploy", {"service": "billing"}), "the deployment succeeded"]
    agent = Agent.define("deployer", model=ScriptedModel(script), tools=[deploy])
    chat = Agent.define("chat", model=ScriptedModel(lambda r: "hello"))
    try:
        with Store.open(pg.url(dbname, user=APP_ROLE)) as store:
            AuditLog.of(store, AuditOptions(signing_key_path=key_path))
            engine = LocalEngine(store)
            rec = await engine.run(agent, "deploy billing")
            answered = await engine.run(chat, "hi")
            await engine.close()
            assert deployed == []
            assert (rec.status, rec.error_code) == ("failed", "INTERNAL")
            assert "tool 'deploy' (step 2) was not called" in (rec.error_message or "")
            assert (answered.status, answered.error_code, answered.output) == (
                "failed",
                "INTERNAL",
                None,
            )
            assert "its answer is withheld" in (answered.error_message or "")
            stored = store.runs.get(answered.id)
            assert stored is not None
            assert (stored.status, stored.output) == ("failed", None)
            assert "permission denied for table audit_log" in caplog.text
    finally:
        with pg.connect(dbname) as owner:
            owner.execute(f"DROP OWNED BY {APP_ROLE}")
            owner.execute(f"DROP ROLE {APP_ROLE}")
