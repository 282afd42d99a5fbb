"""ScriptedModel: the library's own test double."""

from __future__ import annotations

import pytest

from keel.errors import ModelUnavailable
from keel.models import (
    Message,
    ModelRequest,
    ModelResponse,
    ScriptedModel,
    ToolCall,
    Usage,
)

REQUEST = ModelRequest((Message("user", "hi"),))


async def test_sequence_is_consumed_in_order() -> None:
    call = ToolCall("c1", "search", {"q": "x"})
    canned = ModelResponse(Message("assistant", "canned"), model="openai:gpt-4o", cost_usd=0.5)
    model = ScriptedModel(
        [
            "hello",
            call,
            [call, ToolCall("c2", "search", {"q": "y"})],
            Message("assistant", "as a message"),
            canned,
        ]
    )

    first = await model.request(REQUEST)
    assert first.message == Message("assistant", "hello")
    assert first.model == "scripted:default"
    assert first.finish_reason == "stop"
    assert first.cost_usd == 0.0
    second = await model.request(REQUEST)
    assert second.message.tool_calls == (call,)
    assert second.finish_reason == "tool_calls"
    assert len((await model.request(REQUEST)).message.tool_calls) == 2
    assert (await model.request(REQUEST)).message.content == "as a message"
    assert await model.request(REQUEST) is canned
    assert model.remaining == 0
    assert model.requests == [REQUEST] * 5


async def test_exceptions_are_raised_and_exhaustion_is_unavailable() -> None:
    model = ScriptedModel([ModelUnavailable("down", retryable=True), "ok"])
    with pytest.raises(ModelUnavailable, match="down"):
        await model.request(REQUEST)
    assert (await model.request(REQUEST)).message.content == "ok"
    with pytest.raises(ModelUnavailable, match="no scripted answer left for call 3"):
        await model.request(REQUEST)


async def test_function_scripts_sync_and_async() -> None:
    def echo(request: ModelRequest) -> str:
        return f"echo: {request.messages[-1].content}"

    async def tool_then_answer(request: ModelRequest) -> ToolCall | str:
        if request.messages[-1].role == "user":
            return ToolCall("t1", "lookup", {})
        return "done"

    assert (await ScriptedModel(echo).request(REQUEST)).message.content == "echo: hi"
    model = ScriptedModel(tool_then_answer, name="agent")
    assert (await model.request(REQUEST)).message.tool_calls[0].name == "lookup"
    follow_up = ModelRequest((*REQUEST.messages, Message("tool", "{}", tool_call_id="t1")))
    answer = await model.request(follow_up)
    assert answer.message.content == "done"
    assert answer.model == "scripted:agent"


async def test_fixed_usage_and_estimated_usage() -> None:
    fixed = await ScriptedModel(["x"], usage=Usage(100, 20)).request(REQUEST)
    assert fixed.usage == Usage(100, 20)
    estimated = await ScriptedModel(["a" * 40]).request(REQUEST)
    assert estimated.usage == Usage(1, 10)


async def test_stream_word_by_word() -> None:
    events = [e async for e in ScriptedModel(["one two  three"]).stream(REQUEST)]
    assert [e.text for e in events[:-1]] == ["one ", "two  ", "three"]
    assert events[-1].kind == "done"
    assert events[-1].response is not None
    assert events[-1].response.message.content == "one two  three"


async def test_unknown_item_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="cannot answer with 42"):
        await ScriptedModel([42]).request(REQUEST)  # type: ignore[list-item]


async def test_request_record_is_bounded() -> None:
    # A server answering from a script must not keep every request it ever saw.
    model = ScriptedModel(lambda r: f"n{len(r.messages)}", keep_requests=3)
    requests = [ModelRequest((Message("user", str(i)),)) for i in range(10)]
    for request in requests:
        await model.request(request)
    assert model.requests == requests[-3:]
    assert model.calls == 10
    exhausted = ScriptedModel(["only"], keep_requests=1)
    await exhausted.request(REQUEST)
    with pytest.raises(ModelUnavailable, match="call 2 "):
        await exhausted.request(REQUEST)
