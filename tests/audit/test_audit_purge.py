"""Purging is an audited, checkpointed event; verify and proofs survive it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from audit_db import Clock, disk_errors, old_then_new, open_store, rows

from keel.audit import (
    AuditLog,
    AuditOptions,
    FileSink,
    Forwarder,
    inclusion_proof,
    purge_before,
    verify_log,
    verify_proof,
)
from keel.errors import Conflict, KeelError, UserError


def test_purge_is_recorded_and_verify_starts_from_its_anchor(
    data_dir: Path, db: Path, keel
) -> None:
    clock = Clock()
    store = open_store(data_dir)
    log = AuditLog(store, AuditOptions.for_store(store), clock=clock)
    store.on_close(log.close)
    old_then_new(log, clock)
    result = purge_before(log, 3000.0, actor="cli:ops")
    assert result is not None
    assert (result.first_id, result.last_id, result.deleted) == (1, 21, 21)
    assert result.record.kind == "audit.purge"
    assert result.record.id == 32
    assert result.checkpoint is not None
    assert result.checkpoint.tree_size == 32
    payload = result.record.payload
    assert payload["first_id"] == 1
    assert payload["last_id"] == 21
    assert payload["records"] == 21
    report = verify_log(store.engine, public_key=log.public_key())
    assert report.ok, report.problems
    assert report.tenants[0].purged_through == 21
    doc = inclusion_proof(store.engine, "default", 25)
    key = log.public_key()
    assert key is not None
    assert verify_proof(doc, key).startswith("ok: record 25")
    # A second purge anchors on the first.
    clock.now = 9000.0
    log.append("tool.call", {"i": "late"}, actor="a")
    second = purge_before(log, 8000.0, actor="cli:ops")
    assert second is not None
    assert (second.first_id, second.last_id) == (22, 32)
    assert verify_log(store.engine, public_key=key).ok
    assert verify_proof(inclusion_proof(store.engine, "default", 33), key).startswith("ok")
    store.close()

    assert [r[1] for r in rows(db)] == [33, 34]
    conn = sqlite3.connect(db)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("delete from audit_log")
    finally:
        conn.close()
    assert keel("audit", "verify").returncode == 0


def test_purge_refuses_a_log_that_does_not_verify(data_dir: Path, db: Path) -> None:
    clock = Clock()
    store = open_store(data_dir)
    log = AuditLog(store, AuditOptions.for_store(store), clock=clock)
    store.on_close(log.close)
    for i in range(5):
        log.append("tool.call", {"i": i}, actor="a")
    log.checkpoint()
    conn = sqlite3.connect(db)
    conn.execute("drop trigger audit_log_no_update")
    conn.execute("update audit_log set actor = 'x' where id = 2")
    conn.commit()
    conn.close()
    with pytest.raises(UserError, match="does not verify"):
        purge_before(log, 10_000.0, actor="cli:ops")
    store.close()
    assert len(rows(db)) == 6


def test_the_cli_purges_nothing_when_nothing_is_old(data_dir: Path, keel) -> None:
    store = open_store(data_dir)
    AuditLog.of(store).append("tool.call", {}, actor="a")
    store.close()
    result = keel("audit", "purge", "--before", "2000-01-01")
    assert result.returncode == 0
    assert result.stdout.strip() == "nothing to purge"
    done = keel("audit", "purge", "--before", "0s")
    assert done.stdout.startswith("purged records 1..")
    assert keel("audit", "verify").returncode == 0


def test_a_purge_whose_delete_failed_is_carried_out_by_the_next(
    data_dir: Path, db: Path, keel
) -> None:
    clock = Clock()
    with open_store(data_dir) as store:
        log = AuditLog(store, AuditOptions.for_store(store), clock=clock)
        store.on_close(log.close)
        old_then_new(log, clock)
        disk_errors(db, "delete", "audit_log", failing=True)
        with pytest.raises(KeelError, match="purge again to finish it") as failed:
            purge_before(log, 3000.0, actor="cli:ops")
        assert "through record 21 is recorded (audit.purge record 32)" in failed.value.message
        disk_errors(db, "delete", "audit_log", failing=False)
        assert verify_log(store.engine, public_key=log.public_key()).ok
    assert len(rows(db)) == 32  # the log says 1..21 are gone; they are still here
    # Run again with the same cut-off: not "nothing to purge", the recorded purge is done.
    result = keel("audit", "purge", "--before", "3000")
    assert result.returncode == 0, result.stderr
    assert "purged records 1..21 of default (21); recorded as audit.purge record 32" in (
        result.stdout
    )
    assert [r[1] for r in rows(db)] == list(range(22, 33))
    assert keel("audit", "verify").returncode == 0


def test_a_purge_whose_record_cannot_be_stored_deletes_nothing(data_dir: Path, db: Path) -> None:
    # Retention never purges silently: with no audit.purge record, no row goes.
    clock = Clock()
    with open_store(data_dir) as store:
        log = AuditLog(store, AuditOptions.for_store(store), clock=clock)
        store.on_close(log.close)
        old_then_new(log, clock)
        log.flush()
        disk_errors(db, "insert", "audit_log", failing=True)
        with pytest.raises(KeelError, match=r"audit record could not be stored .*disk I/O error"):
            purge_before(log, 3000.0, actor="cli:ops")
        disk_errors(db, "insert", "audit_log", failing=False)
        assert len(rows(db)) == 31
        assert verify_log(store.engine, public_key=log.public_key()).ok
        # Nothing half-done: the next purge is the first, and the log has no gap.
        result = purge_before(log, 3000.0, actor="cli:ops")
        assert result is not None
        assert (result.first_id, result.last_id, result.record.id) == (1, 21, 32)
        assert verify_log(store.engine, public_key=log.public_key()).ok


def test_a_second_purge_whose_delete_failed_still_verifies(data_dir: Path, db: Path) -> None:
    clock = Clock()
    with open_store(data_dir) as store:
        log = AuditLog(store, AuditOptions.for_store(store), clock=clock)
        store.on_close(log.close)
        old_then_new(log, clock)
        assert purge_before(log, 3000.0, actor="cli:ops") is not None  # 1..21, record 32
        clock.now = 9000.0
        log.append("tool.call", {"i": "late"}, actor="a")
        disk_errors(db, "delete", "audit_log", failing=True)
        with pytest.raises(KeelError, match="purge again"):
            purge_before(log, 8000.0, actor="cli:ops")  # 22..32, record 34
        disk_errors(db, "delete", "audit_log", failing=False)
        key = log.public_key()
        # Nothing is missing: the log starts where the first purge left it.
        report = verify_log(store.engine, public_key=key)
        assert report.ok, report.problems
        assert report.tenants[0].purged_through == 21
        again = purge_before(log, 8000.0, actor="cli:ops")
        assert again is not None
        assert (again.first_id, again.last_id, again.deleted) == (22, 32, 11)
        assert again.record.id == 34
        report = verify_log(store.engine, public_key=key)
        assert report.ok, report.problems
        assert report.tenants[0].purged_through == 32
    assert [r[1] for r in rows(db)] == [33, 34]


def _half_forwarded(data_dir: Path, clock: Clock) -> None:
    """Tenant default: records 1-10 before time 3000, 11-15 after. Forwarder ``siem``
    delivered 1-5 only; it never ran since tenant ``acme`` got its records 1-3. Closing
    the store signs the first checkpoint: the key's record is default 16."""
    with open_store(data_dir) as store:
        log = AuditLog(store, AuditOptions.for_store(store), clock=clock)
        store.on_close(log.close)
        for i in range(5):
            log.append("tool.call", {"i": i}, actor="a")
        log.flush()
        siem = Forwarder(store.engine, FileSink(data_dir / "siem.jsonl"), name="siem")
        assert siem.run_once().delivered == 5
        for i in range(5, 10):
            log.append("tool.call", {"i": i}, actor="a")
        for i in range(3):
            log.append("tool.call", {"i": i}, actor="a", tenant="acme")
        clock.now = 5000.0
        for i in range(10, 15):
            log.append("tool.call", {"i": i}, actor="a")


def test_purge_refuses_records_a_forwarder_has_not_delivered(data_dir: Path, db: Path) -> None:
    clock = Clock()
    _half_forwarded(data_dir, clock)
    before = rows(db)
    with open_store(data_dir) as store:
        log = AuditLog(store, AuditOptions.for_store(store), clock=clock)
        store.on_close(log.close)
        with pytest.raises(Conflict) as refused:
            purge_before(log, 3000.0, actor="cli:ops")
        assert refused.value.code == "CONFLICT"
        assert "refusing to purge records ..10 of tenant 'default'" in refused.value.message
        assert "'siem' has delivered through record 5" in refused.value.message
        # A tenant the forwarder has not seen yet: nothing of it was delivered.
        with pytest.raises(Conflict, match="'siem' has delivered through record 0"):
            purge_before(log, 1e12, actor="cli:ops", tenant="acme")
        # A name that never forwarded here is a mistake, not a way around the check.
        with pytest.raises(UserError, match=r"no audit forwarder named 'sime'.*'siem'"):
            purge_before(log, 3000.0, actor="cli:ops", ignore_forwarders=["sime"])
    assert rows(db) == before  # nothing written, nothing deleted
    with open_store(data_dir) as store:
        log = AuditLog(store, AuditOptions.for_store(store), clock=clock)
        store.on_close(log.close)
        siem = Forwarder(store.engine, FileSink(data_dir / "siem.jsonl"), name="siem")
        assert siem.run_once().delivered == 14  # default 6-16 (16: the key), acme 1-3
        result = purge_before(log, 3000.0, actor="cli:ops")
        assert result is not None
        assert (result.first_id, result.last_id, result.deleted) == (1, 10, 10)
        assert "forwarders_behind" not in result.record.payload
        assert verify_log(store.engine, public_key=log.public_key()).ok


def test_a_retired_forwarder_is_ignored_and_the_purge_says_so(
    data_dir: Path, db: Path, keel
) -> None:
    clock = Clock()
    _half_forwarded(data_dir, clock)
    refused = keel("audit", "purge", "--before", "3000")
    assert refused.returncode == 1
    assert "CONFLICT: refusing to purge records ..10" in refused.stderr
    assert "--ignore-forwarder NAME" in refused.stderr
    assert len(rows(db)) == 19
    done = keel("audit", "purge", "--before", "3000", "--ignore-forwarder", "siem")
    assert done.returncode == 0, done.stderr
    assert "purged records 1..10 of default (10)" in done.stdout
    assert "forwarder 'siem' had delivered through record 5 only" in done.stdout
    purges = rows(db, "select payload from audit_log where kind = 'audit.purge'")
    assert [json.loads(p)["forwarders_behind"] for (p,) in purges] == [{"siem": 5}]
    assert keel("audit", "verify").returncode == 0
