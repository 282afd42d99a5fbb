"""A real HTTP server that speaks the OpenAI and Anthropic wire formats from a script.

The provider tests drive the official SDKs against it over real sockets, so what is
tested is the bytes on the wire, the SDKs' parsing and our mapping, not a mock.
Each request pops the next scripted ``Reply``; every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted HTTP answer: JSON ``body``, or server-sent ``events``."""

    status: int = 200
    body: Any = None
    events: list[tuple[str | None, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    # Streams only: after ``gate_after`` events, wait (at most 30 s) for ``gate`` to be
    # set before sending the rest; ``gate_opened`` records whether it was.
    gate: threading.Event | None = None
    gate_after: int = 0
    gate_opened: list[bool] = field(default_factory=list)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeProvider:
    """A scripted HTTP server on 127.0.0.1 and a random port."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.errors: list[BaseException] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output clean: requests are recorded in ``fake.requests``."""

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                """Record instead of printing; a test may assert ``fake.errors`` is empty."""
                import sys

                error = sys.exc_info()[1]
                if error is not None:
                    fake.errors.append(error)

        self._server = Server(("127.0.0.1", 0), Handler)
        # A short poll interval so that stopping the server does not cost half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length)
        self.requests.append(
            Recorded(
                handler.command,
                handler.path,
                {k.lower(): v for k, v in handler.headers.items()},
                json.loads(raw) if raw else None,
            )
        )
        reply = self.replies.popleft() if self.replies else Reply(500, {"error": "unscripted"})
        if reply.delay_s:
            time.sleep(reply.delay_s)
        try:
            if reply.events is not None:
                handler.send_response(reply.status)
                handler.send_header("content-type", "text/event-stream")
                for k, v in reply.headers.items():
                    handler.send_header(k, v)
                handler.end_headers()
                for i, (name, data) in enumerate(reply.events):
                    if reply.gate is not None and i == reply.gate_after:
                        reply.gate_opened.append(reply.gate.wait(30))
                    text = data if isinstance(data, str) else json.dumps(data)
                    chunk = (f"event: {name}\n" if name else "") + f"data: {text}\n\n"
                    handler.wfile.write(chunk.encode())
                    handler.wfile.flush()
                return
            payload = json.dumps(reply.body).encode()
            handler.send_response(reply.status)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(payload)))
            for k, v in reply.headers.items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout test); nothing is left to answer.
            return


# --- OpenAI chat completions -------------------------------------------------------


def openai_completion(
    content: str | None = "",
    *,
    tool_calls: Sequence[tuple[str, str, str]] = (),
    finish_reason: str = "stop",
    usage: tuple[int, int] = (11, 7),
    refusal: str | None = None,
) -> dict[str, Any]:
    """A ``chat.completion`` body; ``tool_calls`` are ``(id, name, arguments text)``."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": refusal}
    if tool_calls:
        message["tool_calls"] = [
            {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
            for i, n, a in tool_calls
        ]
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-test",
        "choices": [
            {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
        ],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        },
    }


def openai_chunk(delta: dict[str, Any] | None, finish_reason: str | None = None) -> dict[str, Any]:
    choices = (
        [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
    )
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-test",
        "choices": choices,
    }


def openai_stream(
    pieces: list[str],
    *,
    tool_call: tuple[str, str, list[str]] | None = None,
    usage: tuple[int, int] = (11, 7),
) -> list[tuple[str | None, Any]]:
    """SSE events of a streamed completion: text pieces, an optional tool call whose
    arguments arrive in pieces, a finish chunk and the usage chunk."""
    events: list[tuple[str | None, Any]] = [(None, openai_chunk({"role": "assistant"}))]
    events += [(None, openai_chunk({"content": p})) for p in pieces]
    finish = "stop"
    if tool_call is not None:
        call_id, name, args = tool_call
        first = {"index": 0, "id": call_id, "type": "function"}
        first["function"] = {"name": name, "arguments": ""}
        events.append((None, openai_chunk({"tool_calls": [first]})))
        for a in args:
            more = {"index": 0, "function": {"arguments": a}}
            events.append((None, openai_chunk({"tool_calls": [more]})))
        finish = "tool_calls"
    events.append((None, openai_chunk({}, finish)))
    last = openai_chunk(None)
    last["usage"] = {
        "prompt_tokens": usage[0],
        "completion_tokens": usage[1],
        "total_tokens": sum(usage),
    }
    events.append((None, last))
    events.append((None, "[DONE]"))
    return events


def openai_error(status: int, message: str, **headers: str) -> Reply:
    body = {"error": {"message": message, "type": "error", "param": None, "code": None}}
    return Reply(status, body, headers={k.replace("_", "-"): v for k, v in headers.items()})


# --- Anthropic messages ------------------------------------------------------------


def anthropic_message(
    blocks: list[dict[str, Any]],
    *,
    stop_reason: str = "end_turn",
    usage: tuple[int, int] = (13, 5),
) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": blocks,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
    }


def text_block(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def tool_use_block(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": call_id, "name": name, "input": arguments}


def anthropic_stream(
    pieces: list[str],
    *,
    tool_use: tuple[str, str, list[str]] | None = None,
    usage: tuple[int, int] = (13, 5),
) -> list[tuple[str | None, Any]]:
    """SSE events of a streamed message: a text block in pieces, then an optional
    tool_use block whose input JSON arrives in pieces."""
    start = anthropic_message([], usage=(usage[0], 1))
    start["stop_reason"] = None
    events: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": start})
    ]
    events.append(("ping", {"type": "ping"}))
    index = 0
    if pieces:
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": text_block("")},
            )
        )
        for p in pieces:
            delta = {"type": "text_delta", "text": p}
            events.append(
                ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
        index = 1
    stop = "end_turn"
    if tool_use is not None:
        call_id, name, parts = tool_use
        block = tool_use_block(call_id, name, {})
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        for part in parts:
            delta = {"type": "input_json_delta", "partial_json": part}
            events.append(
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        stop = "tool_use"
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": usage[1]},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def anthropic_error(status: int, kind: str, message: str, **headers: str) -> Reply:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return Reply(status, body, headers={k.replace("_", "-"): v for k, v in headers.items()})
