"""Proofs over a log of thousands of records, with the Merkle node cache.

The first proof computes the subtrees it needs from the records and keeps those of
1,024 leaves and up; later proofs read them instead of the log. The cache is not
trusted: a tampered node is caught by the signed root, the proof is rebuilt from
the records and the node dropped; verify never reads it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_db import fill, open_store, rows, tamper
from merkle_reference import ref_mth, ref_path, ref_subproof

from keel.audit import (
    AuditLog,
    AuditOptions,
    AuditPublicKey,
    consistency_proof,
    inclusion_proof,
    purge_before,
    reader,
    verify_log,
    verify_proof,
)
from keel.audit.proof import tree_view
from keel.store import Store

N = 2600  # + key.change: checkpoints at 1000, 2048 and 2601
CACHE = "select level, first_leaf, hash from audit_tree_nodes order by level, first_leaf"


@pytest.fixture
def log_db(data_dir: Path) -> Path:
    fill(data_dir, N, every=100_000, checkpoint_at={1000, 2048})
    return data_dir


@pytest.fixture
def store(log_db: Path) -> Iterator[Store]:
    with open_store(log_db) as s:
        yield s


def _key(store: Store) -> AuditPublicKey:
    key = AuditLog.of(store).public_key()
    assert key is not None
    return key


def test_proofs_of_first_last_and_boundary_records_verify_and_fill_the_cache(
    store: Store, db: Path
) -> None:
    key = _key(store)
    stored = [s.checkpoint for s in reader.stored_checkpoints(store.engine, "default")]
    assert [cp.tree_size for cp in stored] == [1000, 2048, N + 1]
    # Signing the checkpoints filled the cache already; proofs fill in what is missing.
    signed = rows(db, CACHE)
    assert [(level, first) for level, first, _ in signed] == [(10, 0), (10, 1024), (11, 0)]
    tamper(db, "delete from audit_tree_nodes")
    for record_id in (1, 2, 999, 1000, 1001, 1024, 1025, 2048, 2049, N + 1):
        doc = inclusion_proof(store.engine, "default", record_id)
        assert verify_proof(doc, key).startswith(f"ok: record {record_id} ")
        fresh = tree_view(store.engine, "default", N + 1, cached=False)
        assert doc["path"] == [p.hex() for p in fresh.inclusion_path(record_id - 1, N + 1)]
    # Subtrees of 1,024 and 2,048 leaves: [0, 1024), [1024, 2048), [0, 2048).
    assert rows(db, CACHE) == signed


def test_proofs_of_a_tree_that_is_no_power_of_two_match_the_reference(
    store: Store, db: Path
) -> None:
    hashes = [bytes.fromhex(h) for (h,) in rows(db, "select hash from audit_log order by id")]
    stored = [s.checkpoint for s in reader.stored_checkpoints(store.engine, "default")]
    for cp in stored:
        assert cp.root_bytes == ref_mth(hashes[: cp.tree_size])
    n = N + 1
    for record_id in (1, 1024, 1025, 2000, n):
        for _ in range(2):  # computed from the records, then read from the cache
            doc = inclusion_proof(store.engine, "default", record_id)
            assert doc["path"] == [p.hex() for p in ref_path(record_id - 1, hashes)]
    for first in stored[:-1]:
        doc = consistency_proof(store.engine, first, stored[-1])
        assert doc["path"] == [p.hex() for p in ref_subproof(first.tree_size, hashes, True)]


def test_proofs_against_older_checkpoints_and_between_any_two(store: Store) -> None:
    key = _key(store)
    stored = [s.checkpoint for s in reader.stored_checkpoints(store.engine, "default")]
    for cp in stored:
        for record_id in (1, cp.tree_size // 2, cp.tree_size):
            doc = inclusion_proof(store.engine, "default", record_id, checkpoint=cp)
            assert doc["tree_size"] == cp.tree_size
            verify_proof(doc, key)
    for i, first in enumerate(stored):
        for second in stored[i:]:
            assert verify_proof(consistency_proof(store.engine, first, second), key).startswith(
                f"ok: the log of tenant default grew from {first.tree_size} to {second.tree_size}"
            )


def test_a_warm_cache_gives_the_same_proofs(store: Store) -> None:
    first = [inclusion_proof(store.engine, "default", i) for i in (3, 1500, N)]
    again = [inclusion_proof(store.engine, "default", i) for i in (3, 1500, N)]
    assert first == again


def test_a_tampered_node_is_caught_dropped_and_rebuilt(
    store: Store, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key = _key(store)
    inclusion_proof(store.engine, "default", 2000)  # fills the cache
    good = rows(db, CACHE)
    forged = "ab" * 32
    tamper(
        db,
        "update audit_tree_nodes set hash = ? where level = 10 and first_leaf = 0",
        params=(forged,),
    )
    with caplog.at_level(logging.WARNING, logger="keel.audit.proof"):
        for record_id in (1500, 2000, N + 1):
            verify_proof(inclusion_proof(store.engine, "default", record_id), key)
    assert "disagree with a signed checkpoint" in caplog.text
    # The forged node was dropped, then kept again with the value the records give.
    assert set(good) <= set(rows(db, CACHE))
    stored = [s.checkpoint for s in reader.stored_checkpoints(store.engine, "default")]
    tamper(db, "update audit_tree_nodes set hash = ?", params=(forged,))
    verify_proof(consistency_proof(store.engine, stored[0], stored[-1]), key)
    for record_id in (1, 1500, N + 1):
        verify_proof(inclusion_proof(store.engine, "default", record_id), key)
    assert set(good) <= set(rows(db, CACHE))
    assert forged not in {h for _, _, h in rows(db, CACHE)}


def test_malformed_cache_rows_are_ignored(store: Store, db: Path) -> None:
    key = _key(store)
    inclusion_proof(store.engine, "default", 2000)
    tamper(db, "update audit_tree_nodes set hash = 'not a hash'")
    for record_id in (1, 2000, N + 1):
        verify_proof(inclusion_proof(store.engine, "default", record_id), key)


def test_verify_does_not_read_the_cache(store: Store, db: Path) -> None:
    inclusion_proof(store.engine, "default", 2000)
    tamper(db, "update audit_tree_nodes set hash = ?", params=("cd" * 32,))
    report = verify_log(store.engine, public_key=_key(store))
    assert report.ok, report.problems


def test_a_tampered_log_fills_no_cache(store: Store, db: Path) -> None:
    # The attacker rewrites a stored hash: no proof verifies, and nothing is cached.
    tamper(db, "delete from audit_tree_nodes")  # filled when the checkpoints were signed
    tamper(db, "update audit_log set hash = ? where id = 700", params=("ee" * 32,))
    doc = inclusion_proof(store.engine, "default", 1500)
    with pytest.raises(Exception, match="does not lead to"):
        verify_proof(doc, _key(store))
    assert rows(db, CACHE) == []


def test_proofs_survive_a_purge_with_or_without_the_cache(data_dir: Path, db: Path) -> None:
    now = [1000.0]

    def clock() -> float:
        now[0] += 1
        return now[0]

    with open_store(data_dir) as store:
        log = AuditLog(store, AuditOptions.for_store(store), clock=clock)
        store.on_close(log.close)
        for i in range(1500):
            log.append("tool.call", {"i": i}, actor="a")
        now[0] = 9000.0
        for i in range(1200):
            log.append("tool.call", {"i": i}, actor="a")
        log.checkpoint()
        inclusion_proof(store.engine, "default", 2600)  # cache over the whole tree
        result = purge_before(log, 5000.0, actor="cli:ops")
        assert result is not None
        assert result.last_id > 1024
        key = log.public_key()
        assert key is not None
        for cached in (True, False):
            if not cached:
                conn = sqlite3.connect(db)
                conn.execute("delete from audit_tree_nodes")
                conn.commit()
                conn.close()
            for record_id in (result.last_id + 1, 2048, 2049, result.record.id):
                verify_proof(inclusion_proof(store.engine, "default", record_id), key)


def test_checkpoints_fill_the_cache_so_a_first_proof_reads_no_whole_subtree(
    data_dir: Path, db: Path
) -> None:
    # Checkpoints every 1,000 records in the background, as a served log has them.
    fill(data_dir, 5000, every=1000)
    n = 5001  # + key.change
    hashes = [bytes.fromhex(h) for (h,) in rows(db, "select hash from audit_log order by id")]
    cached = {(level, first): h for level, first, h in rows(db, CACHE)}
    expected = {
        (level, first)
        for level in range(10, 13)
        for first in range(0, n, 1 << level)
        if first + (1 << level) <= n
    }
    assert set(cached) == expected  # [0,1024) ... [0,4096): every one the tree has
    for (level, first), h in cached.items():
        assert bytes.fromhex(h) == ref_mth(hashes[first : first + (1 << level)])
    with open_store(data_dir) as store:
        assert reader.stored_checkpoints(store.engine, "default")[-1].checkpoint.tree_size == n
        for record_id in (1, 2500, 4097, n):
            view = tree_view(store.engine, "default", n)
            path = view.inclusion_path(record_id - 1, n)
            assert path == ref_path(record_id - 1, hashes)
            assert view.computed == {}  # nothing left to compute: the subtrees were cached
        verify_proof(inclusion_proof(store.engine, "default", 2500), _key(store))
    assert {(level, first) for level, first, _ in rows(db, CACHE)} == expected


def test_a_reopened_log_caches_the_subtrees_its_next_checkpoints_form(
    data_dir: Path, db: Path
) -> None:
    # The second process resumes the tree from the stored checkpoint's frontier.
    fill(data_dir, 1500, every=1000)
    fill(data_dir, 1500, every=1000)
    hashes = [bytes.fromhex(h) for (h,) in rows(db, "select hash from audit_log order by id")]
    assert len(hashes) == 3001
    cached = rows(db, CACHE)
    assert [(level, first) for level, first, _ in cached] == [(10, 0), (10, 1024), (11, 0)]
    for level, first, h in cached:
        assert bytes.fromhex(h) == ref_mth(hashes[first : first + (1 << level)])
