"""The forwarder: at least once to a real HTTP receiver, resuming from its cursor."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from audit_db import fill, open_store, tamper
from audit_receiver import Receiver

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, ToolCall, tool
from keel.audit import FileSink, Forwarder, WebhookSink
from keel.audit.forward import ForwardResult


def _ids(items: list[dict[str, object]]) -> list[object]:
    return [item["id"] for item in items]


def test_forwarder_delivers_at_least_once_and_resumes_after_restart(
    data_dir: Path, receiver: Receiver
) -> None:
    fill(data_dir, 9)  # records 1..10 (key.change first)
    receiver.fail = 1
    with open_store(data_dir) as store:
        sink = WebhookSink(receiver.url)
        result = Forwarder(store.engine, sink, batch=4).run_once()
        sink.close()
        assert result.delivered == 0
        assert result.failed == f"POST {receiver.url} answered 500"
        assert Forwarder(store.engine, sink).cursor("default") == 0

    # A new process: same cursor, the failed batch is sent again.
    with open_store(data_dir) as store:
        sink = WebhookSink(receiver.url)
        result = Forwarder(store.engine, sink, batch=4).run_once()
        assert result.delivered == 10
        assert _ids(receiver.items()) == list(range(1, 11))
        assert [len(b["items"]) for b in receiver.bodies] == [4, 4, 2]
        sink.close()

    fill(data_dir, 2)
    with open_store(data_dir) as store:
        sink = WebhookSink(receiver.url)
        forwarder = Forwarder(store.engine, sink, batch=4)
        assert forwarder.run_once().delivered == 2
        assert forwarder.run_once().delivered == 0
        assert forwarder.cursor("default") == 12
        sink.close()
    assert _ids(receiver.items()) == list(range(1, 13))
    assert receiver.attempts == 1 + 3 + 1


def test_a_cursor_is_kept_per_name_and_tenant(data_dir: Path, tmp_path: Path) -> None:
    fill(data_dir, 3)
    fill(data_dir, 2, tenant="acme")
    with open_store(data_dir) as store:
        a = Forwarder(store.engine, FileSink(tmp_path / "a.jsonl"), name="a")
        b = Forwarder(store.engine, FileSink(tmp_path / "b.cef"), name="b", format="cef")
        assert a.run_once().delivered == 6
        assert b.run_once().delivered == 6
        assert (a.cursor("acme"), a.cursor("default")) == (2, 4)
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == 6
    assert (tmp_path / "b.cef").read_text().startswith("CEF:0|Keel|Keel|")


def test_the_cli_forwards_once_and_resumes(data_dir: Path, tmp_path: Path, keel) -> None:
    fill(data_dir, 4)
    out = tmp_path / "siem.jsonl"
    first = keel("audit", "forward", "--sink", f"file:{out}", "--once")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("delivered 5 record(s)")
    again = keel("audit", "forward", "--sink", f"file:{out}", "--once")
    assert again.stdout.startswith("delivered 0 record(s)")
    assert len(out.read_text().splitlines()) == 5
    failed = keel(
        "audit", "forward", "--sink", "http://127.0.0.1:9/nowhere", "--once", "--name", "siem2"
    )
    assert failed.returncode == 1
    assert "delivery failed" in failed.stderr


@pytest.mark.parametrize(
    "statement",
    [
        "update audit_log set payload = '{' where id = 3",
        "update audit_log set time = 'yesterday' where id = 3",
        """update audit_log set kind = 'run.finished', payload = '{"decisions":5}' where id = 3""",
    ],
)
def test_a_record_that_cannot_be_read_stops_the_forwarder_by_name(
    data_dir: Path, db: Path, tmp_path: Path, keel, statement: str
) -> None:
    fill(data_dir, 4)  # records 1..5
    tamper(db, statement)
    out = tmp_path / "out.jsonl"
    stopped = ForwardResult(
        2,
        "record 3 of tenant 'default' cannot be read (edited in the database?); "
        "run keel audit verify",
    )
    with open_store(data_dir) as store:
        forwarder = Forwarder(store.engine, FileSink(out), format="cef")
        assert forwarder.run_once() == stopped
        assert forwarder.cursor("default") == 2
        # Neither skipped (the cursor stays before it) nor a crash on the next pass.
        assert forwarder.run_once() == ForwardResult(0, stopped.failed)
    assert _cef_ids(out) == ["1", "2"]
    cli = tmp_path / "cli.cef"
    result = keel(
        "audit", "forward", "--sink", str(cli), "--once", "--name", "cli", "--format", "cef"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "record 3 of tenant 'default' cannot be read" in " ".join(result.stderr.split())
    assert _cef_ids(cli) == ["1", "2"]


def _cef_ids(path: Path) -> list[str]:
    return [line.split("externalId=")[1].split()[0] for line in path.read_text().splitlines()]


def _wait_for(condition: Callable[[], bool]) -> bool:
    """Poll ``condition`` for up to 30 s (a bound for a hang, not a timing check)."""
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_database_error_does_not_stop_the_forwarder(
    data_dir: Path, db: Path, tmp_path: Path
) -> None:
    fill(data_dir, 4)  # records 1..5
    conn = sqlite3.connect(db)
    conn.execute(
        "create trigger test_locked before insert on audit_cursors "
        "begin select raise(abort, 'database is locked'); end"
    )
    conn.commit()
    out = tmp_path / "out.jsonl"
    with open_store(data_dir) as store:
        forwarder = Forwarder(store.engine, FileSink(out))
        stop = threading.Event()
        runner = threading.Thread(target=forwarder.run, args=(stop,), kwargs={"interval_s": 0.05})
        runner.start()
        try:
            # Delivered, but the cursor could not be saved: the batch is sent again.
            assert _wait_for(lambda: out.exists() and len(out.read_text().splitlines()) >= 10)
            conn.execute("drop trigger test_locked")
            conn.commit()
            assert _wait_for(lambda: forwarder.cursor("default") == 5), "the forwarder stopped"
        finally:
            stop.set()
            runner.join(timeout=30)
            conn.close()
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert set(ids) == {1, 2, 3, 4, 5}  # at least once: repeats, nothing missing


async def test_cef_forwarding_of_runs_has_a_line_per_event(data_dir: Path, tmp_path: Path) -> None:
    @tool
    def lookup(ticket_id: str) -> str:
        """Look up a ticket."""
        return ticket_id

    def script(request: ModelRequest) -> str | ToolCall:
        if request.messages[-1].role == "tool":
            return "done"
        return ToolCall("c1", "lookup", {"ticket_id": "T-1"})

    agent = Agent.define("helper", model=ScriptedModel(script), tools=[lookup])
    store = open_store(data_dir)
    engine = LocalEngine(store)
    rec = await engine.run(agent, "look up T-1")
    await engine.close()
    try:
        forwarder = Forwarder(store.engine, FileSink(tmp_path / "out.cef"), format="cef")
        # The run's two commits (one before its tool ran) are its two records.
        assert forwarder.run_once().delivered == 2
    finally:
        store.close()
    # A line for each event, in order; the events of each commit are one record.
    lines = (tmp_path / "out.cef").read_text().splitlines()
    kinds = [line.split("|")[4] for line in lines]
    assert kinds == ["run.started", "model.call", "tool.call", "model.call", "run.finished"]
    assert all(f"cs2={rec.id}" in line for line in lines)
    assert [line.split("cn1=")[1].split()[0] for line in lines] == ["0", "1", "0", "1", "2"]
    ids = [line.split("externalId=")[1].split()[0] for line in lines]
    assert ids[0] == ids[1] != ids[2] == ids[3] == ids[4]
