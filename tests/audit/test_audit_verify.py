"""The batch path of verify: same bytes as the record format, same findings as record by record.

``verify_log`` checks a batch of records whole and walks it record by record only
when something is off. These tests hold the batch hashing to ``record_hash`` and
show that every tampering case is named the same whether the log is read in one
batch or in many small ones (so problems straddle batch boundaries).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from audit_db import fill, open_store, tamper

from keel.audit import AuditLog, verify_log
from keel.audit import verify as verify_module
from keel.audit.reader import chain_batches
from keel.audit.record import GENESIS_HASH, canonical_json, json_string, record_hash
from keel.audit.verify import batch_digests

ODD_ROWS = [
    # id, time, kind, actor, run_id, payload, prev_hash
    (1, 1763726400.1234567, "tool.call", "agent:x", "run_1", '{"a":1}', GENESIS_HASH),
    (2, -0.0, "model.call", 'quote " and \\ back', None, "{}", "ab" * 32),
    (3, 5e-324, "approval", "line\nbreak\ttab\x00nul\x1f", "r\u2028", '{"é":"漢"}', "01" * 32),
    (2**62, 1e22, "key.change", "émoji 😀", "", canonical_json({"x": [1.5, None]}), "f" * 64),
    (7, 12.0, "run.finished", "\x7f del", 'run "q"', '{"k":"\\u0000"}', "0" * 64),
]


@pytest.mark.parametrize("tenant", ["default", 'acme "eu"', "ténant\n"])
def test_batch_hashing_is_the_record_format(tenant: str) -> None:
    rows = [(*row, "") for row in ODD_ROWS]
    tail = ',"tenant":' + json_string(tenant) + ',"time":'
    expected = [
        record_hash(
            tenant=tenant,
            id=i,
            time=t,
            kind=k,
            actor=a,
            run_id=r,
            payload_json=p,
            prev_hash=ph,
        )
        for i, t, k, a, r, p, ph, _ in rows
    ]
    assert [d.hex() for d in batch_digests(rows, tail)] == expected


def test_batch_hashing_matches_the_stored_hashes_of_a_real_log(data_dir: Path) -> None:
    fill(data_dir, 30)
    fill(data_dir, 5, tenant="acme")
    with open_store(data_dir) as store:
        for tenant in ("default", "acme"):
            tail = ',"tenant":' + json_string(tenant) + ',"time":'
            for rows in chain_batches(store.engine, tenant, batch=8):
                digests = batch_digests(rows, tail)
                assert [d.hex() for d in digests] == [r[7] for r in rows]


@pytest.mark.parametrize(
    "row",
    [
        (1, "yesterday", "tool.call", "a", None, "{}", GENESIS_HASH),
        ("1", 1.0, "tool.call", "a", None, "{}", GENESIS_HASH),
        (1, 1.0, b"tool.call", "a", None, "{}", GENESIS_HASH),
        (1, 1, "tool.call", "a", None, "{}", GENESIS_HASH),
    ],
)
def test_batch_hashing_refuses_values_of_another_type(row: tuple[object, ...]) -> None:
    with pytest.raises(TypeError):
        batch_digests([(*row, "")], ',"tenant":"default","time":')  # type: ignore[list-item]


def _findings(data_dir: Path, monkeypatch: pytest.MonkeyPatch, batch: int) -> list[tuple]:
    monkeypatch.setattr(verify_module, "READ_BATCH", batch)
    with open_store(data_dir) as store:
        report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
    assert report.records == sum(t.records for t in report.tenants)
    return [(p.kind, p.record_id, p.message) for p in report.problems] + [
        (t.tenant, t.records, t.first_id, t.last_id) for t in report.tenants
    ]


EVERY_TEN = {11, 21, 31, 41, 51}  # and 61 at close; key.change is record 1

TAMPERING = {
    "none": [],
    "changed byte": ["update audit_log set payload = replace(payload, 'abc', 'abd') where id = 23"],
    "deleted": ["delete from audit_log where id in (15, 16)"],
    "deleted tail": ["delete from audit_log where id > 57"],
    "swapped": [
        "update audit_log set id = -1 where id = 7",
        "update audit_log set id = 7 where id = 8",
        "update audit_log set id = 8 where id = -1",
    ],
    "wrong type": ["update audit_log set time = 'later' where id = 30"],
    "text id": ["update audit_log set id = 'x' where id = 40"],
    "prev_hash upper case": ["update audit_log set prev_hash = upper(prev_hash) where id = 12"],
    "prev_hash not hex": ["update audit_log set prev_hash = '\"' || prev_hash where id = 33"],
    "hash column": ["update audit_log set hash = upper(hash) where id = 19"],
    "re-hashed record": ["__rehash__ 44"],
}


def _rehash(db: Path, record_id: int) -> None:
    """Edit a record and give it a matching hash: only the chain and the root can tell."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "select tenant, id, time, kind, actor, run_id, payload, prev_hash from audit_log "
            "where tenant = 'default' and id = ?",
            (record_id,),
        ).fetchone()
        payload = row[6].replace("abc", "xyz")
        h = record_hash(
            tenant=row[0],
            id=row[1],
            time=row[2],
            kind=row[3],
            actor=row[4],
            run_id=row[5],
            payload_json=payload,
            prev_hash=row[7],
        )
        conn.commit()
    finally:
        conn.close()
    tamper(
        db,
        "update audit_log set payload = ?, hash = ? where tenant = 'default' and id = ?",
        params=(payload, h, record_id),
    )


@pytest.mark.parametrize("case", TAMPERING)
def test_many_small_batches_find_what_one_batch_finds(
    case: str, data_dir: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(data_dir, 60, checkpoint_at=EVERY_TEN)
    fill(data_dir, 9, tenant="acme", checkpoint_at={4, 8})
    for statement in TAMPERING[case]:
        if statement.startswith("__rehash__"):
            _rehash(db, int(statement.split()[1]))
        else:
            tamper(db, statement)
    whole = _findings(data_dir, monkeypatch, 8192)
    assert whole == _findings(data_dir, monkeypatch, 7)
    assert whole == _findings(data_dir, monkeypatch, 1)
    kinds = {finding[0] for finding in whole}
    if case == "none":
        assert kinds == {"default", "acme"}
    else:
        assert kinds & {
            "changed",
            "swapped",
            "deleted",
            "chain_broken",
            "root_mismatch",
            "truncated",
        }


def test_a_re_hashed_record_breaks_the_chain_and_the_roots(
    data_dir: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(data_dir, 60, checkpoint_at=EVERY_TEN)
    _rehash(db, 44)
    found = _findings(data_dir, monkeypatch, 7)
    assert ("chain_broken", 45, "prev_hash is not the hash of the record before it") in found
    assert [f[1] for f in found if f[0] == "root_mismatch"] == [51, 61]


def test_checkpoint_roots_are_checked_inside_and_across_batches(
    data_dir: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(data_dir, 60, checkpoint_at=EVERY_TEN)
    tamper(db, "update audit_log set payload = replace(payload, 'abc', 'abd') where id = 23")
    for batch in (1, 5, 7, 10, 11, 64):
        found = _findings(data_dir, monkeypatch, batch)
        assert [f[1] for f in found if f[0] == "root_mismatch"] == [31, 41, 51, 61]
        assert ("changed", 23, "content does not match its hash (edited)") in found


def test_verify_holds_no_list_of_leaves(data_dir: Path) -> None:
    # The Merkle tree grows as a frontier: O(log n) nodes, whatever the log's size.
    fill(data_dir, 40, every=1000)
    with open_store(data_dir) as store:
        scan = verify_module._Scan("default", None, {}, [])
        for rows in chain_batches(store.engine, "default", batch=16):
            scan.feed(rows)
    assert scan.frontier is not None
    assert scan.frontier.size == 41
    assert len(scan.frontier.nodes) == (41).bit_count()
    assert hashlib.sha256(b"").digest() != scan.frontier.root()
