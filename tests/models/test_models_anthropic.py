"""AnthropicModel against a real HTTP server speaking the Messages API wire format."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from fake_providers import (
    FakeProvider,
    Reply,
    anthropic_error,
    anthropic_message,
    anthropic_stream,
    text_block,
    tool_use_block,
)

from keel.errors import ModelUnavailable
from keel.models import AnthropicModel, Message, ModelRequest, ToolCall, ToolDefinition, Usage
from keel.models.anthropic import OUTPUT_TOOL

WEATHER = ToolDefinition(
    "weather",
    "Current weather in a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"summary": {"type": "string"}},
    "required": ["summary"],
}


@pytest.fixture
async def model(fake: FakeProvider) -> AsyncIterator[AnthropicModel]:
    m = AnthropicModel(
        "claude-test",
        api_key="sk-ant-test-000000",
        base_url=fake.url,
        parameters={"temperature": 0.2, "max_output_tokens": 300},
        timeout_s=2.0,
    )
    yield m
    await m.aclose()


def ask(text: str, **kwargs: object) -> ModelRequest:
    return ModelRequest(
        (Message("system", "You are terse."), Message("user", text)),
        **kwargs,  # type: ignore[arg-type]
    )


async def test_plain_answer_with_system_prompt_separated(
    fake: FakeProvider, model: AnthropicModel
) -> None:
    fake.queue(Reply(body=anthropic_message([text_block("Hi.")], usage=(9, 2))))

    response = await model.request(ask("hello", parameters={"stop": "END"}))

    assert response.message == Message("assistant", "Hi.")
    assert response.model == "anthropic:claude-test"
    assert response.usage == Usage(9, 2)
    assert response.finish_reason == "stop"
    sent = fake.requests[0]
    assert sent.path == "/v1/messages"
    # Older SDK releases send ``x-api-key``, newer ones a bearer token.
    assert sent.headers.get("x-api-key") == "sk-ant-test-000000" or (
        sent.headers.get("authorization") == "Bearer sk-ant-test-000000"
    )
    assert sent.body["system"] == "You are terse."
    assert sent.body["messages"] == [{"role": "user", "content": [text_block("hello")]}]
    assert sent.body["max_tokens"] == 300
    assert sent.body["temperature"] == 0.2
    assert sent.body["stop_sequences"] == ["END"]
    assert "max_output_tokens" not in sent.body


async def test_tool_use_round_trip(fake: FakeProvider, model: AnthropicModel) -> None:
    fake.queue(
        Reply(
            body=anthropic_message(
                [
                    text_block("Checking both."),
                    tool_use_block("tu_1", "weather", {"city": "Oslo"}),
                    tool_use_block("tu_2", "weather", {"city": "Rome"}),
                ],
                stop_reason="tool_use",
            )
        ),
        Reply(body=anthropic_message([text_block("Cold in Oslo, warm in Rome.")])),
    )
    first = await model.request(ask("weather?", tools=(WEATHER,)))
    assert first.finish_reason == "tool_calls"
    assert first.message.content == "Checking both."
    assert first.message.tool_calls == (
        ToolCall("tu_1", "weather", {"city": "Oslo"}),
        ToolCall("tu_2", "weather", {"city": "Rome"}),
    )

    history = (
        *ask("weather?").messages,
        first.message,
        Message("tool", "2°C", tool_call_id="tu_1", name="weather"),
        Message("tool", "24°C", tool_call_id="tu_2", name="weather"),
    )
    second = await model.request(ModelRequest(history, tools=(WEATHER,)))
    assert second.message.content == "Cold in Oslo, warm in Rome."

    assert fake.requests[0].body["tools"] == [
        {
            "name": "weather",
            "description": "Current weather in a city.",
            "input_schema": WEATHER.parameters,
        }
    ]
    wire = fake.requests[1].body["messages"]
    assert wire[1] == {
        "role": "assistant",
        "content": [
            text_block("Checking both."),
            tool_use_block("tu_1", "weather", {"city": "Oslo"}),
            tool_use_block("tu_2", "weather", {"city": "Rome"}),
        ],
    }
    # Both results in one user turn: the API wants user and assistant to alternate.
    assert wire[2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "tu_1", "content": "2°C"},
            {"type": "tool_result", "tool_use_id": "tu_2", "content": "24°C"},
        ],
    }


async def test_structured_output_through_a_forced_tool(
    fake: FakeProvider, model: AnthropicModel
) -> None:
    fake.queue(
        Reply(
            body=anthropic_message(
                [tool_use_block("tu_x", OUTPUT_TOOL, {"summary": "all good"})],
                stop_reason="tool_use",
            )
        )
    )
    response = await model.request(ask("summarise", output_schema=ANSWER_SCHEMA))

    assert json.loads(response.message.content) == {"summary": "all good"}
    assert response.message.tool_calls == ()
    assert response.finish_reason == "stop"
    body = fake.requests[0].body
    assert body["tool_choice"] == {"type": "tool", "name": OUTPUT_TOOL}
    assert body["tools"][-1]["name"] == OUTPUT_TOOL
    assert body["tools"][-1]["input_schema"] == ANSWER_SCHEMA


async def test_structured_output_with_tools_and_a_non_object_schema(
    fake: FakeProvider, model: AnthropicModel
) -> None:
    schema = {"type": "array", "items": {"type": "string"}}
    fake.queue(
        Reply(
            body=anthropic_message(
                [tool_use_block("tu_x", OUTPUT_TOOL, {"value": ["a", "b"]})],
                stop_reason="tool_use",
            )
        ),
        Reply(
            body=anthropic_message(
                [
                    tool_use_block("tu_1", "weather", {"city": "Oslo"}),
                    tool_use_block("tu_2", OUTPUT_TOOL, {"value": ["premature"]}),
                ],
                stop_reason="tool_use",
            )
        ),
    )
    response = await model.request(ask("list", tools=(WEATHER,), output_schema=schema))
    assert json.loads(response.message.content) == ["a", "b"]
    body = fake.requests[0].body
    assert body["tool_choice"] == {"type": "any"}
    assert body["tools"][-1]["input_schema"] == {
        "type": "object",
        "properties": {"value": schema},
        "required": ["value"],
    }

    # A real tool call in the same turn wins over the premature final answer.
    mixed = await model.request(ask("list", tools=(WEATHER,), output_schema=schema))
    assert mixed.message.tool_calls == (ToolCall("tu_1", "weather", {"city": "Oslo"}),)
    assert mixed.message.content == ""


async def test_streaming_text_and_tool_use(fake: FakeProvider, model: AnthropicModel) -> None:
    fake.queue(
        Reply(
            events=anthropic_stream(
                ["Looking ", "it up."],
                tool_use=("tu_5", "weather", ['{"ci', 'ty": "Lima"}']),
                usage=(30, 12),
            )
        )
    )
    events = [e async for e in model.stream(ask("weather in Lima?", tools=(WEATHER,)))]

    assert [e.text for e in events if e.kind == "text"] == ["Looking ", "it up."]
    done = events[-1]
    assert done.kind == "done"
    assert done.response is not None
    assert done.response.message == Message(
        "assistant", "Looking it up.", tool_calls=(ToolCall("tu_5", "weather", {"city": "Lima"}),)
    )
    assert done.response.usage == Usage(30, 12)
    assert done.response.finish_reason == "tool_calls"
    assert fake.requests[0].body["stream"] is True


async def test_streamed_structured_output_is_one_text_event(
    fake: FakeProvider, model: AnthropicModel
) -> None:
    fake.queue(
        Reply(
            events=anthropic_stream([], tool_use=("tu_1", OUTPUT_TOOL, ['{"summary"', ': "ok"}']))
        )
    )
    events = [e async for e in model.stream(ask("summarise", output_schema=ANSWER_SCHEMA))]
    assert [e.kind for e in events] == ["text", "done"]
    assert json.loads(events[0].text) == {"summary": "ok"}
    assert events[1].response is not None
    assert events[1].response.message.content == events[0].text


async def test_error_event_mid_stream_is_retryable(
    fake: FakeProvider, model: AnthropicModel
) -> None:
    events = anthropic_stream(["partial"])[:4]
    events.append(
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}})
    )
    fake.queue(Reply(events=events))
    seen: list[str] = []

    async def consume() -> None:
        async for event in model.stream(ask("hi")):
            seen.append(event.text)

    with pytest.raises(ModelUnavailable) as caught:
        await consume()
    assert seen == ["partial"]
    assert caught.value.retryable


@pytest.mark.parametrize(
    ("reply", "retryable", "retry_after"),
    [
        (anthropic_error(429, "rate_limit_error", "slow down", retry_after="2"), True, 2.0),
        (anthropic_error(529, "overloaded_error", "overloaded"), True, None),
        (anthropic_error(400, "invalid_request_error", "bad"), False, None),
    ],
)
async def test_status_errors_map_to_model_unavailable(
    fake: FakeProvider,
    model: AnthropicModel,
    reply: Reply,
    retryable: bool,
    retry_after: float | None,
) -> None:
    fake.queue(reply)
    with pytest.raises(ModelUnavailable) as caught:
        await model.request(ask("hi"))
    assert caught.value.retryable is retryable
    assert caught.value.retry_after_s == retry_after
    assert len(fake.requests) == 1


async def test_missing_key_fails_fast_without_network(fake: FakeProvider) -> None:
    model = AnthropicModel("claude-test", api_key="", base_url=fake.url)
    with pytest.raises(ModelUnavailable) as caught:
        await model.request(ask("hi"))
    assert not caught.value.retryable
    assert "ANTHROPIC_API_KEY" in caught.value.message
    assert fake.requests == []


async def test_timeout_is_retryable(fake: FakeProvider) -> None:
    model = AnthropicModel("claude-test", api_key="k", base_url=fake.url, timeout_s=0.2)
    fake.queue(Reply(body=anthropic_message([text_block("late")]), delay_s=1.0))
    with pytest.raises(ModelUnavailable) as caught:
        await model.request(ask("hi"))
    await model.aclose()
    assert caught.value.retryable
    assert caught.value.details["reason"] == "timeout"


async def test_cached_input_tokens_count_as_input(
    fake: FakeProvider, model: AnthropicModel
) -> None:
    body = anthropic_message([text_block("ok")], usage=(10, 4))
    body["usage"].update(cache_creation_input_tokens=100, cache_read_input_tokens=1000)
    fake.queue(Reply(body=body))
    response = await model.request(ask("hi"))
    assert response.usage == Usage(1110, 4)
