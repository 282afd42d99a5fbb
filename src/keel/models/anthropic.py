"""``AnthropicModel``: Claude through the Messages API, via the ``anthropic`` SDK.

The SDK is an optional extra (``keel[anthropic]``) imported when the model is built; like
:mod:`keel.models.openai`, a missing SDK or key is a non-retryable
:class:`~keel.errors.ModelUnavailable` raised without network.

Wire mapping:

* ``system`` messages are joined into the top-level ``system`` prompt;
* an assistant's tool calls become ``tool_use`` blocks, tool results become
  ``tool_result`` blocks in a user turn; consecutive turns of one role are merged,
  because the API wants user and assistant to alternate;
* ``max_output_tokens`` becomes the required ``max_tokens`` (default 4096),
  ``stop`` becomes ``stop_sequences``; other parameters pass through verbatim;
* usage counts cache reads and writes as input, so budgets see every token;
* ``finish_reason`` uses the chat-completions words (``stop``, ``length``,
  ``tool_calls``, ``content_filter``) so the loop needs one vocabulary.

Structured output uses a **forced tool**, which every Claude model supports: the
schema becomes the input schema of a tool named ``keel_output`` and the model must
call it (``tool_choice`` ``tool``, or ``any`` when the agent has tools of its own).
Its input is returned as JSON text, as the other providers return structured
output. A non-object schema is wrapped as ``{"value": schema}`` and unwrapped on the
way back, since tool inputs must be objects. If the model calls real tools in the
same turn, the real calls win and the premature answer is dropped: it cannot have
used the results it has not seen yet. Extended thinking forbids forced tool choice,
so it cannot be combined with ``output_schema``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from keel.errors import ModelUnavailable
from keel.models import _provider_edge as edge
from keel.models.base import (
    Message,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    ToolCall,
    Usage,
)

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

ANTHROPIC_BASE_URL = "https://api.anthropic.com"
OUTPUT_TOOL = "keel_output"
DEFAULT_MAX_TOKENS = 4096

_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
_RESERVED = frozenset({"model", "messages", "stream", "system", "tools"})


class AnthropicModel:
    """A Claude model. Same constructor contract as :class:`~keel.models.OpenAIModel`."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        timeout_s: float = 30.0,
        key_source: str = "ANTHROPIC_API_KEY",
    ) -> None:
        self._model = model
        self._name = f"anthropic:{model}"
        self._api_key = api_key or None
        self._key_source = key_source
        # Explicit, so the SDK never consults ANTHROPIC_BASE_URL or profiles itself.
        self._base_url = base_url or ANTHROPIC_BASE_URL
        self._defaults = dict(parameters or {})
        self._timeout_s = timeout_s
        self._client: AsyncAnthropic | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        if self._api_key is not None:
            # Import the SDK now, at build time: on the first call it would stall the
            # event loop for as long as the import takes (about a second).
            edge.preload("anthropic")

    @property
    def name(self) -> str:
        return self._name

    async def request(self, request: ModelRequest) -> ModelResponse:
        """One Messages API call. Raises ``ModelUnavailable`` as the module describes."""
        client = self._connect()  # raises at once, without network, if there is no key
        import anthropic

        max_tokens, body = self._body(request)
        try:
            reply = await client.messages.create(
                model=self._model,
                max_tokens=max_tokens,
                messages=cast(Any, to_wire_messages(request.messages)),
                stream=False,
                extra_body=body,
                timeout=self._timeout_s,
            )
        except anthropic.AnthropicError as e:
            raise self._unavailable(e) from e
        text: list[str] = []
        calls: list[ToolCall] = []
        for block in reply.content:
            if block.type == "text":
                text.append(block.text)
            elif block.type == "tool_use":
                calls.append(ToolCall(block.id, block.name, dict(block.input)))
        u = reply.usage
        total_in = _input_tokens(
            u.input_tokens, u.cache_creation_input_tokens, u.cache_read_input_tokens
        )
        return self._response(
            "".join(text), calls, Usage(total_in, u.output_tokens), reply.stop_reason, request
        )

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Text deltas, then one ``done`` event with the whole response.

        Structured output arrives as the forced tool's input, so with an
        ``output_schema`` the answer is sent as one text event at the end. Either way
        the text events add up to the final message's content.
        """
        client = self._connect()  # raises at once, without network, if there is no key
        import anthropic

        max_tokens, body = self._body(request)
        text: list[str] = []
        blocks: dict[int, list[str]] = {}  # index -> [id, name, partial json]
        input_tokens = output_tokens = 0
        stop_reason: str | None = None
        live = request.output_schema is None
        try:
            events = await client.messages.create(
                model=self._model,
                max_tokens=max_tokens,
                messages=cast(Any, to_wire_messages(request.messages)),
                stream=True,
                extra_body=body,
                timeout=self._timeout_s,
            )
            try:
                async for event in events:
                    if event.type == "message_start":
                        u = event.message.usage
                        input_tokens = _input_tokens(
                            u.input_tokens, u.cache_creation_input_tokens, u.cache_read_input_tokens
                        )
                        output_tokens = u.output_tokens
                    elif event.type == "content_block_start":
                        block = event.content_block
                        if block.type == "tool_use":
                            blocks[event.index] = [block.id, block.name, ""]
                        elif block.type == "text" and block.text:
                            text.append(block.text)
                            if live:
                                yield StreamEvent("text", block.text)
                    elif event.type == "content_block_delta":
                        delta = event.delta
                        if delta.type == "text_delta" and delta.text:
                            text.append(delta.text)
                            if live:
                                yield StreamEvent("text", delta.text)
                        elif delta.type == "input_json_delta" and event.index in blocks:
                            blocks[event.index][2] += delta.partial_json
                    elif event.type == "message_delta":
                        stop_reason = event.delta.stop_reason or stop_reason
                        d = event.usage
                        output_tokens = d.output_tokens
                        # Some API versions report the final input count here too.
                        if d.input_tokens is not None:
                            input_tokens = _input_tokens(
                                d.input_tokens,
                                d.cache_creation_input_tokens,
                                d.cache_read_input_tokens,
                            )
            finally:
                await events.close()
        except anthropic.AnthropicError as e:
            raise self._unavailable(e) from e
        except edge.transport_errors() as e:
            raise edge.transport_unavailable(
                self._name, e, timed_out=isinstance(e, edge.timeout_errors())
            ) from e
        calls = [
            ToolCall(b[0], b[1], edge.decode_tool_arguments(b[2]))
            for _, b in sorted(blocks.items())
        ]
        response = self._response(
            "".join(text), calls, Usage(input_tokens, output_tokens), stop_reason, request
        )
        if not live and response.message.content:
            yield StreamEvent("text", response.message.content)
        yield StreamEvent("done", response=response)

    async def aclose(self) -> None:
        """Close the HTTP connection pool; the model stays usable (a new pool opens)."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    def _connect(self) -> AsyncAnthropic:
        # A connection pool belongs to the event loop that opened it, so a model used
        # from a second loop (a CLI calling asyncio.run twice) opens a fresh pool.
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is loop:
            return self._client
        if self._api_key is None:
            raise edge.missing_key(self._name, self._key_source)
        try:
            import anthropic
        except ImportError as e:
            raise edge.missing_sdk(self._name, "anthropic") from e
        self._client = anthropic.AsyncAnthropic(
            api_key=self._api_key,
            base_url=self._base_url,
            timeout=self._timeout_s,
            max_retries=0,
        )
        self._loop = loop
        return self._client

    def _body(self, request: ModelRequest) -> tuple[int, dict[str, Any]]:
        params = {**self._defaults, **request.parameters}
        body = {k: v for k, v in params.items() if k not in _RESERVED}
        limit = body.pop("max_output_tokens", None)
        legacy_limit = body.pop("max_tokens", None)
        max_tokens = limit or legacy_limit or DEFAULT_MAX_TOKENS
        if "stop" in body:
            stop = body.pop("stop")
            body.setdefault("stop_sequences", [stop] if isinstance(stop, str) else stop)
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        if system:
            body["system"] = system
        tools = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in request.tools
        ]
        if request.output_schema is not None:
            tools.append(
                {
                    "name": OUTPUT_TOOL,
                    "description": "Give your final answer by calling this tool. Its input "
                    "is the answer; it must match the schema exactly.",
                    "input_schema": _object_schema(request.output_schema),
                }
            )
            forced = {"type": "any"} if request.tools else {"type": "tool", "name": OUTPUT_TOOL}
            body.setdefault("tool_choice", forced)
        if tools:
            body["tools"] = tools
        return int(max_tokens), body

    def _response(
        self,
        text: str,
        calls: list[ToolCall],
        usage: Usage,
        stop_reason: str | None,
        request: ModelRequest,
    ) -> ModelResponse:
        finish = _FINISH.get(stop_reason or "", stop_reason)
        real = [c for c in calls if c.name != OUTPUT_TOOL]
        answer = [c for c in calls if c.name == OUTPUT_TOOL]
        if request.output_schema is not None and answer and not real:
            value: Any = answer[0].arguments
            if not _is_object_schema(request.output_schema):
                value = value.get("value")
            text, finish = json.dumps(value, ensure_ascii=False), "stop"
        return ModelResponse(
            message=Message("assistant", text, tool_calls=tuple(real)),
            model=self._name,
            usage=usage,
            cost_usd=None,
            finish_reason=finish,
        )

    def _unavailable(self, error: Exception) -> ModelUnavailable:
        import anthropic

        if isinstance(error, anthropic.APIStatusError):
            return edge.status_unavailable(
                self._name,
                error.status_code,
                error.message,
                headers=error.response.headers,
                secret=self._api_key,
            )
        if isinstance(error, anthropic.APIConnectionError):
            timed_out = isinstance(error, anthropic.APITimeoutError)
            return edge.transport_unavailable(self._name, error, timed_out=timed_out)
        if isinstance(error, anthropic.APIError):
            return edge.status_unavailable(self._name, 200, str(error), secret=self._api_key)
        return ModelUnavailable(
            f"{self._name} failed: {edge.redact(str(error), self._api_key)}",
            retryable=False,
            details={"model": self._name},
        )


def _input_tokens(uncached: int, cache_writes: int | None, cache_reads: int | None) -> int:
    """Every input token: the API counts cache writes and reads apart from the rest."""
    return uncached + (cache_writes or 0) + (cache_reads or 0)


def _is_object_schema(schema: Mapping[str, Any]) -> bool:
    return schema.get("type") == "object"


def _object_schema(schema: dict[str, Any]) -> dict[str, Any]:
    if _is_object_schema(schema):
        return schema
    return {"type": "object", "properties": {"value": schema}, "required": ["value"]}


def to_wire_messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """Keel's non-system messages as Messages API turns of content blocks."""
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        blocks: list[dict[str, Any]] = []
        if m.role == "tool":
            role = "user"
            blocks.append(
                {"type": "tool_result", "tool_use_id": m.tool_call_id or "", "content": m.content}
            )
        else:
            role = m.role
            # The API rejects empty text blocks.
            if m.content:
                blocks.append({"type": "text", "text": m.content})
            blocks.extend(
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                for c in m.tool_calls
            )
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return turns
