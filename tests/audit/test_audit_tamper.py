"""Every tampering case is detected and named by ``keel audit verify`` (exit 1).

Each test builds a real log in a SQLite file, tampers with it as an attacker with
write access to the database would (guard triggers dropped first), and runs the
installed ``keel`` command.
"""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest
from audit_db import fill, open_store, rows, tamper

from keel.audit import AuditLog, AuditSigner, Checkpoint, verify_log
from keel.audit.merkle import Frontier, leaf_hash
from keel.audit.record import GENESIS_HASH, record_hash


def test_an_untouched_log_verifies(data_dir: Path, keel) -> None:
    fill(data_dir, 25, every=10)
    fill(data_dir, 5, tenant="acme")
    result = keel("audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: 2 tenant(s), 31 records")  # + key.change


def test_triggers_refuse_update_and_delete(data_dir: Path, db: Path) -> None:
    fill(data_dir, 3)
    conn = sqlite3.connect(db)
    try:
        for sql in (
            "update audit_log set payload = '{}' where id = 1",
            "delete from audit_log where id = 3",
            "update audit_checkpoints set root = 'x'",
            "delete from audit_checkpoints",
        ):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(sql)
    finally:
        conn.close()
    assert len(rows(db)) == 4


def test_a_changed_byte_is_named(data_dir: Path, db: Path, keel) -> None:
    fill(data_dir, 12)
    tamper(db, "update audit_log set payload = replace(payload, 'abc', 'abd') where id = 5")
    result = keel("audit", "verify")
    assert result.returncode == 1
    assert "tenant default, record 5: changed: content does not match its hash" in result.stdout
    assert "root_mismatch" in result.stdout  # the checkpoint over 1..13 no longer holds


def test_a_deleted_record_is_named(data_dir: Path, db: Path, keel) -> None:
    fill(data_dir, 12)
    tamper(db, "delete from audit_log where id = 7")
    result = keel("audit", "verify")
    assert result.returncode == 1
    assert "record 8: deleted: records 7 are missing" in result.stdout


def test_deleted_first_records_are_named(data_dir: Path, db: Path, keel) -> None:
    fill(data_dir, 12)
    tamper(db, "delete from audit_log where id <= 2")
    result = keel("audit", "verify")
    assert result.returncode == 1
    assert "record 3: deleted: records 1..2 are missing and no audit.purge record covers them" in (
        result.stdout
    )


def test_swapped_records_are_named(data_dir: Path, db: Path, keel) -> None:
    fill(data_dir, 12)
    tamper(
        db,
        "update audit_log set id = -1 where id = 4",
        "update audit_log set id = 4 where id = 5",
        "update audit_log set id = 5 where id = -1",
    )
    result = keel("audit", "verify")
    assert result.returncode == 1
    assert "record 4: swapped: holds the content of record 5" in result.stdout
    assert "record 5: swapped: holds the content of record 4" in result.stdout


def test_a_truncated_tail_is_caught_by_a_saved_checkpoint(
    data_dir: Path, db: Path, tmp_path: Path, keel
) -> None:
    saved = tmp_path / "published" / "checkpoints.jsonl"
    fill(data_dir, 20, every=5, checkpoint_file=saved)
    # The attacker deletes the tail and every checkpoint that covered it.
    tamper(
        db,
        "delete from audit_log where id > 14",
        "delete from audit_checkpoints where tree_size > 14",
    )
    inside = keel("audit", "verify")
    assert inside.returncode == 0, "with the stored checkpoints gone, the database alone is fooled"
    result = keel("audit", "verify", "--from-checkpoint", str(saved))
    assert result.returncode == 1
    assert (
        "record 15: truncated: the log ends at record 14, but an external checkpoint covers "
        "21 records: records 15..21 were deleted" in result.stdout
    )


def test_a_forged_checkpoint_signature_is_named(data_dir: Path, db: Path, keel) -> None:
    fill(data_dir, 12)
    forged = base64.b64encode(bytes(64)).decode()
    tamper(db, "update audit_checkpoints set signature = ?", params=(forged,))
    result = keel("audit", "verify")
    assert result.returncode == 1
    assert "record 13: forged_signature: stored checkpoint: signature does not verify" in (
        result.stdout
    )


def _resign(db: Path, attacker: AuditSigner, *, edit_id: int) -> None:
    """Edit a record, recompute the whole chain after it and re-sign its checkpoint."""
    conn = sqlite3.connect(db)
    try:
        for (name,) in conn.execute("select name from sqlite_master where type='trigger'"):
            conn.execute(f'drop trigger "{name}"')
        records = conn.execute(
            "select id, time, kind, actor, run_id, payload from audit_log "
            "where tenant = 'default' order by id"
        ).fetchall()
        prev = GENESIS_HASH
        frontier = Frontier()
        for rid, tm, kind, actor, run_id, payload in records:
            if rid == edit_id:
                payload = payload.replace("abc", "xyz")
            h = record_hash(
                tenant="default",
                id=rid,
                time=tm,
                kind=kind,
                actor=actor,
                run_id=run_id,
                payload_json=payload,
                prev_hash=prev,
            )
            conn.execute(
                "update audit_log set payload = ?, prev_hash = ?, hash = ? where id = ?",
                (payload, prev, h, rid),
            )
            frontier.append(leaf_hash(bytes.fromhex(h)))
            prev = h
        cp = Checkpoint.sign(
            attacker, tenant="default", tree_size=frontier.size, root=frontier.root(), time=1.0
        )
        conn.execute("delete from audit_checkpoints")
        conn.execute(
            "insert into audit_checkpoints (tenant, tree_size, root, time, key_id, signature, "
            "frontier) values (?, ?, ?, ?, ?, ?, '[]')",
            (cp.tenant, cp.tree_size, cp.root, cp.time, cp.key_id, cp.signature),
        )
        conn.commit()
    finally:
        conn.close()


def test_a_chain_re_signed_with_another_key_is_named(data_dir: Path, db: Path, keel) -> None:
    fill(data_dir, 12)
    _resign(db, AuditSigner.generate(), edit_id=3)
    result = keel("audit", "verify")
    assert result.returncode == 1
    assert "record 13: other_key: stored checkpoint: signed with key ed25519:" in result.stdout
    assert "not the trusted key" in result.stdout
    assert "changed" not in result.stdout  # the chain itself is consistent: only the key tells


def test_a_replaced_key_file_is_caught_by_a_pinned_public_key(
    data_dir: Path, db: Path, tmp_path: Path, keel
) -> None:
    fill(data_dir, 12)
    pinned = tmp_path / "pinned.pem"
    pinned.write_text(keel("audit", "public-key").stdout)
    attacker, _ = AuditSigner.load_or_create(tmp_path / "attacker.key")
    _resign(db, attacker, edit_id=3)
    (data_dir / "audit-signing.key").write_bytes((tmp_path / "attacker.key").read_bytes())
    assert keel("audit", "verify").returncode == 0, "the local key file now vouches for it"
    result = keel("audit", "verify", "--public-key", str(pinned))
    assert result.returncode == 1
    assert "other_key" in result.stdout


def test_verify_reports_problems_in_process(data_dir: Path, db: Path) -> None:
    fill(data_dir, 6)
    tamper(db, "update audit_log set actor = 'mallory' where id = 2")
    with open_store(data_dir) as store:
        report = verify_log(
            store.engine, public_key=AuditLog.of(store).public_key(), tenant="default"
        )
    assert [(p.kind, p.record_id) for p in report.problems] == [
        ("changed", 2),
        ("root_mismatch", 7),
    ]


def test_a_value_of_another_type_is_named_not_fatal(data_dir: Path, db: Path) -> None:
    fill(data_dir, 4)
    tamper(db, "update audit_log set time = 'yesterday' where id = 3")
    with open_store(data_dir) as store:
        report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
    assert [(p.kind, p.record_id, p.message) for p in report.problems] == [
        ("changed", 3, "a field has the wrong type")
    ]
