"""Per-request context: trace and request ids, response headers, body size limit.

A pure ASGI middleware (no per-request task or body buffering, unlike Starlette's
``BaseHTTPMiddleware``), because it sits on every request of the hot path.

Trace id: the W3C ``traceparent`` header's trace id when valid, else an
``x-trace-id`` header of 1–64 safe characters, else a new random id (the first of a
repeated header counts, as Starlette reads headers). The chosen
``traceparent`` (incoming, or one made from a 32-hex ``x-trace-id``) is passed to
the engine, so a run's spans join the caller's trace. Every response carries
``x-trace-id`` and ``x-request-id``; routes about one agent add ``x-agent-version``.
"""

from __future__ import annotations

import json
import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keel.api.envelope import envelope

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_TRACE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class RequestContext:
    trace_id: str
    request_id: str
    traceparent: str | None


_current: ContextVar[RequestContext | None] = ContextVar("keel_request", default=None)


def current() -> RequestContext:
    """The context of the request being served (a fresh one outside a request)."""
    ctx = _current.get()
    return ctx if ctx is not None else _new_context({})


# Where ``request_headers`` keeps a request's parsed headers in its ASGI scope.
_HEADERS = "keel.headers"


def request_headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by (lower-case) name, the first of each, as Starlette's
    ``Headers.get`` reads them; parsed once per request and kept in the scope, for the
    middlewares of the hot path (``keel.api.run_creation``) to share."""
    found: dict[bytes, bytes] | None = scope.get(_HEADERS)
    if found is None:
        # Reversed, so that the first of a repeated name is the one kept.
        found = scope[_HEADERS] = dict(reversed(list(scope["headers"])))
    return found


def _new_context(headers: dict[bytes, bytes]) -> RequestContext:
    # One read of the system's random source for all three ids (a system call each).
    random = secrets.token_hex(32)
    request_id, span_id, new_trace_id = random[:16], random[16:32], random[32:]
    parent = headers.get(b"traceparent", b"").decode("latin-1").strip().lower()
    m = _TRACEPARENT.match(parent)
    if m is not None and m.group(1) != "0" * 32 and m.group(2) != "0" * 16:
        return RequestContext(m.group(1), request_id, parent)
    given = headers.get(b"x-trace-id", b"").decode("latin-1").strip()
    if given and _TRACE_ID.match(given):
        if _HEX32.match(given.lower()) and given.lower() != "0" * 32:
            made = f"00-{given.lower()}-{span_id}-01"
            return RequestContext(given.lower(), request_id, made)
        return RequestContext(given, request_id, None)
    return RequestContext(new_trace_id, request_id, f"00-{new_trace_id}-{span_id}-01")


class BodyTooLarge(Exception):
    """Raised into the app when a request body goes over the limit while streaming."""


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = request_headers(scope)
        ctx = _new_context(headers)
        token = _current.set(ctx)
        extra = [
            (b"x-trace-id", ctx.trace_id.encode()),
            (b"x-request-id", ctx.request_id.encode()),
        ]

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            declared = headers.get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
                await self._too_large(int(declared), ctx, send_with_ids)
                return
            await self.app(scope, self._limited(receive), send_with_ids)
        finally:
            _current.reset(token)

    def _limited(self, receive: Receive) -> Receive:
        seen = 0
        limit = self.max_body_bytes

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(seen)
            return message

        return limited

    async def _too_large(self, size: int, ctx: RequestContext, send: Send) -> None:
        body = json.dumps(
            envelope(
                "INPUT_INVALID",
                f"the request body is {size} bytes; this server accepts at most "
                f"{self.max_body_bytes} (setting api_max_request_bytes)",
                ctx.trace_id,
                {"max_bytes": self.max_body_bytes},
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def agent_version_header(name: str, version: str, content_hash: str) -> dict[str, Any]:
    """The ``x-agent-version`` header: ``name@version+hash`` (hash shortened to 12)."""
    short = content_hash.split(":", 1)[-1][:12]
    return {"x-agent-version": f"{name}@{version}+{short}"}
