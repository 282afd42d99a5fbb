"""Sinks that fail: a file that fills up half-way, a webhook that is not a URL, a
webhook whose URL holds a credential (kept out of messages and logs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from audit_db import open_store, rows
from audit_receiver import Receiver

from keel.audit import AuditLog, AuditOptions, WebhookSink, checkpointer, reader
from keel.audit.sinks import DeliveryError
from keel.errors import ConfigError

# A process whose files may not grow past a limit: the write that crosses it is cut
# short, as on a full disk (SIGXFSZ ignored, so the next write fails with EFBIG).
_FILLS_UP = """
import resource, signal, sys
from pathlib import Path
from keel.audit.sinks import DeliveryError, FileSink

path = Path(sys.argv[1])
sink = FileSink(path)
sink.deliver(['{"id": 1}'], [])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size + 5, hard))
try:
    sink.deliver(['{"id": 2, "text": "longer than the five bytes left"}', '{"id": 3}'], [])
except DeliveryError as e:
    print("failed:", e.message)
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
sink.deliver(['{"id": 2, "text": "longer than the five bytes left"}', '{"id": 3}'], [])
"""


def test_a_batch_cut_short_by_a_full_disk_leaves_no_partial_line(tmp_path: Path) -> None:
    path = tmp_path / "out" / "records.jsonl"
    result = subprocess.run(
        [sys.executable, "-c", _FILLS_UP, str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("failed: cannot append to")
    # The retried batch follows the first line, whole: every line parses.
    lines = path.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 2, 3]


@pytest.mark.parametrize("url", ["siem.example.com/keel", "ftp://siem.example.com/keel"])
def test_a_checkpoint_webhook_that_is_not_http_is_refused_when_the_log_opens(
    data_dir: Path, db: Path, url: str
) -> None:
    with open_store(data_dir) as store:
        with pytest.raises(ConfigError, match="must start with http:// or https://"):
            AuditLog.of(store, AuditOptions.for_store(store, checkpoint_webhook=url))
        # Not at the first append, after its record was queued (and at every one after).
        log = AuditLog.of(store)
        log.append("tool.call", {"i": 1}, actor="agent:test")
        log.flush()
    assert [row[3] for row in rows(db)].count("tool.call") == 1


def test_the_cli_names_a_webhook_that_is_not_http(data_dir: Path, keel) -> None:
    result = keel("audit", "checkpoint", "--webhook", "siem.example.com/keel")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "INPUT_INVALID" in result.stderr
    assert "must start with http:// or https://" in " ".join(result.stderr.split())


@pytest.mark.parametrize("url", ["http://[::1/audit", "http://bad\nhost/audit", "http://:9/x"])
def test_a_webhook_url_httpx_cannot_use_is_refused_by_name(url: str, keel) -> None:
    with pytest.raises(ConfigError, match="webhook URL"):
        WebhookSink(url)
    result = keel("audit", "forward", "--sink", url, "--once")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "INPUT_INVALID: webhook URL" in " ".join(result.stderr.split())


def test_a_webhook_credential_stays_out_of_messages_and_logs(
    data_dir: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    url = receiver.url.replace("http://", "http://ops:s3cret@") + "?token=t0ken&team=ops"
    sink = WebhookSink(url)
    receiver.fail = 1
    with pytest.raises(DeliveryError) as failed:
        sink.deliver([], [{"id": 1}])
    sink.close()
    shown = receiver.url.replace("http://", "http://ops:***@") + "?token=***&team=ops"
    assert failed.value.message == f"POST {shown} answered 500"
    assert sink.name == shown
    receiver.fail = 1
    with open_store(data_dir) as store:
        log = AuditLog.of(store, AuditOptions.for_store(store, checkpoint_webhook=url))
        log.append("tool.call", {"i": 1}, actor="agent:test")
        log.checkpoint()  # the receiver refuses it: logged
    assert "not published (1 waiting; will retry): POST http://ops:***@" in caplog.text
    assert "s3cret" not in caplog.text
    assert "t0ken" not in caplog.text


def test_a_checkpoint_the_webhook_refused_is_sent_again_before_the_next(
    data_dir: Path, receiver: Receiver
) -> None:
    receiver.fail = 2
    with open_store(data_dir) as store:
        log = AuditLog.of(store, AuditOptions.for_store(store, checkpoint_webhook=receiver.url))
        sizes = []
        for i in range(3):
            log.append("tool.call", {"i": i}, actor="agent:test")
            sizes += [cp.tree_size for cp in log.checkpoint()]
    # The first checkpoint was refused, and again when retried at the next pass; then
    # it went with the second, and the third on its own: all, in order, each once.
    assert receiver.attempts == 4
    assert [item["tree_size"] for item in receiver.items()] == sizes
    assert sizes == sorted(set(sizes))
    assert len(sizes) == 3


def test_refused_checkpoints_are_sent_at_close(data_dir: Path, receiver: Receiver) -> None:
    receiver.fail = 1
    with open_store(data_dir) as store:
        log = AuditLog.of(store, AuditOptions.for_store(store, checkpoint_webhook=receiver.url))
        log.append("tool.call", {"i": 0}, actor="agent:test")
        [cp] = log.checkpoint()
        assert receiver.items() == []
    # The log's last pass, at close, sent it again.
    assert [item["tree_size"] for item in receiver.items()] == [cp.tree_size]


def test_beyond_the_bound_the_oldest_refused_checkpoints_are_dropped(
    data_dir: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpointer, "MAX_UNPUBLISHED", 2)
    receiver.fail = 1_000
    with open_store(data_dir) as store:
        log = AuditLog.of(store, AuditOptions.for_store(store, checkpoint_webhook=receiver.url))
        sizes = []
        for i in range(4):
            log.append("tool.call", {"i": i}, actor="agent:test")
            sizes += [cp.tree_size for cp in log.checkpoint()]
        saved = reader.stored_checkpoints(store.engine, "default")
        stored = [c.checkpoint.tree_size for c in saved]
        receiver.fail = 0  # takes what is sent at close
    # All four are stored; the sink got only the newest two.
    assert stored == sizes
    assert [item["tree_size"] for item in receiver.items()] == sizes[-2:]
