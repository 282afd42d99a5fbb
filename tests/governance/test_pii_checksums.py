"""Validity rules: Luhn, card IIN ranges, IBAN lengths and mod-97, SSN rules."""

from __future__ import annotations

import pytest

from keel.governance.pii import IBAN_LENGTHS, card_brand, iban_valid, luhn_valid, ssn_valid
from keel.governance.pii._checksums import card_valid, iban_check_digits, iban_mod97


@pytest.mark.parametrize(
    "digits",
    ["4242424242424242", "4111111111111111", "378282246310005", "6011111111111117", "79927398713"],
)
def test_luhn_accepts_valid_numbers(digits: str) -> None:
    assert luhn_valid(digits)


@pytest.mark.parametrize(
    "digits", ["4242424242424241", "4111111111111112", "79927398710", "1", "", "4242x42424242424"]
)
def test_luhn_rejects_invalid_numbers(digits: str) -> None:
    assert not luhn_valid(digits)


def test_luhn_catches_every_single_digit_error() -> None:
    valid = "4539578763621486"
    assert luhn_valid(valid)
    for i in range(len(valid)):
        for d in "0123456789":
            if d != valid[i]:
                assert not luhn_valid(valid[:i] + d + valid[i + 1 :])


@pytest.mark.parametrize(
    ("digits", "brand"),
    [
        ("4242424242424242", "visa"),
        ("4222222222222", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "discover"),
        ("3566002020360505", "jcb"),
        ("30569309025904", "diners"),
        ("6200000000000005", "unionpay"),
        ("2200000000000004", "mir"),
    ],
)
def test_card_brand_by_iin_and_length(digits: str, brand: str) -> None:
    assert card_brand(digits) == brand
    assert card_valid(digits) == brand


@pytest.mark.parametrize(
    "digits",
    [
        "1234567890123452",  # Luhn-valid, but no network issues from 1
        "9999999999999995",  # Luhn-valid, 9 is not an IIN range
        "37828224631000",  # amex prefix with 14 digits
        "424242424242424",  # visa prefix with 15 digits
    ],
)
def test_card_outside_iin_ranges_or_lengths_is_not_a_card(digits: str) -> None:
    assert card_valid(digits) is None


def test_card_in_range_but_failing_luhn_is_not_a_card() -> None:
    assert card_brand("4242424242424241") == "visa"
    assert card_valid("4242424242424241") is None


@pytest.mark.parametrize(
    "iban",
    [
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "BE68539007547034",
        "CH9300762011623852957",
        "NO9386011117947",
        "MT84MALT011000012345MTLCAST001S",
    ],
)
def test_iban_valid(iban: str) -> None:
    assert iban_valid(iban)
    assert len(iban) == IBAN_LENGTHS[iban[:2]]


@pytest.mark.parametrize(
    "iban",
    [
        "DE89370400440532013001",  # check digits no longer match
        "GB82WEST1234569876543",  # one character short for GB
        "XX82WEST12345698765432",  # no such country
        "DE8937040044053201300A",  # letter where DE has digits is still mod-97 checked
        "de89370400440532013000",  # lower case is not how IBANs are printed
    ],
)
def test_iban_invalid(iban: str) -> None:
    assert not iban_valid(iban)


def test_iban_check_digits_round_trip() -> None:
    bban = "370400440532013000"
    assert iban_check_digits("DE", bban) == "89"
    assert iban_mod97("DE89" + bban) == 1


def test_iban_mod97_catches_every_single_character_error() -> None:
    iban = "GB82WEST12345698765432"
    for i in range(4, len(iban)):
        for c in "0123456789":
            if c != iban[i]:
                assert not iban_valid(iban[:i] + c + iban[i + 1 :])


@pytest.mark.parametrize("ssn", ["123456789", "001010001", "665999999", "899991234", "772011234"])
def test_ssn_valid(ssn: str) -> None:
    assert ssn_valid(ssn)


@pytest.mark.parametrize(
    "ssn",
    [
        "000123456",  # area 000
        "666123456",  # area 666
        "900123456",  # areas 900-999
        "999123456",
        "123006789",  # group 00
        "123450000",  # serial 0000
        "078051120",  # voided: printed in a wallet advertisement
        "219099999",  # voided: printed in an advertisement
        "12345678",  # eight digits
        "12345678a",
    ],
)
def test_ssn_invalid(ssn: str) -> None:
    assert not ssn_valid(ssn)
