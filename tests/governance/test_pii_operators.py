"""The irreversible operators' exact output: redact, partial mask, keyed hash."""

from __future__ import annotations

import hmac

import pytest

from keel.governance.pii import Finding, keyed_hash, partial, redact
from keel.governance.pii._operators import KeyedDigest

KEY = b"k" * 32


def finding(pii_type: str, text: str, canonical: str = "") -> Finding:
    return Finding(0, len(text), pii_type, text, 1.0, canonical=canonical)


@pytest.mark.parametrize(
    ("pii_type", "expected"),
    [("email", "[EMAIL]"), ("card", "[CARD]"), ("secret", "[SECRET]"), ("person", "[PERSON]")],
)
def test_redact(pii_type: str, expected: str) -> None:
    assert redact(finding(pii_type, "whatever")) == expected


@pytest.mark.parametrize(
    ("pii_type", "text", "canonical", "expected"),
    [
        ("email", "jane.doe@example.com", "", "j***@example.com"),
        ("card", "4242-4242-4242-4242", "", "****-****-****-4242"),
        ("card", "4242424242424242", "", "************4242"),
        ("card", "3782 822463 10005", "", "**** ****** *0005"),
        ("phone", "+1 415-555-2671", "", "+* ***-***-2671"),
        ("phone", "(415) 555-2671", "", "(***) ***-2671"),
        ("ssn", "123-45-6789", "", "***-**-6789"),
        ("iban", "DE89 3704 0044 0532 0130 00", "", "DE** **** **** **** **30 00"),
        ("iban", "GB82WEST12345698765432", "", "GB****************5432"),
        ("ip", "203.0.113.42", "203.0.113.42", "203.0.113.*"),
        ("ip", "2001:0db8:85a3::8a2e:370:7334", "2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3:*"),
        ("secret", "sk-abc", "", "[SECRET]"),
        ("person", "Jane Doe", "", "J*** D**"),
    ],
)
def test_partial(pii_type: str, text: str, canonical: str, expected: str) -> None:
    assert partial(finding(pii_type, text, canonical)) == expected


def test_partial_hides_everything_when_too_short_to_keep_a_tail() -> None:
    assert partial(finding("phone", "1234")) == "****"


def test_keyed_hash_format() -> None:
    value = keyed_hash(finding("email", "jane@example.com"), KEY)
    assert value.startswith("<email:")
    assert value.endswith(">")
    assert len(value) == len("<email:>") + 8
    assert all(c in "0123456789abcdef" for c in value[7:-1])


def test_keyed_hash_is_stable_for_a_key_and_the_canonical_value() -> None:
    a = keyed_hash(finding("phone", "+1 415-555-2671", "+14155552671"), KEY)
    b = keyed_hash(finding("phone", "(415) 555-2671", "+14155552671"), KEY)
    assert a == b == keyed_hash(finding("phone", "+1 415-555-2671", "+14155552671"), KEY)


def test_keyed_hash_depends_on_key_value_and_type() -> None:
    base = keyed_hash(finding("email", "jane@example.com"), KEY)
    assert keyed_hash(finding("email", "jane@example.com"), b"o" * 32) != base
    assert keyed_hash(finding("email", "john@example.com"), KEY) != base
    assert keyed_hash(finding("secret", "jane@example.com"), KEY)[8:-1] != base[7:-1]


def test_keyed_hash_does_not_contain_the_value() -> None:
    assert "123456789" not in keyed_hash(finding("ssn", "123-45-6789", "123456789"), KEY)


@pytest.mark.parametrize("key_length", [0, 16, 32, 64, 65, 200])
def test_keyed_digest_is_hmac_sha256(key_length: int) -> None:
    """The precomputed-pad HMAC gives the bytes ``hmac`` gives, for keys shorter than,
    as long as and longer than SHA-256's block."""
    key = bytes(i % 256 for i in range(key_length))
    digest = KeyedDigest(key)
    for message in (b"", b"card\x004111111111111111", b"x" * 200):
        assert digest.hexdigest(message) == hmac.digest(key, message, "sha256").hex()
        assert digest.hexdigest(message) == digest.hexdigest(message)  # pads are not used up


def test_keyed_hash_with_a_keyed_digest_equals_the_one_with_its_key() -> None:
    f = finding("email", "Jane@Example.com", canonical="jane@example.com")
    assert keyed_hash(f, KeyedDigest(KEY)) == keyed_hash(f, KEY)
    assert KEY.hex() not in repr(KeyedDigest(KEY))
