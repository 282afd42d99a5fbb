"""PriceTable lookups and PricedModel."""

from __future__ import annotations

import pytest

from keel.errors import ConfigError
from keel.models import (
    DEFAULT_PRICES_AS_OF,
    Message,
    ModelPrice,
    ModelRequest,
    ModelResponse,
    PricedModel,
    PriceTable,
    ScriptedModel,
    Usage,
)

MILLION = Usage(1_000_000, 1_000_000)


def test_known_models_and_their_name_variants() -> None:
    table = PriceTable.default()
    assert table.cost("openai:gpt-4o-mini", MILLION) == pytest.approx(0.15 + 0.60)
    assert table.price("openai:gpt-4o-mini-2024-07-18") == table.price("openai:gpt-4o-mini")
    assert table.price("OpenAI:GPT-4o") == table.price("openai:gpt-4o")
    assert table.price("anthropic:claude-sonnet-4-5-20250929") == ModelPrice(3.0, 15.0)
    assert table.price("anthropic:claude-3-5-haiku-latest") == ModelPrice(0.8, 4.0)
    assert table.price("gpt-4o") == table.price("openai:gpt-4o")  # a bare name
    assert DEFAULT_PRICES_AS_OF


def test_unknown_price_is_none_not_zero() -> None:
    table = PriceTable()
    assert table.cost("openai:llama3-local", MILLION) is None
    assert table.cost("anthropic:gpt-4o", MILLION) is None  # no cross-provider guessing
    assert table.cost("openai:gpt-4o-audio-preview", MILLION) is None  # no prefix guessing
    assert "openai:llama3-local" not in table


def test_local_models_are_free() -> None:
    table = PriceTable.empty()
    assert table.cost("rules:default", MILLION) == 0.0
    assert table.cost("scripted:anything", MILLION) == 0.0
    assert table.cost("openai:gpt-4o", MILLION) is None


def test_overrides_in_every_accepted_form() -> None:
    base = PriceTable()
    table = base.with_overrides(
        {
            "openai:gpt-4o": {"input": 1.0, "output": 2.0},
            "my-model": (0.5, 0.5),
            "anthropic:claude-x": ModelPrice(9, 9),
        }
    )
    assert table.cost("openai:gpt-4o", Usage(2_000_000, 500_000)) == pytest.approx(3.0)
    assert table.cost("openai:my-model", MILLION) == pytest.approx(1.0)
    assert table.cost("anthropic:my-model-20250101", MILLION) == pytest.approx(1.0)
    assert base.price("openai:gpt-4o") == ModelPrice(2.5, 10.0)  # the original is unchanged
    with pytest.raises(ConfigError, match="my-model"):
        base.with_overrides({"my-model": {"input": "cheap"}})  # type: ignore[dict-item]
    with pytest.raises(ConfigError):
        base.with_overrides({"my-model": (-1, 1)})


async def test_priced_model_fills_unknown_costs_only() -> None:
    unpriced = ModelResponse(
        Message("assistant", "x"), model="openai:gpt-4o", usage=MILLION, cost_usd=None
    )
    self_priced = ModelResponse(Message("assistant", "y"), model="openai:gpt-4o", cost_usd=0.25)
    unknown = ModelResponse(Message("assistant", "z"), model="openai:mystery", cost_usd=None)
    model = PricedModel(ScriptedModel([unpriced, self_priced, unknown, unpriced]), PriceTable())
    request = ModelRequest((Message("user", "hi"),))

    assert (await model.request(request)).cost_usd == pytest.approx(12.5)
    assert (await model.request(request)).cost_usd == 0.25
    assert (await model.request(request)).cost_usd is None
    events = [e async for e in model.stream(request)]
    assert events[-1].response is not None
    assert events[-1].response.cost_usd == pytest.approx(12.5)
