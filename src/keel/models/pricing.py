"""Model prices, and ``PricedModel``, which puts a cost on every response.

Prices are USD per million tokens, input and output, keyed by model id
(``provider:name``). Lookups are forgiving in the ways model names vary: case,
dated snapshots (``gpt-4o-2024-08-06``, ``claude-sonnet-4-20250514``,
``…@20250514``) and ``-latest`` aliases all find the base model's price, and a key
without a provider (``my-model``) prices that name under any provider. Nothing is
guessed beyond that: an unknown model has no price (``None``), which a cost budget
treats as "deny" (fail closed) rather than "free".

The rules and scripted models are free (0.0).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from keel.errors import ConfigError
from keel.models.base import Model, ModelRequest, ModelResponse, StreamEvent, Usage, stream_of

_FREE_PROVIDERS = frozenset({"rules", "scripted"})
_SNAPSHOT = re.compile(r"(-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-latest)$")


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per million input tokens and per million output tokens."""

    input_per_mtok: float
    output_per_mtok: float

    def cost(self, usage: Usage) -> float:
        return (
            usage.input_tokens * self.input_per_mtok + usage.output_tokens * self.output_per_mtok
        ) / 1_000_000


FREE = ModelPrice(0.0, 0.0)

DEFAULT_PRICES_AS_OF = "2025-11-01"
"""The date :data:`DEFAULT_PRICES` were taken from the providers' public price pages.

Prices change: check them against your contract and override what differs with
:meth:`PriceTable.with_overrides` (the edge builds overrides from configuration).
"""

DEFAULT_PRICES: Mapping[str, ModelPrice] = {
    # OpenAI, standard tier.
    "openai:gpt-5": ModelPrice(1.25, 10.00),
    "openai:gpt-5-mini": ModelPrice(0.25, 2.00),
    "openai:gpt-5-nano": ModelPrice(0.05, 0.40),
    "openai:gpt-4.1": ModelPrice(2.00, 8.00),
    "openai:gpt-4.1-mini": ModelPrice(0.40, 1.60),
    "openai:gpt-4.1-nano": ModelPrice(0.10, 0.40),
    "openai:gpt-4o": ModelPrice(2.50, 10.00),
    "openai:gpt-4o-mini": ModelPrice(0.15, 0.60),
    "openai:o1": ModelPrice(15.00, 60.00),
    "openai:o3": ModelPrice(2.00, 8.00),
    "openai:o3-mini": ModelPrice(1.10, 4.40),
    "openai:o4-mini": ModelPrice(1.10, 4.40),
    "openai:gpt-4-turbo": ModelPrice(10.00, 30.00),
    "openai:gpt-3.5-turbo": ModelPrice(0.50, 1.50),
    # Anthropic, base input and output (cache reads and writes are counted as input).
    "anthropic:claude-opus-4-5": ModelPrice(5.00, 25.00),
    "anthropic:claude-opus-4-1": ModelPrice(15.00, 75.00),
    "anthropic:claude-opus-4-0": ModelPrice(15.00, 75.00),
    "anthropic:claude-opus-4": ModelPrice(15.00, 75.00),
    "anthropic:claude-sonnet-4-5": ModelPrice(3.00, 15.00),
    "anthropic:claude-sonnet-4-0": ModelPrice(3.00, 15.00),
    "anthropic:claude-sonnet-4": ModelPrice(3.00, 15.00),
    "anthropic:claude-3-7-sonnet": ModelPrice(3.00, 15.00),
    "anthropic:claude-3-5-sonnet": ModelPrice(3.00, 15.00),
    "anthropic:claude-haiku-4-5": ModelPrice(1.00, 5.00),
    "anthropic:claude-3-5-haiku": ModelPrice(0.80, 4.00),
    "anthropic:claude-3-haiku": ModelPrice(0.25, 1.25),
    "anthropic:claude-3-opus": ModelPrice(15.00, 75.00),
}

PriceInput = ModelPrice | tuple[float, float] | Mapping[str, float]


def _base_name(name: str) -> str:
    return _SNAPSHOT.sub("", name)


class PriceTable:
    """Prices by model id (see the module doc). Immutable; ``with_overrides`` copies."""

    def __init__(self, prices: Mapping[str, PriceInput] | None = None) -> None:
        source = DEFAULT_PRICES if prices is None else prices
        self._prices = {key.lower(): _as_price(key, value) for key, value in source.items()}

    @classmethod
    def default(cls) -> PriceTable:
        """The shipped table, :data:`DEFAULT_PRICES` (as of :data:`DEFAULT_PRICES_AS_OF`)."""
        return cls(DEFAULT_PRICES)

    @classmethod
    def empty(cls) -> PriceTable:
        """A table that prices nothing except the free local models."""
        return cls({})

    def with_overrides(self, overrides: Mapping[str, PriceInput]) -> PriceTable:
        """A new table with ``overrides`` added or replacing existing entries.

        Values may be a :class:`ModelPrice`, an ``(input, output)`` pair, or a
        mapping with ``input`` and ``output`` keys (as in a config file). Raises
        ``ConfigError`` for anything else.
        """
        table = PriceTable({})
        table._prices = {**self._prices}
        table._prices.update({k.lower(): _as_price(k, v) for k, v in overrides.items()})
        return table

    def price(self, model_id: str) -> ModelPrice | None:
        """The price of ``model_id``, or ``None`` when it is not known.

        ``provider:name`` tries that exact key, then its snapshot-free form, then a
        provider-less key for the name. A bare ``name`` also finds ``provider:name``
        when the providers that list that name agree on one price.
        """
        key = model_id.lower()
        provider, sep, name = key.partition(":")
        if not sep:
            provider, name = "", key
        candidates = [f"{provider}:{name}", f"{provider}:{_base_name(name)}"] if provider else []
        candidates += [name, _base_name(name)]
        for candidate in candidates:
            found = self._prices.get(candidate)
            if found is not None:
                return found
        if provider in _FREE_PROVIDERS:
            return FREE
        if not provider:
            for bare in (name, _base_name(name)):
                listed = {p for k, p in self._prices.items() if k.partition(":")[2] == bare}
                if len(listed) == 1:
                    return listed.pop()
        return None

    def cost(self, model_id: str, usage: Usage) -> float | None:
        """USD cost of ``usage`` on ``model_id``; ``None`` when its price is unknown."""
        found = self.price(model_id)
        return None if found is None else found.cost(usage)

    def __contains__(self, model_id: object) -> bool:
        return isinstance(model_id, str) and self.price(model_id) is not None


def _as_price(key: str, value: Any) -> ModelPrice:
    if isinstance(value, ModelPrice):
        return value
    pair: Any = None
    if isinstance(value, Mapping):
        pair = (value.get("input"), value.get("output"))
    elif isinstance(value, tuple | list) and len(value) == 2:
        pair = value
    problem = (
        f"price for {key!r} must be {{input: USD per 1M tokens, output: USD per 1M tokens}}, "
        f"got {value!r}"
    )
    if pair is None:
        raise ConfigError(problem)
    try:
        price = ModelPrice(float(pair[0]), float(pair[1]))
    except (TypeError, ValueError) as e:
        raise ConfigError(problem) from e
    if price.input_per_mtok < 0 or price.output_per_mtok < 0:
        raise ConfigError(problem)
    return price


class PricedModel:
    """Wraps ``model`` so each response whose ``cost_usd`` is ``None`` gets priced.

    Providers report ``None`` (they do not know prices); a model that knows its
    own cost (rules, scripted, a scripted ``ModelResponse``) keeps it. The price is
    looked up by ``response.model``, the model that actually answered.
    """

    def __init__(self, model: Model, prices: PriceTable) -> None:
        self._model = model
        self._prices = prices

    @property
    def name(self) -> str:
        return self._model.name

    @property
    def wrapped(self) -> Model:
        return self._model

    async def request(self, request: ModelRequest) -> ModelResponse:
        return self._priced(await self._model.request(request))

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        async for event in stream_of(self._model, request):
            if event.response is not None:
                event = dataclasses.replace(event, response=self._priced(event.response))
            yield event

    async def aclose(self) -> None:
        close = getattr(self._model, "aclose", None)
        if close is not None:
            await close()

    def _priced(self, response: ModelResponse) -> ModelResponse:
        if response.cost_usd is not None:
            return response
        cost = self._prices.cost(response.model, response.usage)
        return dataclasses.replace(response, cost_usd=cost) if cost is not None else response
