"""The agent loop, a deterministic function over the ``Effects`` seam."""

from keel.loop.context import estimate_tokens, fit_context
from keel.loop.effects import Effects
from keel.loop.run import CONTEXT_TRUNCATED, RunInput, RunOutcome, run_agent

__all__ = [
    "CONTEXT_TRUNCATED",
    "Effects",
    "RunInput",
    "RunOutcome",
    "estimate_tokens",
    "fit_context",
    "run_agent",
]
