"""The checkpointer thread: a log that closes while a checkpoint is asked for, a
checkpoint the database fails to store, one stored by hand at the size it signs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from audit_db import disk_errors, open_store, rows, tamper
from sqlalchemy.exc import SQLAlchemyError

from keel.audit import AuditLog, AuditOptions


def test_a_checkpoint_asked_for_as_the_log_closes_is_answered(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(data_dir) as store:
        log = AuditLog.of(store)
        log.append("tool.call", {"i": 1}, actor="agent:test")
        checkpointer = log._checkpointer
        start = checkpointer._start

        def start_then_close() -> None:
            # The window: the log closes (its thread's last pass done) after the request
            # was checked against "closed", before it is queued.
            start()
            checkpointer.stop()

        monkeypatch.setattr(checkpointer, "_start", start_then_close)
        answer: list[object] = []

        def ask() -> None:
            try:
                answer.append(log.checkpoint())
            except RuntimeError as e:
                answer.append(e)

        asker = threading.Thread(target=ask, daemon=True)
        asker.start()
        asker.join(timeout=30)  # a generous bound: only a request never answered takes it
        assert not asker.is_alive(), "checkpoint() waits for an answer that never comes"
        assert len(answer) == 1
        assert isinstance(answer[0], RuntimeError)
        assert str(answer[0]) == "the audit log is closed"


def test_a_checkpoint_that_failed_to_be_stored_is_signed_later(data_dir: Path, db: Path) -> None:
    with open_store(data_dir) as store:
        log = AuditLog.of(store)
        log.signer()  # record 1
        for i in range(3):
            log.append("tool.call", {"i": i}, actor="agent:test")
        log.flush()
        disk_errors(db, "insert", "audit_checkpoints", failing=True)
        with pytest.raises(SQLAlchemyError, match="disk I/O error"):
            log.checkpoint()
        disk_errors(db, "insert", "audit_checkpoints", failing=False)
        # Nothing new is appended: only the retry (here, at close) can sign 1..4.
    assert rows(db, "select tree_size from audit_checkpoints") == [(4,)]


def test_a_checkpoint_stored_by_hand_is_not_handed_back_or_published(
    data_dir: Path, db: Path, tmp_path: Path, keel
) -> None:
    with open_store(data_dir) as store:
        log = AuditLog.of(store)
        for i in range(3):
            log.append("tool.call", {"i": i}, actor="agent:test")
    # Signed at 4 on close. Record 5 is appended unsigned, and a row stored at 5 by hand:
    # well-formed, but neither this log's root nor its key's signature.
    with open_store(data_dir) as store:
        AuditLog.of(store, AuditOptions(signing_key_path=None)).append(
            "tool.call", {"i": 3}, actor="agent:test"
        )
    tamper(
        db,
        "insert into audit_checkpoints (tenant, tree_size, root, time, key_id, signature,"
        " frontier) values ('default', 5, ?, 1.0, 'ed25519:0000000000000000', 'AA==', '[]')",
        params=("11" * 32,),
    )
    published = tmp_path / "published.jsonl"
    result = keel("audit", "checkpoint", "--to-file", str(published))
    assert result.returncode == 1
    assert "CONFLICT" in result.stderr
    assert "1111" not in result.stdout
    assert not published.exists() or "1111" not in published.read_text()
