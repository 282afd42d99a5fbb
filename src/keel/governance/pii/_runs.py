"""Digit runs: the one pass over a text that every number-shaped detector shares.

A *run* is a maximal stretch of digit groups joined by at most two separator
characters (``" ./:()-"``): ``4111 1111 1111 1111``, ``(415) 555-2671``,
``2024-03-15 14:30``, ``192.168.1.20``. Cards, SSNs, phone numbers, IPv4 addresses and
the check digits of IBANs all live inside runs, so one regex pass (which the engine
runs fast, skipping to the next digit in C) replaces five; each detector then looks
only at the few runs long enough to matter to it.

Inside a run a detector considers *parts*: the run itself, or its leading groups cut
where the separator contains a space or a parenthesis ("4111 1111 1111 1111 123": a
card and its CVV). A run is never cut at a dot, hyphen, slash or colon: "10.0.19045"
is not "10.0" and a number. Detectors with a strong check (Luhn, the SSN shape) also
try parts that start after such a cut ("#4471 4111 1111 1111 1111"); the phone
detector only after an opening parenthesis ("#4471 (415) 555-2671"), since
"0347 7835 3672" inside the reference "9401 0347 7835 3672" is valid in some
numbering plan but is not a phone number.

The pass runs over a copy of the text in which every non-ASCII character is ``?``
(``encode("ascii", "replace")``, which keeps positions) and ``bytes.translate`` has
turned every digit into ``0``, every separator into ``.`` and everything else into a
space. The regex engine then searches for a literal ``0`` at memory speed instead of
testing a character class at every position. Only ASCII digits count: a number
written in full-width or Arabic-Indic digits is not seen.

``digit_runs`` remembers the last text it saw, so the detectors of one scan share it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

Run = tuple[int, int]
"""A run's ``(start, end)`` in the text."""

_RUN: Final = re.compile(rb"0(?:\.{0,2}0)+")
_MAP: Final = bytes(
    ord("0") if 48 <= i <= 57 else ord(".") if chr(i) in " ./:()-" else ord(" ") for i in range(256)
)
# A place a run may be cut: separators that include a space or a parenthesis.
_SOFT_CUT: Final = re.compile(r"[ ./:\-]*[ ()][ ./:()\-]*")
_NOT_DIGITS: Final = str.maketrans("", "", " ./:()-")


def digits_of(text: str) -> str:
    """``text`` (part of a run) without its separators."""
    return text if text.isdigit() else text.translate(_NOT_DIGITS)


def run_parts(
    text: str, run: Run, min_digits: int, max_digits: int, *, inner: str = ""
) -> Iterator[tuple[int, str]]:
    """``(start, part)`` for the run's parts (see the module docstring) holding
    ``min_digits`` to ``max_digits`` digits: from the run's start, the longest first;
    then the same from each place the run may be cut where the separator there
    contains one of ``inner``."""
    whole = text[run[0] : run[1]]
    if whole.isdigit():
        if min_digits <= len(whole) <= max_digits:
            yield run[0], whole
        return
    total = len(whole.translate(_NOT_DIGITS))
    if total < min_digits:
        return
    cuts = [m.span() for m in _SOFT_CUT.finditer(whole)]
    # Ends, longest first, each with the number of digits before it.
    ends = [(len(whole), total)]
    ends += [(c_start, len(digits_of(whole[:c_start]))) for c_start, _ in reversed(cuts)]
    starts = [(0, 0)]
    if inner:
        starts += [
            (c_end, len(digits_of(whole[:c_end])))
            for c_start, c_end in cuts
            if any(c in whole[c_start:c_end] for c in inner)
        ]
    for offset, before in starts:
        for end, through in ends:
            if end > offset and min_digits <= through - before <= max_digits:
                yield run[0] + offset, whole[offset:end]


_last: tuple[str, list[Run]] = ("", [])


def digit_runs(text: str) -> list[Run]:
    """Every run of two or more digits in ``text``, in order.

    The list is shared by the detectors of one scan: do not modify it.
    """
    global _last
    last = _last
    if last[0] is text:
        return last[1]
    mapped = text.encode("ascii", "replace").translate(_MAP)
    runs = [m.span() for m in _RUN.finditer(mapped)]
    _last = (text, runs)
    return runs


def glued_before(text: str, start: int, joiners: str = "") -> bool:
    """Whether a letter, digit, ``_`` or one of ``joiners`` comes right before ``start``."""
    if start == 0:
        return False
    before = text[start - 1]
    return before.isalnum() or before == "_" or before in joiners


def glued_after(text: str, end: int, joiners: str = "") -> bool:
    """Whether a letter, digit or ``_`` comes right at ``end``, or one of ``joiners``
    followed by a letter or digit ("1.2.3.4.5"). A joiner followed by a space or the
    end ("...1111.") is punctuation."""
    if end >= len(text):
        return False
    after = text[end]
    if after.isalnum() or after == "_":
        return True
    return after in joiners and end + 1 < len(text) and text[end + 1].isalnum()


def touches_token(text: str, start: int, end: int, joiners: str = "") -> bool:
    """Whether ``text[start:end]`` is only part of a longer token (see ``glued_before``
    and ``glued_after``)."""
    return glued_before(text, start, joiners) or glued_after(text, end, joiners)
