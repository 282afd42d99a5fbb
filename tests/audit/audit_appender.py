"""A second process for the multi-process tests: appends audit records to a SQLite file.

Usage: python audit_appender.py DB N LABEL [--tenant T] [--every K] [--batch B]
                                [--start-file PATH] [--crash-after M] [--pause S]

Appends ``N`` records (payload ``{"label": LABEL, "i": i}``) to ``DB``'s audit log, ``B``
at a time in one ``append_events`` call, checkpointing every ``K`` records with the
signing key beside the file. ``--start-file``: print ``ready`` and wait until that
file exists, so that two processes start appending together. ``--crash-after M``:
after ``M`` records are committed, append more and die with ``os._exit`` before they
commit (no close).
``--pause S``: sleep ``S`` seconds between batches.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from keel.audit import AuditLog, AuditOptions
from keel.audit.log import Event
from keel.audit.record import canonical_json
from keel.store import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("label")
    parser.add_argument("--tenant", default=None)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--start-file", type=Path, default=None)
    parser.add_argument("--crash-after", type=int, default=None)
    parser.add_argument("--pause", type=float, default=0.0)
    args = parser.parse_args()

    store = Store.open(f"sqlite:///{args.db}")
    audit = AuditLog.of(store, AuditOptions.for_store(store, checkpoint_every=args.every))
    audit.signer()
    if args.start_file is not None:
        print("ready", flush=True)
        deadline = time.monotonic() + 30
        while not args.start_file.exists() and time.monotonic() < deadline:
            time.sleep(0.001)
    i = 0
    while i < args.n:
        if args.crash_after is not None and i >= args.crash_after:
            audit.flush()
            append(audit, args, range(i, args.n))
            os._exit(17)  # a crash: queued records never commit, nothing is closed
        chunk = range(i, min(i + args.batch, args.n))
        append(audit, args, chunk)
        i = chunk.stop
        if args.pause:
            time.sleep(args.pause)
    store.close()


def append(audit: AuditLog, args: argparse.Namespace, indexes: range) -> None:
    now = time.time()
    events: list[Event] = [
        ("tool.call", now, canonical_json({"label": args.label, "i": i})) for i in indexes
    ]
    audit.append_events(
        events, actor=f"test:{args.label}", tenant=args.tenant, run_id=f"{args.label}-{indexes[0]}"
    )


if __name__ == "__main__":
    main()
