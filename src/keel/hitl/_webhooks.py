"""Webhooks: HITL and run events POSTed to configured URLs, from a durable outbox.

``WebhookOutbox.of(store).emit(event, data)`` adds one row per subscribed endpoint to
``webhook_outbox`` through the store's group writer — it never waits, so the run
path is not slowed by a receiver. ``WebhookSender`` (a background asyncio task in
``keel serve``; ``run_once`` from the CLI) POSTs due rows:

* headers ``X-Keel-Event``, ``X-Keel-Delivery`` (the delivery id: receivers dedupe on
  it, delivery is at least once), ``X-Keel-Timestamp`` and, with a secret,
  ``X-Keel-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``;
* a 2xx answer deletes the row; anything else is retried after ``backoff_s * 2**n``
  (n = attempts so far); after ``max_attempts`` the row moves to
  ``webhook_dead_letters``, which ``keel webhooks list --failed`` lists and
  ``keel webhooks replay ID`` puts back in the outbox.

A payload ``template`` shapes the body without code: a JSON value whose strings may
hold ``{field.path}`` placeholders into the event document (``{event}``,
``{data.run_id}``, ``{data.bundle.summary}``…); a string that is one placeholder
keeps the value's type; ``{{`` and ``}}`` are literal braces.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import delete, func, insert, select, update

from keel.engine.ids import new_id
from keel.errors import NotFound, UserError
from keel.store import Store
from keel.store.schema import webhook_dead_letters, webhook_outbox

log = logging.getLogger(__name__)

WebhookEvent = Literal[
    "approval.requested",
    "approval.decided",
    "run.escalated",
    "sla.breached",
    "run.completed",
    "run.failed",
]
WEBHOOK_EVENTS: tuple[WebhookEvent, ...] = WebhookEvent.__args__  # type: ignore[attr-defined]

SIGNATURE_HEADER = "X-Keel-Signature"
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)*)\}")


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    """One receiver: its URL, the events it wants (all when empty), its signing secret
    and an optional payload template."""

    name: str
    url: str
    events: tuple[str, ...] = ()
    secret: str | None = field(default=None, repr=False)
    template: Any = None

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    max_attempts: int = 5
    backoff_s: float = 1.0
    timeout_s: float = 5.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """A row of the outbox or of the dead letters."""

    id: str
    event: str
    endpoint: str
    url: str
    tenant: str | None
    payload: str
    attempts: int
    last_error: str | None
    created_at: float
    due_at: float | None = None  # outbox: next attempt
    failed_at: float | None = None  # dead letters: when the last retry failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event,
            "endpoint": self.endpoint,
            "url": self.url,
            "tenant": self.tenant,
            "payload": json.loads(self.payload),
            "attempts": self.attempts,
            "last_error": self.last_error,
            "created_at": self.created_at,
            "due_at": self.due_at,
            "failed_at": self.failed_at,
        }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Keel-Signature`` value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver checks (constant time)."""
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def render_template(template: Any, doc: Mapping[str, Any]) -> Any:
    """``template`` with its ``{field.path}`` placeholders filled from ``doc``.

    A missing field renders as ``null`` (alone) or an empty string (inside text).
    """
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole is not None and whole.group(1) is not None:
            return _lookup(doc, whole.group(1))

        def substitute(m: re.Match[str]) -> str:
            token = m.group(0)
            if token in ("{{", "}}"):
                return token[0]
            value = _lookup(doc, m.group(1))
            if value is None:
                return ""
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

        return _PLACEHOLDER.sub(substitute, template)
    if isinstance(template, Mapping):
        return {str(k): render_template(v, doc) for k, v in template.items()}
    if isinstance(template, list):
        return [render_template(v, doc) for v in template]
    return template


def _lookup(doc: Any, path: str) -> Any:
    value = doc
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


_OUTBOXES: weakref.WeakKeyDictionary[Store, WebhookOutbox] = weakref.WeakKeyDictionary()
_OUTBOXES_LOCK = threading.Lock()


class WebhookOutbox:
    """The webhooks of one store: the configured endpoints and the outbox rows."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.endpoints: tuple[WebhookEndpoint, ...] = ()
        self.options = WebhookOptions()
        self._wanted: frozenset[str] = frozenset()

    @classmethod
    def of(cls, store: Store) -> WebhookOutbox:
        """The outbox of ``store`` (one per store, created on first use)."""
        with _OUTBOXES_LOCK:
            got = _OUTBOXES.get(store)
            if got is None:
                got = _OUTBOXES[store] = cls(store)
            return got

    def configure(
        self, endpoints: Sequence[WebhookEndpoint], options: WebhookOptions | None = None
    ) -> WebhookOutbox:
        """Set the endpoints (at start-up, from settings). Raises ``UserError`` for an
        unknown event name or a repeated endpoint name."""
        names = [e.name for e in endpoints]
        if len(set(names)) != len(names):
            raise UserError("webhook endpoints need distinct names")
        for e in endpoints:
            unknown = [ev for ev in e.events if ev not in WEBHOOK_EVENTS]
            if unknown:
                raise UserError(
                    f"webhook {e.name!r}: unknown events {unknown}; "
                    f"known: {', '.join(WEBHOOK_EVENTS)}"
                )
        self.endpoints = tuple(endpoints)
        self.options = options or self.options
        wanted: set[str] = set()
        for e in endpoints:
            wanted.update(e.events or WEBHOOK_EVENTS)
        self._wanted = frozenset(wanted)
        return self

    def wants(self, event: str) -> bool:
        """Whether any endpoint subscribes to ``event`` (cheap: the run path asks)."""
        return event in self._wanted

    def endpoint(self, name: str) -> WebhookEndpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)

    def emit(
        self,
        event: WebhookEvent,
        data: Mapping[str, Any],
        *,
        tenant: str | None,
        now: float | None = None,
    ) -> list[str]:
        """Queue ``event`` for every endpoint that wants it; returns the delivery ids.

        Never blocks: the rows go through the group writer without waiting.
        """
        if event not in self._wanted:
            return []
        now = time.time() if now is None else now
        ids = []
        for endpoint in self.endpoints:
            if not endpoint.wants(event):
                continue
            delivery_id = new_id("whd")
            doc = {
                "event": event,
                "delivery_id": delivery_id,
                "created_at": now,
                "tenant": tenant,
                "data": dict(data),
            }
            body = doc if endpoint.template is None else render_template(endpoint.template, doc)
            self.store.writer.submit(
                insert(webhook_outbox),
                {
                    "id": delivery_id,
                    "event": event,
                    "endpoint": endpoint.name,
                    "url": endpoint.url,
                    "tenant": tenant,
                    "payload": json.dumps(body, ensure_ascii=False, default=str),
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": None,
                    "created_at": now,
                },
            )
            ids.append(delivery_id)
        return ids

    # -- reading and replaying ----------------------------------------------------------

    def pending(self, *, limit: int = 100) -> list[Delivery]:
        q = select(webhook_outbox).order_by(webhook_outbox.c.created_at).limit(limit)
        with self.store.engine.connect() as conn:
            return [_outbox_row(r) for r in conn.execute(q).mappings()]

    def dead_letters(self, *, limit: int = 100) -> list[Delivery]:
        q = (
            select(webhook_dead_letters)
            .order_by(webhook_dead_letters.c.failed_at.desc())
            .limit(limit)
        )
        with self.store.engine.connect() as conn:
            return [_dead_row(r) for r in conn.execute(q).mappings()]

    def replay(self, delivery_id: str, *, now: float | None = None) -> Delivery:
        """Move a dead letter back to the outbox (attempts from zero, due now).
        Raises ``NotFound``."""
        now = time.time() if now is None else now
        with self.store.engine.begin() as conn:
            row = (
                conn.execute(
                    select(webhook_dead_letters).where(webhook_dead_letters.c.id == delivery_id)
                )
                .mappings()
                .first()
            )
            if row is None:
                raise NotFound(f"no dead-lettered webhook delivery {delivery_id!r}")
            conn.execute(delete(webhook_dead_letters).where(webhook_dead_letters.c.id == row["id"]))
            conn.execute(
                insert(webhook_outbox).values(
                    id=row["id"],
                    event=row["event"],
                    endpoint=row["endpoint"],
                    url=row["url"],
                    tenant=row["tenant"],
                    payload=row["payload"],
                    attempts=0,
                    next_attempt_at=now,
                    last_error=row["last_error"],
                    created_at=row["created_at"],
                )
            )
        return _dead_row(row)


def _outbox_row(r: Any) -> Delivery:
    return Delivery(
        id=r["id"],
        event=r["event"],
        endpoint=r["endpoint"],
        url=r["url"],
        tenant=r["tenant"],
        payload=r["payload"],
        attempts=r["attempts"],
        last_error=r["last_error"],
        created_at=r["created_at"],
        due_at=r["next_attempt_at"],
    )


def _dead_row(r: Any) -> Delivery:
    return Delivery(
        id=r["id"],
        event=r["event"],
        endpoint=r["endpoint"],
        url=r["url"],
        tenant=r["tenant"],
        payload=r["payload"],
        attempts=r["attempts"],
        last_error=r["last_error"],
        created_at=r["created_at"],
        failed_at=r["failed_at"],
    )


# How long a claimed delivery is hidden from other senders while it is attempted.
_LEASE_S = 60.0


class WebhookSender:
    """Drains an outbox: POSTs due deliveries, retries with exponential backoff,
    dead-letters after the last attempt. ``start`` runs it as a background task."""

    def __init__(
        self,
        outbox: WebhookOutbox,
        *,
        poll_s: float = 0.25,
        batch: int = 64,
        concurrency: int = 16,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.outbox = outbox
        self._poll_s = poll_s
        self._batch = batch
        self._concurrency = concurrency
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._client: Any = None
        self.delivered = 0
        self.dead = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="keel-webhook-sender")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _loop(self) -> None:
        while True:
            try:
                sent = await self.run_once()
            except Exception:  # a bad row or a database hiccup must not stop delivery
                log.exception("webhook delivery round failed")
                sent = 0
            if sent < self._batch:
                await asyncio.sleep(self._poll_s)

    async def run_once(self) -> int:
        """Attempt every due delivery once (up to ``batch``); returns how many."""
        await self.outbox.store.writer.flush()
        due = await asyncio.to_thread(self._claim_due, self._clock())
        if not due:
            return 0
        limit = asyncio.Semaphore(self._concurrency)

        async def one(d: Delivery) -> tuple[Delivery, str | None]:
            async with limit:
                endpoint = self.outbox.endpoint(d.endpoint)
                if endpoint is None:
                    return d, f"endpoint {d.endpoint!r} is no longer configured"
                return d, await self._post(endpoint, d)

        results = await asyncio.gather(*(one(d) for d in due))
        # One transaction for the whole round's outcomes.
        await asyncio.to_thread(self._record, results, self._clock())
        return len(due)

    def _claim_due(self, now: float) -> list[Delivery]:
        q = (
            select(webhook_outbox)
            .where(webhook_outbox.c.next_attempt_at <= now)
            .order_by(webhook_outbox.c.next_attempt_at)
            .limit(self._batch)
        )
        with self.outbox.store.engine.begin() as conn:
            rows = [_outbox_row(r) for r in conn.execute(q).mappings().all()]
            if not rows:
                return []
            # A lease, so that another process's sender skips them meanwhile: only the
            # rows still due when this update runs are ours.
            lease = now + _LEASE_S
            conn.execute(
                update(webhook_outbox)
                .where(
                    webhook_outbox.c.id.in_([d.id for d in rows]),
                    webhook_outbox.c.next_attempt_at <= now,
                )
                .values(next_attempt_at=lease)
            )
        return rows

    async def _post(self, endpoint: WebhookEndpoint, d: Delivery) -> str | None:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.outbox.options.timeout_s)
        body = d.payload.encode()
        timestamp = str(int(self._clock()))
        headers = {
            "content-type": "application/json",
            "user-agent": "keel-webhooks",
            "x-keel-event": d.event,
            "x-keel-delivery": d.id,
            "x-keel-timestamp": timestamp,
        }
        if endpoint.secret:
            headers[SIGNATURE_HEADER.lower()] = sign(endpoint.secret, timestamp, body)
        try:
            # The endpoint as configured now: a replay after fixing its URL goes there.
            response = await self._client.post(endpoint.url, content=body, headers=headers)
        except httpx.HTTPError as e:
            return f"{type(e).__name__}: {e}"[:500]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    def _record(self, results: list[tuple[Delivery, str | None]], now: float) -> None:
        opts = self.outbox.options
        with self.outbox.store.engine.begin() as conn:
            done = [d.id for d, error in results if error is None]
            if done:
                conn.execute(delete(webhook_outbox).where(webhook_outbox.c.id.in_(done)))
                self.delivered += len(done)
            for d, error in results:
                if error is None:
                    continue
                attempts = d.attempts + 1
                gone = self.outbox.endpoint(d.endpoint) is None
                if attempts < opts.max_attempts and not gone:
                    conn.execute(
                        update(webhook_outbox)
                        .where(webhook_outbox.c.id == d.id)
                        .values(
                            attempts=attempts,
                            last_error=error,
                            next_attempt_at=now + opts.backoff_s * 2 ** (attempts - 1),
                        )
                    )
                    continue
                self.dead += 1
                log.warning("webhook %s to %s dead-lettered: %s", d.id, d.endpoint, error)
                conn.execute(delete(webhook_outbox).where(webhook_outbox.c.id == d.id))
                conn.execute(
                    insert(webhook_dead_letters).values(
                        id=d.id,
                        event=d.event,
                        endpoint=d.endpoint,
                        url=d.url,
                        tenant=d.tenant,
                        payload=d.payload,
                        attempts=attempts,
                        last_error=error,
                        created_at=d.created_at,
                        failed_at=now,
                    )
                )

    async def drain(self, *, timeout_s: float = 30.0) -> int:
        """Deliver until the outbox is empty — retries included, so a dead receiver
        ends in the dead letters — or ``timeout_s`` passes; returns the rows left."""
        deadline = time.monotonic() + timeout_s
        while True:
            if await self.run_once() == 0:
                left = await asyncio.to_thread(self._next_due)
                if left is None or time.monotonic() >= deadline:
                    return 0 if left is None else len(self.outbox.pending())
                wait = min(max(0.0, left - self._clock()), deadline - time.monotonic())
                await asyncio.sleep(max(wait, 0.005))

    def _next_due(self) -> float | None:
        q = select(func.min(webhook_outbox.c.next_attempt_at))
        with self.outbox.store.engine.connect() as conn:
            value = conn.execute(q).scalar()
        return None if value is None else float(value)
