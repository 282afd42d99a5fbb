"""The scanner's gate: a text holding nothing any built-in detector starts from is not
scanned (``_may_hold_builtin_pii``). It must never change a finding: every test here
compares the gated scanner with the same detectors scanning every text."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keel.governance.injection.corpus import load
from keel.governance.pii import (
    CardDetector,
    Finding,
    PhoneDetector,
    PiiScanner,
    SecretDetector,
    default_registry,
)
from keel.governance.pii._scanner import _may_hold_builtin_pii
from pii_corpus_loader import corpus_texts

ROOT = Path(__file__).resolve().parents[2]


def ungated(scanner: PiiScanner) -> PiiScanner:
    reference = PiiScanner(scanner.detectors)
    reference._gated_for = None  # the reference: every text goes to every detector
    return reference


SCANNER = default_registry().scanner()
REFERENCE = ungated(SCANNER)


def assert_same(text: str) -> None:
    assert SCANNER.scan(text) == REFERENCE.scan(text), text


def test_only_keel_detectors_are_gated() -> None:
    assert SCANNER._gated_for is SCANNER.detectors
    some = PiiScanner([CardDetector(), PhoneDetector(("DE",)), SecretDetector(entropy=False)])
    assert some._gated_for is some.detectors

    class Everything:
        def detect(self, text: str) -> list[Finding]:
            return [Finding(0, len(text), "word", text, 1.0)]

    class MyCards(CardDetector):
        pass

    assert PiiScanner([CardDetector(), Everything()])._gated_for is None
    assert PiiScanner([MyCards()])._gated_for is None
    # A plug-in sees even a text the built-in detectors would not be given.
    assert not _may_hold_builtin_pii("hello")
    assert PiiScanner([Everything()]).scan("hello") == [Finding(0, 5, "word", "hello", 1.0)]
    # Detectors swapped on a gated scanner: it scans every text again.
    swapped = default_registry().scanner()
    swapped.detectors = (*swapped.detectors, Everything())
    assert swapped.scan("hello") == [Finding(0, 5, "word", "hello", 1.0)]


def test_the_gate_keeps_every_finding_of_the_pii_corpus() -> None:
    texts = corpus_texts(2000, seed=5)
    found = 0
    for text in texts:
        assert_same(text)
        found += bool(REFERENCE.scan(text))
    assert found > 500  # the corpus is mostly PII: the comparison saw many findings


def test_the_gate_keeps_every_finding_of_the_injection_corpus() -> None:
    examples = load()
    assert len(examples) > 1000
    for example in examples:
        assert_same(example.text)


@pytest.mark.parametrize(
    "text",
    [
        "a@b.co",
        "::1",
        "fe80::1",
        "1.1.1.1",
        "DE89 3704 0044 0532 0130 00",
        "4242 4242 4242 4242",
        "078-05-1120",
        "+1 415 555 2671",
        "pin=123",
        "pwd: 'x9y'",
        "Bearer 1",
        "Basic dXNlcjpwYXNz",
        "sk-abcdefghijklmnopqrstuvwx",
        "ghp_" + "a1B2" * 9,
        "eyJhbGciOiJI.eyJzdWIiOiIx.c2lnbmF0dXJl",
        "AKIAABCDEFGHIJKLMNOP",
        "9f8e7d6c5b4aQ3W2E1R0T9Y8U7I6O5P4",
    ],
)
def test_the_shortest_forms_of_every_type_pass_the_gate(text: str) -> None:
    assert _may_hold_builtin_pii(text), text
    assert REFERENCE.scan(text), text  # each is a finding...
    assert_same(text)  # ...and the gate keeps it


def test_texts_without_anything_to_start_from_are_not_scanned() -> None:
    for text in ["route ticket T-1", "T-1", "done: ticket routed", "my VPN drops at 9 pm"]:
        assert not _may_hold_builtin_pii(text), text
        assert REFERENCE.scan(text) == []


def test_the_gate_keeps_every_finding_of_random_near_misses() -> None:
    # Short strings over the characters the detectors care about: digits, separators,
    # '@', ':', '=', capitals, hex, and pieces of secret names and formats.
    rng = random.Random(20261121)
    alphabet = [
        *"0123456789 .-:/()+@=_AZaefkxQ",
        *("pin", "pass", "token", "Bearer ", "Basic ", "eyJ", "::", "DE", "é"),
    ]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        assert_same(text)


# Compact JSON: what Keel's executor hands the model as a tool result. It has no
# whitespace, and every object with two keys has two colons; neither may let a finding
# slip past the gate, and neither should send a text with nothing in it to the scan.


def _compact(value: object, *, ascii_only: bool = True) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only)


def _as_tool_results(text: str) -> list[str]:
    return [
        _compact({"id": "T-1", "note": text}),
        _compact({"id": "T-1", "note": text}, ascii_only=False),
        _compact({"a": {"b": [text, 12, None, True]}, "queue": "network"}, ascii_only=False),
        _compact([{"k": text}, {"k": text[::-1]}]),
    ]


def test_the_gate_keeps_every_finding_of_the_pii_corpus_as_json_values() -> None:
    found = 0
    for text in corpus_texts(1000, seed=6):
        for result in _as_tool_results(text):
            assert_same(result)
            found += bool(REFERENCE.scan(result))
    assert found > 1000


def test_the_gate_keeps_every_finding_of_the_injection_corpus_as_json_values() -> None:
    for example in load():
        for result in _as_tool_results(example.text):
            assert_same(result)


@pytest.mark.parametrize(
    "value",
    [
        {"ip": "::1"},
        {"ip": "fe80::1"},
        {"ip": "2001:db8::8a2e:370:7334"},
        {"ip": "2001:0db8:85a3:0000:0000:8a2e:0370:7334"},
        {"ip": "::ffff:192.0.2.1"},
        {"ips": ["1.1.1.1", "::1"]},
        {"api_key": "sk-abcdefghijklmnopqrstuvwx"},
        {"password": "hunter2"},
        {"refresh_token": "a1b2c3"},
        {"cvv": "123"},
        {"headers": {"Authorization": "Bearer 1"}},
        {"blob": "QWxsIHRoZSBrZXlzIHBsZWFzZTogQUtJQUFCQ0RFRkdISUpLTE1OT1A="},
        {"key": "9f8e7d6c5b4aQ3W2E1R0T9Y8U7I6O5P4"},
        {"card": "4242424242424242"},
        {"iban": "DE89370400440532013000"},
        # Two digits and no run of four, nor of twenty token characters: only the
        # anchor (country code and check digits) lets it through.
        {"iban": "QA84 DOHB XAYB ZCWD VEUF TGSH RIQJ P"},
        {"to": "a@b.co"},
        {"ssn": "078-05-1120"},
        {"phone": "+14155552671"},
    ],
)
def test_pii_in_compact_json_passes_the_gate(value: dict[str, object]) -> None:
    text = _compact(value)
    assert _may_hold_builtin_pii(text), text
    assert REFERENCE.scan(text), text
    assert_same(text)


@pytest.mark.parametrize(
    "value",
    [
        {"id": "T-1", "queue": "network"},
        {"id": "T-1", "queue": "network", "status": "routed", "priority": 2},
        {"ok": True, "items": [], "count": 12, "next": None},
        {"a": {"b": [1, 2, 3], "c": {"d": "e"}}},
        {"version": "1.2", "ratio": 0.5, "tags": ["vpn", "wifi"]},
        {"url": "https://example.com/help/vpn"},
        {"id": "T-1", "queue": "network", "eta": "9:30"},
    ],
)
def test_compact_json_without_pii_is_not_scanned(value: dict[str, object]) -> None:
    text = _compact(value)
    assert not _may_hold_builtin_pii(text), text
    assert REFERENCE.scan(text) == []


def test_the_gate_keeps_every_finding_of_random_json_punctuation_and_hex() -> None:
    # What the IPv6 and digit-run rules now look at: colons between quotes, commas and
    # brackets, hex digits, separators and digits.
    rng = random.Random(20261122)
    alphabet = [*'0123456789abcdefABCDEF:"{}[],.- ', *("::", '":"', "DE", "f:", ":0")]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        assert_same(text)


_KEYS = st.sampled_from(
    ["id", "queue", "ip", "password", "api_key", "token", "pin", "note", "url", "n", "Auth"]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "T-1",
            "network",
            "::1",
            "fe80::1",
            "2001:db8::1",
            "10.0.0.1",
            "sk-abcdefghijklmnopqrstuvwx",
            "a@b.co",
            "4242 4242 4242 4242",
            "DE89370400440532013000",
            "078-05-1120",
            "hunter2",
            "Bearer abc123",
            "9f8e7d6c5b4aQ3W2E1R0T9Y8U7I6O5P4",
            "https://example.com/?q=1",
            "14:30",
            "caf\u00e9",
        ]
    ),
    st.text(alphabet='0123456789abcdefAF:.-@ "', max_size=16),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON, st.booleans())
def test_random_json_objects_find_the_same(value: object, ascii_only: bool) -> None:
    assert_same(_compact(value, ascii_only=ascii_only))
    assert_same(json.dumps(value, ensure_ascii=ascii_only))  # with spaces, as logged
