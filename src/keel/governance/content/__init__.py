"""Content rules: categories of keywords and patterns checked at input and output.

``ContentRules.default()`` is a modest built-in set (self-harm, violence threats,
credentials solicitation, hate); ``ContentRules.from_mapping(spec_mapping)`` builds the
set a spec declares, optionally on top of the defaults. ``check(text, stage=...)``
returns a ``ContentVerdict`` whose ``outcome`` is the most severe action matched.
"""

from keel.governance.content._defaults import DEFAULT_RULES
from keel.governance.content._rules import (
    ContentAction,
    ContentMatch,
    ContentOutcome,
    ContentRule,
    ContentRules,
    ContentVerdict,
    Stage,
)

__all__ = [
    "DEFAULT_RULES",
    "ContentAction",
    "ContentMatch",
    "ContentOutcome",
    "ContentRule",
    "ContentRules",
    "ContentVerdict",
    "Stage",
]
