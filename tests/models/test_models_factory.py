"""build_chain end to end: real HTTP providers, retries, fallback to rules, pricing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fake_providers import (
    FakeProvider,
    Reply,
    anthropic_message,
    openai_completion,
    openai_error,
    text_block,
)

from keel.errors import ModelUnavailable, UserError
from keel.models import (
    Backoff,
    FallbackModel,
    Message,
    ModelRequest,
    ScriptedModel,
    build_chain,
    build_model,
)
from keel.spec.model import ModelRef, ModelSpec

REQUEST = ModelRequest((Message("user", "where is my order?"),))
FAST = Backoff(initial_s=0.001, max_s=0.005, max_retry_after_s=0.01)
RULES = {"intents": [], "default": "The rules model answered."}


def spec(fake: FakeProvider, **primary: Any) -> ModelSpec:
    return ModelSpec.model_validate(
        {
            "primary": {
                "provider": "openai",
                "name": "gpt-4o-mini",
                "base_url": f"{fake.url}/v1",
                "max_retries": 2,
                **primary,
            },
            "fallbacks": ["rules"],
            "parameters": {"temperature": 0.0, "seed": 1},
            "rules": RULES,
        }
    )


async def run(chain: FallbackModel, request: ModelRequest = REQUEST) -> Any:
    try:
        return await chain.request(request)
    finally:
        await chain.aclose()


async def test_primary_answers_with_merged_parameters_and_a_cost(fake: FakeProvider) -> None:
    fake.queue(Reply(body=openai_completion("On its way.", usage=(1000, 100))))
    chain = build_chain(
        spec(fake, parameters={"temperature": 0.7}), credentials={"OPENAI_API_KEY": "k"}
    )
    response = await run(chain)

    assert response.model == "openai:gpt-4o-mini"
    assert response.failed_attempts == ()
    assert response.cost_usd == pytest.approx((1000 * 0.15 + 100 * 0.60) / 1e6)
    assert fake.requests[0].body["temperature"] == 0.7  # the ref overrides the spec
    assert fake.requests[0].body["seed"] == 1


async def test_429_with_retry_after_then_success(fake: FakeProvider) -> None:
    fake.queue(
        openai_error(429, "rate limited", retry_after="1"), Reply(body=openai_completion("ok"))
    )
    chain = build_chain(spec(fake), credentials={"OPENAI_API_KEY": "k"}, backoff=FAST)
    response = await run(chain)
    assert response.message.content == "ok"
    assert response.model == "openai:gpt-4o-mini"
    assert len(fake.requests) == 2


async def test_500s_exhaust_retries_then_fall_back_to_rules(fake: FakeProvider) -> None:
    fake.queue(*[openai_error(500, "internal error")] * 3)
    chain = build_chain(spec(fake), credentials={"OPENAI_API_KEY": "k"}, backoff=FAST)
    response = await run(chain)

    assert len(fake.requests) == 3  # one attempt and max_retries=2 retries
    assert response.model == "rules:default"
    assert response.message.content == "The rules model answered."
    assert response.cost_usd == 0.0
    (attempt,) = response.failed_attempts
    assert attempt.model == "openai:gpt-4o-mini"
    assert attempt.error_code == "MODEL_UNAVAILABLE"
    assert "HTTP 500" in attempt.message


async def test_400_is_not_retried(fake: FakeProvider) -> None:
    fake.queue(openai_error(400, "unsupported parameter"))
    chain = build_chain(spec(fake), credentials={"OPENAI_API_KEY": "k"}, backoff=FAST)
    response = await run(chain)
    assert len(fake.requests) == 1
    assert response.model == "rules:default"
    assert "HTTP 400" in response.failed_attempts[0].message


async def test_missing_key_falls_through_immediately(fake: FakeProvider) -> None:
    chain = build_chain(spec(fake, api_key_env="MY_KEY"), credentials={"OPENAI_API_KEY": "k"})
    started = time.monotonic()
    response = await run(chain)
    assert time.monotonic() - started < 0.5
    assert fake.requests == []
    assert response.model == "rules:default"
    assert "MY_KEY" in response.failed_attempts[0].message


async def test_timeout_falls_back(fake: FakeProvider) -> None:
    fake.queue(Reply(body=openai_completion("late"), delay_s=1.0))
    chain = build_chain(
        spec(fake, timeout_s=0.2, max_retries=0), credentials={"OPENAI_API_KEY": "k"}
    )
    started = time.monotonic()
    response = await run(chain)
    assert time.monotonic() - started < 0.9
    assert response.model == "rules:default"
    assert (
        "0.2s" in response.failed_attempts[0].message
        or "timed out" in response.failed_attempts[0].message
    )


async def test_anthropic_primary_uses_its_own_credentials(fake: FakeProvider) -> None:
    fake.queue(Reply(body=anthropic_message([text_block("Claude here.")])))
    model_spec = ModelSpec.model_validate(
        {"primary": {"provider": "anthropic", "name": "claude-haiku-4-5"}}
    )
    chain = build_chain(
        model_spec, credentials={"ANTHROPIC_API_KEY": "a-key", "ANTHROPIC_BASE_URL": fake.url}
    )
    response = await run(chain)
    assert response.message.content == "Claude here."
    assert response.cost_usd is not None


async def test_stream_through_the_chain_falls_back(fake: FakeProvider) -> None:
    fake.queue(openai_error(503, "down"))
    chain = build_chain(spec(fake, max_retries=0), credentials={"OPENAI_API_KEY": "k"})
    events = [e async for e in chain.stream(REQUEST)]
    await chain.aclose()
    assert events[-1].response is not None
    assert events[-1].response.model == "rules:default"
    assert len(events[-1].response.failed_attempts) == 1


async def test_scripted_models_come_from_overrides() -> None:
    model_spec = ModelSpec.model_validate({"primary": "scripted:test"})
    with pytest.raises(UserError, match="overrides"):
        build_chain(model_spec, credentials={})
    scripted = ScriptedModel(["scripted answer"], name="test")
    chain = build_chain(model_spec, credentials={}, overrides={"scripted:test": scripted})
    assert (await chain.request(REQUEST)).message.content == "scripted answer"


def test_rules_model_needs_its_config() -> None:
    with pytest.raises(UserError, match=r"model\.rules"):
        build_model(ModelRef(provider="rules"), credentials={})


async def test_the_whole_chain_down_is_model_unavailable(fake: FakeProvider) -> None:
    model_spec = ModelSpec.model_validate(
        {"primary": {"provider": "openai", "name": "gpt-4o", "base_url": f"{fake.url}/v1"}}
    )
    chain = build_chain(model_spec, credentials={})
    with pytest.raises(ModelUnavailable) as caught:
        await run(chain)
    assert caught.value.details["attempts"][0]["model"] == "openai:gpt-4o"
    assert not caught.value.retryable
