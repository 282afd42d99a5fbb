"""Audit log throughput: append (group commit), full verify, proof size and time.

Goals (issue 5): append >= 20,000 records/s, verify >= 100,000 records/s, and the
size and time of a proof at 1M records.

Usage: python benchmarks/audit.py [--records N]   (default 100000; the issue's
figure is --records 1000000)

* append: ``AuditLog.append`` one record at a time (each chained, hashed and queued
  to the group writer; checkpoints every 1,000 records signed in the background),
  timed until the last record is committed;
* verify: ``verify_log`` over the whole log — every hash, the chain, every
  checkpoint's signature and root;
* proofs: an inclusion proof of the middle record and a consistency proof from the
  first checkpoint to the last, built from the database, then verified offline.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from keel.audit import (
    AuditLog,
    AuditOptions,
    consistency_proof,
    inclusion_proof,
    reader,
    verify_log,
    verify_proof,
)
from keel.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    n = parser.parse_args().records
    with tempfile.TemporaryDirectory(prefix="keel-audit-bench-") as tmp:
        run(Path(tmp), n)


def run(data_dir: Path, n: int) -> None:
    store = Store.open(f"sqlite:///{data_dir / 'keel.db'}")
    log = AuditLog.of(store, AuditOptions.for_store(store, checkpoint_every=1000))
    log.signer()  # key creation is not what is measured
    payload = {
        "step": 2,
        "tool": "lookup",
        "version": "1",
        "arguments": {"ticket_id": "T-1"},
        "outcome": "ok",
        "attempts": 1,
        "idempotency_key": "run_01m7z0xc89bq5q5v78t1ab6wgh:2",
        "latency_ms": 0.168,
    }
    t = time.perf_counter()
    for _ in range(n):
        log.append(
            "tool.call", payload, actor="agent:bench", run_id="run_01m7z0xc89bq5q5v78t1ab6wgh"
        )
    log.flush()
    append_s = time.perf_counter() - t
    log.checkpoint()
    total = log.head()[0]
    print(
        f"append: {n:,} records in {append_s:.2f} s = {n / append_s:,.0f} records/s "
        f"({store.writer.commits:,} group commits for {store.writer.writes:,} writes)"
    )
    sys.stdout.flush()

    key = log.public_key()
    assert key is not None
    report = verify_log(store.engine, public_key=key)
    assert report.ok, report.problems[:5]
    checkpoints = sum(s.checkpoints for s in report.tenants)
    print(
        f"verify: {report.records:,} records in {report.seconds:.2f} s = "
        f"{report.records / report.seconds:,.0f} records/s ({checkpoints:,} checkpoints checked)"
    )
    sys.stdout.flush()

    middle = total // 2
    t = time.perf_counter()
    doc = inclusion_proof(store.engine, "default", middle)
    built_s = time.perf_counter() - t
    text = json.dumps(doc)
    t = time.perf_counter()
    verify_proof(json.loads(text), key)
    checked_s = time.perf_counter() - t
    print(
        f"inclusion proof of record {middle:,} in {total:,}: {len(doc['path'])} hashes, "
        f"{len(text):,} bytes of JSON; built in {built_s * 1e3:,.0f} ms, "
        f"verified offline in {checked_s * 1e3:.2f} ms"
    )

    stored = reader.stored_checkpoints(store.engine, "default")
    first, last = stored[0].checkpoint, stored[-1].checkpoint
    t = time.perf_counter()
    doc = consistency_proof(store.engine, first, last)
    built_s = time.perf_counter() - t
    text = json.dumps(doc)
    t = time.perf_counter()
    verify_proof(json.loads(text), key)
    checked_s = time.perf_counter() - t
    print(
        f"consistency proof {first.tree_size:,} -> {last.tree_size:,}: {len(doc['path'])} "
        f"hashes, {len(text):,} bytes of JSON; built in {built_s * 1e3:,.0f} ms, "
        f"verified offline in {checked_s * 1e3:.2f} ms"
    )
    store.close()


if __name__ == "__main__":
    main()
