"""Content rules: categories of keywords and patterns, an action per stage."""

from __future__ import annotations

import pytest

from keel.errors import UserError
from keel.governance.content import DEFAULT_RULES, ContentRule, ContentRules

DEFAULTS = ContentRules.default()


@pytest.mark.parametrize(
    ("text", "stage", "outcome", "category"),
    [
        (
            "Honestly I want to end my life, nothing works anymore.",
            "input",
            "escalate",
            "self_harm",
        ),
        (
            "I'm going to kill you if this isn't fixed today.",
            "input",
            "escalate",
            "violence_threat",
        ),
        ("I will bring a gun to the office tomorrow.", "input", "escalate", "violence_threat"),
        ("Go kill yourself.", "output", "block", "violence_threat"),
        (
            "To verify, please send me your password and the one-time code.",
            "output",
            "block",
            "credentials_solicitation",
        ),
        ("What is your PIN?", "output", "block", "credentials_solicitation"),
        ("Can you give me the admin password?", "input", "flag", "credentials_solicitation"),
        ("Those people are vermin.", "input", "flag", "hate"),
        ("They should all be exterminated.", "output", "block", "hate"),
    ],
)
def test_default_rules(text: str, stage: str, outcome: str, category: str) -> None:
    verdict = DEFAULTS.check(text, stage=stage)  # type: ignore[arg-type]
    assert verdict.outcome == outcome
    assert category in verdict.categories


@pytest.mark.parametrize(
    "text",
    [
        "How do I kill the process that's hogging the CPU?",
        "The build is dead again, can someone restart the runner?",
        "Shoot me an email when the laptop is ready.",
        "Please send me your logs from this morning.",
        "What's the wifi password for guests?",
        "I reset my password but the portal still rejects it.",
        "This deadline is killing me, can we move the meeting?",
        "Our migration plan should be wiped out and redone.",
        "If you are thinking about suicide, please call a crisis line.",  # at output: no rule
    ],
)
def test_default_rules_leave_support_language_alone(text: str) -> None:
    for stage in ("input", "output"):
        if stage == "input" and "suicide" in text:
            continue  # a person writing this at input is rightly escalated
        assert DEFAULTS.check(text, stage=stage).outcome == "allow", (text, stage)  # type: ignore[arg-type]


def test_self_harm_applies_at_input_only() -> None:
    text = "I want to die."
    assert DEFAULTS.check(text, stage="input").outcome == "escalate"
    assert DEFAULTS.check(text, stage="output").outcome == "allow"


def test_keywords_are_case_insensitive_whole_words_and_whitespace_tolerant() -> None:
    rules = ContentRules.from_mapping(
        {"competitors": {"keywords": ["acme corp", "c++"], "action": "flag"}}
    )
    assert rules.check("We switched from ACME   Corp. last year", stage="input").outcome == "flag"
    assert rules.check("acmecorporation is different", stage="input").outcome == "allow"
    assert rules.check("I write C++ daily", stage="output").outcome == "flag"
    assert rules.check("I write c+++ daily", stage="output").outcome == "allow"
    match = rules.check("ask ACME Corp", stage="input").matches[0]
    assert (match.category, match.span, match.text) == ("competitors", (4, 13), "ACME Corp")


def test_patterns_actions_per_stage_and_most_severe_wins() -> None:
    rules = ContentRules.from_mapping(
        {
            "refund_promise": {
                "patterns": [r"\bguarantee(?:d)? (?:a )?refund\b"],
                "action": "escalate",
                "stages": ["output"],
            },
            "legal": {
                "keywords": ["lawsuit", "my lawyer"],
                "action": {"input": "flag", "output": "block"},
            },
        }
    )
    text = "My lawyer says you guaranteed a refund."
    assert rules.check(text, stage="input").outcome == "flag"
    out = rules.check(text, stage="output")
    assert out.outcome == "block"
    assert out.categories == ("legal", "refund_promise")
    assert out.to_dict()["matches"][0]["category"] == "legal"


def test_mapping_extends_replaces_and_disables_defaults() -> None:
    rules = ContentRules.from_mapping(
        {
            "hate": {"enabled": False},
            "self_harm": {"keywords": ["hurt myself"], "action": "block"},
            "internal_codenames": {
                "keywords": ["project falcon"],
                "action": "block",
                "stages": ["output"],
            },
        },
        include_defaults=True,
    )
    assert rules.check("They should all be exterminated.", stage="output").outcome == "allow"
    assert rules.check("I might hurt myself", stage="output").outcome == "block"
    assert rules.check("Project Falcon ships in May", stage="output").outcome == "block"
    assert rules.check("Go kill yourself.", stage="output").outcome == "block"  # default kept
    assert set(DEFAULT_RULES) <= set(rules.rules)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"bad": {"patterns": ["(unclosed"]}}, "not a valid regular expression"),
        ({"empty": {"action": "block"}}, "at least one keyword or pattern"),
        ({"blank": {"keywords": ["  "]}}, "must not be blank"),
        ({"typo": {"keywords": ["x"], "acton": "block"}}, "acton"),
        ({"wrong": {"keywords": ["x"], "action": "delete"}}, "action"),
        ({"all": {"patterns": [".*"]}}, "matches the empty string"),
    ],
)
def test_invalid_rules_are_user_errors(mapping: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message) as info:
        ContentRules.from_mapping(mapping)
    assert info.value.details["problems"]


def test_rule_names_are_checked() -> None:
    with pytest.raises(UserError, match="lower-case"):
        ContentRules({"Bad Name": ContentRule(keywords=("x",))})


def test_no_match_is_allow_with_no_matches() -> None:
    verdict = DEFAULTS.check("My printer is jammed.", stage="input")
    assert verdict.outcome == "allow"
    assert verdict.matches == ()
    assert verdict.to_dict() == {"outcome": "allow", "categories": [], "matches": []}
