"""How a run's token channel (``keel.loop.stream``) closes as the run ends."""

from __future__ import annotations

from collections.abc import Awaitable

from keel.loop.stream import RunTokens
from keel.store.runs import RunRecord

from .effects import DirectEffects


def closing(effects: DirectEffects, finishing: Awaitable[RunRecord]) -> Awaitable[RunRecord]:
    """``finishing`` (the run's end being recorded), and for a run with a token channel
    the channel closed on its record either way: after the final commit, so the
    answer's tail never leaves before the run is recorded ``completed``. (A plain
    function: a run without a channel awaits ``finishing`` with no extra frame.)"""
    tokens = effects.tokens
    return finishing if tokens is None else _closed_on(tokens, finishing)


async def _closed_on(tokens: RunTokens, finishing: Awaitable[RunRecord]) -> RunRecord:
    try:
        rec = await finishing
    except BaseException:
        tokens.close("failed", error_code="INTERNAL", error_message="the run could not be recorded")
        raise
    tokens.close(rec.status, rec.output, error_code=rec.error_code, error_message=rec.error_message)
    return rec


def close_tokens(effects: DirectEffects, status: str, message: str) -> None:
    if effects.tokens is not None:
        effects.tokens.close(status, error_message=message)
