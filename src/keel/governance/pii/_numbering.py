"""Numbering plans from libphonenumber's metadata, precompiled for fast validation.

``phonenumbers.parse`` followed by ``is_valid_number`` costs 40-70 µs a number, most of
it generic parsing (extensions, letters, carrier codes) that digits already extracted
from a text do not need. The validity rule itself is small — a national significant
number is valid for a region when it matches the region's general description and
one of its number types (fixed line, mobile, toll free...), each with its own possible
lengths — so it is compiled here once per region into one pattern per length, from
the same metadata ``phonenumbers`` ships. ``tests/governance/test_pii_phone.py``
checks the result against ``phonenumbers`` itself on random numbers.

What is not handled: carrier-code and transform-rule prefix stripping (Argentina,
Mexico, Brazil national forms) and international dialling prefixes other than
``00`` (``011`` from North America). International ``+`` forms of those countries work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

from keel.errors import UserError

# The number types phonenumbers recognises; a number is valid if it is one of them.
_TYPES: Final = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)
_NON_GEO: Final = "001"


@dataclass(frozen=True, slots=True)
class NumberingPlan:
    """One region's rules for national significant numbers (NSNs)."""

    region: str
    country_code: int
    trunk_prefix: str
    trunk_prefix_required: bool
    """Whether national numbers are written with the trunk prefix (``0`` in GB, DE,
    FR); in NANP countries the ``1`` is optional and usually left out."""
    nanp: bool
    by_length: Mapping[int, re.Pattern[str]]

    def valid(self, nsn: str) -> bool:
        """Whether ``nsn`` (digits only, no country code, no trunk prefix) is valid."""
        pattern = self.by_length.get(len(nsn))
        return pattern is not None and pattern.fullmatch(nsn) is not None

    def national(self, digits: str) -> str | None:
        """The NSN of a number written in this region's national form, if valid."""
        prefix = self.trunk_prefix
        if prefix and digits.startswith(prefix) and self.valid(digits[len(prefix) :]):
            return digits[len(prefix) :]
        if self.trunk_prefix_required:
            return None
        return digits if self.valid(digits) else None


@cache
def plan_for(region: str) -> NumberingPlan:
    """The plan of ``region`` (ISO 3166 code, or ``001:<code>`` for a non-geographic
    calling code). Raises :class:`~keel.errors.UserError` for an unknown region."""
    if region.startswith(_NON_GEO + ":"):
        metadata = PhoneMetadata.metadata_for_nongeo_region(int(region[4:]))
    else:
        metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        raise UserError(f"unknown phone region {region!r}; use an ISO 3166 code like 'GB'")
    general = metadata.general_desc
    general_lengths = frozenset(general.possible_length or ())
    by_length: dict[int, list[str]] = {}
    for name in _TYPES:
        desc = getattr(metadata, name)
        if desc is None or not desc.national_number_pattern:
            continue
        for length in desc.possible_length or general_lengths:
            if length in general_lengths:
                by_length.setdefault(length, []).append(desc.national_number_pattern)
    general_pattern = general.national_number_pattern or r"\d+"
    compiled = {
        length: re.compile(rf"(?=(?:{general_pattern})\Z)(?:{'|'.join(patterns)})")
        for length, patterns in by_length.items()
    }
    trunk = metadata.national_prefix or ""
    country_code = metadata.country_code or 0
    nanp = country_code == 1
    return NumberingPlan(
        region=region,
        country_code=country_code,
        trunk_prefix=trunk,
        trunk_prefix_required=bool(trunk) and not nanp,
        nanp=nanp,
        by_length=compiled,
    )


@cache
def _shared_code(code: int) -> Mapping[int, re.Pattern[str]]:
    """For a calling code shared by several regions (25 for North America), one pattern
    per length that matches an NSN valid in any of them: a number valid nowhere is
    turned away by one match instead of one per region."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
    by_length: dict[int, list[str]] = {}
    for region in regions:
        plan = plan_for(f"{_NON_GEO}:{code}" if region == _NON_GEO else region)
        for length, pattern in plan.by_length.items():
            by_length.setdefault(length, []).append(pattern.pattern)
    return {n: re.compile("|".join(f"(?:{p})" for p in ps)) for n, ps in by_length.items()}


def _valid_somewhere(code: int, nsn: str) -> bool:
    pattern = _shared_code(code).get(len(nsn))
    return pattern is not None and pattern.fullmatch(nsn) is not None


def international(digits: str, *, trunk_written: bool = False) -> tuple[str, str] | None:
    """``(region, E.164)`` of ``digits`` read as country code + NSN, if valid anywhere.

    ``trunk_written`` says the text had a trunk prefix in parentheses after the
    country code ("+44 (0)20 ..."), which is then dropped.
    """
    for n in (1, 2, 3):
        code = int(digits[:n])
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
        if regions is None:
            continue
        nsn = digits[n:]
        if len(regions) > 1 and not trunk_written and not _valid_somewhere(code, nsn):
            return None
        for region in regions:
            plan = plan_for(f"{_NON_GEO}:{code}" if region == _NON_GEO else region)
            candidate = nsn
            if trunk_written and plan.trunk_prefix and nsn.startswith(plan.trunk_prefix):
                candidate = nsn[len(plan.trunk_prefix) :]
            if plan.valid(candidate):
                return plan.region, f"+{code}{candidate}"
        return None  # calling codes are prefix-free: no longer code can match
    return None


def national(digits: str, regions: tuple[str, ...]) -> tuple[str, str] | None:
    """``(region, E.164)`` of ``digits`` read as a national number of the first of
    ``regions`` where it is valid.

    North American numbers are one plan across 25 countries written the same way, so
    a number in national form for a NANP region is accepted if it is valid in any of
    them: "(416) 555-0123" is Canadian, written like an American one.
    """
    for region in regions:
        plan = plan_for(region)
        nsn = plan.national(digits)
        if nsn is not None:
            return region, f"+{plan.country_code}{nsn}"
        if plan.nanp:
            nsn = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
            found = international("1" + nsn) if len(nsn) == 10 else None
            if found is not None:
                return found
    return None
