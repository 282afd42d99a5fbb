"""OpenAIModel against a real HTTP server speaking the chat-completions wire format."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from fake_providers import (
    FakeProvider,
    Reply,
    openai_completion,
    openai_error,
    openai_stream,
)

from keel.errors import ModelUnavailable
from keel.models import (
    Message,
    ModelRequest,
    OpenAIModel,
    ToolCall,
    ToolDefinition,
    Usage,
)
from keel.models.openai import is_strict_schema

LOOKUP = ToolDefinition(
    "lookup_order",
    "Find an order by id.",
    {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
)


@pytest.fixture
async def model(fake: FakeProvider) -> AsyncIterator[OpenAIModel]:
    m = OpenAIModel(
        "gpt-test",
        api_key="sk-test-key-123456",
        base_url=f"{fake.url}/v1",
        parameters={"temperature": 0.1},
        timeout_s=2.0,
    )
    yield m
    await m.aclose()


def ask(text: str, **kwargs: object) -> ModelRequest:
    return ModelRequest(
        (Message("system", "Be brief."), Message("user", text)),
        **kwargs,  # type: ignore[arg-type]
    )


async def test_plain_answer_with_usage_and_request_shape(
    fake: FakeProvider, model: OpenAIModel
) -> None:
    fake.queue(Reply(body=openai_completion("Hello there.", usage=(12, 3))))

    response = await model.request(ask("hi", parameters={"seed": 7, "max_output_tokens": 50}))

    assert response.message == Message("assistant", "Hello there.")
    assert response.model == "openai:gpt-test"
    assert response.usage == Usage(12, 3)
    assert response.finish_reason == "stop"
    assert response.cost_usd is None  # a provider does not know prices; PricedModel does
    sent = fake.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test-key-123456"
    assert sent.body["model"] == "gpt-test"
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
    ]
    assert sent.body["temperature"] == 0.1
    assert sent.body["seed"] == 7
    # Not api.openai.com, so the widely supported name is used.
    assert sent.body["max_tokens"] == 50
    assert "max_output_tokens" not in sent.body
    assert "tools" not in sent.body


async def test_tool_call_round_trip(fake: FakeProvider, model: OpenAIModel) -> None:
    fake.queue(
        Reply(
            body=openai_completion(
                None,
                tool_calls=[("call_1", "lookup_order", '{"order_id": "A-1"}')],
                finish_reason="tool_calls",
            )
        ),
        Reply(body=openai_completion("Order A-1 has shipped.")),
    )
    first = await model.request(ask("where is A-1?", tools=(LOOKUP,)))
    assert first.finish_reason == "tool_calls"
    assert first.message.tool_calls == (ToolCall("call_1", "lookup_order", {"order_id": "A-1"}),)

    history = (
        *ask("where is A-1?").messages,
        first.message,
        Message("tool", '{"status": "shipped"}', tool_call_id="call_1", name="lookup_order"),
    )
    second = await model.request(ModelRequest(history, tools=(LOOKUP,)))
    assert second.message.content == "Order A-1 has shipped."

    assert fake.requests[0].body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "lookup_order",
                "description": "Find an order by id.",
                "parameters": LOOKUP.parameters,
            },
        }
    ]
    wire = fake.requests[1].body["messages"]
    assert wire[2] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "lookup_order", "arguments": '{"order_id": "A-1"}'},
            }
        ],
    }
    assert wire[3] == {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "shipped"}'}


async def test_invalid_tool_arguments_are_passed_on_raw(
    fake: FakeProvider, model: OpenAIModel
) -> None:
    fake.queue(
        Reply(
            body=openai_completion(
                None,
                tool_calls=[("c", "lookup_order", '{"order_id": ')],
                finish_reason="tool_calls",
            )
        )
    )
    response = await model.request(ask("x", tools=(LOOKUP,)))
    assert response.message.tool_calls[0].arguments == {"_raw": '{"order_id": '}


async def test_structured_output_request_shape(fake: FakeProvider, model: OpenAIModel) -> None:
    strict = {
        "title": "Order status",
        "type": "object",
        "properties": {"status": {"type": "string"}},
        "required": ["status"],
        "additionalProperties": False,
    }
    loose = {"type": "object", "properties": {"status": {"type": "string"}}}
    fake.queue(
        Reply(body=openai_completion('{"status": "shipped"}')),
        Reply(body=openai_completion('{"status": "shipped"}')),
    )
    response = await model.request(ask("status?", output_schema=strict))
    await model.request(ask("status?", output_schema=loose))

    assert response.message.content == '{"status": "shipped"}'
    assert fake.requests[0].body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Order_status", "schema": strict, "strict": True},
    }
    assert fake.requests[1].body["response_format"]["json_schema"]["strict"] is False


def test_strict_schema_rules() -> None:
    nested = {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"sku": {"type": "string"}},
                    "required": ["sku"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["items"],
        "additionalProperties": False,
    }
    assert is_strict_schema(nested)
    nested["properties"]["items"]["items"]["required"] = []  # type: ignore[index]
    assert not is_strict_schema(nested)
    assert is_strict_schema({"type": "string"})


async def test_refusal_is_the_answer(fake: FakeProvider, model: OpenAIModel) -> None:
    fake.queue(Reply(body=openai_completion(None, refusal="I can't help with that.")))
    response = await model.request(ask("something bad"))
    assert response.message.content == "I can't help with that."
    assert response.finish_reason == "refusal"


async def test_streaming_text_tool_calls_and_usage(fake: FakeProvider, model: OpenAIModel) -> None:
    fake.queue(
        Reply(
            events=openai_stream(
                ["Let me ", "check."],
                tool_call=("call_9", "lookup_order", ['{"order', '_id": "B-2"}']),
                usage=(20, 9),
            )
        )
    )
    events = [e async for e in model.stream(ask("where is B-2?", tools=(LOOKUP,)))]

    assert [e.text for e in events if e.kind == "text"] == ["Let me ", "check."]
    done = events[-1]
    assert done.kind == "done"
    assert done.response is not None
    assert done.response.message == Message(
        "assistant",
        "Let me check.",
        tool_calls=(ToolCall("call_9", "lookup_order", {"order_id": "B-2"}),),
    )
    assert done.response.usage == Usage(20, 9)
    assert done.response.finish_reason == "tool_calls"
    assert fake.requests[0].body["stream"] is True
    assert fake.requests[0].body["stream_options"] == {"include_usage": True}


async def test_stream_error_before_first_event_is_unavailable(
    fake: FakeProvider, model: OpenAIModel
) -> None:
    fake.queue(openai_error(503, "overloaded"))
    with pytest.raises(ModelUnavailable) as caught:
        _ = [e async for e in model.stream(ask("hi"))]
    assert caught.value.retryable


@pytest.mark.parametrize(
    ("reply", "retryable", "retry_after"),
    [
        (openai_error(429, "slow down", retry_after="3"), True, 3.0),
        (openai_error(429, "slow down", retry_after_ms="250"), True, 0.25),
        (openai_error(500, "boom"), True, None),
        (openai_error(400, "bad request"), False, None),
        (openai_error(401, "Incorrect API key provided: sk-test-key-123456"), False, None),
    ],
)
async def test_status_errors_map_to_model_unavailable(
    fake: FakeProvider,
    model: OpenAIModel,
    reply: Reply,
    retryable: bool,
    retry_after: float | None,
) -> None:
    fake.queue(reply)
    with pytest.raises(ModelUnavailable) as caught:
        await model.request(ask("hi"))
    error = caught.value
    assert error.retryable is retryable
    assert error.retry_after_s == retry_after
    assert error.details["status"] == reply.status
    assert "sk-test-key-123456" not in error.message
    assert len(fake.requests) == 1  # the SDK itself never retries


async def test_missing_key_fails_fast_without_network(fake: FakeProvider) -> None:
    model = OpenAIModel("gpt-test", api_key=None, base_url=f"{fake.url}/v1")
    with pytest.raises(ModelUnavailable) as caught:
        await model.request(ask("hi"))
    assert not caught.value.retryable
    assert "OPENAI_API_KEY" in caught.value.message
    assert fake.requests == []


async def test_timeout_is_retryable(fake: FakeProvider) -> None:
    model = OpenAIModel("gpt-test", api_key="k", base_url=f"{fake.url}/v1", timeout_s=0.2)
    fake.queue(Reply(body=openai_completion("late"), delay_s=1.0))
    started = time.monotonic()
    with pytest.raises(ModelUnavailable) as caught:
        await model.request(ask("hi"))
    await model.aclose()
    assert time.monotonic() - started < 0.9
    assert caught.value.retryable
    assert caught.value.details["reason"] == "timeout"


async def test_connection_refused_is_retryable() -> None:
    # Port 9 (discard) on localhost is closed on test machines.
    model = OpenAIModel("gpt-test", api_key="k", base_url="http://127.0.0.1:9/v1", timeout_s=1)
    with pytest.raises(ModelUnavailable) as caught:
        await model.request(ask("hi"))
    await model.aclose()
    assert caught.value.retryable
    assert caught.value.details["reason"] == "connection"


def test_max_output_tokens_on_the_official_endpoint() -> None:
    model = OpenAIModel("o4-mini", api_key="k")
    body = model._body(ask("hi", parameters={"max_output_tokens": 64, "model": "other"}))
    assert body == {"max_completion_tokens": 64}
