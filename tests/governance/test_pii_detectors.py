"""The structured detectors, one at a time: email, card, IBAN, SSN, IP.

Each gets positives in the ways people write them and hard negatives that look alike.
"""

from __future__ import annotations

import pytest

from keel.governance.pii import (
    CardDetector,
    Detector,
    EmailDetector,
    IbanDetector,
    IpDetector,
    SsnDetector,
    default_registry,
)


def found(detector: Detector, text: str) -> list[str]:
    results = list(detector.detect(text))
    for f in results:
        assert text[f.start : f.end] == f.text
    return [f.text for f in results]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jane.doe@example.com please", "jane.doe@example.com"),
        ("Jane.Doe+support@Mail.Example.CO.UK.", "Jane.Doe+support@Mail.Example.CO.UK"),
        ("(ops_team-2@sub.acme-corp.io)", "ops_team-2@sub.acme-corp.io"),
        ("<li@x.org>", "li@x.org"),
        ("'o'brien@example.ie'", "o'brien@example.ie"),
        ("user@xn--bcher-kva.example", "user@xn--bcher-kva.example"),
    ],
)
def test_email_positives(text: str, expected: str) -> None:
    assert found(EmailDetector(), text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "ping @support on the forum",
        "user@localhost has no domain",
        "jane..doe@example.com is not a dot-atom",
        "jane.@example.com ends with a dot",
        "name at example dot com",
        "price: 3@4.50",
        "@",
        "email@",
    ],
)
def test_email_negatives(text: str) -> None:
    assert found(EmailDetector(), text) == []


def test_email_canonical_form_is_lower_case() -> None:
    (f,) = EmailDetector().detect("Jane.Doe@Example.COM")
    assert f.canonical == "jane.doe@example.com"


def test_several_emails_in_one_text() -> None:
    text = "from a@b.io to c.d@e.fr and f@g.de"
    assert found(EmailDetector(), text) == ["a@b.io", "c.d@e.fr", "f@g.de"]


@pytest.mark.parametrize(
    ("text", "expected", "brand"),
    [
        ("card 4242 4242 4242 4242 exp 12/26", "4242 4242 4242 4242", "visa"),
        ("card 4242-4242-4242-4242.", "4242-4242-4242-4242", "visa"),
        ("4242424242424242", "4242424242424242", "visa"),
        ("amex 3782 822463 10005 please", "3782 822463 10005", "amex"),
        ("diners 3056 930902 5904", "3056 930902 5904", "diners"),
        ("mc 5555 5555 5555 4444 123", "5555 5555 5555 4444", "mastercard"),
        ("(6011 1111 1111 1117)", "6011 1111 1111 1117", "discover"),
    ],
)
def test_card_positives(text: str, expected: str, brand: str) -> None:
    (f,) = CardDetector().detect(text)
    digits = expected.replace(" ", "").replace("-", "")
    assert (f.text, f.detail, f.canonical) == (expected, brand, digits)


@pytest.mark.parametrize(
    "text",
    [
        "transaction 4242 4242 4242 4241 failed",  # Luhn fails
        "batch 1234 5678 9012 3452",  # Luhn passes, no issuer starts with 1
        "4242 4242-4242 4242 mixes separators",
        "ref-4242424242424242",  # glued to a reference prefix
        "ORD4242424242424242",
        "4242.4242.4242.4242",  # dots are not how cards are grouped
        "IMEI 356938035643809",  # Luhn-valid, 15 digits starting 35: no card has that
        "+4242424242424242",
        "1.4242424242424242",
    ],
)
def test_card_negatives(text: str) -> None:
    assert found(CardDetector(), text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN DE89 3704 0044 0532 0130 00.", "DE89 3704 0044 0532 0130 00"),
        ("to GB82WEST12345698765432 today", "GB82WEST12345698765432"),
        ("GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"),
        ("iban: FR14 2004 1010 0505 0001 3M02 606", "FR14 2004 1010 0505 0001 3M02 606"),
        ("(NL91ABNA0417164300)", "NL91ABNA0417164300"),
        ("NO93 8601 1117 947 and more", "NO93 8601 1117 947"),
    ],
)
def test_iban_positives(text: str, expected: str) -> None:
    (f,) = IbanDetector().detect(text)
    assert f.text == expected
    assert f.canonical == expected.replace(" ", "")


@pytest.mark.parametrize(
    "text",
    [
        "DE89 3704 0044 0532 0130 01",  # wrong check digits
        "DE89 3704 0044 0532 0130 0",  # one digit short
        "DE89 3704 0044 0532 0130 001",  # one digit long: glued
        "XDE89370400440532013000",  # glued to a letter before
        "ZZ89370400440532013000",  # no such country
        "de89370400440532013000",
        "AB12 CDEF 3456",
    ],
)
def test_iban_negatives(text: str) -> None:
    assert found(IbanDetector(), text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 123-45-6789.", "123-45-6789"),
        ("my ssn is 772 01 1234, thanks", "772 01 1234"),
        ("SSN: 123456789", "123456789"),
        ("Social Security Number 772011234", "772011234"),
    ],
)
def test_ssn_positives(text: str, expected: str) -> None:
    assert found(SsnDetector(), text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN: 078-05-1120", "078-05-1120"),  # the Woolworth wallet card's number
        ("My SSN is 219-09-9999.", "219-09-9999"),  # printed in an SSA advertisement
        ("social security number 078051120", "078051120"),
        ("the form says 219 09 9999", "219 09 9999"),
    ],
)
def test_ssn_voided_numbers_are_still_reported_as_ssns(text: str, expected: str) -> None:
    # The SSA voided them, but people still write them into forms as their SSN: masking
    # must treat them as the restricted value they look like.
    findings = list(SsnDetector().detect(text))
    assert [text[f.start : f.end] for f in findings] == [expected]
    assert findings[0].detail == "voided"


@pytest.mark.parametrize(
    "text",
    [
        "SSN: 078-05-1120",
        "call 078-05-1120 about it",
        "My SSN is 219-09-9999.",
        "ssn 078051120",
    ],
)
def test_ssn_outranks_a_phone_reading_of_the_same_digits(text: str) -> None:
    findings = default_registry().scanner().scan(text)
    assert [f.type for f in findings] == ["ssn"]


def test_ssn_context_does_not_make_an_ill_formed_number_an_ssn() -> None:
    # Area 9xx / 000 / 666, group 00 and serial 0000 are never issued, labelled or not.
    for value in ("912-44-1234", "000-12-3456", "123-00-4567", "123-45-0000"):
        assert found(SsnDetector(), f"The SSN field showed {value}, which can't be right.") == []


@pytest.mark.parametrize(
    "text",
    [
        "000-12-3456",
        "666-12-3456",
        "912-34-5678",
        "123-00-4567",
        "123-45-0000",
        "123-45 6789",  # mixed separators
        "part 123-45-67890",
        "2024-03-15",
        "123456789 is an order number",  # bare nine digits, no label
        "ref-123-45-6789",
        "1.123-45-6789",
    ],
)
def test_ssn_negatives(text: str) -> None:
    assert found(SsnDetector(), text) == []


@pytest.mark.parametrize(
    ("text", "expected", "detail"),
    [
        ("server 192.168.1.20 is down", "192.168.1.20", "ipv4"),
        ("from 8.8.8.8.", "8.8.8.8", "ipv4"),
        ("connect to 10.0.0.1:8080", "10.0.0.1", "ipv4"),
        ("v6 2001:db8::8a2e:370:7334 here", "2001:db8::8a2e:370:7334", "ipv6"),
        ("loopback ::1 too", "::1", "ipv6"),
        ("full 2001:0db8:85a3:0:0:8a2e:0370:7334", "2001:0db8:85a3:0:0:8a2e:0370:7334", "ipv6"),
        ("mapped ::ffff:192.0.2.1 ok", "::ffff:192.0.2.1", "ipv6"),
        ("link fe80::1ff:fe23:4567:890a: it failed", "fe80::1ff:fe23:4567:890a", "ipv6"),
    ],
)
def test_ip_positives(text: str, expected: str, detail: str) -> None:
    (f,) = IpDetector().detect(text)
    assert (f.text, f.detail) == (expected, detail)


@pytest.mark.parametrize(
    "text",
    [
        "build 10.0.19045.3803",  # four parts, but not bytes
        "1.2.3.4.5 is a version",
        "v1.2.3.4",
        "version 2.14.3",
        "256.1.1.1",
        "192.168.01.1",  # leading zeros are ambiguous (octal) and rejected
        "at 14:30:00 sharp",
        "mac 00:1a:2b:3c:4d:5e",
        "C++::std is not an address",
        "ratio 1:2:3",
    ],
)
def test_ip_negatives(text: str) -> None:
    assert found(IpDetector(), text) == []


def test_ipv6_canonical_form_is_compressed() -> None:
    (f,) = IpDetector().detect("2001:0db8:0000:0000:0000:0000:0000:0001")
    assert f.canonical == "2001:db8::1"


def test_detectors_implement_the_protocol() -> None:
    for detector in (EmailDetector(), CardDetector(), IbanDetector(), SsnDetector(), IpDetector()):
        assert isinstance(detector, Detector)
