"""Appending, chain heads across processes, checkpoints and where they are published."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import sqlite3
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from audit_db import fill, open_store, rows
from audit_receiver import Receiver

from keel.audit import AuditLog, AuditOptions, Checkpoint, reader, verify_log
from keel.audit import log as log_module
from keel.audit.record import GENESIS_HASH
from keel.audit.signing import AuditSigner
from keel.errors import KeelError, UserError


def _wait_for(predicate, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.02)


def test_records_chain_per_tenant_and_continue_in_a_new_process(data_dir: Path, db: Path) -> None:
    fill(data_dir, 3)
    fill(data_dir, 2, tenant="acme")
    fill(data_dir, 2)  # a new store: the head is loaded from the last row
    got = rows(db, "select tenant, id, prev_hash, hash from audit_log order by tenant, id")
    assert [(t, i) for t, i, _, _ in got] == [("acme", 1), ("acme", 2)] + [
        ("default", i) for i in range(1, 7)
    ]
    for (t1, _, _, h1), (t2, _, p2, _) in itertools.pairwise(got):
        if t1 == t2:
            assert p2 == h1
    assert got[0][2] == GENESIS_HASH
    assert got[2][2] == GENESIS_HASH
    with open_store(data_dir) as store:
        report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
    assert report.ok, report.problems
    assert [(t.tenant, t.records) for t in report.tenants] == [("acme", 2), ("default", 6)]


def test_the_key_is_made_once_private_and_recorded(data_dir: Path, db: Path, keel) -> None:
    fill(data_dir, 1)
    fill(data_dir, 1)
    key = data_dir / "audit-signing.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    changes = rows(db, "select id, payload from audit_log where kind = 'key.change'")
    assert len(changes) == 1
    assert json.loads(changes[0][1])["event"] == "created"
    pem = keel("audit", "public-key").stdout
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    raw = keel("audit", "public-key", "--base64").stdout.strip()
    assert json.loads(changes[0][1])["public_key"] == raw


def test_threads_creating_the_key_at_once_share_one(tmp_path: Path) -> None:
    # Two stores of one data directory in one process sign with the key beside it: the
    # first to create it wins, the others load it (a temporary name per creator).
    path = tmp_path / "audit-signing.key"
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: AuditSigner.load_or_create(path), range(8)))
    assert [created for _, created in made].count(True) == 1
    assert {signer.key_id for signer, _ in made} == {AuditSigner.load(path).key_id}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["audit-signing.key"]


def test_checkpoints_every_n_records_in_the_background(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        log = AuditLog.of(store, AuditOptions.for_store(store, checkpoint_every=5))
        log.signer()
        for i in range(4):
            log.append("tool.call", {"i": i}, actor="a")
        # Five records (the key's creation and four) are due: signed without being asked.
        _wait_for(lambda: len(reader.stored_checkpoints(store.engine, "default")) == 1)
        for i in range(3):
            log.append("tool.call", {"i": i}, actor="a")
    with open_store(data_dir) as store:
        sizes = [s.checkpoint.tree_size for s in reader.stored_checkpoints(store.engine, "default")]
    assert sizes == [5, 8]  # and the rest at close


def test_checkpoints_every_t_seconds(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        log = AuditLog.of(store, AuditOptions.for_store(store, checkpoint_interval_s=0.05))
        log.append("tool.call", {}, actor="a")
        _wait_for(lambda: len(reader.stored_checkpoints(store.engine, "default")) == 1)
        cp = reader.stored_checkpoints(store.engine, "default")[0]
        assert cp.checkpoint.tree_size == 2  # the record and the key's creation


def test_checkpoints_are_published_to_a_file_and_a_webhook(
    data_dir: Path, tmp_path: Path, receiver: Receiver
) -> None:
    out = tmp_path / "ext" / "checkpoints.jsonl"
    with open_store(data_dir) as store:
        log = AuditLog.of(
            store,
            AuditOptions.for_store(store, checkpoint_file=out, checkpoint_webhook=receiver.url),
        )
        for i in range(3):
            log.append("tool.call", {"i": i}, actor="a")
        signed = log.checkpoint()
        assert log.checkpoint() == signed  # nothing new: the same checkpoint back
        log.append("tool.call", {}, actor="a")
    lines = [Checkpoint.from_dict(json.loads(x)) for x in out.read_text().splitlines()]
    assert [cp.tree_size for cp in lines] == [4, 4, 5]
    assert [item["tree_size"] for item in receiver.items()] == [4, 4, 5]
    assert lines[0] == signed[0]


def test_without_a_key_records_are_chained_but_not_signed(data_dir: Path, db: Path) -> None:
    with open_store(data_dir) as store:
        log = AuditLog.of(store, AuditOptions(signing_key_path=None))
        log.append("tool.call", {}, actor="a")
        with pytest.raises(UserError, match="no audit signing key"):
            log.checkpoint()
        with pytest.raises(UserError, match="other options"):
            AuditLog.of(store, AuditOptions(checkpoint_every=3))
        assert AuditLog.of(store) is log
    assert rows(db, "select count(*) from audit_checkpoints") == [(0,)]
    assert not (data_dir / "audit-signing.key").exists()


def test_without_a_key_due_records_are_folded_not_kept_pending(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        log = AuditLog.of(store, AuditOptions(signing_key_path=None, checkpoint_every=10))
        for n in range(25):
            log.append("tool.call", {"n": n}, actor="a")
        log.flush()
        deadline = time.monotonic() + 10
        while log.due_tenants(every=False) and time.monotonic() < deadline:
            time.sleep(0.01)
        # The checkpointer thread found no key: the records count as handled, and the
        # chain is intact.
        assert log.due_tenants(every=False) == []
        assert log.head()[0] == 25


def test_a_closed_log_refuses_appends(data_dir: Path) -> None:
    store = open_store(data_dir)
    log = AuditLog.of(store)
    store.close()
    with pytest.raises(RuntimeError, match="closed"):
        log.append("tool.call", {}, actor="a")


def test_a_committed_append_is_stored_when_it_returns(data_dir: Path, db: Path) -> None:
    async def go() -> None:
        with open_store(data_dir) as store:
            log = AuditLog.of(store, AuditOptions(signing_key_path=None))
            rec = await log.append_committed("spec.serving", {"agent": "a"}, actor="keel:serve")
            # Read through another connection: committed, not only queued.
            assert rows(db, "select id, kind, hash from audit_log") == [
                (rec.id, "spec.serving", rec.hash)
            ]

    asyncio.run(go())


def test_a_committed_append_raises_the_failed_write(data_dir: Path, db: Path) -> None:
    # The database refuses the row (as a full disk or a guard would): ``append`` would
    # only log it; ``append_committed`` tells its caller, which can fail closed.
    with open_store(data_dir):
        pass
    conn = sqlite3.connect(db)
    conn.execute(
        "create trigger refuse before insert on audit_log when new.kind = 'spec.serving' "
        "begin select raise(abort, 'refused by the test'); end"
    )
    conn.commit()
    conn.close()

    async def go() -> None:
        with open_store(data_dir) as store:
            log = AuditLog.of(store)
            log.signer()  # its key.change record first
            await log.append_committed("tool.call", {"x": 1}, actor="a")
            with pytest.raises(KeelError, match="could not be stored") as failed:
                await log.append_committed("spec.serving", {"agent": "a"}, actor="keel:serve")
            # One line that says why, not the SQL.
            assert failed.value.message == (
                "the audit record could not be stored "
                "((sqlite3.IntegrityError) refused by the test)"
            )
            # The failed record is not the head: the next one takes its id, no gap.
            rec = await log.append_committed("tool.call", {"x": 2}, actor="a")
            assert log.head() == (rec.id, rec.hash)
            # The Merkle tree counted the failed record's leaf: rebuilt, it signs
            # what is stored.
            [checkpoint] = await asyncio.to_thread(log.checkpoint)
            assert checkpoint.tree_size == rec.id
            report = verify_log(store.engine, public_key=log.public_key())
            assert report.ok, report.problems

    asyncio.run(go())
    assert [k for _, k in rows(db, "select id, kind from audit_log order by id")] == [
        "key.change",
        "tool.call",
        "tool.call",
    ]


def test_non_json_payloads_are_refused(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        log = AuditLog.of(store)
        with pytest.raises(ValueError, match="Out of range"):
            log.append("tool.call", {"x": float("inf")}, actor="a")
        assert log.head() == (0, GENESIS_HASH)


def test_stored_hashes_are_the_hash_of_the_canonical_content(data_dir: Path, db: Path) -> None:
    # append_events inlines the content encoding: hold what it stores to the formula
    # (json.dumps of the content), with values that need escaping and a kind outside
    # AuditKind, on a fresh head and on one loaded from the database.
    odd = [("tool.call", 1.5, '{"a":1}'), ('x"\\y', 1e-7, "{}"), ("run.finished", 2.0, "[]")]
    for _ in range(2):
        with open_store(data_dir) as store:
            log = AuditLog.of(store, AuditOptions(signing_key_path=None))
            log.append_events(odd, actor='ünï "actor"', tenant="t\u2028é", run_id=None)  # type: ignore[arg-type]
            log.append_events(odd[:1], actor="a", tenant="t\u2028é", run_id='r"1')
    got = rows(db, "select * from audit_log order by id")
    assert [r[1] for r in got] == list(range(1, 9))
    prev = GENESIS_HASH
    for tenant, id_, at, kind, actor, run_id, payload, prev_hash, hash_ in got:
        content = {
            "tenant": tenant,
            "id": id_,
            "time": at,
            "kind": kind,
            "actor": actor,
            "run_id": run_id,
            "payload": json.loads(payload),
            "prev_hash": prev,
        }
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert prev_hash == prev
        assert hash_ == hashlib.sha256(text.encode()).hexdigest()
        prev = hash_


def test_a_producer_without_an_event_loop_waits_once_the_backlog_is_full(
    data_dir: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bounded queue depth: past BACKLOG queued records, append waits for their commit
    # (a bulk append must not queue a million rows in memory).
    monkeypatch.setattr(log_module, "BACKLOG", 50)
    with open_store(data_dir) as store:
        log = AuditLog.of(store, AuditOptions(signing_key_path=None))
        for i in range(50):
            log.append("tool.call", {"i": i}, actor="a")
        assert rows(db, "select count(*) from audit_log") == [(50,)]
        for i in range(49):
            log.append("tool.call", {"i": i}, actor="a")
        # Committed by now or not, nothing waited: the next wait is at 100.
        log.append("tool.call", {}, actor="a")
        assert rows(db, "select count(*) from audit_log") == [(100,)]
