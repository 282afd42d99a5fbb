"""``fit_context`` on its own: what each strategy removes, and what it never touches."""

from __future__ import annotations

from keel.loop import estimate_tokens, fit_context
from keel.loop.context import SHORTENED_TOOL_RESULT_BYTES
from keel.models import Message, ToolCall


def total(messages: list[Message]) -> int:
    return sum(estimate_tokens(m) for m in messages)


def test_estimate_counts_content_and_tool_calls() -> None:
    assert estimate_tokens(Message("user", "")) == 4
    assert estimate_tokens(Message("user", "abcd" * 10)) == 14
    call = ToolCall("c1", "lookup", {"id": "T-1"})
    assert estimate_tokens(Message("assistant", tool_calls=(call,))) > 8


def test_within_budget_nothing_changes() -> None:
    messages = [Message("system", "s"), Message("user", "hello")]
    before = list(messages)

    assert fit_context(messages, 1000, "shorten_oldest_tool_results", history=0) == (False, 0)
    assert fit_context(messages, 1000, "drop_oldest_turns", history=0) == (False, 0)
    assert messages == before


def test_shortening_stops_once_the_conversation_fits() -> None:
    call = Message("assistant", tool_calls=(ToolCall("c1", "page", {}),))
    messages = [
        Message("system", "s"),
        Message("user", "read"),
        call,
        Message("tool", "a" * 2000, tool_call_id="c1", name="page"),
        call,
        Message("tool", "b" * 2000, tool_call_id="c2", name="page"),
    ]

    changed, dropped = fit_context(messages, 700, "shorten_oldest_tool_results", history=0)

    assert (changed, dropped) == (True, 0)
    assert len(messages[3].content.encode()) <= SHORTENED_TOOL_RESULT_BYTES
    assert messages[3].tool_call_id == "c1"
    assert messages[3].name == "page"
    assert messages[5].content == "b" * 2000
    assert total(messages) <= 700


def test_dropping_never_touches_the_system_prompt_or_this_runs_messages() -> None:
    messages = [
        Message("system", "rules " * 50),
        Message("user", "old question " * 20),
        Message("assistant", "old answer " * 20),
        Message("user", "new question " * 100),
    ]
    system, newest = messages[0], messages[-1]

    changed, dropped = fit_context(messages, 256, "drop_oldest_turns", history=2)

    # Still over budget, but only history may go: the rest is sent as is.
    assert (changed, dropped) == (True, 2)
    assert messages == [system, newest]


def test_dropping_takes_whole_turns() -> None:
    messages = [
        Message("system", ""),
        Message("user", "q" * 800),
        Message("assistant", "a1"),
        Message("user", "q2"),
        Message("assistant", "a2"),
        Message("user", "now"),
    ]

    changed, dropped = fit_context(messages, 100, "drop_oldest_turns", history=4)

    assert (changed, dropped) == (True, 2)
    assert [m.content for m in messages] == ["", "q2", "a2", "now"]
