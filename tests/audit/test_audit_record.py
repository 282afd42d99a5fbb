"""The record format: canonical JSON, the hash formula, strict parsing."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from keel.audit.record import (
    GENESIS_HASH,
    AuditEvent,
    AuditRecord,
    canonical_json,
    content_json,
    events_json,
    record_hash,
)


def reference_hash(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


CONTENTS = [
    {
        "tenant": "default",
        "id": 1,
        "time": 1763726400.123456,
        "kind": "tool.call",
        "actor": "agent:helpdesk",
        "run_id": "run_01",
        "payload": {"b": [1, 2.5, None, True], "a": 'é "quoted" \\ \n\t\u2028'},
        "prev_hash": GENESIS_HASH,
    },
    {
        "tenant": "ünïcode tenant",
        "id": 123456789,
        "time": 1e-7,
        "kind": "run.finished",
        "actor": 'cli:"root"',
        "run_id": None,
        "payload": {"nested": {"z": {}, "y": [], "x": -0.0}, "big": 10**20},
        "prev_hash": "ab" * 32,
    },
]


@pytest.mark.parametrize("content", CONTENTS)
def test_fast_content_json_is_the_canonical_json_of_the_content(content: dict[str, Any]) -> None:
    payload_json = canonical_json(content["payload"])
    fields = {k: v for k, v in content.items() if k != "payload"}
    text = content_json(payload_json=payload_json, **fields)
    assert text == json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert record_hash(payload_json=payload_json, **fields) == reference_hash(content)


def test_canonical_json_refuses_nan_and_objects() -> None:
    with pytest.raises(ValueError, match="Out of range"):
        canonical_json({"x": float("nan")})
    with pytest.raises(TypeError, match="not JSON serializable"):
        canonical_json({"x": object()})


def test_record_round_trips_through_its_dict() -> None:
    content = CONTENTS[0]
    payload_json = canonical_json(content["payload"])
    fields = {k: v for k, v in content.items() if k != "payload"}
    h = record_hash(payload_json=payload_json, **fields)
    rec = AuditRecord(
        fields["tenant"],
        fields["id"],
        fields["time"],
        fields["kind"],
        fields["actor"],
        fields["run_id"],
        payload_json,
        fields["prev_hash"],
        h,
    )
    again = AuditRecord.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert again == rec
    assert again.computed_hash() == h
    assert rec.computed_hash(id=2) != h


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": 0}, "positive integer"),
        ({"id": True}, "positive integer"),
        ({"id": "1"}, "positive integer"),
        ({"time": "now"}, "number"),
        ({"hash": "XYZ"}, "64 lowercase hex"),
        ({"prev_hash": "AB" * 32}, "64 lowercase hex"),
        ({"actor": 3}, "string"),
        ({"run_id": 5}, "string or null"),
    ],
)
def test_record_from_dict_rejects_malformed_fields(change: dict[str, Any], message: str) -> None:
    good = {
        "tenant": "default",
        "id": 1,
        "time": 1.0,
        "kind": "tool.call",
        "actor": "a",
        "run_id": None,
        "payload": {},
        "prev_hash": GENESIS_HASH,
        "hash": GENESIS_HASH,
    }
    with pytest.raises(ValueError, match=message):
        AuditRecord.from_dict({**good, **change})
    missing = dict(good)
    del missing["payload"]
    with pytest.raises(ValueError, match="lacks field 'payload'"):
        AuditRecord.from_dict(missing)


# A record hashed by the version that defined the format (json.dumps of the content):
# any later change to how records are encoded or hashed changes this and fails here.
PINNED_HASH = "af1f6163a3c1f29efaccd6dee50e8825f7f73781abff78f573a5a48fee6de8db"


def test_the_hash_formula_is_pinned() -> None:
    content = CONTENTS[1]
    payload_json = canonical_json(content["payload"])
    fields = {k: v for k, v in content.items() if k != "payload"}
    assert record_hash(payload_json=payload_json, **fields) == PINNED_HASH
    assert reference_hash(content) == PINNED_HASH


def _record(kind: str, payload_json: str) -> AuditRecord:
    return AuditRecord("default", 4, 9.5, kind, "agent:a", "run_1", payload_json, GENESIS_HASH, "")


def test_a_run_events_record_reads_as_its_events_in_order() -> None:
    events = [
        ("run.started", 1763726400.125, canonical_json({"agent": "a"})),
        ("tool.call", 2.5, canonical_json({"arguments": {"b": 1, "a": [None]}, "tool": "t"})),
    ]
    record = _record("run.events", events_json(events))
    read = record.events()
    assert [(e.kind, e.time, e.payload_json) for e in read] == events
    assert read[1].payload == {"arguments": {"a": [None], "b": 1}, "tool": "t"}
    # They come parsed (CEF export reads each one's payload) and equal the same events
    # built from their text alone.
    assert read == [AuditEvent(kind, at, text) for kind, at, text in events]
    assert read[0].parsed == {"agent": "a"}
    assert read[1].payload is read[1].parsed
    assert AuditEvent(*events[0]).payload == read[0].payload


def test_any_other_record_is_its_own_one_event() -> None:
    record = _record("tool.call", '{"events":[]}')
    [event] = record.events()
    assert (event.kind, event.time, event.payload_json) == ("tool.call", 9.5, '{"events":[]}')


@pytest.mark.parametrize(
    "payload_json",
    [
        "{",
        "[]",
        '{"events":[]}',
        '{"events":{}}',
        '{"events":[],"more":1}',
        '{"events":[1]}',
        '{"events":[{"kind":"x","payload":{}}]}',
        '{"events":[{"kind":"x","payload":{},"time":1}]}',
        '{"events":[{"kind":1,"payload":{},"time_us":1}]}',
        '{"events":[{"kind":"x","payload":{},"time_us":"1"}]}',
        '{"events":[{"kind":"x","payload":{},"time_us":true}]}',
        '{"events":[{"kind":"x","payload":{},"time_us":1.5}]}',
        '{"events":[{"kind":"x","payload":{},"time_us":1e400}]}',
        '{"events":[{"kind":"x","payload":{},"time_us":' + "9" * 400 + "}]}",
        '{"events":[{"kind":"x","payload":NaN,"time_us":1}]}',
        '{"events":[{"kind":"x","payload":{},"time_us":1,"extra":0}]}',
        '{"events":' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
)
def test_a_run_events_payload_of_another_shape_is_kept_whole(payload_json: str) -> None:
    # Never written by Keel; read as one event, so an export drops nothing.
    [event] = _record("run.events", payload_json).events()
    assert (event.kind, event.time, event.payload_json) == ("run.events", 9.5, payload_json)
