"""The scanner's gate: a text holding nothing any built-in detector starts from is not
scanned (``_may_hold_builtin_pii``). It must never change a finding: every test here
compares the gated scanner with the same detectors scanning every text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

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
