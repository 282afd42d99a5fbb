"""What a detector reports, the ``Detector`` seam, and how overlapping reports are settled.

A :class:`Finding` is one span of text that a detector believes is personal or secret
data. Several detectors may claim overlapping spans (a phone-number candidate inside a
card number, a high-entropy run inside a PEM block); :func:`resolve_overlaps` keeps a
deterministic, non-overlapping subset so that masking never has to splice two
replacements into one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from operator import attrgetter
from typing import Final, Literal, Protocol, get_args, runtime_checkable

BuiltinPiiType = Literal["email", "phone", "card", "iban", "ssn", "ip", "secret"]
"""The types Keel's own detectors report. Plug-in detectors may report others."""

BUILTIN_TYPES: Final[tuple[BuiltinPiiType, ...]] = get_args(BuiltinPiiType)

# Between two overlapping spans of the same length, the higher priority wins.
# Restricted types sit above the rest.
TYPE_PRIORITY: Final[dict[str, int]] = {
    "secret": 100,
    "card": 90,
    "iban": 85,
    "ssn": 80,
    "email": 70,
    "ip": 60,
    "phone": 50,
}
PLUGIN_PRIORITY: Final = 10
"""Priority of a type that no built-in detector reports (a plug-in's ``person``...)."""


@dataclass(frozen=True, slots=True, init=False)
class Finding:
    """One detected span: ``text == source[start:end]``.

    ``score`` is the detector's confidence in ``[0, 1]``. ``detail`` names the
    sub-kind when there is one (``visa``, ``aws_access_key``, ``ipv6``...).
    ``canonical`` is the value in a normal form (E.164 for a phone, digits only for a
    card, lower-case email...); keyed hashes and tokens are derived from it so that
    one value written two ways gets one pseudonym. The raw value is kept out of
    ``repr`` so that logging a finding does not log the data it found.
    """

    start: int
    end: int
    type: str
    text: str = field(repr=False)
    score: float = 1.0
    detail: str = ""
    canonical: str = field(default="", repr=False)

    def __init__(
        self,
        start: int,
        end: int,
        type: str,
        text: str,
        score: float = 1.0,
        detail: str = "",
        canonical: str = "",
    ) -> None:
        # The __init__ dataclass writes for a frozen class sets each field through
        # object.__setattr__; the slots' own setters store the same for a third of
        # the cost, and detectors build findings in their inner loops.
        _SET_START(self, start)
        _SET_END(self, end)
        _SET_TYPE(self, type)
        _SET_TEXT(self, text)
        _SET_SCORE(self, score)
        _SET_DETAIL(self, detail)
        _SET_CANONICAL(self, canonical)

    @property
    def identity(self) -> str:
        """The value keyed hashes and tokens are computed from."""
        return self.canonical or self.text


_SET_START, _SET_END, _SET_TYPE, _SET_TEXT, _SET_SCORE, _SET_DETAIL, _SET_CANONICAL = (
    vars(Finding)[name].__set__
    for name in ("start", "end", "type", "text", "score", "detail", "canonical")
)


@runtime_checkable
class Detector(Protocol):
    """Finds one or more kinds of PII in a text.

    The one seam for detectors: Keel's built-in ones implement it, and so does any
    heavier detector (an NER model, a customer's ID format) added through
    :class:`~keel.governance.pii.DetectorRegistry`. ``detect`` must be a pure
    function of ``text``, return spans with ``text == source[start:end]``, and may
    return overlapping spans; the scanner settles overlaps.
    """

    def detect(self, text: str) -> Iterable[Finding]: ...


def priority_of(pii_type: str) -> int:
    return TYPE_PRIORITY.get(pii_type, PLUGIN_PRIORITY)


def _rank(finding: Finding) -> tuple[int, int, float, int, str]:
    # Sorted ascending, so each criterion is negated where larger should come first.
    return (
        -(finding.end - finding.start),
        -priority_of(finding.type),
        -finding.score,
        finding.start,
        finding.type,
    )


_position: Final = attrgetter("start", "end")


def resolve_overlaps(findings: Sequence[Finding]) -> list[Finding]:
    """Keep a non-overlapping subset of ``findings``, ordered by position.

    Candidates are taken greedily in rank order — the longer span first, then the
    higher type priority, then the higher score, then the earlier start, then the type
    name — and a candidate is kept only if it overlaps nothing kept before it. The
    longer span wins because it is the more specific reading: an IBAN whose middle
    groups look like a card, a phone number that includes its ``+``, an email whose
    local part looks random, a PEM block full of base64 lines. The
    result depends only on the set of findings, never on the order detectors ran in.
    Exact duplicates collapse to one.
    """
    ordered = sorted(findings, key=_position)
    if all(a.end <= b.start for a, b in pairwise(ordered)):
        return ordered  # the common case: nothing overlaps
    kept: list[Finding] = []
    for candidate in sorted(findings, key=_rank):
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    kept.sort(key=_position)
    return kept
