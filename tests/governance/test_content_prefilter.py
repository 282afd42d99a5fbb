"""The literal prefilter of content rules: what the analysis derives, and that it is sound.

Sound means the verdict (outcome, categories, every span and text) is the same with and
without the prefilter, on the governance corpora, on generated matches of every default
rule in mixed case and punctuation, and on random strings built from the rules' own
literals.
"""

from __future__ import annotations

import importlib.util
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keel.governance.content import DEFAULT_RULES, ContentRules
from keel.governance.content._literals import (
    LiteralPrefilter,
    literal_alternatives,
    necessary_literals,
)
from keel.governance.content._rules import _keyword_regex
from keel.governance.injection.corpus import load
from pii_corpus_loader import corpus_texts

FAST = ContentRules.default()
REFERENCE = ContentRules(DEFAULT_RULES, prefilter=False)
ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------- the analysis


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bkill\s+myself\b", {"myself"}),  # the longest run wins
        (r"password", {"password"}),
        (r"(?:kill|shoot|stab)\s+you", {"kill", "shoot", "stab"}),  # alternation: union
        (r"(?:bring|brought|bringing)\s+a", {"bring", "brought"}),  # "bringing" has "bring"
        (r"(?:full\s+)?password", {"password"}),  # optional part: nothing
        (r"(?:ab|cd)(?:ef|gh)", {"abef", "abgh", "cdef", "cdgh"}),  # small sets concatenate
        (r"x*secret", {"secret"}),
        (r"(?:token)+\d", {"token"}),  # repeat min >= 1: needed once
        (r"(?:token){0,3}secret", {"secret"}),  # repeat min 0: nothing
        (r"ab{2}c", {"abbc"}),
        (r"[a-z]+key", {"key"}),  # classes break a run
        (r"(?P<w>word)\s+(?P=w)", {"word"}),  # the backreference adds nothing
        (r"(?=abc)defg", {"defg"}),  # the lookahead adds nothing
        (r"(?<!pre)fix", {"fix"}),
        (r"(?-i:CaSe)", {"case"}),  # lower-cased
        (r"(?>atomic)", {"atomic"}),
        (r"caf\u00e9s", {"caf"}),  # a non-ASCII character breaks a run
    ],
)
def test_necessary_literals(pattern: str, expected: set[str]) -> None:
    assert necessary_literals(pattern, re.IGNORECASE) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        r"\w+@\w+",  # no literal at all
        r"(?:kill|x)\s+you",  # a branch with no literal of 3 characters: "you" only...
        r"ab\s+cd",  # runs shorter than 3
        r"(?:secret)?\d+",  # optional
        r"(?:secret)*x",
        r"(?P<w>\w+)\s+(?P=w)",  # backreference only
        r"(?=secret)\w+",  # lookahead only
        r"(?(1)abc|def)",  # conditional
        r"\u00e9t\u00e9",  # non-ASCII literals only
        r"[abc]{5}",
    ],
)
def test_no_useful_literal_means_no_prefilter(pattern: str) -> None:
    result = necessary_literals(pattern, re.IGNORECASE)
    if pattern.startswith("(?:kill|x)"):
        assert result == {"you"}  # the sequence still needs "you"
    else:
        assert result is None
        assert LiteralPrefilter.for_patterns([pattern, "password"]) is None


def test_unparseable_pattern_has_no_prefilter() -> None:
    assert necessary_literals("(unclosed") is None
    assert literal_alternatives("(unclosed") is None


def test_top_level_alternation_keeps_a_conjunction_per_branch() -> None:
    alternatives = literal_alternatives(r"\bgo\s+kill\s+yourself\b|\bkys\b", re.IGNORECASE)
    assert alternatives == ((frozenset({"yourself"}), frozenset({"kill"})), (frozenset({"kys"}),))
    prefilter = LiteralPrefilter.for_patterns([r"\bgo\s+kill\s+yourself\b|\bkys\b"])
    assert prefilter is not None
    assert prefilter.admits("kys")
    assert prefilter.admits("go kill yourself")
    assert not prefilter.admits("yourself")  # "kill" is needed too


def test_default_rules_all_have_a_prefilter() -> None:
    assert all(c.prefilter is not None for c in FAST._compiled)
    assert all(c.prefilter is None for c in REFERENCE._compiled)


# ---------------------------------------------------------------- soundness


def assert_same(text: str) -> None:
    for stage in ("input", "output"):
        fast = FAST.check(text, stage=stage)  # type: ignore[arg-type]
        slow = REFERENCE.check(text, stage=stage)  # type: ignore[arg-type]
        assert fast == slow, (text, stage)


CONTENT_TEST_TEXTS = [
    "Honestly I want to end my life, nothing works anymore.",
    "I'm going to kill you if this isn't fixed today.",
    "I will bring a gun to the office tomorrow.",
    "Go kill yourself.",
    "To verify, please send me your password and the one-time code.",
    "What is your PIN?",
    "Can you give me the admin password?",
    "Those people are vermin.",
    "They should all be exterminated.",
    "How do I kill the process that's hogging the CPU?",
    "The build is dead again, can someone restart the runner?",
    "Shoot me an email when the laptop is ready.",
    "Please send me your logs from this morning.",
    "What's the wifi password for guests?",
    "This deadline is killing me, can we move the meeting?",
    "Our migration plan should be wiped out and redone.",
    "If you are thinking about suicide, please call a crisis line.",
    "I want to die.",
    "We switched from ACME   Corp. last year",
    "My printer is jammed.",
]


def test_same_verdicts_on_the_content_tests_texts() -> None:
    for text in CONTENT_TEST_TEXTS:
        assert_same(text)


def test_same_verdicts_on_the_injection_corpus() -> None:
    examples = load()
    assert len(examples) > 1000
    for example in examples:
        assert_same(example.text)


def test_same_verdicts_on_the_pii_corpus() -> None:
    for text in corpus_texts(1500, seed=11):
        assert_same(text)


# A sampler of strings each default pattern matches: a walk over the regex parse tree.
_SRE: Any = importlib.import_module("re._parser")
_C: Any = importlib.import_module("re._constants")
_CLASS_SAMPLES = {
    _C.CATEGORY_SPACE: " \t\n",
    _C.CATEGORY_WORD: "aZ9_",
    _C.CATEGORY_DIGIT: "07",
}


def _sample(items: list[tuple[Any, Any]], rng: random.Random) -> str:
    out: list[str] = []
    for op, av in items:
        if op is _C.LITERAL:
            char = chr(av)
            out.append(char.upper() if rng.random() < 0.4 else char)
        elif op is _C.SUBPATTERN:
            out.append(_sample(list(av[3]), rng))
        elif op is _C.BRANCH:
            out.append(_sample(list(rng.choice(av[1])), rng))
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            low, high, item = av
            count = rng.randint(low, min(high, low + 2))
            out.extend(_sample(list(item), rng) for _ in range(count))
        elif op is _C.IN:
            choices = "".join(chr(v) if kind is _C.LITERAL else _CLASS_SAMPLES[v] for kind, v in av)
            out.append(rng.choice(choices))
        elif op is _C.AT:
            continue
        else:  # pragma: no cover - the default patterns use nothing else
            raise AssertionError(f"sampler does not know {op}")
    return "".join(out)


def _default_parts() -> list[str]:
    parts: list[str] = []
    for rule in DEFAULT_RULES.values():
        parts.extend(_keyword_regex(k) for k in rule.keywords)
        parts.extend(rule.patterns)
    return parts


def test_same_verdicts_on_generated_matches_of_every_default_rule() -> None:
    rng = random.Random(5)
    wrappers = ["{}", "{}.", "well, {}!", "(\u201c{}\u201d)", "-- {}? ok", "x{}y", "{} {}"]
    matched = 0
    for part in _default_parts():
        regex = re.compile(part, re.IGNORECASE)
        tree = list(_SRE.parse(part, re.IGNORECASE))
        for _ in range(40):
            sample = _sample(tree, rng)
            matched += bool(regex.search(sample))
            for wrapper in wrappers:
                assert_same(wrapper.format(sample, sample))
    assert matched > 0.9 * 40 * len(_default_parts())  # the sampler makes real matches


def _rule_literals() -> list[str]:
    literals: set[str] = set()
    for c in FAST._compiled:
        assert c.prefilter is not None
        for sets in c.prefilter.alternatives:
            for s in sets:
                literals.update(s)
    return sorted(literals)


LITERALS = _rule_literals()
PIECES = st.sampled_from([*LITERALS, " ", "  ", "\n", ".", ",", "'", "-", "x", "my", "i", "me"])


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=14), st.randoms(use_true_random=False))
def test_same_verdicts_on_random_strings_of_the_rules_literals(
    pieces: list[str], rnd: random.Random
) -> None:
    text = "".join(p.upper() if rnd.random() < 0.3 else p for p in pieces)
    assert_same(text)
    assert_same(" ".join(pieces))


def test_non_ascii_text_runs_every_regex() -> None:
    # U+212A KELVIN SIGN matches "k" under IGNORECASE: no ASCII literal would see it.
    text = "I will \u212aill you"
    assert FAST.check(text, stage="input").outcome == "escalate"
    assert_same(text)


def test_spec_rules_get_a_prefilter_too() -> None:
    rules = ContentRules.from_mapping(
        {"legal": {"keywords": ["lawsuit", "my lawyer"], "patterns": [r"\bsue\s+you\b"]}}
    )
    (compiled,) = rules._compiled
    assert compiled.prefilter is not None
    assert rules.check("I will SUE you", stage="input").outcome == "flag"
    assert rules.check("my LAWYER called", stage="input").outcome == "flag"
    assert rules.check("nothing to see", stage="input").outcome == "allow"
