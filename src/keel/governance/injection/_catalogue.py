"""The pattern type, and the index that decides which patterns a text can possibly match.

A pattern is a regular expression over a lower-cased reading, a weight per source, a
set of *trigger words* and an explanation. A pattern runs only when one of its
trigger words occurs in the reading, so a ticket about a printer pays for one word
split and a few set look-ups, not for sixty regular expressions — and the encoded
readings (rot13, reversed, leetspeak) cost almost nothing unless they contain a
trigger word.

``unless`` is context that cancels a match when it occurs near it (the sentence
around it): "developer mode" near "Android" is a phone setting, "system prompt" near
"Windows boots" is a command line.

On a short ASCII reading (the usual message, searched whole) the catalogue then runs
only what the reading can need: no regex
when the pattern's necessary literals are absent, and of an alternation only the
branches whose literals are present (see ``_prefilter``). Scores are the same with and
without that gate; a gate is derived the first time its pattern is a candidate, which
keeps ``import keel`` fast.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from keel.governance.injection._prefilter import LiteralIndex, PatternGate
from keel.governance.injection._verdict import Category, Source

WORD = re.compile(r"[a-z]+")
_CONTEXT = 80
# Readings longer than this are searched in windows around trigger words; a match can
# start up to _BEFORE characters before its trigger word and end _AFTER after it.
_WHOLE_TEXT = 1200
_BEFORE, _AFTER = 200, 300
_SOURCE_INDEX: dict[Source, int] = {"user": 0, "tool": 1, "document": 2}
# A single weight is the weight for user text. Role-play and extraction phrasing ("act
# as", "developer mode", "show me the instructions") is weaker evidence in a tool result
# or a document, which are written for people and are full of roles and instructions.
_SOURCE_DISCOUNT: dict[Category, tuple[float, float, float]] = {
    "role_play": (1.0, 0.85, 0.7),
    "prompt_extraction": (1.0, 0.85, 0.7),
}

Weights = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    category: Category
    regex: re.Pattern[str]
    weights: Weights
    """Weight when the text comes from the user, a tool result, a knowledge document."""
    triggers: frozenset[str]
    explanation: str
    unless: re.Pattern[str] | None = None
    context: int = _CONTEXT
    """How many characters either side of a match ``unless`` looks at."""

    def weight(self, source: Source) -> float:
        return self.weights[_SOURCE_INDEX[source]]

    def matches(
        self,
        reading: str,
        lo: int = 0,
        hi: int | None = None,
        *,
        regex: re.Pattern[str] | None = None,
    ) -> Iterator[tuple[int, int]]:
        """Matches starting in ``reading[lo:hi]``; look-behinds and ``^`` see the whole text.

        ``regex`` replaces ``self.regex`` with one that matches the same in ``reading``
        (a subset of its branches, see ``_prefilter``).
        """
        regex = self.regex if regex is None else regex
        for m in regex.finditer(reading, lo, len(reading) if hi is None else hi):
            if self.unless is not None:
                window = reading[max(0, m.start() - self.context) : m.end() + self.context]
                if self.unless.search(window):
                    continue
            yield m.start(), m.end()


def pattern(
    name: str,
    category: Category,
    regex: str,
    weight: float | Weights,
    triggers: str,
    explanation: str,
    *,
    unless: str | None = None,
    context: int = _CONTEXT,
) -> Pattern:
    """Build a pattern; ``triggers`` is a space-separated list of words (letters only).

    A single ``weight`` applies to every source, discounted for tool results and
    documents in the categories listed in ``_SOURCE_DISCOUNT``.
    """
    if isinstance(weight, tuple):
        weights = weight
    else:
        f = _SOURCE_DISCOUNT.get(category, (1.0, 1.0, 1.0))
        weights = (weight * f[0], weight * f[1], weight * f[2])
    words = frozenset(triggers.split())
    bad = [w for w in words if not w.isalpha() or not w.islower()]
    if bad:
        raise ValueError(f"pattern {name}: triggers must be lower-case words, got {bad}")
    return Pattern(
        name=name,
        category=category,
        regex=re.compile(regex, re.MULTILINE),
        weights=weights,
        triggers=words,
        explanation=explanation,
        unless=re.compile(unless) if unless else None,
        context=context,
    )


def words_of(reading: str) -> set[str]:
    return set(WORD.findall(reading))


class Catalogue:
    """Patterns indexed by trigger word.

    ``prefilter=False`` runs every candidate's regex; it exists so that tests can show
    the literal prefilter changes no result.
    """

    def __init__(self, patterns: Iterable[Pattern], *, prefilter: bool = True) -> None:
        self.patterns = tuple(patterns)
        self.prefilter = prefilter
        self._gates: list[PatternGate | None] = [None] * len(self.patterns)
        self._literals = LiteralIndex()
        self._lock = threading.Lock()
        names = [p.name for p in self.patterns]
        if len(names) != len(set(names)):
            raise ValueError("pattern names must be unique")
        index: dict[str, list[int]] = {}
        for i, p in enumerate(self.patterns):
            for w in p.triggers:
                index.setdefault(w, []).append(i)
        self._index = {w: tuple(ix) for w, ix in index.items()}
        self.trigger_words = frozenset(self._index)

    def candidates(self, words: set[str]) -> list[Pattern]:
        """Patterns whose trigger words occur in ``words``, in catalogue order."""
        return [self.patterns[i] for i in self._hits(words)]

    def _hits(self, words: set[str]) -> list[int]:
        hit: set[int] = set()
        for w in words & self.trigger_words:
            hit.update(self._index[w])
        return sorted(hit)

    def _runs(
        self, words: set[str] | None, reading: str
    ) -> list[tuple[Pattern, re.Pattern[str] | None]]:
        """Candidates with the regex to run on ``reading`` (``None``: the pattern's own),
        without those that cannot match it (see the module docstring). ``words`` are the
        reading's words; ``None``: find them."""
        all_words = words_of(reading) if words is None else words
        if not self.prefilter or not reading.isascii():
            return [(self.patterns[i], None) for i in self._hits(all_words)]
        hits = self._hits(all_words)
        lowered = reading.lower()
        # The index needs every [a-z]+ run of the lowered text: the caller's words are
        # those of ``reading``, the same runs when the reading is lower case already.
        words_of_lowered = all_words if lowered == reading else None
        # Gates are derived before the reading is looked up (deriving adds literal sets),
        # and no other thread may add any in between: the reading would lack their bits.
        with self._lock:
            gates = [self._gate(i) for i in hits]
            text = self._literals.reading(lowered, words_of_lowered)
        out: list[tuple[Pattern, re.Pattern[str] | None]] = []
        for i, gate in zip(hits, gates, strict=True):
            regex = gate.regex_for(text)
            if regex is not None:
                out.append((self.patterns[i], regex))
        return out

    def _gate(self, i: int) -> PatternGate:
        gate = self._gates[i]
        if gate is None:
            gate = self._gates[i] = PatternGate.derive(self.patterns[i].regex, self._literals)
        return gate

    def scan(
        self, reading: str, words: set[str] | None = None
    ) -> Iterator[tuple[Pattern, int, int]]:
        """Every ``(pattern, start, end)`` match in ``reading``.

        A long reading is searched only in windows around each pattern's trigger words,
        so a 50 KB tool result costs in proportion to its suspicious words, not to its
        length times the number of patterns.
        """
        if len(reading) <= _WHOLE_TEXT:
            for p, regex in self._runs(words, reading):
                for start, end in p.matches(reading, regex=regex):
                    yield p, start, end
            return
        positions: dict[str, list[int]] = {}
        for m in WORD.finditer(reading):
            if m.group() in self.trigger_words:
                positions.setdefault(m.group(), []).append(m.start())
        for p in self.candidates(set(positions)):
            starts = sorted(s for w in p.triggers for s in positions.get(w, ()))
            seen: set[tuple[int, int]] = set()
            for lo, hi in _windows(starts, len(reading)):
                for span in p.matches(reading, lo, hi):
                    if span not in seen:
                        seen.add(span)
                        yield p, span[0], span[1]


def _windows(starts: list[int], n: int) -> list[tuple[int, int]]:
    """Merged ``[start - _BEFORE, start + _AFTER)`` windows around trigger positions."""
    out: list[tuple[int, int]] = []
    for s in starts:
        lo, hi = max(0, s - _BEFORE), min(n, s + _AFTER)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
