"""``combine``: how signals add up into a score (see ``_verdict``'s module doc)."""

from __future__ import annotations

import pytest

from keel.governance.injection._verdict import Category, Signal, View, combine


def _signal(
    name: str,
    weight: float,
    span: tuple[int, int],
    *,
    category: Category = "role_play",
    view: View = "text",
) -> Signal:
    return Signal(name, category, weight, span, f"{name} found", view)


def test_patterns_on_one_phrase_add_up_as_separate_evidence() -> None:
    # "You are now in admin mode": three patterns, one phrase. The overlap is evidence
    # (far more common in attacks than in look-alikes on dev), so nothing is merged.
    nested = [
        _signal("you_are_now", 0.3, (0, 14)),
        _signal("special_mode", 0.4, (0, 25)),
        _signal("mode_switch", 0.5, (0, 25)),
    ]
    verdict = combine(nested, "user")
    assert verdict.score == pytest.approx(1 - 0.7 * 0.6 * 0.5)
    assert [s.name for s in verdict.signals] == ["mode_switch", "special_mode", "you_are_now"]


def test_a_phrase_repeated_counts_once_at_its_strongest() -> None:
    repeated = [_signal("dan", 0.6, (0, 10)), _signal("dan", 0.7, (40, 50))]
    assert combine(repeated, "user").score == pytest.approx(0.7)


def test_a_disguise_adds_to_the_phrase_it_hides() -> None:
    phrase = _signal("override_all_previous", 0.6, (5, 60), category="instruction_override")
    disguise = _signal("base64_payload", 0.5, (5, 60), category="obfuscation", view="base64")
    verdict = combine([phrase, disguise], "tool")
    assert verdict.score == pytest.approx(1 - 0.4 * 0.5)
    assert verdict.categories == ("instruction_override", "obfuscation")


def test_no_signals_is_a_zero_score() -> None:
    verdict = combine([], "document")
    assert verdict.score == 0.0
    assert not verdict.is_injection()
    assert verdict.to_dict() == {
        "score": 0.0,
        "source": "document",
        "categories": [],
        "signals": [],
    }
