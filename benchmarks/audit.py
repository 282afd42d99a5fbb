"""Audit log throughput: append (group commit), full verify, export, proof size and time.

Goals (issue 5): append >= 20,000 records/s, verify >= 100,000 records/s, and the
size and time of a proof at 1M records.

Usage: python benchmarks/audit.py [--records N] [--rounds R]   (default 100000 and
3; the issue's figure is --records 1000000)

* append: ``AuditLog.append`` one record at a time (each chained, hashed and queued
  to the group writer; checkpoints every 1,000 records signed in the background),
  timed until the last record is committed; with the checkpoints signed by then and
  the process's peak memory (the queue is bounded: ``keel.audit.log.BACKLOG``);
* verify: ``verify_log`` over the whole log — every hash, the chain, every
  checkpoint's signature and root — in wall-clock and CPU seconds (on a shared
  machine the two differ; the CPU figure is what the code costs);
* export: every record formatted as JSON lines, then as CEF, read as ``keel audit
  export`` reads them (records/s; the lines are not written anywhere);
* proofs: an inclusion proof of the middle record, the first proof of the log (it
  reads the subtrees of 1,024 records and up that signing the checkpoints cached,
  ``keel.audit.tree_cache``, and at most two blocks of records), then one of
  another record and a consistency proof from the first checkpoint to the last;
  then the first proof again with the cache emptied, as on a log whose records
  no checkpoint of this version folded (it reads and hashes the whole log); each
  verified offline.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from keel.audit import (
    AuditLog,
    AuditOptions,
    AuditPublicKey,
    AuditRecord,
    consistency_proof,
    inclusion_proof,
    reader,
    verify_log,
    verify_proof,
)
from keel.audit.export import formatter
from keel.store import Store
from keel.store.schema import audit_tree_nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="full verifies; the fastest is reported"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keel-audit-bench-") as tmp:
        run(Path(tmp), args.records, rounds=args.rounds)


def run(data_dir: Path, n: int, *, rounds: int = 3) -> None:
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
    signed = len(reader.stored_checkpoints(store.engine, "default"))
    log.checkpoint()
    total = log.head()[0]
    print(
        f"append: {n:,} records in {append_s:.2f} s = {n / append_s:,.0f} records/s "
        f"({store.writer.commits:,} group commits for {store.writer.writes:,} writes; "
        f"{signed:,} checkpoints signed meanwhile; peak memory "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)"
    )
    sys.stdout.flush()

    key = log.public_key()
    assert key is not None
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(max(1, rounds)):
        cpu = time.process_time()
        report = verify_log(store.engine, public_key=key)
        cpus.append(time.process_time() - cpu)
        walls.append(report.seconds)
        assert report.ok, report.problems[:5]
    checkpoints = sum(s.checkpoints for s in report.tenants)
    print(
        f"verify (fastest of {len(walls)}): {report.records:,} records in {min(walls):.2f} s = "
        f"{report.records / min(walls):,.0f} records/s; {min(cpus):.2f} s of CPU = "
        f"{report.records / min(cpus):,.0f} records/s ({checkpoints:,} checkpoints checked; "
        f"slowest {report.records / max(walls):,.0f} records/s)"
    )
    sys.stdout.flush()

    for fmt in ("jsonl", "cef"):
        line = formatter(fmt, version="bench")
        t = time.perf_counter()
        count = 0
        for row in reader.iter_rows(store.engine, "default"):
            line(AuditRecord.from_row(row))
            count += 1
        export_s = time.perf_counter() - t
        print(
            f"export ({fmt}): {count:,} records in {export_s:.2f} s = "
            f"{count / export_s:,.0f} records/s"
        )
    sys.stdout.flush()

    with store.engine.connect() as conn:
        cached = conn.execute(select(func.count()).select_from(audit_tree_nodes)).scalar()
    print(f"proof cache: {cached:,} subtrees kept as checkpoints were signed")
    for label, record_id in (("first proof", total // 2), ("another", total // 3)):
        _timed(
            f"inclusion proof of record {record_id:,} in {total:,} ({label})",
            key,
            functools.partial(inclusion_proof, store.engine, "default", record_id),
        )
    stored = reader.stored_checkpoints(store.engine, "default")
    first, last = stored[0].checkpoint, stored[-1].checkpoint
    _timed(
        f"consistency proof {first.tree_size:,} -> {last.tree_size:,}",
        key,
        lambda: consistency_proof(store.engine, first, last),
    )
    with store.engine.begin() as conn:
        conn.execute(delete(audit_tree_nodes))
    _timed(
        f"inclusion proof of record {total // 2:,} in {total:,} (cache emptied)",
        key,
        functools.partial(inclusion_proof, store.engine, "default", total // 2),
    )
    store.close()


def _timed(label: str, key: AuditPublicKey, build: Callable[[], dict[str, Any]]) -> None:
    t = time.perf_counter()
    doc = build()
    built_s = time.perf_counter() - t
    text = json.dumps(doc)
    t = time.perf_counter()
    verify_proof(json.loads(text), key)
    checked_s = time.perf_counter() - t
    print(
        f"{label}: {len(doc['path'])} hashes, {len(text):,} bytes of JSON; built in "
        f"{built_s * 1e3:,.1f} ms, verified offline in {checked_s * 1e3:.2f} ms"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
