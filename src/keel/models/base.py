"""The ``Model`` seam: one internal message format, one request, one response.

Every provider converts between these values and its wire format at its own edge,
so the loop, the journal and the tests only ever see these types. All values are
frozen and JSON-serialisable through ``to_dict``/``from_dict`` because the journal
stores them and a resumed run replays them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A model's request to call one tool."""

    id: str
    name: str
    arguments: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ToolCall:
        return cls(id=d["id"], name=d["name"], arguments=dict(d["arguments"]))


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a conversation in Keel's internal format.

    ``tool_calls`` is set on assistant messages that call tools; ``tool_call_id`` and
    ``name`` on ``tool`` messages that carry a tool's result back to the model.
    """

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            d["tool_calls"] = [c.to_dict() for c in self.tool_calls]
        if self.tool_call_id is not None:
            d["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            d["name"] = self.name
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Message:
        return cls(
            role=d["role"],
            content=d.get("content", ""),
            tool_calls=tuple(ToolCall.from_dict(c) for c in d.get("tool_calls", ())),
            tool_call_id=d.get("tool_call_id"),
            name=d.get("name"),
        )


@dataclass(frozen=True, slots=True)
class ToolDefinition:
    """What a model is told about a tool: its name, purpose and argument schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """Everything a provider needs for one call.

    ``output_schema`` asks for structured JSON output when set; ``parameters`` are the
    spec's provider parameters (temperature, max_output_tokens, ...), passed through.
    ``allowed_models`` (model ids, ``provider:name``), when set, is the route policy's
    answer: a fallback chain skips every model not in it.
    """

    messages: tuple[Message, ...]
    tools: tuple[ToolDefinition, ...] = ()
    output_schema: dict[str, Any] | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    allowed_models: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ModelAttempt:
    """A model in a fallback chain that was tried and failed, as recorded on the run."""

    model: str
    error_code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "error_code": self.error_code, "message": self.message}


@dataclass(frozen=True, slots=True)
class ModelResponse:
    """A model's answer: an assistant message (text and/or tool calls) and its cost.

    ``model`` names the model that actually answered as ``provider:name``;
    ``failed_attempts`` lists the models a fallback chain tried before it;
    ``cost_usd`` is ``None`` when the model has no known price.
    """

    message: Message
    model: str
    usage: Usage = Usage()
    cost_usd: float | None = 0.0
    finish_reason: str | None = None
    failed_attempts: tuple[ModelAttempt, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message.to_dict(),
            "model": self.model,
            "usage": [self.usage.input_tokens, self.usage.output_tokens],
            "cost_usd": self.cost_usd,
            "finish_reason": self.finish_reason,
            "failed_attempts": [a.to_dict() for a in self.failed_attempts],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ModelResponse:
        return cls(
            message=Message.from_dict(d["message"]),
            model=d["model"],
            usage=Usage(*d["usage"]),
            cost_usd=d["cost_usd"],
            finish_reason=d.get("finish_reason"),
            failed_attempts=tuple(ModelAttempt(**a) for a in d.get("failed_attempts", ())),
        )


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event of a streamed answer: a text delta, or the final response."""

    kind: Literal["text", "done"]
    text: str = ""
    response: ModelResponse | None = None


@runtime_checkable
class Model(Protocol):
    """A chat model. ``name`` is ``provider:model`` and is what runs record.

    ``request`` raises ``keel.errors.ModelUnavailable`` (with ``retryable`` set for
    429/5xx/timeouts) when the provider cannot answer; anything else is a bug.

    Streaming is optional: a model that can also stream is a :class:`StreamingModel`;
    :func:`stream_of` streams any model, falling back to ``request``.
    """

    @property
    def name(self) -> str: ...

    async def request(self, request: ModelRequest) -> ModelResponse: ...


@runtime_checkable
class StreamingModel(Model, Protocol):
    """A model that can also stream its answer.

    ``stream`` yields ``text`` events whose texts add up to the final message's
    content, then exactly one ``done`` event carrying the whole :class:`ModelResponse`
    (usage, tool calls), the same value ``request`` would have returned. It raises
    ``ModelUnavailable`` like ``request``; a failure after the first event means the
    consumer has already seen part of an answer that will not be completed.
    """

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]: ...


def stream_of(model: Model, request: ModelRequest) -> AsyncIterator[StreamEvent]:
    """``model``'s stream for ``request``; a model that cannot stream answers through
    ``request``, as one text event (if it wrote any text) and ``done``."""
    if isinstance(model, StreamingModel):
        return model.stream(request)
    return _requested(model, request)


async def _requested(model: Model, request: ModelRequest) -> AsyncIterator[StreamEvent]:
    response = await model.request(request)
    if response.message.content:
        yield StreamEvent("text", response.message.content)
    yield StreamEvent("done", response=response)
