"""What the injection scorer returns: signals, their combination, and the thresholds.

A *signal* is one piece of evidence — a phrase that overrides instructions, a
markdown image whose URL carries a data placeholder, tag characters that smuggle
hidden text — with a weight in ``(0, 1]`` read as "how likely is this text an
attack if this were the only evidence". Signals combine by noisy-OR over distinct
signal names::

    score = 1 - prod(1 - w_name)        w_name = the largest weight seen for that name

so a single strong signal decides on its own, weak signals need company, and a
phrase repeated ten times counts once. The weights were set by hand on the *dev*
half of the shipped corpus (``keel.governance.injection.corpus``) and checked on the
held-out half; ``benchmarks/injection.py`` prints both, with a reliability table.

Signals found on the same phrase add up like any others, deliberately. When several
patterns match one phrase ("you are now in admin mode" is a role-play, a special mode
and a mode switch at once), they are not merged into one piece of evidence: on the dev
split (commit ced3aed), 37 % of attacks had two differently named patterns on one phrase
and 0.5 % of look-alikes did, so the overlap is itself evidence, and the weights were set
with it. Scoring each overlapping cluster by its strongest signal (or its strongest plus
half of the rest; hidden-region and disguise signals kept apart) flagged exactly the
same dev look-alikes and fewer dev attacks. The dev look-alike then flagged on a phrase
that fires several patterns (a CRM tooltip's "You are now in admin mode") crossed the
threshold on its strongest pattern alone: what a pattern matches, not the combination,
was what it asked to fix (``_role_play``: a product's mode notice).

Thresholds (the score is comparable across sources; the weights already depend on
where the text came from):

* ``SUSPICIOUS`` (0.3): log it, put it in the policy input; nothing else happens.
* ``DEFAULT_THRESHOLD`` (0.5): the policy's action (block / escalate / sanitize)
  applies. One strong signal (an explicit "ignore all previous instructions", a
  placeholder exfiltration URL) or two medium ones reach it.
* ``HIGH`` (0.8): several independent signals or one unambiguous one; a sensible
  place for ``block`` when ``sanitize`` is the action below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Source = Literal["user", "tool", "document"]
"""Where a text came from: the caller, a tool's result, or a retrieved knowledge document."""

Category = Literal[
    "instruction_override",
    "role_play",
    "prompt_extraction",
    "obfuscation",
    "indirect",
    "exfiltration",
]

View = Literal[
    "text",
    "leetspeak",
    "rot13",
    "reversed",
    "spaced",
    "base64",
    "hex",
    "percent",
    "entities",
    "tags",
]
"""Which reading of the text a signal was found in; anything but ``text`` was decoded."""

CATEGORIES: tuple[Category, ...] = Category.__args__  # type: ignore[attr-defined]
SOURCES: tuple[Source, ...] = Source.__args__  # type: ignore[attr-defined]

SUSPICIOUS = 0.3
DEFAULT_THRESHOLD = 0.5
HIGH = 0.8


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence. ``span`` indexes the *original* text (``text[start:end]``)."""

    name: str
    category: Category
    weight: float
    span: tuple[int, int]
    explanation: str
    view: View = "text"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category,
            "weight": round(self.weight, 3),
            "span": list(self.span),
            "explanation": self.explanation,
            "view": self.view,
        }


@dataclass(frozen=True, slots=True)
class InjectionVerdict:
    """The scorer's answer for one text: a score in ``[0, 1]`` and the evidence behind it."""

    score: float
    source: Source
    signals: tuple[Signal, ...] = ()
    categories: tuple[Category, ...] = field(default=())

    def is_injection(self, threshold: float = DEFAULT_THRESHOLD) -> bool:
        return self.score >= threshold

    def to_dict(self) -> dict[str, Any]:
        """The JSON form that goes into the policy input document."""
        return {
            "score": round(self.score, 4),
            "source": self.source,
            "categories": list(self.categories),
            "signals": [s.to_dict() for s in self.signals],
        }


def combine(signals: list[Signal], source: Source) -> InjectionVerdict:
    """Noisy-OR over distinct signal names; categories ordered by their strongest signal."""
    best: dict[str, float] = {}
    for s in signals:
        if s.weight > best.get(s.name, 0.0):
            best[s.name] = s.weight
    keep = 1.0
    for w in best.values():
        keep *= 1.0 - w
    by_category: dict[Category, float] = {}
    for s in signals:
        if s.weight > by_category.get(s.category, 0.0):
            by_category[s.category] = s.weight
    categories = tuple(sorted(by_category, key=lambda c: (-by_category[c], c)))
    ordered = tuple(sorted(signals, key=lambda s: (-s.weight, s.span)))
    return InjectionVerdict(
        score=round(1.0 - keep, 6), source=source, signals=ordered, categories=categories
    )
