"""Content rules: named categories of keywords and patterns, each with an action per stage.

A spec carries them as a mapping from category name to rule::

    content:
      credentials_solicitation:
        patterns: ['\\b(?:send|tell|give)\\s+me\\s+your\\s+password\\b']
        action: {input: flag, output: block}
      competitor_mentions:
        keywords: [acme corp, globex]
        action: flag
        stages: [output]

Keywords match case-insensitively on word boundaries (``"acme corp"`` matches
"ACME  Corp." but not "acmecorporation"; inner spaces match any whitespace).
Patterns are regular expressions compiled case-insensitively; word boundaries are
the author's to write. A rule's regex runs only on text that contains one of the
literals every match needs (derived from the patterns, see ``_literals``); non-ASCII
text runs every regex. ``check(text, stage=...)`` returns every match and the most
severe action among them: ``block`` > ``escalate`` > ``flag`` > ``allow``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from keel.errors import UserError
from keel.governance.content._literals import LiteralPrefilter, _minimal

Stage = Literal["input", "output"]
ContentAction = Literal["block", "escalate", "flag"]
ContentOutcome = Literal["allow", "flag", "escalate", "block"]

_SEVERITY: dict[ContentOutcome, int] = {"allow": 0, "flag": 1, "escalate": 2, "block": 3}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class ContentRule(BaseModel):
    """One category: what to look for, where, and what to do when it is found."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    action: ContentAction | dict[Stage, ContentAction] = "flag"
    stages: tuple[Stage, ...] = ("input", "output")
    description: str = ""
    enabled: bool = True

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        blank = [k for k in v if not k.strip()]
        if blank:
            raise ValueError("keywords must not be blank")
        return v

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for p in v:
            try:
                compiled = re.compile(p, re.IGNORECASE)
            except re.error as e:
                raise ValueError(f"pattern {p!r} is not a valid regular expression: {e}") from e
            if compiled.match(""):
                raise ValueError(f"pattern {p!r} matches the empty string")
        return v

    @model_validator(mode="after")
    def _something_to_match(self) -> ContentRule:
        if self.enabled and not self.keywords and not self.patterns:
            raise ValueError("give at least one keyword or pattern")
        if isinstance(self.action, dict) and not self.action:
            raise ValueError("action mapping must name at least one stage")
        return self

    def action_at(self, stage: Stage) -> ContentAction | None:
        """The action at ``stage``, or ``None`` if the rule does not apply there."""
        if not self.enabled or stage not in self.stages:
            return None
        if isinstance(self.action, dict):
            return self.action.get(stage)
        return self.action


@dataclass(frozen=True, slots=True)
class ContentMatch:
    category: str
    action: ContentAction
    span: tuple[int, int]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "action": self.action,
            "span": list(self.span),
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class ContentVerdict:
    """Every match, and the most severe action among them (``allow`` when none)."""

    outcome: ContentOutcome
    matches: tuple[ContentMatch, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.category for m in self.matches))

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "categories": list(self.categories),
            "matches": [m.to_dict() for m in self.matches],
        }


_ALLOW = ContentVerdict("allow")
_STAGES: tuple[Stage, ...] = ("input", "output")


def _keyword_regex(keyword: str) -> str:
    words = [re.escape(w) for w in keyword.split()]
    body = r"\s+".join(words)
    # \b only where the keyword starts/ends with a word character ("c++" ends with '+').
    left = r"\b" if re.match(r"\w", keyword.strip()) else r"(?<!\S)"
    right = r"\b" if re.search(r"\w$", keyword.strip()) else r"(?!\S)"
    return f"{left}{body}{right}"


@dataclass(frozen=True, slots=True)
class _Compiled:
    category: str
    rule: ContentRule
    regex: re.Pattern[str]
    prefilter: LiteralPrefilter | None


_StageRule = tuple[str, ContentAction, re.Pattern[str], LiteralPrefilter | None]


class ContentRules:
    """A compiled set of content rules. Build with ``from_mapping`` or ``default``."""

    def __init__(self, rules: Mapping[str, ContentRule], *, prefilter: bool = True) -> None:
        """Compile ``rules``; ``prefilter=False`` runs every regex on every text (the
        reference the prefilter is tested against)."""
        compiled: list[_Compiled] = []
        for name, rule in rules.items():
            if not _NAME.match(name):
                raise UserError(
                    f"content rule name {name!r} must be lower-case letters, digits and '_'",
                    details={"rule": name},
                )
            if not rule.enabled:
                continue
            parts = [_keyword_regex(k) for k in rule.keywords] + [f"(?:{p})" for p in rule.patterns]
            regex = re.compile("|".join(parts), re.IGNORECASE)
            literals = LiteralPrefilter.for_patterns(parts, re.IGNORECASE) if prefilter else None
            compiled.append(_Compiled(name, rule, regex, literals))
        self.rules: dict[str, ContentRule] = dict(rules)
        self._compiled = tuple(compiled)
        # Each stage's rules and their actions, resolved once: checked on every run.
        self._by_stage: dict[str, tuple[_StageRule, ...]] = {
            stage: tuple(
                (c.category, action, c.regex, c.prefilter)
                for c in compiled
                if (action := c.rule.action_at(stage)) is not None
            )
            for stage in _STAGES
        }
        # Per stage, literals one of which every match of every rule there contains
        # (the first set of each prefilter alternative), or None where a rule has no
        # prefilter: an ASCII text with none of them matches no rule of the stage.
        self._gates: dict[str, tuple[str, ...] | None] = {
            stage: _gate(rules) for stage, rules in self._by_stage.items()
        }

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, Any], *, include_defaults: bool = False
    ) -> ContentRules:
        """Rules from a spec mapping; with ``include_defaults`` they extend (and by name
        replace) the default set, and ``{name: {enabled: false}}`` switches one off.

        Raises ``UserError`` listing every invalid rule.
        """
        from keel.governance.content._defaults import DEFAULT_RULES

        rules: dict[str, ContentRule] = dict(DEFAULT_RULES) if include_defaults else {}
        problems: list[str] = []
        for name, raw in mapping.items():
            try:
                rules[name] = ContentRule.model_validate(raw)
            except ValidationError as e:
                for err in e.errors():
                    where = ".".join(str(p) for p in (name, *err["loc"]))
                    problems.append(f"{where}: {err['msg']}")
        if problems:
            raise UserError(
                "invalid content rules:\n" + "\n".join(problems), details={"problems": problems}
            )
        return cls(rules)

    @classmethod
    def default(cls) -> ContentRules:
        from keel.governance.content._defaults import DEFAULT_RULES

        return cls(DEFAULT_RULES)

    def check(self, text: str, *, stage: Stage) -> ContentVerdict:
        """Every rule that applies at ``stage``, run over ``text``."""
        matches: list[ContentMatch] = []
        outcome: ContentOutcome = "allow"
        # Lower-casing is sound for ASCII text only (see _literals); None: run them all.
        lowered = text.lower() if text.isascii() else None
        gate = self._gates.get(stage)
        if gate is not None and lowered is not None:
            for literal in gate:
                if literal in lowered:
                    break
            else:
                return _ALLOW
        for category, action, regex, literals in self._by_stage.get(stage, ()):
            if literals is not None and lowered is not None and not literals.admits(lowered):
                continue
            for m in regex.finditer(text):
                if m.end() == m.start():
                    continue
                matches.append(ContentMatch(category, action, m.span(), m.group()))
                if _SEVERITY[action] > _SEVERITY[outcome]:
                    outcome = action
        if not matches:
            return _ALLOW
        matches.sort(key=lambda m: (m.span, m.category))
        return ContentVerdict(outcome, tuple(matches))


def _gate(rules: tuple[_StageRule, ...]) -> tuple[str, ...] | None:
    literals: set[str] = set()
    for _, _, _, prefilter in rules:
        if prefilter is None:
            return None
        for sets in prefilter.alternatives:
            if not sets:
                return None
            literals |= sets[0]
    # A literal containing another is implied by it: keep the shorter.
    return tuple(sorted(_minimal(frozenset(literals))))
