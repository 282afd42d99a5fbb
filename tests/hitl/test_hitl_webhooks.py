"""Webhooks against a real local HTTP receiver: signed deliveries, retries on 500,
dead letters and replay, payload templates, and events from real runs."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from keel import Agent, LocalEngine, ScriptedModel, Store
from keel.hitl import (
    Oversight,
    WebhookEndpoint,
    WebhookOptions,
    WebhookSender,
    render_template,
    verify_signature,
)

SECRET = "whsec-test"


class Receiver:
    """A local HTTP server that records what it gets; answers ``status`` (a list,
    consumed one per request, then 200)."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.got.append({"headers": headers, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'keel.db'}")
    yield s
    s.close()


def _configure(store: Store, url: str, **kw: Any) -> Any:
    outbox = Oversight.of(store).webhooks
    endpoint = WebhookEndpoint(name="crm", url=url, secret=SECRET, **kw)
    return outbox.configure([endpoint], WebhookOptions(max_attempts=3, backoff_s=0.05))


async def test_a_run_event_is_delivered_signed(store: Store, receiver: Receiver) -> None:
    outbox = _configure(store, receiver.url, events=("run.completed",))
    agent = Agent.define("desk", model=ScriptedModel(lambda r: "hi"))
    engine = LocalEngine(store)
    rec = await engine.run(agent, "hello", tenant="acme", session_id="s1")
    await engine.close()
    sender = WebhookSender(outbox)
    await sender.drain()
    await sender.stop()
    [got] = receiver.got
    h = {k.lower(): v for k, v in got["headers"].items()}
    assert h["x-keel-event"] == "run.completed"
    assert verify_signature(SECRET, h["x-keel-timestamp"], got["body"], h["x-keel-signature"])
    assert not verify_signature("wrong", h["x-keel-timestamp"], got["body"], h["x-keel-signature"])
    body = json.loads(got["body"])
    assert body["delivery_id"] == h["x-keel-delivery"]
    assert body["event"] == "run.completed"
    assert body["tenant"] == "acme"
    assert body["data"]["run_id"] == rec.id
    assert body["data"]["status"] == "completed"
    assert outbox.pending() == []


async def test_retries_on_500_then_delivers(store: Store, receiver: Receiver) -> None:
    outbox = _configure(store, receiver.url)
    receiver.statuses = [500, 503]
    outbox.emit("run.failed", {"run_id": "r1"}, tenant="acme")
    sender = WebhookSender(outbox)
    await sender.run_once()
    [pending] = outbox.pending()
    assert (pending.attempts, pending.last_error) == (1, "HTTP 500")
    deadline = time.time() + 5
    while outbox.pending() and time.time() < deadline:
        await sender.run_once()
        await asyncio.sleep(0.02)
    await sender.stop()
    assert len(receiver.got) == 3
    ids = {g["headers"]["x-keel-delivery"] for g in receiver.got}
    assert len(ids) == 1  # one delivery id across retries: receivers dedupe on it
    assert outbox.pending() == []
    assert outbox.dead_letters() == []


async def test_dead_letter_after_the_last_retry_then_replay(
    store: Store, receiver: Receiver
) -> None:
    outbox = _configure(store, receiver.url)
    receiver.statuses = [500, 500, 500]
    [delivery_id] = outbox.emit("sla.breached", {"timer_id": "t1"}, tenant=None)
    sender = WebhookSender(outbox)
    assert await sender.drain(timeout_s=5) == 0
    [dead] = outbox.dead_letters()
    assert (dead.id, dead.attempts, dead.last_error) == (delivery_id, 3, "HTTP 500")
    assert outbox.pending() == []

    outbox.replay(delivery_id)
    assert outbox.dead_letters() == []
    await sender.drain()
    await sender.stop()
    assert len(receiver.got) == 4
    assert json.loads(receiver.got[-1]["body"])["delivery_id"] == delivery_id


async def test_an_unreachable_receiver_is_retried_and_dead_lettered(store: Store) -> None:
    outbox = Oversight.of(store).webhooks.configure(
        [WebhookEndpoint(name="gone", url="http://127.0.0.1:9/none")],
        WebhookOptions(max_attempts=2, backoff_s=0.01, timeout_s=1.0),
    )
    outbox.emit("run.failed", {"run_id": "r"}, tenant=None)
    sender = WebhookSender(outbox)
    for _ in range(20):
        await sender.run_once()
        if outbox.dead_letters():
            break
        await asyncio.sleep(0.02)
    await sender.stop()
    [dead] = outbox.dead_letters()
    assert dead.attempts == 2
    assert "ConnectError" in (dead.last_error or "")


def test_templates_shape_the_payload() -> None:
    doc = {"event": "run.escalated", "data": {"run_id": "r1", "reasons": ["policy"], "n": 3}}
    template = {
        "subject": "Keel {event}: run {data.run_id}",
        "why": "{data.reasons}",
        "count": "{data.n}",
        "first": "{data.reasons.0}",
        "missing": "{data.nope}",
        "braces": "{{literal}}",
    }
    assert render_template(template, doc) == {
        "subject": "Keel run.escalated: run r1",
        "why": ["policy"],
        "count": 3,
        "first": "policy",
        "missing": None,
        "braces": "{literal}",
    }


async def test_templated_delivery(store: Store, receiver: Receiver) -> None:
    outbox = _configure(
        store, receiver.url, template={"ticket": {"title": "Follow up {data.run_id}"}}
    )
    outbox.emit("run.completed", {"run_id": "r9"}, tenant="acme")
    sender = WebhookSender(outbox)
    await sender.drain()
    await sender.stop()
    assert json.loads(receiver.got[0]["body"]) == {"ticket": {"title": "Follow up r9"}}


def test_unknown_events_are_refused(store: Store) -> None:
    from keel.errors import UserError

    with pytest.raises(UserError, match="unknown events"):
        Oversight.of(store).webhooks.configure(
            [WebhookEndpoint(name="x", url="http://x", events=("run.exploded",))]
        )


async def test_emitting_never_waits_for_the_receiver(store: Store, receiver: Receiver) -> None:
    """The run path only queues rows; 1,000 runs with a webhook cost no HTTP time."""
    outbox = _configure(store, receiver.url)
    agent = Agent.define("desk", model=ScriptedModel(lambda r: "hi"))
    engine = LocalEngine(store)
    for i in range(50):
        await engine.run(agent, f"hello {i}", tenant="acme")
    await engine.close()
    assert receiver.got == []  # nothing sent on the run path
    assert len(outbox.pending(limit=1000)) == 50
    sender = WebhookSender(outbox)
    started = time.perf_counter()
    await sender.drain()
    took = time.perf_counter() - started
    await sender.stop()
    assert len(receiver.got) == 50
    print(f"delivered 50 webhooks in {took:.3f}s ({50 / took:.0f}/s)")


async def test_approval_events_are_sent(store: Store, receiver: Receiver) -> None:
    from keel import ModelRequest, ToolCall
    from keel.governance.policy import Principal
    from keel.hitl import Approvals

    outbox = _configure(store, receiver.url, events=("approval.requested", "approval.decided"))

    async def reset(user: str) -> str:
        """Reset a password."""
        return "done"

    def script(req: ModelRequest) -> object:
        if req.messages[-1].role == "user":
            return ToolCall("c1", "reset", {"user": "jdoe"})
        return "ok"

    from keel.tools import tool

    agent = Agent.define(
        "desk", model=ScriptedModel(script), tools=[tool(requires_approval=True)(reset)]
    )
    engine = LocalEngine(store)
    rec = await engine.run(agent, "reset jdoe", tenant="acme")
    [a] = Approvals(store).list()
    await Approvals(store).reject(a.id, decider=Principal("boss", ("approver",)), reason="no")
    await engine.close()
    sender = WebhookSender(outbox)
    await sender.drain()
    await sender.stop()
    # Deliveries are concurrent: their order is not part of the contract (receivers
    # order by the payload's created_at), so look them up by event.
    events = {e["event"]: e for e in (json.loads(g["body"]) for g in receiver.got)}
    assert sorted(events) == ["approval.decided", "approval.requested"]
    assert events["approval.requested"]["data"]["approval_id"] == a.id
    assert events["approval.requested"]["data"]["run_id"] == rec.id
    assert events["approval.decided"]["data"]["decision"] == "rejected"
    assert events["approval.decided"]["data"]["decider"] == "boss"
