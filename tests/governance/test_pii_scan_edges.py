"""What the scanner finds where the speed-ups of ``_runs`` (the shared pass, the digit
counts, the cut places) and the detectors' prefilters could change it: values at the
text's edges, next to each other, in non-ASCII text, written in non-ASCII digits, in
very long digit runs and behind every separator. The expectations are those of the
scanner before the speed-up (checked against it on the benchmark corpora and on
fuzzed text), and the labelled corpora must come out exactly as labelled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import ModuleType

import pytest

from keel.governance.pii import PiiGuard, default_registry
from pii_corpus_loader import pii_corpus

KEY = b"scan-edges-test-key-0123456789ab"

Expected = list[tuple[str, str, str]]
"""(type, text, detail) of each finding, in text order."""

CASES: list[tuple[str, Expected]] = [
    # cards: grouping, cuts, glue, neighbours
    ("4111 1111 1111 1111", [("card", "4111 1111 1111 1111", "visa")]),
    ("4111111111111111.", [("card", "4111111111111111", "visa")]),
    ("card:4111-1111-1111-1111", []),
    ("ref-4111111111111111", []),
    ("4111-1111 1111-1111", []),
    ("#4471 4111 1111 1111 1111", [("card", "4111 1111 1111 1111", "visa")]),
    ("4111 1111 1111 1111 123", [("card", "4111 1111 1111 1111", "visa")]),
    ("4111 1111 1111 1111 4242 4242 4242 4242", [("card", "4111 1111 1111 1111", "visa")]),
    (
        "4111 1111 1111 1111, 4242424242424242",
        [("card", "4111 1111 1111 1111", "visa"), ("card", "4242424242424242", "visa")],
    ),
    # non-ASCII text and digits
    ("é 4111 1111 1111 1111 é", [("card", "4111 1111 1111 1111", "visa")]),
    ("4111 1111 1111 1111日本", []),
    ("日本4111 1111 1111 1111", []),
    ("٤١١١١١١١١١١١١١١١", []),
    ("４１１１ １１１１ １１１１ １１１１", []),
    ("é@example.com jöhn@example.com", []),
    # long runs
    ("1234567890123456789012345678901234567890", []),
    ("9" * 80, []),
    # SSNs
    ("123-45-6789", [("ssn", "123-45-6789", "")]),
    ("SSN: 123456789", [("ssn", "123456789", "labelled")]),
    (
        "ssn 123456789 and 123-45-6789",
        [("ssn", "123456789", "labelled"), ("ssn", "123-45-6789", "")],
    ),
    ("078-05-1120", [("ssn", "078-05-1120", "voided")]),
    ("123-45-6789-0", []),
    # IBANs
    ("DE89 3704 0044 0532 0130 00", [("iban", "DE89 3704 0044 0532 0130 00", "DE")]),
    ("XDE89 3704 0044 0532 0130 00", []),
    (
        "IBAN:DE89370400440532013000,GB82WEST12345698765432",
        [
            ("iban", "DE89370400440532013000", "DE"),
            ("iban", "GB82WEST12345698765432", "GB"),
        ],
    ),
    # emails
    ("jane@example.com", [("email", "jane@example.com", "")]),
    (
        "jane@example.com,john@example.org",
        [("email", "jane@example.com", ""), ("email", "john@example.org", "")],
    ),
    ("(jane@example.com)", [("email", "jane@example.com", "")]),
    # IP addresses
    ("1.2.3.4", [("ip", "1.2.3.4", "ipv4")]),
    ("192.168.1.20", [("ip", "192.168.1.20", "ipv4")]),
    ("10.0.19045.3803", []),
    ("v1.2.3.4", []),
    ("01.2.3.4", []),
    ("::ffff:192.0.2.1", [("ip", "::ffff:192.0.2.1", "ipv6")]),
    ("2001:db8::1: it timed out", [("ip", "2001:db8::1", "ipv6")]),
    ("fe80::1%eth0", [("ip", "fe80::1", "ipv6")]),
    ("at 14:30:00 on 2024-03-15", []),
    ("::", []),
    # phone numbers
    ("+44 20 7946 0958", [("phone", "+44 20 7946 0958", "GB")]),
    ("+44 (0)20 7946 0958", [("phone", "+44 (0)20 7946 0958", "GB")]),
    ("00 44 20 7946 0958", [("phone", "00 44 20 7946 0958", "GB")]),
    ("(415) 555-2671", [("phone", "(415) 555-2671", "US")]),
    ("#4471 (415) 555-2671", [("phone", "(415) 555-2671", "US")]),
    ("1-415-555-2671", [("phone", "1-415-555-2671", "US")]),
    ("4155552671", [("phone", "4155552671", "US")]),
    ("order 4155552671", []),
    ("030 12345678", [("phone", "030 12345678", "GB")]),
    ("01 23 45 67 89", [("phone", "01 23 45 67 89", "FR")]),
    ("720-63179-79", []),
    # A ")" cuts a run as a space does: the number before it is still found.
    ("503-659-3865)7", [("phone", "503-659-3865", "US")]),
    ("1-917-606-6857)5694761875449491447868", [("phone", "1-917-606-6857", "US")]),
    ("212-581-0671)22436(x", [("phone", "212-581-0671", "US")]),
    # secrets
    ("password=hunter2", [("secret", "hunter2", "assignment")]),
    ("password: reset it please", []),
    ("cvv2=123", [("secret", "123", "assignment")]),
    ("14:30 and sha256:abc", []),
    ("token=[SECRET]", []),
    (
        "Authorization: Bearer abc123def456ghi789jkl",
        [("secret", "abc123def456ghi789jkl", "bearer_token")],
    ),
    (
        "Authorization: Basic dXNlcjpwYXNzd29yZA==",
        [("secret", "dXNlcjpwYXNzd29yZA==", "basic_auth")],
    ),
    ("AKIAIOSFODNN7EXAMPLE", [("secret", "AKIAIOSFODNN7EXAMPLE", "aws_access_key")]),
    (
        "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI",
        [("secret", "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI", "high_entropy")],
    ),
    ("enableNewCheckoutFlowV2ForEnterprise", []),
    (
        "x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.abcdefghijklmnopqrstuvwxyz0123",
        [("secret", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.abcdefghijklmnopqrstuvwxyz0123", "jwt")],
    ),
    # a JWT glued to a word is not one; its random-looking first part still is a secret
    (
        "x.eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.abcdefghijklmnopqrstuvwxyz",
        [("secret", "eyJhbGciOiJIUzI1NiJ9", "high_entropy")],
    ),
    # one of each, back to back
    (
        "123-45-6789 4111 1111 1111 1111 jane@example.com 192.168.1.20 +44 20 7946 0958",
        [
            ("ssn", "123-45-6789", ""),
            ("card", "4111 1111 1111 1111", "visa"),
            ("email", "jane@example.com", ""),
            ("ip", "192.168.1.20", "ipv4"),
            ("phone", "+44 20 7946 0958", "GB"),
        ],
    ),
]


@pytest.fixture(scope="module")
def guard() -> PiiGuard:
    return PiiGuard(hash_key=KEY)


def found(guard: PiiGuard, text: str) -> Expected:
    return [(f.type, f.text, f.detail) for f in guard.scan(text)]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_edge_case(guard: PiiGuard, text: str, expected: Expected) -> None:
    assert found(guard, text) == expected


@pytest.mark.parametrize(("text", "expected"), [c for c in CASES if c[1]])
def test_values_at_either_end_and_inside_prose(
    guard: PiiGuard, text: str, expected: Expected
) -> None:
    for wrapped in (f"{text} ok", f"ok {text}", f"Hi — {text}\nthanks ’"):
        assert found(guard, wrapped) == expected, wrapped


def test_each_detector_alone_sees_the_text_it_is_given() -> None:
    """The shared pass is keyed by the text object: detectors called in any order, on
    texts that alternate or are equal but not identical, answer for their own text."""
    registry = default_registry()
    texts = [c[0] for c in CASES] + ["".join(list(c[0])) for c in CASES]
    for name in reversed(registry.names()):
        detector = registry.get(name)
        for text in texts:
            expected = [(t, v) for t, v, _ in dict(CASES).get(text, []) if t == name]
            got = [(f.type, f.text) for f in detector.detect(text)]
            # detectors may report overlapping spans the scanner settles: only check
            # that each expected value is among them and every span is the text's
            assert all(text[f.start : f.end] == f.text for f in detector.detect(text))
            assert set(expected) <= set(got), (name, text)


def test_threads_scanning_different_texts_agree_with_one_thread(guard: PiiGuard) -> None:
    texts = [c[0] for c in CASES] * 20
    serial = [found(guard, t) for t in texts]
    results: dict[int, list[Expected]] = {}

    def work(k: int) -> None:
        order = texts[k:] + texts[:k]
        results[k] = [found(guard, t) for t in order]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, got in results.items():
        assert got == serial[k:] + serial[:k]


@pytest.fixture(scope="module")
def corpus() -> Iterator[ModuleType]:
    with pii_corpus() as module:
        yield module


@pytest.mark.parametrize(
    ("seed", "rates"), [(7, {}), (8, {"pii_rate": 0.05, "negative_rate": 0.10})]
)
def test_benchmark_corpora_come_out_exactly_as_labelled(
    corpus: ModuleType, guard: PiiGuard, seed: int, rates: dict[str, float]
) -> None:
    """Stricter than the >= 0.95 goal: on these seeds every span of every type is found
    and nothing else is, which is what the scanner did before its speed-up."""
    wrong = []
    for message in corpus.generate(500, seed, **rates):
        predicted = {(f.start, f.end, f.type) for f in guard.scan(message.text)}
        if predicted != set(message.labels):
            wrong.append((message.text, sorted(predicted ^ set(message.labels))))
    assert wrong == []
