"""``POST /v1/agents/{name}/runs`` answered by ``RunCreation`` without FastAPI's
per-request machinery: the same answers as the FastAPI route, which still takes
every request that is not well-formed (issue 6, the API's latency tail)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from conftest import Api
from keel.api.app import create_app
from keel.api.run_creation import RunCreation

# Fields of a run document that differ between two runs of the same request.
_PER_RUN = ("run_id", "created_at", "finished_at")


@pytest.fixture
def route_only(api: Api) -> Iterator[TestClient]:
    """The same service behind an application without ``RunCreation``: what the
    FastAPI route alone answers."""
    app = create_app(api.svc, owns_service=False)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not RunCreation]
    with TestClient(app) as client:
        yield client


def _answer(response: Any) -> dict[str, Any]:
    """What a client can rely on in an answer (ids and times of the run left out)."""
    doc = response.json()
    if isinstance(doc.get("error"), dict):
        doc["error"].pop("trace_id", None)
    for field in _PER_RUN:
        doc.pop(field, None)
    headers = {
        name: response.headers.get(name)
        for name in ("content-type", "x-agent-version", "www-authenticate", "retry-after")
    }
    headers["location"] = (response.headers.get("location") or "").rsplit("/", 1)[0]
    assert response.headers["x-trace-id"]
    assert response.headers["x-request-id"]
    return {"status": response.status_code, "body": doc, "headers": headers}


@pytest.mark.parametrize(
    ("case", "path", "body", "content_type", "who"),
    [
        ("a run", "/v1/agents/echo/runs", {"input": "hi"}, "application/json", "client"),
        (
            "a version and a wait",
            "/v1/agents/echo/runs",
            {"input": {"q": 1}, "version": "2.0.0", "wait_s": 10},
            "application/json; charset=utf-8",
            "operator",
        ),
        ("unknown agent", "/v1/agents/nobody/runs", {"input": "x"}, None, "client"),
        ("unknown version", "/v1/agents/echo/runs", {"input": "x", "version": "9"}, None, "admin"),
        ("no credentials", "/v1/agents/echo/runs", {"input": "x"}, None, None),
        ("a role that may not run", "/v1/agents/echo/runs", {"input": "x"}, None, "viewer"),
        ("not JSON", "/v1/agents/echo/runs", b'{"input": ', None, "client"),
        ("not JSON, no credentials", "/v1/agents/echo/runs", b"{", None, None),
        ("an unknown field", "/v1/agents/echo/runs", {"input": "x", "as": 1}, None, "client"),
        ("wait out of range", "/v1/agents/echo/runs", {"input": "x", "wait_s": 900}, None, None),
        ("no input", "/v1/agents/echo/runs", {}, None, "client"),
        ("a list", "/v1/agents/echo/runs", [{"input": "x"}], None, "client"),
        ("empty body", "/v1/agents/echo/runs", b"", None, "client"),
        ("text", "/v1/agents/echo/runs", b'{"input": "x"}', "text/plain", "client"),
        ("a JSON suffix type", "/v1/agents/echo/runs", {"input": "x"}, "application/x+json", None),
    ],
)
def test_every_request_is_answered_as_the_route_answers_it(
    api: Api,
    route_only: TestClient,
    case: str,
    path: str,
    body: Any,
    content_type: str | None,
    who: str | None,
) -> None:
    headers = {} if who is None else api.headers("acme", who)
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers["content-type"] = content_type or "application/json"
    answers = [
        _answer(client.post(path, content=content, headers=headers))
        for client in (api.client, route_only)
    ]
    assert answers[0] == answers[1], case


def test_the_same_idempotency_key_names_one_run_on_either_path(
    api: Api, route_only: TestClient
) -> None:
    headers = {**api.headers("acme", "client"), "idempotency-key": "k-1"}
    first = api.client.post("/v1/agents/echo/runs", json={"input": "hi"}, headers=headers)
    again = route_only.post("/v1/agents/echo/runs", json={"input": "hi"}, headers=headers)
    other = api.client.post("/v1/agents/echo/runs", json={"input": "bye"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["run_id"] == again.json()["run_id"]
    assert (other.status_code, other.json()["error"]["code"]) == (409, "CONFLICT")


class _Inner:
    """The application behind ``RunCreation``: records what reaches it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _post(middleware: RunCreation, path: str, body: bytes, **headers: str) -> int:
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "root_path": "",
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }
    chunks: list[Message] = [
        {"type": "http.request", "body": body[:3], "more_body": True},
        {"type": "http.request", "body": body[3:], "more_body": False},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return chunks.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return int(sent[0]["status"])


def test_a_well_formed_request_is_answered_without_the_application(api: Api) -> None:
    inner = _Inner()
    middleware = RunCreation(inner, svc=api.svc)
    key = api.headers("acme", "client")["authorization"]
    body = b'{"input": "hi"}'
    length = str(len(body))

    status = _post(
        middleware,
        "/v1/agents/echo/runs",
        body,
        authorization=key,
        content_type="application/json",
        content_length=length,
    )

    assert status == 200
    assert inner.bodies == []
    # Anything else reaches the application with its whole body, as sent.
    passed = [
        ("/v1/agents/echo/runs", b'{"input": ', "application/json"),
        ("/v1/agents/echo/runs", body, "text/plain"),
        ("/v1/agents/echo/runs/x", body, "application/json"),
        ("/v1/agents//runs", body, "application/json"),
    ]
    for path, sent, content_type in passed:
        status = _post(
            middleware,
            path,
            sent,
            authorization=key,
            content_type=content_type,
            content_length=str(len(sent)),
        )
        assert status == 299
    assert inner.bodies == [sent for _, sent, _ in passed]
    # A streamed body (no Content-Length) too.
    assert _post(middleware, "/v1/agents/echo/runs", body, content_type="application/json") == 299


def test_a_run_id_the_service_made_is_not_looked_up(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # new_run_id() cannot name an existing run: the engine's conflict check, a store read
    # on the event loop, is for ids a caller chose (tests/engine/test_engine_journal.py).
    def exists(run_id: str) -> bool:
        raise AssertionError(f"{run_id} was looked up")

    monkeypatch.setattr(api.svc.store.runs, "exists", exists)
    answer = api.client.post(
        "/v1/agents/echo/runs", json={"input": "hi"}, headers=api.headers("acme", "client")
    )
    assert (answer.status_code, answer.json()["status"]) == (200, "completed")


def test_a_repeated_header_is_read_as_the_route_reads_it(api: Api, route_only: TestClient) -> None:
    # The headers are parsed once per request (keel.api.context.request_headers) and
    # read as Starlette reads them: the first of a repeated name counts, for the trace
    # id as for the credentials.
    key = api.headers("acme", "client")["authorization"]
    headers = [
        ("authorization", key),
        ("authorization", "Bearer keel_not-a-key"),
        ("x-trace-id", "first-trace"),
        ("x-trace-id", "second-trace"),
    ]
    for client in (api.client, route_only):
        answer = client.post("/v1/agents/echo/runs", json={"input": "hi"}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-trace-id"] == "first-trace"
