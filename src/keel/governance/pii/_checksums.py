"""Validity rules that turn "looks like a number" into "is one": Luhn, card IIN ranges,
IBAN lengths and mod-97, US SSN area/group/serial rules.

Every function takes the value already stripped of separators and is cheap enough to
run on each candidate a regular expression finds.
"""

from __future__ import annotations

from typing import Final

# Luhn in C-speed steps: the digits not doubled are summed as bytes, the doubled ones
# after bytes.translate has replaced each by the digit sum of twice its value.
_LUHN_DOUBLE: Final = bytes.maketrans(b"0123456789", b"0246813579")
_ZERO: Final = ord("0")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment cards and IMEIs. ``digits`` is 0-9 only."""
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    raw = digits.encode()
    kept = raw[-1::-2]
    doubled = raw[-2::-2].translate(_LUHN_DOUBLE)
    return (sum(kept) + sum(doubled) - _ZERO * len(raw)) % 10 == 0


# (brand, IIN prefix range low..high inclusive, compared on the first len(low) digits,
# allowed lengths). Sources: ISO/IEC 7812 registrations as published by the networks.
_IIN_RANGES: Final[tuple[tuple[str, str, str, frozenset[int]], ...]] = (
    ("amex", "34", "34", frozenset({15})),
    ("amex", "37", "37", frozenset({15})),
    ("visa", "4", "4", frozenset({13, 16, 19})),
    ("mastercard", "51", "55", frozenset({16})),
    ("mastercard", "2221", "2720", frozenset({16})),
    ("discover", "6011", "6011", frozenset(range(16, 20))),
    ("discover", "644", "649", frozenset(range(16, 20))),
    ("discover", "65", "65", frozenset(range(16, 20))),
    ("unionpay", "62", "62", frozenset(range(16, 20))),
    ("jcb", "3528", "3589", frozenset(range(16, 20))),
    ("diners", "300", "305", frozenset(range(14, 20))),
    ("diners", "3095", "3095", frozenset(range(14, 20))),
    ("diners", "36", "36", frozenset(range(14, 20))),
    ("diners", "38", "39", frozenset(range(16, 20))),
    ("mir", "2200", "2204", frozenset(range(16, 20))),
    ("maestro", "5018", "5018", frozenset(range(12, 20))),
    ("maestro", "5020", "5020", frozenset(range(12, 20))),
    ("maestro", "5038", "5038", frozenset(range(12, 20))),
    ("maestro", "5893", "5893", frozenset(range(12, 20))),
    ("maestro", "6304", "6304", frozenset(range(12, 20))),
    ("maestro", "6759", "6759", frozenset(range(12, 20))),
    ("maestro", "6761", "6763", frozenset(range(12, 20))),
)


def _ranges_from(first_two: str) -> tuple[tuple[str, str, str, frozenset[int]], ...]:
    """The IIN ranges, in table order, that a number starting with ``first_two`` may be in."""
    return tuple(r for r in _IIN_RANGES if r[1][:2] <= first_two[: len(r[1])] <= r[2][:2])


# Ranges by a number's first two digits: a lookup and one or two comparisons, not 22.
_IIN_BY_FIRST_TWO: Final = {f"{i:02d}": _ranges_from(f"{i:02d}") for i in range(100)}


def card_brand(digits: str) -> str | None:
    """The card network whose IIN range and length ``digits`` fits, or ``None``."""
    n = len(digits)
    for brand, low, high, lengths in _IIN_BY_FIRST_TWO.get(digits[:2], _IIN_RANGES):
        if n in lengths and low <= digits[: len(low)] <= high:
            return brand
    return None


def card_valid(digits: str) -> str | None:
    """The brand of a number that passes both the IIN table and Luhn, else ``None``."""
    if not 12 <= len(digits) <= 19:
        return None
    brand = card_brand(digits)
    if brand is None or not luhn_valid(digits):
        return None
    return brand


# IBAN length per country (SWIFT IBAN registry).
IBAN_LENGTHS: Final[dict[str, int]] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
    "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

# A=10 ... Z=35, digits unchanged: the ISO 13616 letter-to-number conversion.
_IBAN_DIGITS: Final = str.maketrans({chr(c): str(c - 55) for c in range(65, 91)})


def iban_mod97(compact: str) -> int:
    """ISO 7064 MOD 97-10 of an IBAN with its first four characters moved to the end."""
    return int((compact[4:] + compact[:4]).translate(_IBAN_DIGITS)) % 97


def iban_valid(compact: str) -> bool:
    """``compact`` is upper-case, without spaces: right length for its country, mod-97 == 1."""
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is None or len(compact) != expected:
        return False
    if not (compact[2:4].isdigit() and compact[4:].isalnum() and compact.isascii()):
        return False
    return iban_mod97(compact) == 1


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits that make ``country + cd + bban`` a valid IBAN."""
    return f"{98 - iban_mod97(country + '00' + bban):02d}"


# Numbers the SSA has voided after they were printed in advertising. They are well-formed
# and still turn up in forms as someone's SSN (the Woolworth wallet card's 078-05-1120
# was used by thousands of people), so a detector reports them, as voided, rather than
# let a phone detector claim them.
_SSN_VOIDED: Final = frozenset({"078051120", "219099999"})


def ssn_well_formed(digits: str) -> bool:
    """The SSA's structural rules: nine digits, area (first three) not 000, 666 or
    900-999, group (next two) not 00, serial (last four) not 0000."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9":
        return False
    return group != "00" and serial != "0000"


def ssn_voided(digits: str) -> bool:
    """One of the numbers the SSA voided after printing them in advertisements."""
    return digits in _SSN_VOIDED


def ssn_valid(digits: str) -> bool:
    """US Social Security Number rules (SSA, including post-2011 randomisation).

    Area (first three digits) is not 000, 666 or 900-999; group (next two) is not 00;
    serial (last four) is not 0000; and the number is not one the SSA voided.
    """
    return ssn_well_formed(digits) and not ssn_voided(digits)
