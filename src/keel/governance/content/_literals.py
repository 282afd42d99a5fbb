"""Necessary literals: strings at least one of which every match of a pattern contains.

A content rule's regex runs on every message at input and output, and the default
patterns open with wide alternations and optional ``\\w+\\s+`` prefixes that the engine
tries at every position. Most messages contain none of the words a rule is about, so
``ContentRules`` first asks whether the (lower-cased) text contains one of the rule's
necessary literals and skips the regex when it does not.

``necessary_literals(pattern)`` derives that set from the parse tree of Python's own
regex parser (``re._parser``, private in 3.11, hence imported defensively):

* a run of literal characters, and groups or alternations that match a small finite
  set of strings, concatenate: ``(?:bring|brought)\\s`` yields ``{"bring", "brought"}``;
* for a sequence, the set of any element is necessary; the most selective one wins
  (the longest shortest literal, then the fewest literals);
* an alternation needs the union of its branches' sets, and nothing if one branch has
  none;
* optional parts (``?``, ``*``, ``{0,n}``), classes, ``.``, anchors, lookarounds and
  backreferences contribute nothing and break a run;
* a literal shorter than ``MIN_LITERAL`` characters is not worth a check.

``LiteralPrefilter`` goes one step further, still soundly: every element's set of a
sequence is necessary, so it requires the ``_MAX_SETS`` most selective ones together,
and it splits a top-level alternation (``a\\s+b|\\bc\\b``) into alternatives that
each keep their own conjunction. ``"what is your pin"`` must then contain "what",
"your" and "pin", not just "what".

The result is lower-cased, ASCII only (a non-ASCII pattern character breaks a run, as
if it were a class), and minimal (a literal containing another one is dropped, since
the shorter one is present whenever the longer one is). ``None`` means "no useful
prefilter": the rule's regex always runs. The check is sound only for ASCII text
compared lower-cased: under ``IGNORECASE`` an ASCII character matches an ASCII literal
exactly when their lower cases are equal, while non-ASCII text can match through Unicode
case folding (``"K"``, the Kelvin sign, matches ``k``); callers run every regex on
non-ASCII text.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MIN_LITERAL = 3
"""Shorter literals are too common to skip anything, and cost a check each."""

_MAX_EXACT = 64
"""Largest finite string set tracked for one node before it counts as "not exact"."""

_LiteralSet = frozenset[str]

try:  # private module: absent or changed in another Python, the prefilter switches off
    _PARSER: Any = importlib.import_module("re._parser")
    _C: Any = importlib.import_module("re._constants")
    _LITERAL, _SUBPATTERN, _BRANCH, _AT = _C.LITERAL, _C.SUBPATTERN, _C.BRANCH, _C.AT
    _REPEATS = frozenset({_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", None)})
    _ATOMIC = getattr(_C, "ATOMIC_GROUP", None)
except (ImportError, AttributeError):  # pragma: no cover - depends on the interpreter
    _PARSER = None


_MAX_SETS = 3
"""Sets checked per alternative: the most selective decide; more only cost checks."""

_MAX_ALTERNATIVES = 32


@dataclass(frozen=True, slots=True)
class LiteralPrefilter:
    """Any alternative whose every set has a literal in the text lets the regex run.

    ``alternatives`` are conjunctions: each is a tuple of literal sets, most selective
    first, and one literal of each set occurs in every match of that alternative.
    """

    alternatives: tuple[tuple[frozenset[str], ...], ...]

    def admits(self, lowered: str) -> bool:
        """Whether the regex may match ``lowered`` (ASCII text, lower-cased)."""
        # Plain loops: generator-based any()/all() cost more than the checks on short text.
        for sets in self.alternatives:
            for literals in sets:
                for lit in literals:
                    if lit in lowered:
                        break
                else:
                    break  # no literal of this set: the alternative cannot match
            else:
                return True
        return False

    @classmethod
    def for_patterns(cls, patterns: Iterable[str], flags: int = 0) -> LiteralPrefilter | None:
        """The prefilter for the alternation of ``patterns``; ``None`` if any part has none."""
        alternatives: list[tuple[frozenset[str], ...]] = []
        for pattern in patterns:
            part = literal_alternatives(pattern, flags)
            if part is None:
                return None
            alternatives.extend(part)
        # Alternatives of one set each are one alternative with their union.
        singles = frozenset().union(*(a[0] for a in alternatives if len(a) == 1))
        merged = [a for a in alternatives if len(a) > 1]
        if singles:
            merged.insert(0, (_minimal(singles),))
        return cls(tuple(dict.fromkeys(merged))) if merged else None


def necessary_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Lower-cased ASCII strings, one of which every match of ``pattern`` contains.

    The most selective such set, or ``None`` when no set of literals of at least
    ``MIN_LITERAL`` characters can be derived (a pattern that can match without a
    literal, or one the analysis does not understand). Never raises.
    """
    tree = _parse(pattern, flags)
    if tree is None:
        return None
    try:
        _, candidates = _sequence(tree)
    except Exception:  # a parser change must only turn the prefilter off
        return None
    return _minimal(candidates[0]) if candidates else None


def literal_alternatives(
    pattern: str, flags: int = 0
) -> tuple[tuple[frozenset[str], ...], ...] | None:
    """``pattern`` as alternatives, each with the literal sets all its matches need.

    Top-level alternations of different shapes (``a\\s+b|c``) are split so that each
    side keeps its own conjunction; word lists (``(?:kill|shoot)``) stay one set.
    ``None`` if an alternative has no useful set. Never raises.
    """
    tree = _parse(pattern, flags)
    if tree is None:
        return None
    try:
        result: list[tuple[frozenset[str], ...]] = []
        for sequence in _expand(tree, _MAX_ALTERNATIVES):
            _, candidates = _sequence(sequence)
            if not candidates:
                return None
            sets = tuple(dict.fromkeys(_minimal(c) for c in candidates))
            result.append(sets[:_MAX_SETS])
        return tuple(result)
    except Exception:  # as above
        return None


def _parse(pattern: str, flags: int) -> list[tuple[Any, Any]] | None:
    if _PARSER is None:
        return None
    try:
        return list(_PARSER.parse(pattern, flags))
    except Exception:  # as above
        return None


def _expand(items: list[tuple[Any, Any]], budget: int) -> list[list[tuple[Any, Any]]]:
    """A top-level alternation (``a|b``, anchors aside) as one sequence per branch.

    Inner alternations stay whole: a word list is one literal set, and splitting every
    one would multiply the alternatives a check walks through.
    """
    shaped = [(i, av) for i, (op, av) in enumerate(items) if op is not _AT]
    if len(shaped) != 1 or items[shaped[0][0]][0] is not _BRANCH:
        return [items]
    i, av = shaped[0]
    branches = [list(b) for b in av[1]]
    if len(branches) > budget:
        return [items]
    out: list[list[tuple[Any, Any]]] = []
    for b in branches:
        out.extend(_expand([*items[:i], *b, *items[i + 1 :]], budget // len(branches)))
    return out


def _sequence(items: list[tuple[Any, Any]]) -> tuple[_LiteralSet | None, list[_LiteralSet]]:
    """``(exact, candidates)`` for a sequence of parse items.

    ``exact`` is the finite set of strings the whole sequence matches (``None`` if it is
    not small and finite); ``candidates`` every useful necessary set, most selective
    first (the longest shortest literal, then the fewest literals).
    """
    candidates: list[_LiteralSet] = []
    run: _LiteralSet | None = frozenset({""})
    whole_exact = True
    for op, av in items:
        exact, necessary = _item(op, av)
        if necessary is not None:
            candidates.append(necessary)
        if exact is not None and run is not None:
            joined = frozenset(a + b for a in run for b in exact)
            if len(joined) <= _MAX_EXACT:
                run = joined
                continue
        whole_exact = False
        if run is not None:
            candidates.append(run)
        run = exact
    if run is not None:
        candidates.append(run)
    useful = [c for c in candidates if c and min(map(len, c)) >= MIN_LITERAL]
    useful.sort(key=lambda c: (-min(map(len, c)), len(c)))
    return (run if whole_exact else None), useful


def _item(op: Any, av: Any) -> tuple[_LiteralSet | None, _LiteralSet | None]:
    """``(exact, necessary)`` for one parse item; see ``_sequence``."""
    if op is _LITERAL:
        char = chr(av)
        # A non-ASCII character may match an ASCII one under IGNORECASE: no literal.
        return (frozenset({char.lower()}), None) if char.isascii() else (None, None)
    if op is _SUBPATTERN:
        return _best(_sequence(list(av[3])))
    if _ATOMIC is not None and op is _ATOMIC:
        return _best(_sequence(list(av)))
    if op is _BRANCH:
        return _branch([_best(_sequence(list(branch))) for branch in av[1]])
    if op in _REPEATS:
        low, high, item = av
        if low == 0:
            return None, None
        exact, necessary = _best(_sequence(list(item)))
        if low == high and exact is not None and len(exact) == 1:
            (single,) = exact
            return frozenset({single * low}), necessary
        if necessary is None and exact is not None:
            return None, exact  # "(?:abc)+" needs "abc" once, not exactly once
        return None, necessary
    # Classes, ".", anchors, lookarounds, backreferences, conditionals: nothing known.
    return None, None


def _best(
    analysed: tuple[_LiteralSet | None, list[_LiteralSet]],
) -> tuple[_LiteralSet | None, _LiteralSet | None]:
    exact, candidates = analysed
    return exact, (candidates[0] if candidates else None)


def _branch(
    branches: list[tuple[_LiteralSet | None, _LiteralSet | None]],
) -> tuple[_LiteralSet | None, _LiteralSet | None]:
    exact: _LiteralSet | None = frozenset()
    necessary: _LiteralSet | None = frozenset()
    for branch_exact, branch_necessary in branches:
        if exact is not None and branch_exact is not None and len(exact) < _MAX_EXACT:
            exact = exact | branch_exact
        else:
            exact = None
        # A branch's own exact strings are necessary for it when nothing better is known.
        own = branch_necessary if branch_necessary is not None else branch_exact
        if own is None or not own or min(map(len, own)) < MIN_LITERAL:
            own = None
        necessary = None if necessary is None or own is None else necessary | own
    if exact is not None and len(exact) > _MAX_EXACT:
        exact = None
    return exact, necessary


def _minimal(literals: _LiteralSet) -> _LiteralSet:
    """Drop every literal that contains another one: the shorter is present whenever it is."""
    kept: list[str] = []
    for lit in sorted(literals, key=len):
        if not any(k in lit for k in kept):
            kept.append(lit)
    return frozenset(kept)
