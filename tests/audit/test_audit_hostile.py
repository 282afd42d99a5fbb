"""Hostile values are named, never fatal: stored rows anyone who may insert can add,
checkpoint, proof and key files from outside.

Verification must name what is wrong with each; a traceback instead (a raw
``ValueError`` from a root that is not hex, ``OverflowError`` from a time of 400
digits) would stop ``keel audit verify`` (and every purge, which verifies first) at
the first such row.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from audit_db import fill, open_store, tamper
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keel.audit import (
    AuditLog,
    AuditOptions,
    AuditPublicKey,
    ProofError,
    inclusion_proof,
    reader,
    verify_log,
    verify_proof,
)
from keel.audit.merkle import Frontier

_HEX0 = "0" * 64


def _said(result: Any) -> str:
    """What a command wrote to stderr, unwrapped (the console wraps at its width)."""
    return " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("update audit_checkpoints set root = 'zz'", "root must be 64 lowercase hex digits"),
        ("update audit_checkpoints set time = 'soon'", "time must be a finite number"),
        ("update audit_checkpoints set tree_size = 'x'", "tree_size must be a positive integer"),
        (
            # INSERT is all it takes: the application role may insert checkpoints.
            "insert into audit_checkpoints (tenant, tree_size, root, time, key_id, signature,"
            " frontier) values ('default', 3, 'qq', 1.0, 'k', 's', '[]')",
            "root must be 64 lowercase hex digits",
        ),
    ],
)
def test_a_malformed_stored_checkpoint_is_named_not_fatal(
    data_dir: Path, db: Path, keel, statement: str, why: str
) -> None:
    fill(data_dir, 5)
    tamper(db, statement)
    with open_store(data_dir) as store:
        report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
    forged = [p for p in report.problems if p.kind == "forged_signature"]
    assert len(forged) == 1
    assert "stored checkpoint row" in forged[0].message
    assert why in forged[0].message
    result = keel("audit", "verify")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "forged_signature: stored checkpoint row" in result.stdout


def test_a_malformed_stored_checkpoint_does_not_stop_appends(data_dir: Path, db: Path) -> None:
    fill(data_dir, 5)  # its checkpoint at close covers the last record
    tamper(db, "update audit_checkpoints set root = 'zz'")
    with open_store(data_dir) as store:
        log = AuditLog.of(store)
        # The new process resumes its tree from the stored checkpoints: it must not
        # take a malformed one, nor fail on it (the run path appends here).
        record = log.append("tool.call", {"i": 99}, actor="agent:test")
        assert record.id == 7
        log.checkpoint()
        stored = reader.stored_checkpoints(store.engine, "default")
        assert [s.checkpoint.tree_size for s in stored] == [7]
        report = verify_log(store.engine, public_key=log.public_key())
    assert [p.kind for p in report.problems] == ["forged_signature"]  # the edited row only


def test_a_purge_record_of_the_wrong_type_is_a_bad_anchor(data_dir: Path, db: Path) -> None:
    fill(data_dir, 5)
    tamper(
        db,
        "insert into audit_log values ('default', 7, 'x', 'audit.purge', 'a', null, '{}', ?, ?)",
        params=(_HEX0, _HEX0),
    )
    with open_store(data_dir) as store:
        report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
        with pytest.raises(ProofError, match="record 7 of tenant 'default' has a field"):
            inclusion_proof(store.engine, "default", 2)
    kinds = [(p.kind, p.record_id) for p in report.problems]
    assert ("bad_anchor", None) in kinds
    assert ("changed", 7) in kinds


def test_a_record_whose_stored_hash_is_not_hex_has_no_proof(data_dir: Path, db: Path) -> None:
    fill(data_dir, 5)
    tamper(db, "update audit_log set hash = 'zz' where id = 2")
    with open_store(data_dir) as store, pytest.raises(ProofError, match="stored hash"):
        inclusion_proof(store.engine, "default", 2)


def _saved(data_dir: Path, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any], Path]:
    """A saved checkpoint, an inclusion proof and the public key's file."""
    fill(data_dir, 5)
    with open_store(data_dir) as store:
        log = AuditLog.of(store)
        key = log.public_key()
        assert key is not None
        proof = inclusion_proof(store.engine, "default", 2)
    pem = tmp_path / "key.pem"
    pem.write_text(key.pem())
    return proof["checkpoint"], proof, pem


# JSON that Python's parser reads: a time of 400 digits is an int that no float holds.
HOSTILE_TIMES = ["1" + "0" * 400, "1e400", "NaN", "-Infinity"]


@pytest.mark.parametrize("value", HOSTILE_TIMES)
def test_a_saved_checkpoint_with_a_hostile_time_is_rejected_by_name(
    data_dir: Path, tmp_path: Path, keel, value: str
) -> None:
    checkpoint, _, _ = _saved(data_dir, tmp_path)
    saved = tmp_path / "saved.jsonl"
    saved.write_text(json.dumps(checkpoint).replace(json.dumps(checkpoint["time"]), value))
    result = keel("audit", "verify", "--from-checkpoint", str(saved))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "checkpoint time must be a finite number" in _said(result)


@pytest.mark.parametrize("value", HOSTILE_TIMES)
@pytest.mark.parametrize("where", ["record", "checkpoint"])
def test_a_proof_with_a_hostile_time_is_rejected_by_name(
    data_dir: Path, tmp_path: Path, keel, where: str, value: str
) -> None:
    _, proof, pem = _saved(data_dir, tmp_path)
    text = json.dumps(proof).replace(json.dumps(proof[where]["time"]), value)
    file = tmp_path / "proof.json"
    file.write_text(text)
    result = keel("audit", "verify-proof", str(file), "--public-key", str(pem))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "proof rejected" in _said(result)
    with pytest.raises(ProofError):
        verify_proof(json.loads(text), AuditPublicKey.from_file(pem))


def test_deeply_nested_json_is_rejected_by_name(data_dir: Path, tmp_path: Path, keel) -> None:
    _, _, pem = _saved(data_dir, tmp_path)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    proof = keel("audit", "verify-proof", str(deep), "--public-key", str(pem))
    assert proof.returncode == 2
    assert "cannot read the proof" in _said(proof)
    saved = keel("audit", "verify", "--from-checkpoint", str(deep))
    assert saved.returncode == 2
    assert "is neither JSON nor JSON lines" in _said(saved)
    assert "Traceback" not in proof.stderr + saved.stderr


def test_an_inserted_checkpoint_row_does_not_steer_the_next_signed_root(
    data_dir: Path, db: Path
) -> None:
    fill(data_dir, 5)  # records 1..6, checkpoint at 6
    with open_store(data_dir) as store:  # records 7..9, chained but not signed
        unsigned = AuditLog.of(store, AuditOptions(signing_key_path=None))
        for i in range(3):
            unsigned.append("tool.call", {"i": i}, actor="agent:test")
    # INSERT is all it takes: a row whose frontier and root agree with each other only.
    fake = Frontier(8, [b"\x11" * 32])
    tamper(
        db,
        "insert into audit_checkpoints (tenant, tree_size, root, time, key_id, signature,"
        " frontier) values ('default', 8, ?, 1.0, 'ed25519:0000000000000000', 'AA==', ?)",
        params=(fake.root().hex(), json.dumps([n.hex() for n in fake.nodes])),
    )
    with open_store(data_dir) as store:
        log = AuditLog.of(store)
        log.append("tool.call", {"i": 9}, actor="agent:test")
        assert [cp.tree_size for cp in log.checkpoint()] == [10]
        report = verify_log(store.engine, public_key=log.public_key())
    # Only the inserted row is wrong; the checkpoint the real key signed at 10 is right.
    assert [(p.kind, p.record_id) for p in report.problems] == [
        ("other_key", 8),
        ("root_mismatch", 8),
    ]


def _pem(der: bytes) -> str:
    return (
        f"-----BEGIN PUBLIC KEY-----\n{base64.b64encode(der).decode()}\n-----END PUBLIC KEY-----\n"
    )


def test_a_public_key_of_an_unknown_algorithm_is_rejected_by_name(
    data_dir: Path, tmp_path: Path, keel
) -> None:
    _, proof, _ = _saved(data_dir, tmp_path)
    # SubjectPublicKeyInfo with the algorithm 1.2.3.4, which no library knows.
    algorithm = bytes([0x30, 0x05, 0x06, 0x03, 0x2A, 0x03, 0x04])
    key = bytes([0x03, 0x21, 0x00]) + b"\x01" * 32
    pem = tmp_path / "unknown.pem"
    pem.write_text(_pem(bytes([0x30, len(algorithm) + len(key)]) + algorithm + key))
    with pytest.raises(ProofError, match="not an Ed25519 public key"):
        AuditPublicKey.from_file(pem)
    file = tmp_path / "proof.json"
    file.write_text(json.dumps(proof))
    checked = keel("audit", "verify-proof", str(file), "--public-key", str(pem))
    verified = keel("audit", "verify", "--public-key", str(pem))
    for result in (checked, verified):
        assert result.returncode in (1, 2)
        assert "Traceback" not in result.stderr
        assert "not an Ed25519 public key" in _said(result)


def test_an_encrypted_signing_key_is_named(data_dir: Path, keel) -> None:
    encrypted = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )
    (data_dir / "audit-signing.key").write_bytes(encrypted)
    result = keel("audit", "public-key")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "is not an unencrypted PEM private key" in _said(result)


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        # SQLite keeps a blob as a blob in any column: bytes where text was.
        ("update audit_log set actor = x'41' where id = 3", "a field has the wrong type"),
        ("update audit_log set run_id = x'41' where id = 3", "a field has the wrong type"),
        (
            "update audit_log set tenant = x'41' where id = 6",
            "rows whose tenant is b'A', not text, were edited or inserted by hand",
        ),
    ],
)
def test_a_blob_where_text_was_is_named_not_fatal(
    data_dir: Path, db: Path, statement: str, named: str
) -> None:
    fill(data_dir, 5)
    tamper(db, statement)
    with open_store(data_dir) as store:
        report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
    assert any(p.kind == "changed" and p.message == named for p in report.problems)


def test_saved_checkpoints_of_a_tenant_named_with_a_line_separator_are_read(
    data_dir: Path, tmp_path: Path, keel
) -> None:
    # Canonical JSON writes U+2028 and U+2029 as themselves; JSON lines end at "\n" only.
    saved = tmp_path / "checkpoints.jsonl"
    fill(data_dir, 6, tenant="north\u2028south\u2029", every=3, checkpoint_file=saved)
    fill(data_dir, 2, checkpoint_file=saved)
    assert "\u2028" in saved.read_text(encoding="utf-8")
    result = keel("audit", "verify", "--from-checkpoint", str(saved))
    assert result.returncode == 0, result.stdout + result.stderr
