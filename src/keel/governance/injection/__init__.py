"""Prompt-injection defences: a scorer, a policy, spotlighting fences and a canary.

* ``score(text, source=...)`` -> ``InjectionVerdict``: a score in ``[0, 1]``, the
  categories found and the signals behind them, with spans into ``text``. Thresholds:
  ``SUSPICIOUS`` 0.3, ``DEFAULT_THRESHOLD`` 0.5, ``HIGH`` 0.8 (see ``_verdict``).
* ``InjectionPolicy`` (from the spec): threshold and block / escalate / sanitize per
  source; ``policy.check(text, source=...)`` applies it. ``sanitize(text)`` removes
  detected instruction spans and invisible characters.
* ``fence(tool_name, content, seed=...)``: untrusted tool output between nonce-marked
  boundaries, optionally datamarked, before a model reads it.
* ``Canary.new(seed)``: a token for the system prompt; ``canary.leaked(output)``.

The labelled corpus behind the weights is ``keel.governance.injection.corpus``;
``benchmarks/injection.py`` reports detection and false-positive rates on it.
"""

from keel.governance.injection._canary import Canary
from keel.governance.injection._fence import fence, unfence
from keel.governance.injection._policy import (
    REMOVED,
    InjectionAction,
    InjectionCheck,
    InjectionPolicy,
    Outcome,
    sanitize,
)
from keel.governance.injection._scorer import score
from keel.governance.injection._unicode import strip_invisible
from keel.governance.injection._verdict import (
    CATEGORIES,
    DEFAULT_THRESHOLD,
    HIGH,
    SOURCES,
    SUSPICIOUS,
    Category,
    InjectionVerdict,
    Signal,
    Source,
)

__all__ = [
    "CATEGORIES",
    "DEFAULT_THRESHOLD",
    "HIGH",
    "REMOVED",
    "SOURCES",
    "SUSPICIOUS",
    "Canary",
    "Category",
    "InjectionAction",
    "InjectionCheck",
    "InjectionPolicy",
    "InjectionVerdict",
    "Outcome",
    "Signal",
    "Source",
    "fence",
    "sanitize",
    "score",
    "strip_invisible",
    "unfence",
]
