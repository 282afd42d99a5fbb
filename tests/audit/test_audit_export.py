"""Export formats, compared as exact text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_db import fill, tamper

from keel.audit import AuditRecord, to_cef, to_jsonl
from keel.audit.export import severity
from keel.audit.record import GENESIS_HASH, canonical_json, events_json

RECORD = AuditRecord(
    tenant="acme|eu",
    id=7,
    time=1763726400.25,
    kind="tool.call",
    actor="agent:a=b\\c",
    run_id="run_01",
    payload_json=canonical_json({"outcome": "timeout", "tool": "x|y", "note": "line1\nline2=z"}),
    prev_hash=GENESIS_HASH,
    hash="ab" * 32,
)


def test_jsonl_is_the_canonical_record() -> None:
    assert to_jsonl(RECORD) == (
        '{"actor":"agent:a=b\\\\c","hash":"' + "ab" * 32 + '","id":7,"kind":"tool.call",'
        '"payload":{"note":"line1\\nline2=z","outcome":"timeout","tool":"x|y"},'
        '"prev_hash":"' + "0" * 64 + '","run_id":"run_01","tenant":"acme|eu",'
        '"time":1763726400.25}'
    )


def test_cef_escapes_header_and_extension() -> None:
    assert to_cef(RECORD, version="0.1|rc") == (
        "CEF:0|Keel|Keel|0.1\\|rc|tool.call|Tool call|5|"
        "rt=1763726400250 externalId=7 suser=agent:a\\=b\\\\c "
        "cs1Label=tenant cs1=acme|eu cs2Label=runId cs2=run_01 "
        f"cs3Label=hash cs3={'ab' * 32} cs4Label=prevHash cs4={'0' * 64} "
        'msg={"note":"line1\\\\nline2\\=z","outcome":"timeout","tool":"x|y"}'
    )


def test_cef_without_a_run_omits_the_run_id() -> None:
    rec = AuditRecord("default", 1, 1.0, "key.change", "keel", None, "{}", GENESIS_HASH, "0" * 64)
    assert to_cef(rec, version="1") == (
        "CEF:0|Keel|Keel|1|key.change|Key or role change|8|rt=1000 externalId=1 suser=keel "
        f"cs1Label=tenant cs1=default cs3Label=hash cs3={'0' * 64} "
        f"cs4Label=prevHash cs4={'0' * 64} msg={{}}"
    )


def test_the_cli_exports_every_line(data_dir: Path, tmp_path: Path, keel) -> None:
    fill(data_dir, 4)
    fill(data_dir, 2, tenant="acme")
    out = tmp_path / "audit.cef"
    assert keel("audit", "export", "--format", "cef", "--output", str(out)).returncode == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 2 + 5
    assert all(line.startswith("CEF:0|Keel|Keel|0.1.0|") for line in lines)
    jsonl = keel("audit", "export", "--tenant", "acme").stdout.splitlines()
    assert [line.count('"tenant":"acme"') for line in jsonl] == [1, 1]
    assert keel("audit", "export", "--since", "1h").stdout.count("\n") == 7
    assert keel("audit", "export", "--since", "2000-01-01T00:00:00Z").stdout.count("\n") == 7
    assert keel("audit", "export", "--since", "9999999999").stdout == ""
    bad = keel("audit", "export", "--format", "xml")
    assert bad.returncode == 2


def _finished(status: str, *results: str) -> AuditRecord:
    decisions = [{"point": "tool", "result": r, "reasons": []} for r in results]
    payload = canonical_json({"status": status, "decisions": decisions})
    return AuditRecord("default", 1, 1.0, "run.finished", "agent:a", "run_1", payload, "", "")


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (_finished("completed"), 2),
        (_finished("completed", "allow", "allow"), 2),
        (_finished("failed", "allow"), 5),
        # A run whose policy denied or escalated is what a SOC looks at first.
        (_finished("failed", "allow", "deny"), 6),
        (_finished("escalated", "escalate"), 6),
    ],
)
def test_a_finished_run_is_as_severe_as_its_decisions(record: AuditRecord, expected: int) -> None:
    assert severity(record) == expected


@pytest.mark.parametrize("fmt", ["jsonl", "cef"])
def test_a_record_that_cannot_be_read_is_named(
    data_dir: Path, db: Path, tmp_path: Path, keel, fmt: str
) -> None:
    fill(data_dir, 4)  # records 1..5
    tamper(db, "update audit_log set payload = '{' where id = 3")
    out = tmp_path / "out.txt"
    result = keel("audit", "export", "--format", fmt, "--output", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "record 3 of tenant 'default' cannot be read" in " ".join(result.stderr.split())
    assert len(out.read_text().splitlines()) == 2  # the records before it


GROUP = AuditRecord(
    tenant="default",
    id=12,
    time=3.0,
    kind="run.events",
    actor="agent:a",
    run_id="run_02",
    payload_json=events_json(
        [
            ("tool.call", 2.0, canonical_json({"outcome": "timeout", "tool": "t"})),
            ("run.finished", 3.0, canonical_json({"decisions": [], "status": "completed"})),
        ]
    ),
    prev_hash=GENESIS_HASH,
    hash="cd" * 32,
)


def test_cef_has_a_line_per_event_of_a_run_events_record() -> None:
    tail = f"cs3Label=hash cs3={'cd' * 32} cs4Label=prevHash cs4={'0' * 64}"
    assert to_cef(GROUP, version="1").split("\n") == [
        "CEF:0|Keel|Keel|1|tool.call|Tool call|5|rt=2000 externalId=12 suser=agent:a "
        "cs1Label=tenant cs1=default cs2Label=runId cs2=run_02 cn1Label=event cn1=0 "
        f'{tail} msg={{"outcome":"timeout","tool":"t"}}',
        "CEF:0|Keel|Keel|1|run.finished|Run finished|2|rt=3000 externalId=12 suser=agent:a "
        "cs1Label=tenant cs1=default cs2Label=runId cs2=run_02 cn1Label=event cn1=1 "
        f'{tail} msg={{"decisions":[],"status":"completed"}}',
    ]
    # JSON lines keep the record whole, so that its hash can be checked.
    assert to_jsonl(GROUP).count("\n") == 0
    assert AuditRecord.from_dict(json.loads(to_jsonl(GROUP))) == GROUP


def test_the_fields_a_run_events_record_shares_are_escaped_on_every_line() -> None:
    grouped = AuditRecord(
        "acme|eu", 3, 3.0, "run.events", "agent:a=b\\c", "run=1", GROUP.payload_json, "", ""
    )
    lines = to_cef(grouped, version="1|x").split("\n")
    assert len(lines) == 2
    for line in lines:
        assert line.startswith("CEF:0|Keel|Keel|1\\|x|")
        assert (
            " suser=agent:a\\=b\\\\c cs1Label=tenant cs1=acme|eu cs2Label=runId cs2=run\\=1 "
            in line
        )


def test_a_run_events_record_is_as_severe_as_its_most_severe_event() -> None:
    assert severity(GROUP) == 5


@pytest.mark.parametrize("fmt", ["jsonl", "cef"])
def test_a_payload_nested_past_the_parser_is_named_too(
    data_dir: Path, db: Path, tmp_path: Path, keel, fmt: str
) -> None:
    fill(data_dir, 4)  # records 1..5
    deep = "[" * 100_000 + "]" * 100_000
    tamper(db, f"update audit_log set payload = '{deep}' where id = 3")
    out = tmp_path / "out.txt"
    result = keel("audit", "export", "--format", fmt, "--output", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "record 3 of tenant 'default' cannot be read" in " ".join(result.stderr.split())
