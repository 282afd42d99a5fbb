"""One audit record, its canonical JSON and its place in the hash chain.

A record's content is ``{actor, id, kind, payload, prev_hash, run_id, tenant, time}``.
Its ``hash`` is the SHA-256 (lowercase hex) of the content's canonical JSON: keys
sorted, no whitespace, UTF-8, non-ASCII characters written as themselves, exactly
``json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``.
Because ``prev_hash`` (the previous record's ``hash``, or 64 zeros for a tenant's
first record) is part of the content, each record commits to the whole log before
it: editing, deleting or reordering a record breaks every hash after it.

``payload`` is stored as its canonical JSON text and hashed as those bytes, so
verification never re-serialises it (and a changed byte in it is a changed hash).

A ``run.events`` record holds several events of one run that were committed together
(``keel.audit.run_events``): its payload is ``{"events": [{"kind", "payload",
"time_us"}, ...]}``, in order, ``time_us`` the event's time in whole microseconds since
the epoch (an integer: writing a float's shortest digits costs about three times more,
on the path every run takes). ``AuditRecord.events()`` reads any record as its events.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, Final, Literal

DEFAULT_TENANT: Final = "default"
GENESIS_HASH: Final = "0" * 64

AuditKind = Literal[
    "policy.decision",
    "model.call",
    "tool.call",
    "approval",
    "escalation",
    "spec.serving",
    "key.change",
    "run.started",
    "run.resumed",
    "run.finished",
    "run.events",
    "audit.purge",
]
AUDIT_KINDS: tuple[AuditKind, ...] = AuditKind.__args__  # type: ignore[attr-defined]
RUN_EVENTS: Final = "run.events"

# The (C) encoder json.dumps(ensure_ascii=False) itself uses for strings.
_str: Callable[[str], str] = encode_basestring
json_string = _str


def _not_json(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# One encoder built once: json.dumps would build a new one per call, which is most
# of its cost for the small payloads of the run path.
_encode: Any = (
    None
    if c_make_encoder is None
    else c_make_encoder(None, _not_json, _str, None, ":", ",", True, False, False)
)


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value``.

    Raises ``ValueError`` for NaN or infinity, ``TypeError`` for non-JSON values.
    """
    if _encode is not None and isinstance(value, dict):
        return "".join(_encode(value, 0))
    text: str = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text


def tenant_key(tenant: str | None) -> str:
    """The tenant a record is filed under: ``None`` (single-tenant use) is ``default``."""
    return DEFAULT_TENANT if tenant is None else tenant


class ContentEncoder:
    """Canonical content JSON for records sharing an actor, run and tenant.

    The parts that do not change between those records are encoded once; the run
    path chains a run's records with one ``encode`` call each.
    """

    __slots__ = ("_head", "_tail")

    def __init__(self, *, actor: str, run_id: str | None, tenant: str) -> None:
        run = "null" if run_id is None else _str(run_id)
        self._head = '{"actor":' + _str(actor) + ',"id":'
        self._tail = ',"run_id":' + run + ',"tenant":' + _str(tenant) + ',"time":'

    def encode(self, id: int, kind: str, payload_json: str, prev_hash: str, time: float) -> str:
        return (
            f'{self._head}{int.__repr__(id)},"kind":{_str(kind)},"payload":{payload_json},'
            f'"prev_hash":{_str(prev_hash)}{self._tail}{float.__repr__(time)}}}'
        )


def events_json(events: Sequence[tuple[str, float, str]]) -> str:
    """The canonical payload of a ``run.events`` record holding ``events``.

    ``events`` are ``(kind, time, canonical payload JSON)`` with kinds from
    ``AUDIT_KINDS`` (written unescaped: none needs escaping) and finite times in
    seconds, written as whole microseconds.
    """
    return (
        '{"events":['
        + ",".join(
            [
                f'{{"kind":"{kind}","payload":{payload},"time_us":{round(at * 1e6)}}}'
                for kind, at, payload in events
            ]
        )
        + "]}"
    )


def content_json(
    *,
    tenant: str,
    id: int,
    time: float,
    kind: str,
    actor: str,
    run_id: str | None,
    payload_json: str,
    prev_hash: str,
) -> str:
    """The canonical JSON of a record's content, built without a dict round trip.

    Equal to ``canonical_json`` of the content with the payload parsed, provided
    ``payload_json`` is itself canonical (tests hold the two to each other).
    """
    encoder = ContentEncoder(actor=actor, run_id=run_id, tenant=tenant)
    return encoder.encode(id, kind, payload_json, prev_hash, time)


def record_hash(
    *,
    tenant: str,
    id: int,
    time: float,
    kind: str,
    actor: str,
    run_id: str | None,
    payload_json: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the content's canonical JSON, UTF-8 encoded."""
    text = content_json(
        tenant=tenant,
        id=id,
        time=time,
        kind=kind,
        actor=actor,
        run_id=run_id,
        payload_json=payload_json,
        prev_hash=prev_hash,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One record as stored. ``payload_json`` is canonical JSON; ``payload`` parses it."""

    tenant: str
    id: int
    time: float
    kind: str
    actor: str
    run_id: str | None
    payload_json: str
    prev_hash: str
    hash: str

    @property
    def payload(self) -> Any:
        return json.loads(self.payload_json)

    def events(self) -> list[AuditEvent]:
        """What this record says happened, in order: each event of a ``run.events``
        record, or else the record itself as its one event.

        A ``run.events`` payload of another shape (never written by Keel) is also
        returned as one event, of kind ``run.events``, so that nothing is dropped.
        """
        if self.kind == RUN_EVENTS:
            grouped = _grouped_events(self.payload_json)
            if grouped is not None:
                return grouped
        return [AuditEvent(self.kind, self.time, self.payload_json)]

    def computed_hash(self, *, id: int | None = None) -> str:
        """The hash this content should have (at position ``id``, by default its own)."""
        return record_hash(
            tenant=self.tenant,
            id=self.id if id is None else id,
            time=self.time,
            kind=self.kind,
            actor=self.actor,
            run_id=self.run_id,
            payload_json=self.payload_json,
            prev_hash=self.prev_hash,
        )

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON object, payload parsed, hash included."""
        return {
            "tenant": self.tenant,
            "id": self.id,
            "time": self.time,
            "kind": self.kind,
            "actor": self.actor,
            "run_id": self.run_id,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_row(cls, row: Any) -> AuditRecord:
        """From a database row ``(tenant, id, time, kind, actor, run_id, payload, prev, hash)``."""
        t, i, tm, k, a, r, p, ph, h = row
        return cls(t, int(i), float(tm), k, a, r, p, ph, h)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AuditRecord:
        """From ``to_dict`` output, checking every field's type; raises ``ValueError``."""
        if not isinstance(d, Mapping):
            raise ValueError("a record must be a JSON object")
        try:
            tenant, id_, time_ = d["tenant"], d["id"], d["time"]
            kind, actor, run_id = d["kind"], d["actor"], d["run_id"]
            prev_hash, hash_ = d["prev_hash"], d["hash"]
            payload = d["payload"]
        except KeyError as e:
            raise ValueError(f"record lacks field {e.args[0]!r}") from None
        strings = {"tenant": tenant, "kind": kind, "actor": actor}
        for name, value in strings.items():
            if not isinstance(value, str):
                raise ValueError(f"record field {name!r} must be a string")
        if run_id is not None and not isinstance(run_id, str):
            raise ValueError("record field 'run_id' must be a string or null")
        if isinstance(id_, bool) or not isinstance(id_, int) or id_ < 1:
            raise ValueError("record field 'id' must be a positive integer")
        at = finite_time(time_)
        if at is None:
            raise ValueError("record field 'time' must be a finite number")
        for name, value in (("prev_hash", prev_hash), ("hash", hash_)):
            if not is_hex_digest(value):
                raise ValueError(f"record field {name!r} must be 64 lowercase hex digits")
        return cls(
            tenant,
            id_,
            at,
            kind,
            actor,
            run_id,
            canonical_json(payload),
            prev_hash,
            hash_,
        )


_UNPARSED: Final[Any] = object()


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One event a record holds: its kind, time and payload (canonical JSON)."""

    kind: str
    time: float
    payload_json: str
    # The payload already parsed, where the record's JSON was parsed to find the event
    # (a ``run.events`` record): read it, do not change it. Not compared.
    parsed: Any = field(default=_UNPARSED, compare=False, repr=False)

    @property
    def payload(self) -> Any:
        """The payload, parsed (once, for the events of a ``run.events`` record)."""
        return json.loads(self.payload_json) if self.parsed is _UNPARSED else self.parsed


# What reading a stored row as a record, or parsing its payload, raises when the row was
# edited into something that is not one (text in a number column, a payload that is not
# JSON or is nested deeper than the parser goes). ``keel.audit.reader`` names it too.
UNREADABLE = (TypeError, ValueError, RecursionError)


def _grouped_events(payload_json: str) -> list[AuditEvent] | None:
    """The events of a ``run.events`` payload, or ``None`` if it is not of that shape."""
    try:
        payload = json.loads(payload_json)
    except UNREADABLE:
        return None
    if not isinstance(payload, dict) or payload.keys() != {"events"}:
        return None
    items = payload["events"]
    if not isinstance(items, list) or not items:
        return None
    events = []
    for item in items:
        if not isinstance(item, dict) or item.keys() != _EVENT_KEYS:
            return None
        kind, us = item["kind"], item["time_us"]
        if not isinstance(kind, str) or type(us) is not int or abs(us) > _MAX_TIME_US:
            return None
        value = item["payload"]
        try:
            text = canonical_json(value)
        except UNREADABLE:
            return None
        events.append(AuditEvent(kind, us / 1e6, text, value))
    return events


_EVENT_KEYS = frozenset({"kind", "payload", "time_us"})
# 2**53 microseconds (the year 2255): every integer up to it is exact as a float.
_MAX_TIME_US = 2**53


def finite_time(value: Any) -> float | None:
    """``value`` (from JSON read outside) as a time: a finite number, else ``None``.

    An integer too large for a float, NaN and infinity are not times: they would
    raise (``OverflowError``) or make text no JSON parser reads back.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        at = float(value)
    except OverflowError:
        return None
    return at if math.isfinite(at) else None


_HEX = frozenset("0123456789abcdef")


def is_hex_digest(value: Any) -> bool:
    """True for a SHA-256 digest written as 64 lowercase hex digits."""
    return isinstance(value, str) and len(value) == 64 and _HEX.issuperset(value)
