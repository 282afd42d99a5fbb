"""An OpenAI-compatible facade: agents as models, runs as chat completions.

Point the official ``openai`` client (or anything built on it) at ``<server>/v1``
with a Keel API key, and ``model`` = an agent name (``helpdesk``, or
``helpdesk@1.0.0``). The last message must be the user's; earlier user and
assistant messages are the conversation so far. System and developer messages are
ignored on purpose: a governed agent's instructions come from its spec, not from
the caller. Request options such as ``temperature`` or ``tools`` are accepted and
ignored for the same reason.

Streaming sends the answer as ``chat.completion.chunk`` events. For an agent in
``final`` mode (the default) they are sent once the run has passed its output checks:
a governed answer is released only after policy saw all of it, so the chunks arrive
at once. For an agent with ``output.stream: tokens`` they are the deltas its stream
guard releases while the model writes (``keel.loop.stream``); a run that then does
not complete ends the stream with an error event, which the ``openai`` client raises.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from keel.agent import Agent
from keel.api import context
from keel.api.context import agent_version_header
from keel.api.deps import Reader, Runner, Service
from keel.api.envelope import envelope, responses
from keel.api.service import ApiService, RunStart
from keel.engine.ids import new_run_id
from keel.errors import ERROR_CODES, ErrorCode, KeelError, UserError
from keel.loop.stream import TokenSubscription
from keel.models.base import Message
from keel.store import RunRecord

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "keel"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(description="An agent name, optionally @version")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


class ChatChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int = 0
    message: ChatChoiceMessage
    finish_reason: Literal["stop"] = "stop"


class ChatUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: ChatUsage


@router.get("/models", responses=responses("FORBIDDEN"))
def list_models(svc: Service, _who: Reader) -> ModelList:
    """Each served agent as a model: its name (newest version) and ``name@version``."""
    cards: list[ModelCard] = []
    for name in svc.registry.names():
        versions = svc.registry.versions(name)
        created = int(time.time())
        cards.append(ModelCard(id=name, created=created))
        cards.extend(ModelCard(id=f"{name}@{a.version}", created=created) for a in versions)
    return ModelList(data=cards)


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = [p.get("text", "") for p in content if p.get("type") == "text"]
    if len(parts) != len(content):
        raise UserError("only text content parts are supported", details={"field": "messages"})
    return "".join(str(p) for p in parts)


def _conversation(agent: Agent, messages: list[ChatMessage]) -> tuple[Any, list[Message]]:
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or messages[-1].role != "user":
        raise UserError(
            "the last message must be the user's (role 'user')", details={"field": "messages"}
        )
    history = [
        Message("user" if m.role == "user" else "assistant", _text(m.content)) for m in turns[:-1]
    ]
    text = _text(turns[-1].content)
    schema_type = (agent.input_schema or {}).get("type")
    if schema_type in ("object", "array"):
        try:
            return json.loads(text), history
        except ValueError as e:
            raise UserError(
                f"agent {agent.name!r} takes JSON input: send the user message as JSON text",
                details={"field": "messages"},
            ) from e
    return text, history


class RunEnded(KeelError):
    """A run that did not complete, answered with the code it ended with."""

    def __init__(self, rec: RunRecord) -> None:
        super().__init__(
            rec.error_message or f"the run ended {rec.status}",
            details={"run_id": rec.id, "status": rec.status},
        )
        code = rec.error_code if rec.error_code in ERROR_CODES else None
        fallback: ErrorCode = "CONFLICT" if rec.status == "cancelled" else "INTERNAL"
        self.code = code or fallback


def _answer(rec: RunRecord) -> str:
    """The answer text of a completed run; raises ``RunEnded`` otherwise."""
    if rec.status != "completed":
        raise RunEnded(rec)
    out = rec.output
    return out if isinstance(out, str) else json.dumps(out, ensure_ascii=False)


@router.post(
    "/chat/completions",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "A chat.completion, or with stream=true, chat.completion.chunk "
            "server-sent events ending with [DONE]. For an agent with `output.stream: "
            "tokens` the chunks are the deltas its stream guard releases while the model "
            "writes; a run that does not complete after the first of them ends the stream "
            "with an error event (the error envelope) instead of [DONE].",
        },
        **responses(
            "FORBIDDEN",
            "NOT_FOUND",
            "CONFLICT",
            "POLICY_DENIED",
            "APPROVAL_REQUIRED",
            "ESCALATED",
            "MODEL_UNAVAILABLE",
            "AGENT_TIMEOUT",
            "TOOL_ERROR",
            "OUTPUT_INVALID",
        ),
    },
)
async def chat_completions(body: ChatRequest, svc: Service, who: Runner) -> Any:
    """Run the agent named by ``model`` on the conversation; answer as OpenAI does."""
    agent = svc.registry.get(body.model)
    input, history = _conversation(agent, body.messages)
    start = RunStart(agent, input, who, history=history, traceparent=context.current().traceparent)
    headers = agent_version_header(agent.name, agent.version, agent.content_hash)
    if body.stream and agent.stream == "tokens":
        live = await _live(svc, start, body.model, headers)
        if isinstance(live, StreamingResponse):
            return live
        rec: RunRecord | None = live
    else:
        rec, _run_id = await svc.start(start, wait_s=agent.limits.timeout_s + 5)
    if rec is None:  # the run outlived its own time limit: only a stalled engine does that
        raise KeelError("the run did not end in time")
    answer = _answer(rec)
    created = int(rec.created_at)
    completion_id = f"chatcmpl-{rec.id}"
    if body.stream:
        return StreamingResponse(
            _chunks(completion_id, created, body.model, answer),
            media_type="text/event-stream",
            headers={**headers, "cache-control": "no-cache"},
        )
    doc = ChatCompletion(
        id=completion_id,
        created=created,
        model=body.model,
        choices=[ChatChoice(message=ChatChoiceMessage(content=answer))],
        usage=ChatUsage(
            prompt_tokens=rec.input_tokens,
            completion_tokens=rec.output_tokens,
            total_tokens=rec.input_tokens + rec.output_tokens,
        ),
    )
    return JSONResponse(doc.model_dump(mode="json"), headers=headers)


async def _chunks(
    completion_id: str, created: int, model: str, answer: str
) -> AsyncIterator[bytes]:
    completion = _Completion(completion_id, created, model)
    yield completion.chunk({"role": "assistant", "content": ""})
    # Pieces of a few words (split after whitespace, so they join back exactly), for
    # clients that render progressively as they would for a model.
    piece = ""
    for token in re.split(r"(?<=\s)", answer):
        piece += token
        if len(piece) >= 24:
            yield completion.chunk({"content": piece})
            piece = ""
    if piece:
        yield completion.chunk({"content": piece})
    yield completion.chunk({}, "stop")
    yield b"data: [DONE]\n\n"


async def _live(
    svc: ApiService, start: RunStart, model: str, headers: dict[str, str]
) -> StreamingResponse | RunRecord | None:
    """Start the run of an agent that streams tokens, listening to it from the start.

    Until its first token is released the answer is still open: a run that ends first
    (a denied request, a short answer) returns its record, answered as in ``final``
    mode. Once a token is out, the answer is a stream that carries the rest of them.
    """
    run_id = new_run_id()
    tokens = svc.engine.tokens.subscribe(run_id)
    try:
        running = asyncio.ensure_future(
            svc.start(replace(start, run_id=run_id), wait_s=start.agent.limits.timeout_s + 5)
        )
        while not running.done() and not tokens.queued("token"):
            if tokens.ended:  # closed without a token: the run returns right after
                await asyncio.wait({running})
                break
            await _first(running, tokens, start.agent.limits.timeout_s + 5)
        if running.done():
            tokens.close()
            return running.result()[0]
    except BaseException:
        tokens.close()
        raise
    completion = _Completion(f"chatcmpl-{run_id}", int(time.time()), model)
    trace_id = context.current().trace_id
    return StreamingResponse(
        _released(completion, tokens, running, trace_id),
        media_type="text/event-stream",
        headers={**headers, "cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def _released(
    completion: _Completion,
    tokens: TokenSubscription,
    running: asyncio.Future[tuple[RunRecord | None, str]],
    trace_id: str,
) -> AsyncIterator[bytes]:
    """Chunks of the tokens as the run releases them, then the end of the answer or, if
    the run did not complete, an error event (the ``openai`` client raises it)."""
    failed: KeelError | None = None
    try:
        yield completion.chunk({"role": "assistant", "content": ""})
        while True:
            for event in tokens.drain():
                if event.kind == "token":
                    yield completion.chunk({"content": event.text})
                elif event.kind == "retract" and event.reason == "mismatch":
                    failed = KeelError(
                        "the streamed text differs from the governed answer; "
                        "read the run for the answer",
                        details={"run_id": completion.id.removeprefix("chatcmpl-")},
                    )
            if running.done():
                break
            await _first(running, tokens, 3600)
        # The run's channel closes before the run returns: every token is queued now.
        for event in tokens.drain():
            if event.kind == "token":
                yield completion.chunk({"content": event.text})
        rec = running.result()[0]
        if rec is None:
            failed = KeelError("the run did not end in time")
        elif rec.status != "completed":
            failed = RunEnded(rec)
        if failed is not None:
            doc = envelope(failed.code, failed.message, trace_id, failed.details)
            yield _data(doc)
            return
        yield completion.chunk({}, "stop")
        yield b"data: [DONE]\n\n"
    finally:
        tokens.close()


async def _first(running: asyncio.Future[Any], tokens: TokenSubscription, seconds: float) -> None:
    """Wait until the run ends or a token event is queued (at most ``seconds``)."""
    waiter: asyncio.Future[Any] = asyncio.ensure_future(tokens.wait(seconds))
    try:
        await asyncio.wait({running, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()


@dataclass(frozen=True, slots=True)
class _Completion:
    id: str
    created: int
    model: str

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _data(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
        )


def _data(doc: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(doc, separators=(',', ':'), ensure_ascii=False)}\n\n".encode()
