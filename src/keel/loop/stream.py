"""The token path: a run's answer sent to listeners while the model writes it.

An agent whose spec says ``output.stream: tokens`` gets a :class:`RunTokens` channel
per run from the engine's :class:`TokenHub`. The channel sits beside the loop, not in
it: the loop stays a deterministic function over ``Effects``, and the effects ask the
channel, at each model call, whether anyone listens. Only then is the model streamed
(``keel.models.stream_of``); otherwise it is called with ``request`` as in ``final``
mode. Either way the step's whole response is what the journal keeps; deltas are
never journaled, so a resumed run replays its recorded steps silently and streams
from where it is.

Each streamed turn's deltas pass a :class:`~keel.governance.stream_guard.StreamGuard`
(PII hold-back and masking, content rules, canary) before they reach listeners as
``token`` events. What cannot be known while a turn streams is settled afterwards:

* a turn that ends with tool calls is not the answer: text it released (only a turn
  longer than the hold-back window releases any) is retracted (``tool_call``);
* a turn followed by another model turn (the output schema's repair turn) is
  retracted (``superseded``); so is one whose model failed mid-stream
  (``model_failed``), after which the chain is asked again without streaming;
* the answer's held tail leaves only once the run has ended ``completed``, i.e. after
  output governance on the whole answer, escalation triggers and the final commit;
  it is cut from the governed answer itself, so the tokens a listener joins are the
  run's output exactly (``mismatch`` retracts the turn if they could not be);
* a run that ends any other way retracts what its last turn released
  (``run_ended``, with the run's error code and message).

Listeners subscribe per run (:meth:`TokenHub.subscribe`), before the run starts or
while it streams (they get the turn's released text so far in one ``token`` event).
Everything here runs on the engine's event loop; nothing blocks.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any, Final, Literal

from keel.errors import ModelUnavailable
from keel.governance.governor import Governor
from keel.governance.stream_guard import StreamGuard
from keel.models.base import Model, ModelRequest, ModelResponse, stream_of

TokenEventKind = Literal["token", "retract", "end"]
RetractReason = Literal[
    "tool_call", "superseded", "model_failed", "mismatch", "run_ended", "overflow"
]

MAX_QUEUED_EVENTS: Final = 10_000
"""Events one listener may have waiting; past that it gets one ``overflow`` retraction
and no more tokens of the run (its final answer is in the run document)."""


@dataclass(frozen=True, slots=True)
class TokenEvent:
    """One event of a run's token stream.

    ``token``: ``text`` was released for model step ``step``. ``retract``: the text
    released for ``step`` is not (or not all of) the answer, for ``reason``; ``code``
    and ``message`` are the run's error when it ended otherwise than completed.
    ``end``: the run's channel closed with status ``status``; nothing follows.
    """

    kind: TokenEventKind
    run_id: str
    step: int = 0
    text: str = ""
    reason: RetractReason | None = None
    code: str | None = None
    message: str | None = None
    status: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The event's data as the HTTP API sends it."""
        if self.kind == "token":
            return {"run_id": self.run_id, "step": self.step, "text": self.text}
        if self.kind == "retract":
            return {
                "run_id": self.run_id,
                "step": self.step,
                "reason": self.reason,
                "code": self.code,
                "message": self.message,
            }
        return {"run_id": self.run_id, "status": self.status}


class TokenSubscription:
    """One listener's queue of one run's token events. ``close`` it when done."""

    __slots__ = ("_arrived", "_events", "_hub", "_lost", "ended", "run_id")

    def __init__(self, hub: TokenHub, run_id: str) -> None:
        self._hub = hub
        self.run_id = run_id
        self._events: deque[TokenEvent] = deque()
        self._arrived = asyncio.Event()
        self._lost = False
        self.ended = False  # the run's channel closed: no event follows what is queued

    @property
    def live(self) -> bool:
        """Whether this run has an open channel in this process (events may come)."""
        return self.run_id in self._hub._channels

    def queued(self, kind: TokenEventKind) -> bool:
        """Whether an event of ``kind`` is waiting."""
        return any(e.kind == kind for e in self._events)

    def drain(self) -> list[TokenEvent]:
        """Every event queued so far, oldest first."""
        events = list(self._events)
        self._events.clear()
        self._arrived.clear()
        return events

    async def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for an event; True if one is queued."""
        if self._events:
            return True
        try:
            async with asyncio.timeout(seconds):
                await self._arrived.wait()
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        """Stop listening; a run nobody listens to is no longer streamed."""
        self._hub._unsubscribe(self)

    def _put(self, event: TokenEvent) -> None:
        if event.kind == "end":
            self.ended = True
        elif self._lost:
            return
        elif len(self._events) >= MAX_QUEUED_EVENTS:
            self._lost = True
            event = TokenEvent("retract", event.run_id, event.step, reason="overflow")
        self._events.append(event)
        self._arrived.set()


class TokenHub:
    """The token channels of the runs executing in one engine, and their listeners."""

    def __init__(self) -> None:
        self._channels: dict[str, RunTokens] = {}
        self._listeners: dict[str, list[TokenSubscription]] = {}

    def subscribe(self, run_id: str) -> TokenSubscription:
        """Listen to ``run_id``'s tokens, from now on (the caller checked access).

        A run that is streaming a turn already sends that turn's released text first.
        """
        sub = TokenSubscription(self, run_id)
        self._listeners.setdefault(run_id, []).append(sub)
        channel = self._channels.get(run_id)
        if channel is not None:
            channel._catch_up(sub)
        return sub

    def listening(self, run_id: str) -> bool:
        return bool(self._listeners.get(run_id))

    def open(self, run_id: str, governor: Governor | None) -> RunTokens:
        """The channel of a run starting (or resuming) now; ``close`` it when it ends."""
        channel = RunTokens(self, run_id, governor)
        self._channels[run_id] = channel
        return channel

    def _emit(self, event: TokenEvent) -> None:
        for sub in self._listeners.get(event.run_id, ()):
            sub._put(event)

    def _closed(self, channel: RunTokens) -> None:
        if self._channels.get(channel.run_id) is channel:
            del self._channels[channel.run_id]

    def _unsubscribe(self, sub: TokenSubscription) -> None:
        subs = self._listeners.get(sub.run_id)
        if subs is None or sub not in subs:
            return
        subs.remove(sub)
        if not subs:
            del self._listeners[sub.run_id]


class RunTokens:
    """The token channel of one run (see the module doc)."""

    __slots__ = ("_closed", "_governor", "_hub", "_last_step", "_turn", "run_id")

    def __init__(self, hub: TokenHub, run_id: str, governor: Governor | None) -> None:
        self._hub = hub
        self.run_id = run_id
        self._governor = governor
        self._turn: TurnTokens | None = None
        self._last_step = 0
        self._closed = False

    @property
    def listening(self) -> bool:
        return self._hub.listening(self.run_id)

    def turn(self, step: int) -> TurnTokens | None:
        """A model call at ``step`` begins: its token path, or ``None`` when nobody
        listens (the model is then called without streaming). Called at every model
        call that is not a replay, so an earlier turn's text is retracted as
        superseded."""
        previous = self._turn
        if previous is not None:
            previous.retract("superseded")
        self._last_step = step
        self._turn = TurnTokens(self, step) if self.listening else None
        return self._turn

    def close(
        self,
        status: str,
        output: Any = None,
        *,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> None:
        """The run ended (``status``, as recorded): release the answer's tail or retract
        what its last turn released, then tell listeners the channel closed."""
        if self._closed:
            return
        self._closed = True
        turn = self._turn
        if turn is not None and turn.step == self._last_step and not turn.retracted:
            if status == "completed" and turn.answered:
                turn.release_tail(output)
            else:
                turn.retract("run_ended", code=error_code, message=error_message)
        self._hub._closed(self)
        self._hub._emit(TokenEvent("end", self.run_id, status=status))

    def _catch_up(self, sub: TokenSubscription) -> None:
        turn = self._turn
        if turn is not None and not turn.retracted and turn.guard.released:
            sub._put(TokenEvent("token", self.run_id, turn.step, turn.guard.released))


class TurnTokens:
    """One streamed model turn: its deltas through the guard, out to the listeners."""

    __slots__ = ("_channel", "answered", "guard", "retracted", "step")

    def __init__(self, channel: RunTokens, step: int) -> None:
        self._channel = channel
        self.step = step
        self.guard = StreamGuard(channel._governor)
        self.answered = False  # the turn ended with text and no tool calls
        self.retracted = False

    async def call(self, model: Model, request: ModelRequest) -> ModelResponse:
        """The model's response to ``request``, streamed. Raises what the model raises;
        a model that fails after its first delta is asked again without streaming."""
        response: ModelResponse | None = None
        seen = failed = False
        events = stream_of(model, request)
        try:
            async for event in events:
                if event.kind == "text":
                    seen = True
                    self._feed(event.text)
                elif event.response is not None:
                    response = event.response
        except ModelUnavailable:
            if not seen:
                raise
            failed = True
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()
        if failed:
            # Part of an answer may have gone out; the chain (its retries and fallbacks)
            # gets a fresh try, answered whole.
            self.retract("model_failed")
            self._restart()
            response = await model.request(request)
        if response is None:
            raise ModelUnavailable(
                f"{model.name} ended its stream without a response",
                details={"model": model.name},
            )
        if response.message.tool_calls:
            self.retract("tool_call")
        else:
            self.answered = True
        return response

    def retract(
        self, reason: RetractReason, *, code: str | None = None, message: str | None = None
    ) -> None:
        """Tell listeners this turn's released text is not the answer (if it released
        any); release nothing more."""
        if self.retracted:
            return
        self.retracted = True
        if self.guard.released:
            run_id = self._channel.run_id
            self._channel._hub._emit(
                TokenEvent("retract", run_id, self.step, reason=reason, code=code, message=message)
            )

    def release_tail(self, output: Any) -> None:
        """The run completed with ``output``: send the rest of the answer."""
        released = self.guard.released
        if isinstance(output, str):
            if not output.startswith(released):
                self.retract("mismatch")
                return
            tail = output[len(released) :]
        else:
            tail = self.guard.finish()
        self._send(tail)

    def _feed(self, delta: str) -> None:
        if self.retracted:
            return
        self._send(self.guard.feed(delta))

    def _send(self, text: str) -> None:
        if text:
            self._channel._hub._emit(TokenEvent("token", self._channel.run_id, self.step, text))

    def _restart(self) -> None:
        self.guard = StreamGuard(self._channel._governor)
        self.retracted = False
