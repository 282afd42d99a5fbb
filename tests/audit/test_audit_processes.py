"""Several processes appending to one tenant's chain of one SQLite file.

Before the commit-time re-chaining (keel.audit.rechain), two appenders reused each
other's ids: the primary key refused hundreds of records (lost), the chain broke
and checkpoints signed roots of trees that were never stored.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from audit_db import events, open_store, rows

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, Store, ToolCall, tool
from keel.audit import AuditLog, AuditOptions, Checkpoint, verify_log
from keel.audit.log import Event
from keel.audit.record import canonical_json
from keel.store.writer import GroupWriter

APPENDER = Path(__file__).with_name("audit_appender.py")


def init_log(data_dir: Path) -> None:
    """Create the database and the signing key (record 1), as a first process would."""
    with open_store(data_dir) as store:
        AuditLog.of(store).signer()


_STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_appender_left() -> Iterator[None]:
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def appender(db: Path, n: int, label: str, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, str(APPENDER), str(db), str(n), label, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _STARTED.append(proc)
    return proc


def start(go: Path, *procs: subprocess.Popen[str]) -> None:
    """Once every appender is ready, let them all go at once."""
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
    go.touch()


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def labels(db: Path, tenant: str = "default") -> Counter[tuple[str, int]]:
    """How many times each appender's record ``(label, i)`` is stored."""
    found = rows(
        db, f"select payload from audit_log where tenant = '{tenant}' and kind = 'tool.call'"
    )
    payloads = [json.loads(r[0]) for r in found]
    return Counter((p["label"], p["i"]) for p in payloads if "label" in p)


def assert_sound(db: Path, data_dir: Path, *, tenant: str = "default") -> int:
    """The tenant's ids are 1..n without a gap, its chain and checkpoints verify; returns n."""
    ids = [
        r[0] for r in rows(db, f"select id from audit_log where tenant = '{tenant}' order by id")
    ]
    assert ids == list(range(1, len(ids) + 1))
    with open_store(data_dir) as store:
        report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
    assert report.ok, [str(p) for p in report.problems]
    return len(ids)


def test_two_processes_append_to_one_tenant_and_every_record_lands_once(
    data_dir: Path, db: Path, keel: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    init_log(data_dir)
    go = data_dir / "go"
    a = appender(db, 400, "A", "--start-file", str(go))
    b = appender(db, 400, "B", "--start-file", str(go), "--batch", "7")
    start(go, a, b)
    for proc in (a, b):
        rc, err = finish(proc)
        assert rc == 0, err
        assert "failed" not in err, err

    stored = labels(db)
    assert stored == Counter({(x, i): 1 for x in "AB" for i in range(400)})
    assert assert_sound(db, data_dir) == 801
    sizes = [r[0] for r in rows(db, "select tree_size from audit_checkpoints order by tree_size")]
    assert sizes
    assert sizes[-1] == 801  # each process signs what it has at close
    assert len(sizes) == len(set(sizes))
    out = keel("audit", "verify")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ok: 1 tenant(s), 801 records")


def test_a_process_appends_while_the_engine_runs_runs(data_dir: Path, db: Path) -> None:
    init_log(data_dir)

    @tool(risk="read", idempotent=True, blocking=False)
    def lookup(ticket_id: str) -> dict[str, str]:
        """Look up a ticket."""
        return {"id": ticket_id, "queue": "network"}

    def script(request: ModelRequest) -> str | ToolCall:
        if request.messages[-1].role == "tool":
            return "routed"
        return ToolCall("c1", "lookup", {"ticket_id": "T-1"})

    agent = Agent.define("router", model=ScriptedModel(script), tools=[lookup])
    go = data_dir / "go"
    other = appender(db, 300, "cli", "--start-file", str(go), "--pause", "0.002")

    async def serve() -> list[str]:
        store = Store.open(f"sqlite:///{db}")
        engine = LocalEngine(store)
        start(go, other)
        ids: list[str] = []
        for wave in range(8):
            recs = await asyncio.gather(*[engine.run(agent, f"ticket {wave}") for _ in range(10)])
            assert {r.status for r in recs} == {"completed"}
            ids += [r.id for r in recs]
        await engine.close()
        assert store.runs.count_by_status() == {"completed": 80}
        store.close()
        return ids

    run_ids = asyncio.run(serve())
    rc, err = finish(other)
    assert rc == 0, err
    assert "failed" not in err, err

    assert labels(db) == Counter({("cli", i): 1 for i in range(300)})
    kinds = [(run_id, kind) for kind, _, run_id, _ in events(db) if kind.startswith("run.")]
    assert Counter(kinds) == Counter(
        {(r, k): 1 for r in run_ids for k in ("run.started", "run.finished")}
    )
    per_run = Counter(
        r[0] for r in rows(db, "select run_id from audit_log where run_id like 'run%'")
    )
    # The tool is idempotent, so a run commits once: one record of its five events.
    assert per_run == Counter({r: 1 for r in run_ids})
    assert assert_sound(db, data_dir) == 1 + 300 + 80


def test_a_crashed_appender_leaves_a_log_that_verifies_and_grows(data_dir: Path, db: Path) -> None:
    init_log(data_dir)
    go = data_dir / "go"
    crashing = appender(db, 400, "A", "--start-file", str(go), "--crash-after", "150")
    steady = appender(db, 300, "B", "--start-file", str(go), "--batch", "3")
    start(go, crashing, steady)
    rc, err = finish(crashing)
    assert rc == 17, err
    rc, err = finish(steady)
    assert rc == 0, err

    stored = labels(db)
    assert all(count == 1 for count in stored.values())
    assert {("B", i) for i in range(300)} <= set(stored)
    assert {("A", i) for i in range(150)} <= set(stored)  # committed before the crash
    before = assert_sound(db, data_dir)

    # The next process picks up the chain where it is, checkpoints included.
    rc, err = finish(appender(db, 50, "C"))
    assert rc == 0, err
    assert assert_sound(db, data_dir) == before + 50


def test_queued_records_follow_the_records_rechained_before_them(data_dir: Path) -> None:
    """Two logs of one file in one process, one of them committing a record per group:
    its later groups re-chain onto the link the first re-chained group left."""
    init_log(data_dir)
    first, second = open_store(data_dir), open_store(data_dir)
    second.writer = GroupWriter(second.engine, max_batch=1)
    options = AuditOptions.for_store(second, checkpoint_every=10_000)
    a, b = AuditLog.of(first), AuditLog.of(second, options)
    try:
        b.head()  # b's head: record 1
        for i in range(3):
            a.append("tool.call", {"label": "A", "i": i}, actor="t")
        a.flush()
        events: list[Event] = [
            ("tool.call", time.time(), canonical_json({"label": "B", "i": i})) for i in range(5)
        ]
        last_id, _, _, _ = b.append_events(events, actor="t")
        assert last_id == 6  # chained on the head b saw; committed one per group
        b.flush()
        assert b.head()[0] == 9  # moved onto the stored chain
        a.append("tool.call", {"label": "A", "i": 3}, actor="t")
        a.flush()
        [cp] = b.checkpoint()
        assert cp.tree_size == 10
    finally:
        first.close()
        second.close()
    db = data_dir / "keel.db"
    assert labels(db) == Counter({("A", i): 1 for i in range(4)} | {("B", i): 1 for i in range(5)})
    assert assert_sound(db, data_dir) == 10


def test_a_checkpoint_over_records_rechained_at_commit_is_signed_again(data_dir: Path) -> None:
    """The checkpointer signs b's in-memory tree while b's records wait in its queue;
    they are re-chained at commit, so that checkpoint is refused inside the write
    transaction and the stored tree is signed instead."""
    init_log(data_dir)
    first, second = open_store(data_dir), open_store(data_dir)
    options = AuditOptions.for_store(second, checkpoint_every=10_000)
    a, b = AuditLog.of(first), AuditLog.of(second, options)
    signed: list[Checkpoint] = []
    try:
        b.head()
        # Holding b's writer connection keeps its writes queued (a real, paused writer).
        with second.writer._conn_lock:
            events: list[Event] = [
                ("tool.call", time.time(), canonical_json({"label": "B", "i": i})) for i in range(3)
            ]
            b.append_events(events, actor="t")  # chained as 2..4
            for i in range(2):
                a.append("tool.call", {"label": "A", "i": i}, actor="t")
            a.flush()  # a's records take ids 2 and 3
            signer = threading.Thread(target=lambda: signed.extend(b.checkpoint()))
            signer.start()
            deadline = time.monotonic() + 10
            while len(second.writer._pending) < 4 and time.monotonic() < deadline:
                time.sleep(0.001)  # until the checkpoint of tree size 4 is queued
        signer.join(timeout=30)
    finally:
        first.close()
        second.close()
    assert [cp.tree_size for cp in signed] == [6]
    db = data_dir / "keel.db"
    sizes = rows(db, "select tree_size from audit_checkpoints order by tree_size")
    assert sizes == [(1,), (3,), (6,)]  # init, a at close, b: none at 4
    assert assert_sound(db, data_dir) == 6
