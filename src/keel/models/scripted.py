"""``ScriptedModel``: the deterministic test double that ships with the library.

Tests of the loop, the engine, the API and evals drive agents with it instead of
mocking a provider. It is also the model of the per-run overhead benchmark, so a
call does no copying and no validation beyond a few ``isinstance`` checks.

A script is either

* a sequence consumed one item per call, each item one of

  - ``str``: a text answer;
  - a :class:`~keel.models.base.ToolCall`, or a list/tuple of them: a tool-calling turn;
  - a :class:`~keel.models.base.Message`: that assistant message;
  - a :class:`~keel.models.base.ModelResponse`: returned as is (usage, cost, model…);
  - an exception instance (or class): raised, e.g. ``ModelUnavailable(retryable=True)``;

* or a function ``(ModelRequest) -> item`` (sync or async) that decides per call.

Every request is appended to :attr:`ScriptedModel.requests` for assertions.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TypeAlias

from keel.errors import ModelUnavailable
from keel.models._token_estimate import estimate_usage
from keel.models.base import (
    Message,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    ToolCall,
    Usage,
)

ScriptItem: TypeAlias = (
    str
    | ToolCall
    | list[ToolCall]
    | tuple[ToolCall, ...]
    | Message
    | ModelResponse
    | BaseException
    | type[BaseException]
)
ScriptFunction: TypeAlias = Callable[[ModelRequest], ScriptItem | Awaitable[ScriptItem]]

# Streams split text after each run of whitespace, so a consumer sees several deltas.
_WORDS = re.compile(r"\S+\s*|\s+")


class ScriptedModel:
    """A model that answers from a script (see the module doc).

    ``usage``, when given, is reported for every call; otherwise usage is estimated
    at four characters per token. ``cost_usd`` is ``0.0``. When a sequence script
    runs out, the call raises a non-retryable ``ModelUnavailable`` saying so.

    ``requests`` holds the most recent requests (at most ``keep_requests``, oldest
    dropped first), for tests to inspect; bounded so that a server answering from a
    script for days does not keep every conversation it ever saw.

    ``stream`` splits a text answer after each run of whitespace or, with
    ``delta_chars``, into pieces of that many characters, so a test can split an
    e-mail address or a card number across deltas exactly where it wants.
    """

    def __init__(
        self,
        script: Iterable[ScriptItem] | ScriptFunction,
        *,
        name: str = "default",
        usage: Usage | None = None,
        keep_requests: int = 1000,
        delta_chars: int | None = None,
    ) -> None:
        if delta_chars is not None and delta_chars < 1:
            raise ValueError("delta_chars must be at least 1")
        self._name = f"scripted:{name}"
        self._function: ScriptFunction | None = None
        self._items: list[ScriptItem] = []
        if callable(script):
            self._function = script
        else:
            self._items = list(script)
        self._next = 0
        self._usage = usage
        self.requests: list[ModelRequest] = []
        self.calls = 0
        self._keep = keep_requests
        self._delta_chars = delta_chars

    @property
    def name(self) -> str:
        return self._name

    @property
    def remaining(self) -> int:
        """How many scripted items are still unused (0 for a function script)."""
        return len(self._items) - self._next

    async def request(self, request: ModelRequest) -> ModelResponse:
        """The next scripted answer. Raises what the script says to raise."""
        self.calls += 1
        self.requests.append(request)
        if len(self.requests) > self._keep:
            del self.requests[: len(self.requests) - self._keep]
        if self._function is not None:
            item = self._function(request)
            if inspect.isawaitable(item):
                item = await item
        else:
            if self._next >= len(self._items):
                raise ModelUnavailable(
                    f"{self._name} has no scripted answer left for call {self.calls} "
                    f"(the script had {len(self._items)})",
                    details={"model": self._name, "reason": "script_exhausted"},
                )
            item = self._items[self._next]
            self._next += 1
        return self._respond(item, request)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """The scripted answer's text word by word (or in ``delta_chars`` pieces), then
        ``done``. A tool-calling turn's text, if it has any, streams the same way."""
        response = await self.request(request)
        text, n = response.message.content, self._delta_chars
        pieces = (
            _WORDS.findall(text) if n is None else [text[i : i + n] for i in range(0, len(text), n)]
        )
        for i, piece in enumerate(pieces):
            if i:
                await asyncio.sleep(0)  # as a network stream would, between deltas
            yield StreamEvent("text", piece)
        yield StreamEvent("done", response=response)

    def _respond(self, item: ScriptItem, request: ModelRequest) -> ModelResponse:
        if isinstance(item, ModelResponse):
            return item
        if isinstance(item, BaseException) or (
            isinstance(item, type) and issubclass(item, BaseException)
        ):
            raise item
        if isinstance(item, str):
            message = Message("assistant", item)
        elif isinstance(item, Message):
            message = item
        elif isinstance(item, ToolCall):
            message = Message("assistant", tool_calls=(item,))
        elif isinstance(item, list | tuple) and all(isinstance(c, ToolCall) for c in item):
            message = Message("assistant", tool_calls=tuple(item))
        else:
            raise TypeError(f"{self._name}: cannot answer with {item!r}")
        return ModelResponse(
            message=message,
            model=self._name,
            usage=self._usage or estimate_usage(request.messages, message),
            cost_usd=0.0,
            finish_reason="tool_calls" if message.tool_calls else "stop",
        )
