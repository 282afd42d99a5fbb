"""The forwarder: at least once to a real HTTP receiver, resuming from its cursor."""

from __future__ import annotations

from pathlib import Path

from audit_db import fill, open_store
from audit_receiver import Receiver

from keel.audit import FileSink, Forwarder, WebhookSink


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
