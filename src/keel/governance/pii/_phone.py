"""Phone numbers, validated against libphonenumber's numbering plans.

Candidates are parts of the shared digit runs (``_runs``) holding 7 to 15 digits (17
with a ``00`` international prefix), widened to a ``+`` or ``(`` right before. A
candidate is dropped, cheapest test first, when

1. it is glued to a word, an order number (``#``), an amount or another number;
2. it reads as a date or an IPv4 address;
3. it is a bare run of fewer than nine digits written nationally — a reference far
   more often than a phone number;
4. a label right before it says it is something else ("order", "serial number",
   "IMEI", "part", "commit"...);
5. it is valid only in North America but grouped unlike a North American number
   (3-3-4, optionally after a 1): "720-63179-79" is a part number;
6. its digits are not valid under the numbering plan: of the country whose code
   follows ``+`` / ``00`` (any country), or of one of the configured regions, tried in
   order, for a national form.

Validation uses ``_numbering`` (libphonenumber's metadata, precompiled) rather than
``PhoneNumberMatcher`` or ``phonenumbers.parse``: the same rule for about 3 µs a
candidate instead of 60-120 µs, which matters because every digit run of seven digits
or more is a candidate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from keel.governance.pii._finding import Finding
from keel.governance.pii._numbering import international, national, plan_for
from keel.governance.pii._runs import Run, digit_runs, digits_of, run_parts

DEFAULT_PHONE_REGIONS: Final = ("US", "GB", "DE", "FR")

# Things with phone-like digit runs that are something else.
_NOT_A_PHONE: Final = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # 2024-03-15
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"  # 15/03/2024, 03.15.24
    r"|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}"  # 192.168.1.20
)
# Words that, right before a number, say it is something other than a phone number,
# and the words allowed between such a label and the number ("serial number is ...").
_REFERENCE_LABELS: Final = frozenset(
    {
        "order", "invoice", "serial", "s/n", "sn", "ticket", "ref", "reference", "account",
        "acct", "tracking", "case", "transaction", "txn", "imei", "sku", "part", "model",
        "batch", "lot", "item", "product", "id", "version", "build", "commit", "sha",
        "hash", "pr", "issue", "job", "run", "request", "zip", "postcode", "iban", "bic",
        "routing",
    }
)  # fmt: skip
_LABEL_FILLERS: Final = frozenset(
    {"number", "num", "no", "no.", "nr", "nr.", "id", "code", "is", "was", ":", "#", "="}
)
_GLUE_BEFORE: Final = frozenset("#$€£¥_/.-:@=&%*")
_GLUE_AFTER: Final = frozenset("_%€$£@")
_JOINERS_AFTER: Final = frozenset(".-/:,")
# Maps a candidate's bytes to its digits and spaces, so that split() gives its groups.
_GROUPS: Final = bytes(b if 48 <= b <= 57 else 32 for b in range(256))
_NANP_GROUPINGS: Final = frozenset({(3, 3, 4), (1, 3, 3, 4), (3, 7), (1, 3, 7)})


class PhoneDetector:
    """Phone numbers in international form for any country, and in national form for
    ``regions`` (ISO 3166 codes, tried in order; default US, GB, DE, FR).

    Raises :class:`~keel.errors.UserError` for an unknown region code.
    """

    def __init__(self, regions: Sequence[str] = DEFAULT_PHONE_REGIONS) -> None:
        self.regions = tuple(r.upper() for r in regions)
        plans = [plan_for(r) for r in self.regions]  # raises for an unknown region now
        self._other = tuple(p.region for p in plans if not p.nanp)
        # What the first digits of a nationally written number can be: a trunk prefix,
        # anything in a region without one (Italy, Spain), or, in North America, ten
        # digits or eleven starting with 1.
        self._trunks = tuple({p.trunk_prefix for p in plans if p.trunk_prefix_required})
        self._nanp = any(p.nanp for p in plans)
        self._free_start = any(not p.trunk_prefix for p in plans)
        # First digits a plausible part may start with, other than in North America:
        # "00" and the trunk prefixes.
        self._leads = frozenset({"0", *(t[0] for t in self._trunks)})

    def detect(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        for run in digit_runs(text):
            if run[2] >= 7:
                digit_range = self._digit_range(text, run)
                if digit_range is not None:
                    phone = self._in_run(text, run, *digit_range)
                    if phone is not None:
                        found.append(phone)
        return found

    def _digit_range(self, text: str, run: Run) -> tuple[int, int] | None:
        """How many digits a part of ``run`` that passes ``_plausible`` and is not
        ``_glued`` before can have, or ``None`` if no part can: the same rules applied
        to the whole run at once. Without a "(" inside, every part starts where the run
        does (``run_parts``), so all of them share its first digit and what comes before
        it; without a space either, the run is its only part (a ")" cuts it as a space
        does). Most reference numbers, dates, amounts and IBANs stop here."""
        start, end, total = run
        chunk = text[start:end]
        if "(" in chunk:
            return 7, 17
        before = text[start - 1] if start else " "
        if before.isalnum() or before in _GLUE_BEFORE:
            return None
        if self._free_start or text[start] in self._leads or before == "+":
            return 7, 17
        # Only North America takes a national number that starts with neither "0" nor
        # a trunk prefix: ten digits, or eleven starting with "1".
        if not self._nanp or total < 10:
            return None
        most = 11 if text[start] == "1" else 10
        if total > most and " " not in chunk and ")" not in chunk:
            return None
        return 10, most

    def _in_run(self, text: str, run: Run, fewest: int, most: int) -> Finding | None:
        for part_start, part in run_parts(text, run, fewest, most, inner="("):
            digits = digits_of(part)
            if not self._plausible(digits, part_start, text):
                continue
            if _NOT_A_PHONE.fullmatch(part):
                continue
            start, candidate = part_start, part
            if start > 0 and text[start - 1] == "+":
                start, candidate = start - 1, "+" + candidate
            if start > 0 and text[start - 1] == "(" and _opens(candidate):
                start, candidate = start - 1, "(" + candidate
            end = part_start + len(part)
            if self._glued(text, start, end):
                continue
            found = self._validate(text, start, candidate, digits)
            if found is not None:
                region, e164 = found
                return Finding(start, end, "phone", candidate, 0.9, region, e164)
        return None

    def _plausible(self, digits: str, start: int, text: str) -> bool:
        """Cheap length and leading-digit checks before any numbering plan is consulted."""
        n = len(digits)
        if (start > 0 and text[start - 1] == "+") or digits[:2] == "00":
            return n <= 17
        if n > 15:
            return False
        return (
            self._free_start
            or digits.startswith(self._trunks)
            or (self._nanp and (n == 10 or (n == 11 and digits[0] == "1")))
        )

    @staticmethod
    def _glued(text: str, start: int, end: int) -> bool:
        if start > 0:
            before = text[start - 1]
            if before.isalnum() or before in _GLUE_BEFORE:
                return True
        if end >= len(text):
            return False
        after = text[end]
        if after.isalnum() or after in _GLUE_AFTER:
            return True
        return after in _JOINERS_AFTER and end + 1 < len(text) and text[end + 1].isdigit()

    def _validate(
        self, text: str, start: int, candidate: str, digits: str
    ) -> tuple[str, str] | None:
        """(region, E.164) of a valid number, else ``None``."""
        trunk_written = "(0)" in candidate
        if candidate[0] == "+" or candidate[:2] == "(+":
            if 8 <= len(digits) <= 15:
                return international(digits, trunk_written=trunk_written)
            return None
        if digits.startswith("00") and candidate[0] != "(":
            if 10 <= len(digits) <= 17:
                return international(digits[2:], trunk_written=trunk_written)
            return None
        lengths = tuple(map(len, candidate.encode().translate(_GROUPS).split()))
        if len(lengths) == 1 and len(digits) < 9:
            return None  # a bare run of 7-8 digits is a reference far more often
        # The label first: a reference's label costs less to read than the numbering
        # plans of every region, and it is what most invalid candidates carry.
        if _labelled_as_reference(text, start):
            return None
        nanp_shaped = len(lengths) == 1 or lengths in _NANP_GROUPINGS
        return national(digits, self.regions if nanp_shaped else self._other)


def _labelled_as_reference(text: str, start: int) -> bool:
    """Whether the words right before ``start`` label what follows as a reference."""
    # Words are split at whitespace and "(),;"; ":", "#" and "=" are words of their own.
    window = text[max(0, start - 40) : start].lower()
    words = (
        window.replace("(", " ").replace(")", " ").replace(",", " ").replace(";", " ")
        .replace(":", " : ").replace("#", " # ").replace("=", " = ").split()
    )  # fmt: skip
    while words and words[-1] in _LABEL_FILLERS:
        words.pop()
    return bool(words) and words[-1] in _REFERENCE_LABELS


def _opens(candidate: str) -> bool:
    """Whether ``candidate`` closes one more parenthesis than it opens: "415) 555-2671"."""
    return candidate.count(")") == candidate.count("(") + 1
