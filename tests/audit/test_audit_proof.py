"""Proof documents: built from the log, verified offline, malformed ones rejected."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from audit_db import fill, open_store, tamper

from keel.audit import (
    AuditLog,
    AuditPublicKey,
    AuditSigner,
    ProofError,
    consistency_proof,
    inclusion_proof,
    reader,
    verify_proof,
)


def _proofs(data_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any], AuditPublicKey]:
    fill(data_dir, 9, checkpoint_at={4, 8})  # key.change is record 1; 10 at close
    with open_store(data_dir) as store:
        log = AuditLog.of(store)
        key = log.public_key()
        assert key is not None
        stored = reader.stored_checkpoints(store.engine, "default")
        assert [s.checkpoint.tree_size for s in stored] == [4, 8, 10]
        docs = [inclusion_proof(store.engine, "default", i) for i in range(1, 11)]
        consistency = consistency_proof(store.engine, stored[0].checkpoint, stored[-1].checkpoint)
    return docs, consistency, key


def test_every_record_has_an_inclusion_proof_that_verifies(data_dir: Path) -> None:
    docs, consistency, key = _proofs(data_dir)
    for i, doc in enumerate(docs, start=1):
        assert verify_proof(doc, key).startswith(f"ok: record {i} ")
        assert doc["tree_size"] == 10
        assert len(doc["path"]) == (4 if i <= 8 else 2)
    assert verify_proof(consistency, key) == (
        "ok: the log of tenant default grew from 4 to 10 records without changing the first 4"
    )


def _broken(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    target = out
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


INCLUSION_BREAKS: list[tuple[tuple[Any, ...], Any, str]] = [
    (("path", 0), "zz" * 32, "path\\[0\\] is not a 64-digit"),
    (("path", 0), "AB" * 32, "path\\[0\\] is not a 64-digit"),
    (("path",), "notalist", "path must be a list"),
    (("path",), [], "shorter than the tree is deep"),
    (("leaf_index",), 99, "leaf_index must be the record id"),
    (("leaf_index",), -1, "leaf_index must be the record id"),
    (("leaf_index",), True, "leaf_index must be the record id"),
    (("tree_size",), 11, "tree_size must equal"),
    (("record", "payload", "text"), "abd", "content does not match its hash"),
    (("record", "id"), 0, "positive integer"),
    (("record", "hash"), "12", "64 lowercase hex"),
    (("checkpoint", "root"), "00" * 32, "signature does not verify"),
    (("checkpoint", "signature"), "!!!", "signature is not base64"),
    (("checkpoint", "tree_size"), "10", "tree_size must be a positive integer"),
    (("checkpoint",), KeyError, "checkpoint must be a JSON object"),
    (("format",), "keel.audit.inclusion/v0", "unknown proof format"),
]


@pytest.mark.parametrize(("where", "value", "message"), INCLUSION_BREAKS)
def test_malformed_inclusion_proofs_are_rejected(
    data_dir: Path, where: tuple[Any, ...], value: Any, message: str
) -> None:
    docs, _, key = _proofs(data_dir)
    with pytest.raises(ProofError, match=message):
        verify_proof(_broken(docs[2], where, value), key)


def test_a_longer_path_is_rejected(data_dir: Path) -> None:
    docs, _, key = _proofs(data_dir)
    doc = copy.deepcopy(docs[0])
    doc["path"].append(doc["path"][0])
    with pytest.raises(ProofError, match="longer than the tree is deep"):
        verify_proof(doc, key)


def test_proofs_under_another_key_are_rejected(data_dir: Path) -> None:
    docs, consistency, _ = _proofs(data_dir)
    other = AuditSigner.generate().public_key
    with pytest.raises(ProofError, match="not the trusted key"):
        verify_proof(docs[0], other)
    with pytest.raises(ProofError, match="not the trusted key"):
        verify_proof(consistency, other)


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("path", 0), "00" * 32, "does not lead to"),
        (("path",), [], "path is empty"),
        (("second", "tenant"), "acme", "signature does not verify"),
        (("first", "tree_size"), 0, "positive integer"),
    ],
)
def test_malformed_consistency_proofs_are_rejected(
    data_dir: Path, where: tuple[Any, ...], value: Any, message: str
) -> None:
    _, consistency, key = _proofs(data_dir)
    with pytest.raises(ProofError, match=message):
        verify_proof(_broken(consistency, where, value), key)


def test_the_cli_prints_proofs_that_verify_offline(data_dir: Path, tmp_path: Path, keel) -> None:
    fill(data_dir, 6)
    assert keel("audit", "checkpoint", "--to-file", str(tmp_path / "cp.jsonl")).returncode == 0
    fill(data_dir, 3)
    pem = tmp_path / "key.pem"
    pem.write_text(keel("audit", "public-key").stdout)
    proof = tmp_path / "proof.json"
    made = keel("audit", "proof", "8", "--output", str(proof))
    assert made.returncode == 0, made.stderr
    ok = keel("audit", "verify-proof", str(proof), "--public-key", str(pem))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: record 8 (tool.call) of tenant default is in the log of 10")

    grown = tmp_path / "grown.json"
    assert (
        keel(
            "audit",
            "consistency",
            "--from-checkpoint",
            str(tmp_path / "cp.jsonl"),
            "-o",
            str(grown),
        ).returncode
        == 0
    )
    ok = keel("audit", "verify-proof", str(grown), "--public-key", str(pem))
    assert ok.stdout.startswith("ok: the log of tenant default grew from 7 to 10 records")

    doc = json.loads(proof.read_text())
    doc["path"][0] = doc["path"][0][:-1]
    proof.write_text(json.dumps(doc))
    bad = keel("audit", "verify-proof", str(proof), "--public-key", str(pem))
    assert bad.returncode == 1
    assert "proof rejected: path[0] is not a 64-digit lowercase hex hash" in bad.stderr


def test_a_record_past_the_latest_checkpoint_has_no_proof_yet(data_dir: Path) -> None:
    fill(data_dir, 3)
    with open_store(data_dir) as store:
        AuditLog.of(store).append("tool.call", {}, actor="a")
        with pytest.raises(ProofError, match="no checkpoint covers record 5"):
            inclusion_proof(store.engine, "default", 5)


def test_a_damaged_frontier_cache_does_not_break_proofs(data_dir: Path, db: Path) -> None:
    fill(data_dir, 9, checkpoint_at={4, 8})
    tamper(db, "update audit_checkpoints set frontier = '[\"" + "00" * 32 + "\"]'")
    with open_store(data_dir) as store:
        key = AuditLog.of(store).public_key()
        assert key is not None
        stored = reader.stored_checkpoints(store.engine, "default")
        for i in range(1, 11):
            verify_proof(inclusion_proof(store.engine, "default", i), key)
        verify_proof(
            consistency_proof(store.engine, stored[0].checkpoint, stored[-1].checkpoint), key
        )
