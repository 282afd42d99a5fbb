"""``POST /v1/agents/{name}/runs`` answered without FastAPI's per-request machinery.

Creating a run is the API's hot path, and FastAPI spent more CPU on each such
request than the HTTP server and the whole store did (measured, issue 6: ~0.35 ms
of ~1.1 ms per run in process, for route matching through the routers, dependency
solving and parameter validation). ``RunCreation`` is a pure ASGI middleware that
answers a well-formed request itself with the route's own steps: the same
authentication and rate limit (``deps.authenticated``), role check
(``deps.RUNNER_ROLES``), body model (``RunCreate``, parsed as FastAPI parses it),
and answer (``routes.runs.create``); a ``KeelError`` becomes the same error answer
as the application's handler gives (``error_responses``).

Anything else goes to the FastAPI route untouched, its body replayed: a body that is
not a JSON document valid as ``RunCreate``, another content type, a streamed body
(no ``Content-Length``), a mounted application (``root_path``). So every answer to
a malformed request stays FastAPI's own, and the route stays what ``/openapi.json``
documents. It sits inside ``RequestContextMiddleware`` (trace and request ids,
the body size limit) and outside FastAPI's exception middleware, which is why it
answers its errors itself.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keel.api.auth import require_role
from keel.api.context import request_headers
from keel.api.deps import RUNNER_ROLES, authenticated
from keel.api.error_responses import keel_error_response
from keel.api.routes.runs import create
from keel.api.schemas import RunCreate
from keel.api.service import ApiService
from keel.errors import KeelError

# The route's path: Starlette's ``{name}`` matches one non-empty path segment.
_PATH = re.compile(r"/v1/agents/([^/]+)/runs")
_JSON = re.compile(rb"application/json\s*(;.*)?", re.IGNORECASE)


class RunCreation:
    """Answers ``POST /v1/agents/{name}/runs`` for ``svc``; passes on the rest to ``app``."""

    def __init__(self, app: ASGIApp, *, svc: ApiService) -> None:
        self.app = app
        self.svc = svc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        path = _PATH.fullmatch(scope["path"])
        if path is None:
            await self.app(scope, receive, send)
            return
        headers = request_headers(scope)  # parsed by RequestContextMiddleware already
        declared = headers.get(b"content-length")
        content_type = headers.get(b"content-type")
        if declared is None or content_type is None or not _JSON.fullmatch(content_type):
            await self.app(scope, receive, send)
            return
        body, more = await _read(receive)
        request = _run_create(body) if more is None else None
        if request is None:
            await self.app(scope, _replay(body, more, receive), send)
            return
        try:
            who = authenticated(
                self.svc, _text(headers, b"authorization"), _text(headers, b"x-api-key")
            )
            require_role(who, *RUNNER_ROLES)
            answer = await create(
                self.svc, who, path.group(1), request, _text(headers, b"idempotency-key")
            )
        except KeelError as e:
            answer = keel_error_response(e)
        await answer(scope, receive, send)


def _text(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1")


async def _read(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body; and the message that ended it early (a disconnect), if one did."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _run_create(body: bytes) -> RunCreate | None:
    """The body as FastAPI would take it for the route (``json.loads``, then the model's
    validation), or ``None`` where FastAPI would answer with an error."""
    if not body:
        return None
    try:
        document: Any = json.loads(body)
        return RunCreate.model_validate(document)
    except Exception:  # not JSON, not a RunCreate, too deeply nested: FastAPI answers
        return None


def _replay(body: bytes, ended: Message | None, receive: Receive) -> Receive:
    """``receive`` for the application, as if the body had not been read."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    if ended is not None:
        pending = [{"type": "http.request", "body": body, "more_body": True}, ended]

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
