"""Phone numbers: formats per region, hard negatives, and the precompiled numbering
plans checked against ``phonenumbers`` itself."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from keel.errors import UserError
from keel.governance.pii import PhoneDetector
from keel.governance.pii._numbering import international, national, plan_for


def phones(text: str, detector: PhoneDetector | None = None) -> list[tuple[str, str, str]]:
    results = (detector or PhoneDetector()).detect(text)
    for f in results:
        assert text[f.start : f.end] == f.text
    return [(f.text, f.detail, f.canonical) for f in results]


# National forms are read as the first configured region (US, GB, DE, FR) where they
# are valid, so these are chosen to be valid in one of them only.
@pytest.mark.parametrize(
    ("text", "expected", "e164"),
    [
        ("call (415) 555-2671 today", "(415) 555-2671", "+14155552671"),
        ("call 415-555-2671.", "415-555-2671", "+14155552671"),
        ("call 415.555.2671", "415.555.2671", "+14155552671"),
        ("call me at 4155552671", "4155552671", "+14155552671"),
        ("toll free 1-800-275-2273", "1-800-275-2273", "+18002752273"),
        ("+1 415 555 2671", "+1 415 555 2671", "+14155552671"),
        ("+1-415-555-2671", "+1-415-555-2671", "+14155552671"),
        ("London 020 7946 0958", "020 7946 0958", "+442079460958"),
        ("+44 20 7946 0958", "+44 20 7946 0958", "+442079460958"),
        ("+44 (0)20 7946 0958", "+44 (0)20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "0044 20 7946 0958", "+442079460958"),
        ("mobile 07400 123456", "07400 123456", "+447400123456"),
        ("Berlin 030 1234567", "030 1234567", "+49301234567"),
        ("089/12345678", "089/12345678", "+498912345678"),
        ("Handy 0151 23456789", "0151 23456789", "+4915123456789"),
        ("+49 151 23456789", "+49 151 23456789", "+4915123456789"),
        ("Paris 01 23 45 67 89", "01 23 45 67 89", "+33123456789"),
        ("portable 06.12.34.56.78", "06.12.34.56.78", "+49612345678"),
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78", "+33612345678"),
        ("(+33 1 23 45 67 89)", "+33 1 23 45 67 89", "+33123456789"),
        ("Rome +39 06 4991 2345", "+39 06 4991 2345", "+390649912345"),
        ("Tokyo +81 3-1234-5678", "+81 3-1234-5678", "+81312345678"),
    ],
)
def test_phone_positives(text: str, expected: str, e164: str) -> None:
    ((value, _region, canonical),) = phones(text)
    assert (value, canonical) == (expected, e164)


@pytest.mark.parametrize(
    "text",
    [
        "order #4155552671",  # an order number
        "Order number: 4155552671",  # labelled as something else
        "the serial number is 0126282536",
        "Part number 720-631-7979 is out of stock",
        "part 720-63179-79",  # valid North American digits, grouped unlike a phone
        "on 2024-03-15 at 14:30",
        "dated 15/03/2024",
        "server 192.168.100.200",
        "build 10.0.19045.3803",
        "$4155552671",
        "SN4155552671",
        "4155552671abc",
        "12345678",  # a bare run of eight digits
        "0651525",  # a short commit id that happens to be digits
        "4242 4242 4242 4242",  # a card
        "123-45-6789",  # an SSN
        "+1 555 0100",  # too short to be valid anywhere
        "(415) 555-2671-99",  # continues with more digits
    ],
)
def test_phone_negatives(text: str) -> None:
    assert phones(text) == []


def test_regions_decide_national_forms() -> None:
    text = "ring 020 7946 0958"
    assert phones(text, PhoneDetector(regions=["US"])) == []
    assert phones(text, PhoneDetector(regions=["gb"]))[0][1] == "GB"
    assert phones("ring 07400 123456", PhoneDetector(regions=["US", "GB"]))[0][1] == "GB"
    # International forms work whatever the regions.
    assert phones("+44 20 7946 0958", PhoneDetector(regions=["US"]))[0][2] == "+442079460958"


def test_a_national_number_valid_in_several_regions_takes_the_first() -> None:
    # 06 12 34 56 78 is a French mobile and a German landline in Offenbach.
    assert phones("06 12 34 56 78", PhoneDetector(regions=["FR", "DE"]))[0][1:] == (
        "FR",
        "+33612345678",
    )
    assert phones("06 12 34 56 78", PhoneDetector(regions=["DE", "FR"]))[0][1] == "DE"


def test_north_american_numbers_are_checked_across_the_whole_plan() -> None:
    assert phones("call (416) 730-7066")[0][1:] == ("CA", "+14167307066")
    assert phones("call (416) 730-7066", PhoneDetector(regions=["GB"])) == []


def test_italian_national_numbers_keep_their_leading_zero() -> None:
    assert phones("tel 02 8723 4567", PhoneDetector(regions=["IT"])) == [
        ("02 8723 4567", "IT", "+390287234567")
    ]


def test_international_numbers_find_the_region_sharing_a_calling_code() -> None:
    # +39 06 698... is the Vatican, which shares Italy's calling code.
    assert phones("+39 06 6982 1234")[0][1:] == ("VA", "+390669821234")


def test_unknown_region_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown phone region 'XX'"):
        PhoneDetector(regions=["XX"])


def test_several_phones_in_one_text() -> None:
    text = "office (415) 555-2671, mobile +44 7911 123456 or 030 12345678."
    assert [p[0] for p in phones(text)] == ["(415) 555-2671", "+44 7911 123456", "030 12345678"]


@pytest.mark.parametrize("region", ["US", "GB", "DE", "FR", "IT", "ES", "NL", "JP", "IN", "BR"])
def test_plans_agree_with_phonenumbers_on_random_numbers(region: str) -> None:
    """Our precompiled validity check says what ``phonenumbers.is_valid_number`` says."""
    rng = random.Random(f"plans-{region}")
    plan = plan_for(region)
    lengths = sorted(plan.by_length) or [10]
    valid_seen = 0
    for _ in range(1500):
        nsn = str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=rng.choice(lengths) - 1))
        number = phonenumbers.parse(f"+{plan.country_code}{nsn}", None)
        expected = phonenumbers.is_valid_number_for_region(number, region)
        assert plan.valid(nsn) == expected, f"{region} {nsn}"
        valid_seen += expected
    assert valid_seen > 0


def test_international_reads_the_country_code() -> None:
    assert international("442079460958") == ("GB", "+442079460958")
    assert international("4402079460958", trunk_written=True) == ("GB", "+442079460958")
    assert international("999123456789") is None


def test_national_tries_regions_in_order() -> None:
    assert national("02079460958", ("US", "GB")) == ("GB", "+442079460958")
    assert national("4155552671", ("GB", "US")) == ("US", "+14155552671")
    assert national("4155552671", ("GB", "DE")) is None
