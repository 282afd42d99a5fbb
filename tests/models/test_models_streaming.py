"""Streaming is optional: ``stream_of`` streams any model, and every wrapper passes a
stream through, or falls back to ``request`` for a model that cannot stream."""

from __future__ import annotations

import pytest

from keel.errors import ModelUnavailable
from keel.models import (
    FallbackModel,
    Message,
    Model,
    ModelRequest,
    ModelResponse,
    PricedModel,
    PriceTable,
    RetryingModel,
    ScriptedModel,
    StreamEvent,
    StreamingModel,
    ToolCall,
    stream_of,
)

REQUEST = ModelRequest((Message("user", "hi"),))


class RequestOnly:
    """A model written against the protocol's required part only: no ``stream``."""

    name = "plugin:plain"

    def __init__(self, *answers: str | ModelUnavailable) -> None:
        self._answers = list(answers)

    async def request(self, request: ModelRequest) -> ModelResponse:
        answer = self._answers.pop(0)
        if isinstance(answer, ModelUnavailable):
            raise answer
        return ModelResponse(Message("assistant", answer), model=self.name)


async def events(model: Model) -> list[StreamEvent]:
    return [e async for e in stream_of(model, REQUEST)]


def texts(evs: list[StreamEvent]) -> list[str]:
    return [e.text for e in evs if e.kind == "text"]


async def test_a_model_without_stream_is_a_model_but_not_a_streaming_one() -> None:
    plain = RequestOnly("hello there")
    assert isinstance(plain, Model)
    assert not isinstance(plain, StreamingModel)
    assert isinstance(ScriptedModel(["x"]), StreamingModel)


async def test_stream_of_falls_back_to_request_as_one_text_event() -> None:
    evs = await events(RequestOnly("hello there"))
    assert texts(evs) == ["hello there"]
    assert evs[-1].kind == "done"
    assert evs[-1].response is not None
    assert evs[-1].response.message.content == "hello there"


async def test_stream_of_a_tool_call_turn_has_no_text_event() -> None:
    call = ToolCall("c1", "lookup", {"q": "x"})
    evs = await events(ScriptedModel([call]))
    assert [e.kind for e in evs] == ["done"]
    assert evs[0].response is not None
    assert evs[0].response.message.tool_calls == (call,)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda m: RetryingModel(m, max_retries=0),
        lambda m: FallbackModel([m]),
        lambda m: PricedModel(m, PriceTable()),
    ],
    ids=["retrying", "fallback", "priced"],
)
async def test_wrappers_stream_a_model_that_cannot(wrap: object) -> None:
    model = wrap(RequestOnly("from a plug-in"))  # type: ignore[operator]
    evs = await events(model)
    assert texts(evs) == ["from a plug-in"]
    assert evs[-1].response is not None
    assert evs[-1].response.model == "plugin:plain"


async def test_a_fallback_chain_moves_past_a_plain_model_that_fails() -> None:
    chain = FallbackModel(
        [RequestOnly(ModelUnavailable("down")), ScriptedModel(["second answers"], name="b")]
    )
    evs = await events(chain)
    assert "".join(texts(evs)) == "second answers"
    assert evs[-1].response is not None
    assert evs[-1].response.model == "scripted:b"
    assert [a.model for a in evs[-1].response.failed_attempts] == ["plugin:plain"]


async def test_scripted_deltas_of_a_fixed_size_join_back_exactly() -> None:
    answer = "mail jane@example.com now"
    evs = await events(ScriptedModel([answer], delta_chars=4))
    assert texts(evs) == ["mail", " jan", "e@ex", "ampl", "e.co", "m no", "w"]
    assert "".join(texts(evs)) == answer


async def test_scripted_stream_of_a_tool_turn_with_text_streams_its_text() -> None:
    message = Message("assistant", "Let me look.", tool_calls=(ToolCall("c1", "t", {}),))
    evs = await events(ScriptedModel([message]))
    assert texts(evs) == ["Let ", "me ", "look."]
    assert evs[-1].response is not None
    assert evs[-1].response.message.tool_calls


def test_delta_chars_must_be_positive() -> None:
    with pytest.raises(ValueError, match="delta_chars"):
        ScriptedModel(["x"], delta_chars=0)
