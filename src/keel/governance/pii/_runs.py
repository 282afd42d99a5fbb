"""Digit runs: the one pass over a text that every number-shaped detector shares.

A *run* is a maximal stretch of digit groups joined by at most two separator
characters (``" ./:()-"``): ``4111 1111 1111 1111``, ``(415) 555-2671``,
``2024-03-15 14:30``, ``192.168.1.20``. Cards, SSNs, phone numbers and IPv4 addresses
all live inside runs, so one regex pass (which the engine runs fast, skipping to the
next digit in C) replaces four; each detector then looks only at the few runs long
enough to matter to it. Only runs of four or more digits are kept: every detector
that reads runs needs at least that many (an IPv4 address has four, a phone number
seven, an SSN nine, a card thirteen), and a helpdesk message has several times more
short ones ("2 pm", "Q3", "10 MB") than long ones. A run carries its digit count, so
a detector turns away a short one without reading it.

Inside a run a detector considers *parts*: the run itself, or its leading groups cut
where the separator contains a space or a parenthesis ("4111 1111 1111 1111 123": a
card and its CVV). A run is never cut at a dot, hyphen, slash or colon: "10.0.19045"
is not "10.0" and a number. Detectors with a strong check (Luhn, the SSN shape) also
try parts that start after such a cut ("#4471 4111 1111 1111 1111"); the phone
detector only after an opening parenthesis ("#4471 (415) 555-2671"), since
"0347 7835 3672" inside the reference "9401 0347 7835 3672" is valid in some
numbering plan but is not a phone number. Where a run may be cut is worked out once,
for the first detector that asks.

The pass runs over a copy of the text in which every non-ASCII character is ``?``
(``encode("ascii", "replace")``, which keeps positions) and ``bytes.translate`` has
turned every digit into ``0``, every separator into ``.``, every capital into ``A``
and everything else into a space. The regex engine then searches for a literal ``0``
at memory speed instead of testing a character class at every position, and an IBAN's
country code and check digits are a literal too (``AA00``, ``iban_anchors``). Only
ASCII digits count: a number written in full-width or Arabic-Indic digits is not seen.

The ASCII copy is made once per text (``ascii_of``) and shared with the detectors
that translate or search it as bytes (the secret detector's tokens and assignments,
the IPv6 anchors). All of it is kept for the last text seen (by identity, in one
object replaced whole), so the detectors of one scan share one pass.
"""

from __future__ import annotations

import re
from typing import Final

Run = tuple[int, int, int]
"""A run's ``(start, end, digits)``: where it is in the text and how many digits it has."""

# 0(?:\.{0,2}0){3,}, unrolled and possessive (giving a separator back never lets a
# digit follow): a third fewer steps for the engine than the repeat it spells out.
_RUN: Final = re.compile(rb"0(?:\.{0,2}+0)(?:\.{0,2}+0)(?:\.{0,2}+0)(?:\.{0,2}+0)*+")
_SPAN: Final = re.Match.span


def _byte_class(byte: int) -> int:
    char = chr(byte)
    if not char.isascii():
        return ord(" ")
    if char.isdigit():
        return ord("0")
    if char in " ./:()-":
        return ord(".")
    return ord("A") if char.isupper() else ord(" ")


_MAP: Final = bytes(_byte_class(b) for b in range(256))
_IBAN_ANCHOR: Final = b"AA00"
_NOT_DIGITS: Final = str.maketrans("", "", " ./:()-")
_SEPARATOR_BYTES: Final = b" ./:()-"


def digits_of(text: str) -> str:
    """``text`` (part of a run) without its separators."""
    if text.isdigit():
        return text
    if text.isascii():  # always, for a part: bytes.translate deletes in one C pass
        return text.encode().translate(None, _SEPARATOR_BYTES).decode()
    return text.translate(_NOT_DIGITS)


def run_parts(
    text: str, run: Run, min_digits: int, max_digits: int, *, inner: str = ""
) -> list[tuple[int, str]]:
    """``(start, part)`` for the run's parts (see the module docstring) holding
    ``min_digits`` to ``max_digits`` digits: from the run's start, the longest first;
    then the same from each place the run may be cut where the separator there
    contains one of ``inner``."""
    start, end, total = run
    if total < min_digits:
        return []
    # A run of digits only, or one that cannot be cut, is its one part.
    cuts = None if total == end - start else _cuts(text, run)
    if cuts is None:
        return [(start, text[start:end])] if total <= max_digits else []
    ends, places = cuts
    parts = [
        (start, text[start : start + part_end])
        for part_end, through in ends
        if min_digits <= through <= max_digits
    ]
    for offset, before, separator in places:
        # A separator inside a run is one or two characters.
        if separator[0] in inner or separator[-1] in inner:
            parts += [
                (start + offset, text[start + offset : start + part_end])
                for part_end, through in ends
                if part_end > offset and min_digits <= through - before <= max_digits
            ]
    return parts


_Cuts = tuple[list[tuple[int, int]], list[tuple[int, int, str]]]
# A run read as digit groups, each with the separator after it ("" after the last).
_GROUPS: Final = re.compile(r"([0-9]+)([ ./:()\-]*)")


def _cuts(text: str, run: Run) -> _Cuts | None:
    """The run's part ends, longest first, each with the digits before it, and the
    places it may be cut, each with where the part after it starts, the digits before
    that and the separator; ``None`` for a run that cannot be cut. Offsets are from the
    run's start. Computed once a run for the detectors of a scan."""
    p = _pass_of(text)
    start, end, total = run
    if start in p.cuts:
        return p.cuts[start]
    chunk = text[start:end]
    found: _Cuts | None = None
    if " " in chunk or "(" in chunk or ")" in chunk:
        cut_ends: list[tuple[int, int]] = []
        places: list[tuple[int, int, str]] = []
        offset = digits = 0
        for group, separator in _GROUPS.findall(chunk):
            offset += len(group)
            digits += len(group)
            if separator.strip("./:-"):  # holds a space or a parenthesis
                cut_ends.append((offset, digits))
                places.append((offset + len(separator), digits, separator))
            offset += len(separator)
        cut_ends.append((end - start, total))
        cut_ends.reverse()
        found = (cut_ends, places)
    p.cuts[start] = found
    return found


class _Pass:
    """What the built-in detectors share about one text, filled as they ask: its ASCII
    copy, that copy mapped to digit classes (the module docstring), the runs, the
    IBAN anchors, and where each run may be cut."""

    __slots__ = ("anchors", "ascii", "cuts", "mapped", "runs", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.encode("ascii", "replace")
        self.mapped: bytes | None = None
        self.runs: list[Run] | None = None
        self.anchors: list[int] | None = None
        self.cuts: dict[int, _Cuts | None] = {}


# The pass over the last text seen. One object swapped whole, so a thread that finds
# another's text here starts its own pass rather than reading a mix of two.
_last = _Pass("")


def _pass_of(text: str) -> _Pass:
    global _last
    last = _last
    if last.text is not text:
        last = _last = _Pass(text)
    return last


def ascii_of(text: str) -> bytes:
    """``text`` with every non-ASCII character replaced by ``?``: one byte a character,
    so positions are the text's. Shared by the detectors of one scan."""
    last = _last
    return last.ascii if last.text is text else _pass_of(text).ascii


def _mapped(p: _Pass) -> bytes:
    mapped = p.mapped
    if mapped is None:
        mapped = p.mapped = p.ascii.translate(_MAP)
    return mapped


def digit_count(text: str) -> int:
    """How many ASCII digits ``text`` has (from the shared map)."""
    last = _last
    p = last if last.text is text else _pass_of(text)
    return _mapped(p).count(b"0")


def digit_runs(text: str) -> list[Run]:
    """Every run of four or more digits in ``text``, in order.

    The list is shared by the detectors of one scan: do not modify it.
    """
    last = _last
    p = last if last.text is text else _pass_of(text)
    runs = p.runs
    if runs is None:
        mapped = _mapped(p)
        runs = p.runs = [
            (start, end, mapped.count(b"0", start, end))
            for start, end in map(_SPAN, _RUN.finditer(mapped))
        ]
    return runs


def iban_anchors(text: str) -> list[int]:
    """Where two ASCII capitals are followed by two ASCII digits, in order. Shared like
    ``digit_runs``."""
    last = _last
    p = last if last.text is text else _pass_of(text)
    anchors = p.anchors
    if anchors is None:
        mapped = _mapped(p)
        anchors = p.anchors = []
        at = mapped.find(_IBAN_ANCHOR)
        while at != -1:
            anchors.append(at)
            at = mapped.find(_IBAN_ANCHOR, at + 1)
    return anchors


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
