"""Keeping a conversation within the model's context budget, visibly.

Token counts are estimated (about four bytes of UTF-8 per token plus a per-message
overhead) because an exact tokenizer is provider-specific and the budget is a
safety margin, not a billing figure. The strategies are declared in the spec
(``limits.truncation``) and every shortening flags the run ``CONTEXT_TRUNCATED``.
"""

from __future__ import annotations

from keel.models.base import Message
from keel.spec.model import TruncationStrategy
from keel.tools import truncate_utf8

_MESSAGE_OVERHEAD_TOKENS = 4
# A shortened tool result keeps its head: enough for the model to see what it was.
SHORTENED_TOOL_RESULT_BYTES = 256


def estimate_tokens(message: Message) -> int:
    n = len(message.content.encode()) // 4 + _MESSAGE_OVERHEAD_TOKENS
    for call in message.tool_calls:
        n += (len(call.name) + len(str(call.arguments))) // 4 + _MESSAGE_OVERHEAD_TOKENS
    return n


def fit_context(
    messages: list[Message], budget_tokens: int, strategy: TruncationStrategy, *, history: int
) -> tuple[bool, int]:
    """Shorten ``messages`` in place until they fit ``budget_tokens``.

    ``messages[1 : 1 + history]`` are earlier session turns. Returns whether anything
    changed and how many history messages were dropped.

    ``shorten_oldest_tool_results`` cuts tool results to their first bytes, oldest
    first. ``drop_oldest_turns`` removes earlier session turns whole (a user message
    and the answer to it; never the system prompt or this run's own messages), oldest
    first. If the conversation still does not fit, what remains is sent as is and the
    provider decides.
    """
    total = sum(estimate_tokens(m) for m in messages)
    if total <= budget_tokens:
        return False, 0
    changed = False
    dropped = 0
    if strategy == "shorten_oldest_tool_results":
        for i, m in enumerate(messages):
            if total <= budget_tokens:
                break
            if m.role != "tool" or len(m.content.encode()) <= SHORTENED_TOOL_RESULT_BYTES:
                continue
            short, _ = truncate_utf8(m.content, SHORTENED_TOOL_RESULT_BYTES)
            new = Message("tool", short, tool_call_id=m.tool_call_id, name=m.name)
            total -= estimate_tokens(m) - estimate_tokens(new)
            messages[i] = new
            changed = True
    else:
        while total > budget_tokens and dropped < history:
            # A turn is a user message and the answer to it: drop them together, so the
            # conversation never opens with an answer to a question it no longer shows
            # (providers such as Anthropic also require the first message to be a user's).
            total -= estimate_tokens(messages.pop(1))
            dropped += 1
            while dropped < history and messages[1].role != "user":
                total -= estimate_tokens(messages.pop(1))
                dropped += 1
            changed = True
    return changed, dropped
