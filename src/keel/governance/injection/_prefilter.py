"""Which part of a pattern's regex a reading can need: literal gates and branch subsets.

A trigger word says a pattern *may* match. Its necessary literals, derived from the
regex itself by ``content._literals``, say whether it *can*: "ignore" alone does not
pay for an expression that also needs "your" and one of a dozen words for rules.

Many patterns are an alternation of unrelated phrasings (``a...|b...|c...``, or all of
it in one ``(?:...)`` group), and the regex engine tries every branch at every position
of the text. Each branch gets its own literals, and a reading runs a regex made of only
the branches it can match, in their original order. That changes no match: a branch
whose literals are absent matches nowhere in the reading, and an alternation tries its
branches in order at each position, so one that never matches never decides anything.
The patterns have no capturing groups (a subset would renumber them), which
``PatternGate.derive`` checks.

Whether a reading contains a literal is asked word by word: nearly every literal is
letters only, and such a literal occurs in a text exactly when it occurs inside one of
its words (maximal runs of letters). Which literal sets each word has a literal of is
computed once per distinct word and kept as a bit mask (``LiteralIndex``), so a
reading costs a dictionary look-up per word and a gate a few integer operations,
instead of a scan of the text per literal; the few literals with other characters
("n't", "<|im_start|>") are searched in the text.

Sound only for ASCII readings compared lower-cased (see ``content._literals``); the
catalogue runs every candidate's whole regex on other readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LETTERS = re.compile(r"[a-z]+")
_MAX_SUBSETS = 32
"""Compiled branch subsets kept per pattern; an uncached subset runs the whole regex."""
_MAX_WORDS = 20_000
"""Distinct words whose literals ``LiteralIndex`` keeps; past it, it starts over."""
_MAX_NEW_WORDS = 12
"""New words a reading may bring; with more, its literals are searched in the text."""


@dataclass(frozen=True, slots=True, eq=False)
class LiteralSet:
    """Literals one of which a match needs; one shared instance per distinct set."""

    bit: int
    """This set's bit in a reading's mask of the sets it has a literal of."""
    letters: frozenset[str]
    """Literals of letters only: looked up among the reading's words."""
    others: tuple[str, ...]
    """The rest, searched in the reading."""


Alternative = tuple[int, tuple[LiteralSet, ...]]
"""Literal sets that must all be present (smallest first), and the mask of their bits."""
Conjunctions = tuple[Alternative, ...]
"""A regex can match only where one of its alternatives has every set present."""


class LiteralIndex:
    """The literal sets of a catalogue's gates, and which sets each word has a literal of.

    A word's answer is a bit mask over the sets, so a reading's is the OR of its words'.
    """

    def __init__(self) -> None:
        self._sets: dict[frozenset[str], LiteralSet] = {}
        self._owners: dict[str, int] = {}
        """Letters-only literal -> mask of the sets it belongs to."""
        self._shortest, self._longest = 1, 0
        self._per_word: dict[str, int] = {}
        self._searched = 0
        """Mask of the sets with literals that are not letters only."""

    def intern(self, literals: frozenset[str]) -> LiteralSet:
        """The shared ``LiteralSet`` for ``literals``; a new one resets the word cache."""
        found = self._sets.get(literals)
        if found is not None:
            return found
        letters = frozenset(lit for lit in literals if _LETTERS.fullmatch(lit))
        others = tuple(sorted(literals - letters, key=len))
        found = self._sets[literals] = LiteralSet(1 << len(self._sets), letters, others)
        if others:
            self._searched |= found.bit
        if letters:
            for lit in letters:
                self._owners[lit] = self._owners.get(lit, 0) | found.bit
            self._shortest = min(map(len, self._owners))
            self._longest = max(map(len, self._owners))
            self._per_word.clear()  # cached masks do not have the new set's bit
        return found

    def reading(self, lowered: str, words: set[str] | None = None) -> ReadingLiterals:
        """What ``lowered`` (ASCII, lower-cased) contains; ``words``: its ``[a-z]+`` runs.

        Make it after interning every set it will be asked about."""
        if words is None:
            words = set(_LETTERS.findall(lowered))
        return ReadingLiterals(lowered, self._mask(words), self._searched)

    def _mask(self, words: set[str]) -> int | None:
        """The sets with a letters-only literal inside ``words``; ``None`` when too many
        words are new (random identifiers, a first message): looking inside them all
        would cost more than searching the text for the literals asked about."""
        cache = self._per_word
        new = [w for w in words if w not in cache]
        if len(new) > _MAX_NEW_WORDS:
            for word in new[:_MAX_NEW_WORDS]:  # learn a few: the next reading may be cheap
                self._remember(word)
            return None
        mask = 0
        for word in words:
            bits = cache.get(word)
            mask |= self._remember(word) if bits is None else bits
        return mask

    def _remember(self, word: str) -> int:
        if len(self._per_word) >= _MAX_WORDS:
            self._per_word.clear()
        owners, shortest, n = self._owners, self._shortest, len(word)
        mask = 0
        for i in range(n - shortest + 1):
            for j in range(i + shortest, min(n, i + self._longest) + 1):
                mask |= owners.get(word[i:j], 0)
        self._per_word[word] = mask
        return mask


class ReadingLiterals:
    """Per reading: the mask of the literal sets it has a literal of, completed by
    searching the text for a set's other literals (or, when the reading's words were
    not looked into, for all of them) the first time a gate needs that set."""

    __slots__ = ("_by_words", "_final", "_lowered", "_present")

    def __init__(self, lowered: str, mask: int | None, searched: int) -> None:
        self._lowered = lowered
        self._by_words = mask is not None
        self._present = mask or 0
        # Sets whose absence is settled: with the words looked into, those without other
        # literals to search for (``searched`` has the bits of those with some).
        self._final = ~searched if mask is not None else 0

    def admits(self, gate: Conjunctions | None) -> bool:
        """Whether some alternative of ``gate`` has every set present (no gate: yes)."""
        if gate is None:
            return True
        for mask, sets in gate:
            missing = mask & ~self._present
            if not missing:
                return True
            if not missing & self._final and self._search(sets):
                return True
        return False

    def _search(self, sets: tuple[LiteralSet, ...]) -> bool:
        """Whether the sets not known to be present are, searching the text once each."""
        for s in sets:
            bit = s.bit
            if self._present & bit:
                continue
            if self._final & bit:
                return False
            self._final |= bit
            for lit in s.others if self._by_words else (*s.letters, *s.others):
                if lit in self._lowered:
                    self._present |= bit
                    break
            else:
                return False
        return True


@dataclass(frozen=True, slots=True)
class PatternGate:
    """The literal gate of one regex, per branch where it is an alternation."""

    regex: re.Pattern[str]
    branches: tuple[str, ...]
    """The branch sources when the regex is split, else empty."""
    gates: tuple[Conjunctions | None, ...]
    """One per branch (or one for the whole regex); ``None``: no gate, always runs."""
    wrapped: bool = False
    """Whether the branches sit in one ``(?:...)`` group spanning the whole regex."""
    _subsets: dict[tuple[int, ...], re.Pattern[str]] = field(default_factory=dict)

    @classmethod
    def derive(cls, regex: re.Pattern[str], index: LiteralIndex) -> PatternGate:
        """The gate for ``regex``, its literal sets interned in ``index``; never raises
        (a regex with no useful gate always runs)."""
        branches, wrapped = _split(regex)
        if len(branches) > 1:
            gates = tuple(_conjunctions(b, regex.flags, index) for b in branches)
            if any(g is not None for g in gates):
                return cls(regex, branches, gates, wrapped)
        return cls(regex, (), (_conjunctions(regex.pattern, regex.flags, index),))

    def regex_for(self, text: ReadingLiterals) -> re.Pattern[str] | None:
        """The regex to run on ``text``'s reading; ``None``: it cannot match there."""
        if not self.branches:
            return self.regex if text.admits(self.gates[0]) else None
        kept: tuple[int, ...] = ()
        for i, gate in enumerate(self.gates):
            if text.admits(gate):
                kept += (i,)
        if not kept:
            return None
        if len(kept) == len(self.branches):
            return self.regex
        subset = self._subsets.get(kept)
        if subset is None:
            if len(self._subsets) >= _MAX_SUBSETS:
                return self.regex
            source = "|".join(self.branches[i] for i in kept)
            subset = re.compile(f"(?:{source})" if self.wrapped else source, self.regex.flags)
            self._subsets[kept] = subset
        return subset


def _conjunctions(pattern: str, flags: int, index: LiteralIndex) -> Conjunctions | None:
    """The prefilter's alternatives, each with its smallest sets first: the cheapest to
    rule out. ``None`` if the pattern has no useful prefilter."""
    # Imported here: the content package builds its default rules on import, which
    # importing the scorer (the spec model does) need not pay for.
    from keel.governance.content._literals import LiteralPrefilter

    prefilter = LiteralPrefilter.for_patterns([pattern], flags)
    if prefilter is None:
        return None
    out: list[Alternative] = []
    for alternative in prefilter.alternatives:
        sets = tuple(index.intern(s) for s in sorted(alternative, key=len))
        mask = 0
        for s in sets:
            mask |= s.bit
        out.append((mask, sets))
    return tuple(out)


def _split(regex: re.Pattern[str]) -> tuple[tuple[str, ...], bool]:
    """``regex``'s top-level branches (or those of one group spanning it), and whether
    they were in that group; ``((), False)`` when it cannot be split safely."""
    if regex.groups or regex.flags & re.VERBOSE:
        return (), False
    pattern = regex.pattern
    parts = _top_level(pattern)
    wrapped = False
    if parts is not None and len(parts) == 1 and pattern.startswith("(?:"):
        inner = _top_level(pattern[3:-1]) if pattern.endswith(")") else None
        if inner is not None and len(inner) > 1:
            parts, wrapped = inner, True
    if parts is None or len(parts) < 2:
        return (), False
    try:  # a mis-split would leave a branch that does not compile on its own
        for part in parts:
            re.compile(part, regex.flags)
    except re.error:
        return (), False
    return tuple(parts), wrapped


def _top_level(pattern: str) -> list[str] | None:
    """``pattern`` split at the ``|`` outside groups and classes; ``None`` if unbalanced."""
    parts: list[str] = []
    depth = start = i = 0
    in_class = False
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            i += 1
            if pattern[i : i + 1] == "^":
                i += 1
            if pattern[i : i + 1] == "]":  # "[]...]" and "[^]...]": a literal "]"
                i += 1
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                return None
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    if depth or in_class:
        return None
    parts.append(pattern[start:])
    return parts
