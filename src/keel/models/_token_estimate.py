"""Approximate token counts for the local models (rules, scripted).

They call no tokenizer, yet token budgets must still mean something when an agent
runs on its fallback or in a test, so text is counted at about four characters
per token — the usual rule of thumb for English with BPE tokenizers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from keel.models.base import Message, Usage


def estimate_tokens(text: str) -> int:
    """About one token per four characters, rounded up; ``""`` is zero tokens."""
    return (len(text) + 3) // 4


def _message_chars(message: Message) -> int:
    n = len(message.content)
    for call in message.tool_calls:
        n += len(call.name) + len(json.dumps(call.arguments, separators=(",", ":")))
    return n


def estimate_usage(prompt: Iterable[Message], answer: Message) -> Usage:
    """Estimated usage of a call that read ``prompt`` and produced ``answer``."""
    prompt_chars = sum(_message_chars(m) for m in prompt)
    return Usage((prompt_chars + 3) // 4, (_message_chars(answer) + 3) // 4)
