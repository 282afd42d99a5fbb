"""``OpenAIModel``: any OpenAI-compatible chat-completions endpoint, via the ``openai`` SDK.

The SDK is an optional extra (``keel[openai]``), imported when a model with a key is
built, never by ``import keel.models``. A missing SDK or a missing key surfaces as
a non-retryable :class:`~keel.errors.ModelUnavailable` at call time, without
network, so a fallback chain moves on at once.

Wire mapping, in both directions:

* messages: ``system``/``user`` as is; an assistant's tool calls become
  ``tool_calls`` with JSON-encoded ``arguments``; tool results become ``tool``
  messages carrying ``tool_call_id``;
* tools: ``{"type": "function", "function": {name, description, parameters}}``;
* ``output_schema``: ``response_format`` of type ``json_schema``, ``strict`` when
  the schema meets strict mode's rules (see :func:`is_strict_schema`);
* parameters pass through verbatim, except ``max_output_tokens`` which becomes
  ``max_completion_tokens`` on api.openai.com (the o-series rejects ``max_tokens``)
  and ``max_tokens`` elsewhere (what most compatible servers understand).

The SDK's own retries are off: :class:`~keel.models.retry.RetryingModel` owns them.
"""

from __future__ import annotations

import asyncio
import json
import re
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
    ToolDefinition,
    Usage,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

OPENAI_BASE_URL = "https://api.openai.com/v1"

# Keys Keel owns in the request body; a parameter of the same name is ignored so a
# spec cannot, say, redirect a call to another model or turn streaming on.
_RESERVED = frozenset({"model", "messages", "stream", "stream_options", "tools"})
_SCHEMA_NAME = re.compile(r"[^a-zA-Z0-9_-]")


class OpenAIModel:
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint.

    ``api_key`` is given by the caller (the edge reads the environment, never this
    class); ``None`` or ``""`` makes every call raise a non-retryable
    ``ModelUnavailable`` without touching the network. ``parameters`` are defaults
    that each request's ``parameters`` override. ``provider`` only changes the name
    runs record (``provider:model``).
    """

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        timeout_s: float = 30.0,
        key_source: str = "OPENAI_API_KEY",
        provider: str = "openai",
    ) -> None:
        self._model = model
        self._name = f"{provider}:{model}"
        self._api_key = api_key or None
        self._key_source = key_source
        # Passed explicitly so the SDK never falls back to OPENAI_BASE_URL itself.
        self._base_url = base_url or OPENAI_BASE_URL
        self._defaults = dict(parameters or {})
        self._timeout_s = timeout_s
        self._client: AsyncOpenAI | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        if self._api_key is not None:
            # Import the SDK now, at build time: on the first call it would stall the
            # event loop for as long as the import takes (about a second).
            edge.preload("openai")

    @property
    def name(self) -> str:
        return self._name

    async def request(self, request: ModelRequest) -> ModelResponse:
        """One chat completion. Raises ``ModelUnavailable`` as the module describes."""
        client = self._connect()  # raises at once, without network, if there is no key
        import openai

        try:
            completion = await client.chat.completions.create(
                model=self._model,
                messages=cast(Any, to_wire_messages(request.messages)),
                stream=False,
                extra_body=self._body(request),
                timeout=self._timeout_s,
            )
        except openai.OpenAIError as e:
            raise self._unavailable(e) from e
        return self._response(completion)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Text deltas as they arrive, then one ``done`` event with the whole response.

        Tool calls arrive only in the final response; usage comes from the stream's
        last chunk (``stream_options.include_usage``).
        """
        client = self._connect()  # raises at once, without network, if there is no key
        import openai

        text: list[str] = []
        calls: dict[int, list[str]] = {}  # index -> [id, name, arguments so far]
        usage = Usage()
        finish: str | None = None
        try:
            chunks = await client.chat.completions.create(
                model=self._model,
                messages=cast(Any, to_wire_messages(request.messages)),
                stream=True,
                stream_options={"include_usage": True},
                extra_body=self._body(request),
                timeout=self._timeout_s,
            )
            try:
                async for chunk in chunks:
                    usage = _chunk_usage(chunk) or usage
                    if not chunk.choices:
                        continue
                    choice = chunk.choices[0]
                    finish = choice.finish_reason or finish
                    delta = choice.delta
                    for d in delta.tool_calls or ():
                        slot = calls.setdefault(d.index, ["", "", ""])
                        slot[0] = d.id or slot[0]
                        if d.function is not None:
                            slot[1] += d.function.name or ""
                            slot[2] += d.function.arguments or ""
                    piece = delta.content or delta.refusal
                    if piece:
                        text.append(piece)
                        yield StreamEvent("text", piece)
            finally:
                await chunks.close()
        except openai.OpenAIError as e:
            raise self._unavailable(e) from e
        except edge.transport_errors() as e:
            raise edge.transport_unavailable(
                self._name, e, timed_out=isinstance(e, edge.timeout_errors())
            ) from e
        tool_calls = tuple(
            ToolCall(id=c[0], name=c[1], arguments=edge.decode_tool_arguments(c[2]))
            for _, c in sorted(calls.items())
        )
        message = Message("assistant", "".join(text), tool_calls=tool_calls)
        response = ModelResponse(
            message=message, model=self._name, usage=usage, cost_usd=None, finish_reason=finish
        )
        yield StreamEvent("done", response=response)

    async def aclose(self) -> None:
        """Close the HTTP connection pool; the model stays usable (a new pool opens)."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    def _connect(self) -> AsyncOpenAI:
        # A connection pool belongs to the event loop that opened it, so a model used
        # from a second loop (a CLI calling asyncio.run twice) opens a fresh pool.
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is loop:
            return self._client
        if self._api_key is None:
            raise edge.missing_key(self._name, self._key_source)
        try:
            import openai
        except ImportError as e:
            raise edge.missing_sdk(self._name, "openai") from e
        self._client = openai.AsyncOpenAI(
            api_key=self._api_key,
            base_url=self._base_url,
            timeout=self._timeout_s,
            max_retries=0,
        )
        self._loop = loop
        return self._client

    def _body(self, request: ModelRequest) -> dict[str, Any]:
        params = {**self._defaults, **request.parameters}
        body = {k: v for k, v in params.items() if k not in _RESERVED}
        if "max_output_tokens" in body:
            limit = body.pop("max_output_tokens")
            official = self._base_url.rstrip("/") == OPENAI_BASE_URL
            body.setdefault("max_completion_tokens" if official else "max_tokens", limit)
        if request.tools:
            body["tools"] = [to_wire_tool(t) for t in request.tools]
        if request.output_schema is not None:
            body.setdefault("response_format", to_response_format(request.output_schema))
        return body

    def _response(self, completion: ChatCompletion) -> ModelResponse:
        if not completion.choices:
            raise ModelUnavailable(
                f"{self._name} returned no choices", retryable=True, details={"model": self._name}
            )
        choice = completion.choices[0]
        wire = choice.message
        calls = tuple(
            ToolCall(
                id=c.id,
                name=c.function.name,
                arguments=edge.decode_tool_arguments(c.function.arguments),
            )
            for c in wire.tool_calls or ()
            if c.type == "function"
        )
        finish: str | None = choice.finish_reason
        content = wire.content or ""
        if not content and wire.refusal:
            content, finish = wire.refusal, "refusal"
        usage = Usage()
        if completion.usage is not None:
            usage = Usage(completion.usage.prompt_tokens, completion.usage.completion_tokens)
        return ModelResponse(
            message=Message("assistant", content, tool_calls=calls),
            model=self._name,
            usage=usage,
            cost_usd=None,
            finish_reason=finish,
        )

    def _unavailable(self, error: Exception) -> ModelUnavailable:
        import openai

        if isinstance(error, openai.APIStatusError):
            return edge.status_unavailable(
                self._name,
                error.status_code,
                error.message,
                headers=error.response.headers,
                secret=self._api_key,
            )
        if isinstance(error, openai.APIConnectionError):
            timed_out = isinstance(error, openai.APITimeoutError)
            return edge.transport_unavailable(self._name, error, timed_out=timed_out)
        if isinstance(error, openai.APIError):
            # An error event inside a stream, or a body the SDK could not parse.
            return edge.status_unavailable(self._name, 200, str(error), secret=self._api_key)
        return ModelUnavailable(
            f"{self._name} failed: {edge.redact(str(error), self._api_key)}",
            retryable=False,
            details={"model": self._name},
        )


def _chunk_usage(chunk: ChatCompletionChunk) -> Usage | None:
    if chunk.usage is None:
        return None
    return Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)


def to_wire_messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """Keel's messages in chat-completions format."""
    wire: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "tool":
            wire.append(
                {"role": "tool", "tool_call_id": m.tool_call_id or "", "content": m.content}
            )
        elif m.role == "assistant" and m.tool_calls:
            wire.append(
                {
                    "role": "assistant",
                    # null, not "", is what the API documents for a tool-calls-only turn.
                    "content": m.content or None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                        }
                        for c in m.tool_calls
                    ],
                }
            )
        else:
            wire.append({"role": m.role, "content": m.content})
    return wire


def to_wire_tool(tool: ToolDefinition) -> dict[str, Any]:
    """A tool definition as a chat-completions function tool (not strict: tool schemas
    are the tool author's and need not follow strict mode's rules)."""
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def to_response_format(schema: dict[str, Any]) -> dict[str, Any]:
    """``response_format`` asking for JSON that matches ``schema``."""
    title = schema.get("title")
    name = _SCHEMA_NAME.sub("_", title)[:64] if isinstance(title, str) and title else "output"
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": schema, "strict": is_strict_schema(schema)},
    }


def is_strict_schema(schema: Any) -> bool:
    """Whether OpenAI's strict structured-output mode accepts ``schema`` unchanged.

    Strict mode needs every object to list all its properties as ``required`` and
    to set ``additionalProperties: false``. Asking for strict with a schema that
    breaks those rules is a 400, so anything else is sent non-strict instead.
    """
    if not isinstance(schema, dict):
        return False
    types = schema.get("type")
    props = schema.get("properties")
    if types == "object" or (isinstance(types, list) and "object" in types) or props is not None:
        props = props if isinstance(props, dict) else {}
        if schema.get("additionalProperties") is not False:
            return False
        if set(schema.get("required", ())) != set(props):
            return False
    children: list[Any] = list((props or {}).values())
    for key in ("$defs", "definitions"):
        children.extend((schema.get(key) or {}).values())
    for key in ("anyOf", "allOf", "oneOf", "prefixItems"):
        children.extend(schema.get(key) or ())
    if "items" in schema:
        children.append(schema["items"])
    return all(is_strict_schema(child) for child in children)
