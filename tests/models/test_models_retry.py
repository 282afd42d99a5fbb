"""RetryingModel: which errors are retried, how long it waits, timeouts, streams."""

from __future__ import annotations

import asyncio

import pytest

from keel.errors import ModelUnavailable
from keel.models import Message, ModelRequest, RetryingModel, ScriptedModel, StreamEvent

REQUEST = ModelRequest((Message("user", "hi"),))


class Sleeps:
    """Records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def busy(retry_after: float | None = None) -> ModelUnavailable:
    return ModelUnavailable("busy", retryable=True, retry_after_s=retry_after)


async def test_retries_retryable_errors_with_exponential_backoff() -> None:
    sleeps = Sleeps()
    inner = ScriptedModel([busy(), busy(), busy(), "finally"])
    model = RetryingModel(
        inner,
        max_retries=3,
        initial_backoff_s=1.0,
        max_backoff_s=3.0,
        sleep=sleeps,
        jitter=lambda: 1.0,
    )
    response = await model.request(REQUEST)
    assert response.message.content == "finally"
    assert sleeps.delays == [1.0, 2.0, 3.0]  # doubling, capped at max_backoff_s
    assert model.name == inner.name


async def test_jitter_keeps_between_half_and_all_of_the_backoff() -> None:
    low = RetryingModel(ScriptedModel([]), initial_backoff_s=2.0, jitter=lambda: 0.0)
    high = RetryingModel(ScriptedModel([]), initial_backoff_s=2.0, jitter=lambda: 0.999)
    assert low.delay_s(1, busy()) == 1.0
    assert 1.99 < high.delay_s(1, busy()) <= 2.0


async def test_retry_after_is_honoured_and_capped() -> None:
    sleeps = Sleeps()
    model = RetryingModel(
        ScriptedModel([busy(retry_after=4.0), busy(retry_after=600.0), "ok"]),
        max_retries=2,
        max_retry_after_s=30.0,
        sleep=sleeps,
    )
    assert (await model.request(REQUEST)).message.content == "ok"
    assert sleeps.delays == [4.0, 30.0]


async def test_gives_up_after_max_retries_and_counts_attempts() -> None:
    sleeps = Sleeps()
    model = RetryingModel(ScriptedModel([busy()] * 5), max_retries=2, sleep=sleeps)
    with pytest.raises(ModelUnavailable) as caught:
        await model.request(REQUEST)
    assert caught.value.details["attempts"] == 3
    assert len(sleeps.delays) == 2


async def test_non_retryable_errors_are_not_retried() -> None:
    sleeps = Sleeps()
    inner = ScriptedModel([ModelUnavailable("bad request"), "never"])
    with pytest.raises(ModelUnavailable, match="bad request") as caught:
        await RetryingModel(inner, max_retries=5, sleep=sleeps).request(REQUEST)
    assert caught.value.details["attempts"] == 1
    assert sleeps.delays == []
    assert inner.remaining == 1


async def test_other_exceptions_are_bugs_and_propagate() -> None:
    with pytest.raises(KeyError):
        await RetryingModel(ScriptedModel([KeyError("bug")]), sleep=Sleeps()).request(REQUEST)


async def test_per_call_timeout_is_a_retryable_failure() -> None:
    calls = 0

    async def slow_then_fast(request: ModelRequest) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(5)
        return "fast"

    model = RetryingModel(ScriptedModel(slow_then_fast), timeout_s=0.05, sleep=Sleeps())
    assert (await model.request(REQUEST)).message.content == "fast"
    assert calls == 2

    never = RetryingModel(
        ScriptedModel(lambda r: asyncio.sleep(5, "late")), max_retries=0, timeout_s=0.05
    )
    with pytest.raises(ModelUnavailable, match=r"did not answer within 0\.05s") as caught:
        await never.request(REQUEST)
    assert caught.value.retryable


async def test_stream_is_retried_before_its_first_event() -> None:
    sleeps = Sleeps()
    model = RetryingModel(ScriptedModel([busy(), "hello world"]), sleep=sleeps)
    events = [e async for e in model.stream(REQUEST)]
    assert [e.text for e in events if e.kind == "text"] == ["hello ", "world"]
    assert len(sleeps.delays) == 1


class FailsMidStream:
    """Yields one event, then fails: too late to retry."""

    name = "test:midstream"

    def __init__(self) -> None:
        self.streams = 0

    async def request(self, request: ModelRequest) -> object:
        raise AssertionError("not used")

    async def stream(self, request: ModelRequest):  # type: ignore[no-untyped-def]
        self.streams += 1
        yield StreamEvent("text", "partial")
        raise busy()


async def test_stream_is_not_retried_after_its_first_event() -> None:
    inner = FailsMidStream()
    model = RetryingModel(inner, max_retries=3, sleep=Sleeps())  # type: ignore[arg-type]
    seen: list[str] = []

    async def consume() -> None:
        async for event in model.stream(REQUEST):
            seen.append(event.text)

    with pytest.raises(ModelUnavailable):
        await consume()
    assert seen == ["partial"]
    assert inner.streams == 1
