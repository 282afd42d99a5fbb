"""FallbackModel: graceful degradation along a chain, with every attempt recorded."""

from __future__ import annotations

import pytest

from keel.errors import ModelUnavailable, UserError
from keel.models import (
    FallbackModel,
    Message,
    ModelAttempt,
    ModelRequest,
    PricedModel,
    PriceTable,
    RetryingModel,
    ScriptedModel,
    chain_names,
)

REQUEST = ModelRequest((Message("user", "hi"),))


async def test_first_model_that_answers_wins_and_failures_are_recorded() -> None:
    chain = FallbackModel(
        [
            ScriptedModel([ModelUnavailable("rate limited", retryable=True)], name="a"),
            ScriptedModel([ModelUnavailable("no key")], name="b"),
            ScriptedModel(["from c"], name="c"),
            ScriptedModel(["never"], name="d"),
        ]
    )
    response = await chain.request(REQUEST)

    assert chain.name == "scripted:a"
    assert response.message.content == "from c"
    assert response.model == "scripted:c"
    assert response.failed_attempts == (
        ModelAttempt("scripted:a", "MODEL_UNAVAILABLE", "rate limited"),
        ModelAttempt("scripted:b", "MODEL_UNAVAILABLE", "no key"),
    )


async def test_primary_success_records_nothing() -> None:
    response = await FallbackModel([ScriptedModel(["ok"])]).request(REQUEST)
    assert response.failed_attempts == ()


async def test_all_failing_lists_every_attempt() -> None:
    chain = FallbackModel(
        [
            ScriptedModel([ModelUnavailable("429", retryable=True, retry_after_s=7)], name="a"),
            ScriptedModel([ModelUnavailable("400")], name="b"),
        ]
    )
    with pytest.raises(ModelUnavailable) as caught:
        await chain.request(REQUEST)
    error = caught.value
    assert error.details["attempts"] == [
        {"model": "scripted:a", "error_code": "MODEL_UNAVAILABLE", "message": "429"},
        {"model": "scripted:b", "error_code": "MODEL_UNAVAILABLE", "message": "400"},
    ]
    assert error.retryable
    assert error.retry_after_s == 7


async def test_nested_chains_keep_the_inner_attempts() -> None:
    inner = FallbackModel(
        [ScriptedModel([ModelUnavailable("x")], name="i1"), ScriptedModel(["ok"], name="i2")]
    )
    outer = FallbackModel([ScriptedModel([ModelUnavailable("y")], name="o1"), inner])
    response = await outer.request(REQUEST)
    assert [a.model for a in response.failed_attempts] == ["scripted:o1", "scripted:i1"]


async def test_stream_falls_back_before_the_first_event() -> None:
    chain = FallbackModel(
        [ScriptedModel([ModelUnavailable("down")], name="a"), ScriptedModel(["hi there"], name="b")]
    )
    events = [e async for e in chain.stream(REQUEST)]
    assert [e.text for e in events if e.kind == "text"] == ["hi ", "there"]
    done = events[-1].response
    assert done is not None
    assert done.model == "scripted:b"
    assert [a.model for a in done.failed_attempts] == ["scripted:a"]


async def test_stream_with_every_model_down_raises() -> None:
    chain = FallbackModel([ScriptedModel([ModelUnavailable("down")])])
    with pytest.raises(ModelUnavailable, match="no model could answer"):
        _ = [e async for e in chain.stream(REQUEST)]


def test_an_empty_chain_is_a_user_error() -> None:
    with pytest.raises(UserError):
        FallbackModel([])


def test_chain_names_lists_the_models_tried_in_order_through_wrappers() -> None:
    primary = RetryingModel(ScriptedModel([], name="primary"))
    nested = FallbackModel([ScriptedModel([], name="second"), ScriptedModel([], name="third")])
    chain = PricedModel(FallbackModel([primary, nested]), PriceTable({}))
    assert chain_names(chain) == ("scripted:primary", "scripted:second", "scripted:third")
    assert chain_names(ScriptedModel([])) == ("scripted:default",)
