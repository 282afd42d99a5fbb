"""The scorer's literal gates change no result: same scans, same verdicts, less work.

``Catalogue(prefilter=False)`` runs every candidate's whole regex; the gated catalogue
skips patterns whose necessary literals a reading lacks and runs only the branches of
an alternation that it can match (see ``_prefilter``). Both must find exactly the same
matches on every reading the scorer produces, and ``score`` must return equal verdicts.
"""

from __future__ import annotations

import re
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keel.governance.injection import _scorer, score
from keel.governance.injection._catalogue import Catalogue
from keel.governance.injection._decoders import ROT13, encoded_payloads, spaced_runs
from keel.governance.injection._prefilter import LiteralIndex, PatternGate, _top_level
from keel.governance.injection._unicode import leet_readings, normalize
from keel.governance.injection.corpus import examples

GATED = _scorer.CATALOGUE
UNGATED = Catalogue(GATED.patterns, prefilter=False)
SOURCES = ("user", "tool", "document")


def _readings(text: str, depth: int = 0) -> list[str]:
    """Every reading the scorer can scan for ``text``, whatever its trigger heuristics."""
    reading = normalize(text)
    out = [reading.text, *leet_readings(reading.text, _scorer._VOCABULARY)]
    out += [reading.text.translate(ROT13), reading.text[::-1]]
    out += [joined for _, _, joined in spaced_runs(reading.text)]
    if depth < _scorer.MAX_DEPTH:
        for payload in encoded_payloads(text):
            out += _readings(payload.decoded, depth + 1)
        if reading.tags:
            out += _readings(reading.tags, depth + 1)
    return out


def _same_scans(readings: list[str]) -> None:
    for r in readings:
        assert list(GATED.scan(r)) == list(UNGATED.scan(r)), r


@pytest.fixture
def ungated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_scorer, "CATALOGUE", UNGATED)


CORPUS = [e.text for e in examples()]


def test_every_corpus_reading_scans_the_same() -> None:
    for text in CORPUS:
        _same_scans(_readings(text))


def test_every_corpus_verdict_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    gated = [[score(t, source=s) for s in SOURCES] for t in CORPUS]
    monkeypatch.setattr(_scorer, "CATALOGUE", UNGATED)
    plain = [[score(t, source=s) for s in SOURCES] for t in CORPUS]
    for text, g, p in zip(CORPUS, gated, plain, strict=True):
        assert g == p, text
    # The comparison means something: the corpus has verdicts of every kind.
    assert any(v.score >= 0.8 for row in gated for v in row)
    assert any(v.score == 0 for row in gated for v in row)


def test_long_readings_searched_in_windows_scan_the_same() -> None:
    attacks = [e.text for e in examples() if e.label == "attack"][:40]
    benign = [e.text for e in examples() if e.label == "benign"][:40]
    text = "\n\n".join(b + "\n" + a for a, b in zip(attacks, benign, strict=True))
    assert len(text) > 5000
    _same_scans(_readings(text))


def test_the_gate_skips_work_on_benign_text() -> None:
    text = normalize(
        "Hi team, I ordered the blue standing desk (order 48213) two weeks ago and the "
        "tracking page still says label created. Could you check with the carrier? If it "
        "is lost, please send a replacement or refund my card. Thanks, Maria"
    ).text
    words = set(re.findall("[a-z]+", text))
    candidates = GATED.candidates(words)
    runs = GATED._runs(words, text)
    assert len(runs) < len(candidates) // 2
    # What still runs is at most a subset of a pattern's branches, never more.
    for p, regex in runs:
        assert regex is not None
        assert len(regex.pattern) <= len(p.regex.pattern) + 4


def test_a_cold_catalogue_shared_by_threads_scans_the_same() -> None:
    """Gates derived while other threads read. A smoke test: the race the catalogue's
    lock closes (a reading looked up while another thread adds literal sets) is too
    narrow to provoke reliably without it."""
    cold = Catalogue(GATED.patterns)
    readings = [r for text in CORPUS[::3] for r in _readings(text)]
    expected = [list(UNGATED.scan(r)) for r in readings]
    failures: list[str] = []

    def work(offset: int) -> None:
        for k in range(len(readings)):
            i = (k * 7 + offset) % len(readings)
            if list(cold.scan(readings[i])) != expected[i]:
                failures.append(readings[i])

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(n * 101,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []


# Random text from the patterns' own words: literals, trigger words, separators.
_LITERALS = sorted(
    {
        lit
        for p in GATED.patterns
        for gate in PatternGate.derive(p.regex, LiteralIndex()).gates
        if gate is not None
        for _, sets in gate
        for literals in sets
        for lit in (*literals.letters, *literals.others)
    }
    | GATED.trigger_words
)
_GLUE = [" ", " ", " ", "\n", ". ", ": ", ", ", "'", "!", "> ", "s", "1", "ё", "K"]
_TOKENS = st.sampled_from(_LITERALS + _GLUE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, min_size=1, max_size=40))
def test_random_text_from_the_literals_scans_the_same(tokens: list[str]) -> None:
    text = " ".join(tokens)
    _same_scans([text, text.lower(), normalize(text).text])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, min_size=1, max_size=30), st.sampled_from(SOURCES))
def test_random_text_from_the_literals_scores_the_same(tokens: list[str], source: str) -> None:
    text = " ".join(tokens)
    gated = score(text, source=source)  # type: ignore[arg-type]
    original = _scorer.CATALOGUE
    _scorer.CATALOGUE = UNGATED
    try:
        plain = score(text, source=source)  # type: ignore[arg-type]
    finally:
        _scorer.CATALOGUE = original
    assert gated == plain


@pytest.mark.parametrize(
    ("pattern", "parts"),
    [
        ("a|b", ["a", "b"]),
        ("(?:a|b)c|d", ["(?:a|b)c", "d"]),
        (r"[|(]x|\|y|z", ["[|(]x", r"\|y", "z"]),
        ("[]|]a|b", ["[]|]a", "b"]),
        ("[^]|]a|b", ["[^]|]a", "b"]),
        ("(?:a|b", None),
        ("a)|(b", None),
    ],
)
def test_top_level_split(pattern: str, parts: list[str] | None) -> None:
    assert _top_level(pattern) == parts


def test_a_group_spanning_the_regex_is_split_inside_and_regex_with_groups_is_not() -> None:
    index = LiteralIndex()
    wrapped = PatternGate.derive(re.compile(r"(?:ignore\s+rules|forget\s+prompt)"), index)
    assert wrapped.wrapped
    assert wrapped.branches == (r"ignore\s+rules", r"forget\s+prompt")
    subset = wrapped.regex_for(index.reading("please forget the prompt"))
    assert subset is not None
    assert subset.pattern == r"(?:forget\s+prompt)"
    assert wrapped.regex_for(index.reading("please forget it")) is None
    two_groups = PatternGate.derive(re.compile(r"(?:ignore)\s+x|(?:forget)\s+y"), index)
    assert not two_groups.wrapped
    assert len(two_groups.branches) == 2
    captured = PatternGate.derive(re.compile(r"(ignore)\s+rules|forget\s+prompt"), index)
    assert captured.branches == ()


def _has(index: LiteralIndex, text: str, literals: frozenset[str]) -> bool:
    s = index.intern(literals)
    return index.reading(text).admits(((s.bit, (s,)),))


def test_literals_are_found_inside_words_and_across_other_characters() -> None:
    index = LiteralIndex()
    rules, refuse = frozenset({"rule", "policy"}), frozenset({"won't", "refuse"})
    index.intern(rules), index.intern(refuse)
    assert _has(index, "the rulebook says they won't.", rules)  # inside "rulebook"
    assert _has(index, "the rulebook says they won't.", refuse)  # across an apostrophe
    assert not _has(index, "the book says they will.", refuse)
    assert not _has(index, "the book says they will.", rules)
    # A set interned later is found in words already looked at.
    assert _has(index, "the rulebook", frozenset({"boo"}))


def test_text_with_many_new_words_is_searched_directly() -> None:
    index = LiteralIndex()
    rules = frozenset({"rule", "policy"})
    index.intern(rules)
    fresh = " ".join(f"{a}{b}x" for a in "bcdfghjk" for b in "lmnp")  # 32 new words
    assert _has(index, f"{fresh} the rulebook", rules)
    assert not _has(index, f"{fresh} the book", rules)
