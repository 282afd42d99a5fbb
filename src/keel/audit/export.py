"""Audit records as SIEM lines: JSON lines and CEF.

JSON lines: one record per line, the canonical JSON of ``AuditRecord.to_dict()``
(keys sorted, no whitespace), hash included, so a SIEM can re-check any line. A
``run.events`` record is one line holding its events.

CEF (ArcSight Common Event Format, as carried in syslog messages)::

    CEF:0|Keel|Keel|<version>|<kind>|<name>|<severity>|<extension>

Header fields escape ``\\`` and ``|``; extension values escape ``\\``, ``=`` and
line breaks (``\\n``, ``\\r``). The extension carries ``rt`` (milliseconds since the
epoch), ``externalId`` (record id), ``suser`` (actor), ``cs1`` tenant, ``cs2`` run id,
``cs3`` record hash, ``cs4`` previous hash and ``msg`` (the payload's canonical JSON).
CEF has one line per event: a ``run.events`` record is a line for each event it holds,
with that event's kind, time and payload, and ``cn1`` its position in the record
(from 0); the record id and hashes are the record's. A syslog forwarder adds its own
header in front of each line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal

from keel.audit.record import AuditEvent, AuditRecord, canonical_json

ExportFormat = Literal["jsonl", "cef"]

VENDOR: Final = "Keel"
PRODUCT: Final = "Keel"

# Human names and base severities (0-10) of the record kinds.
_KINDS: Final[dict[str, tuple[str, int]]] = {
    "policy.decision": ("Policy decision", 3),
    "model.call": ("Model call", 1),
    "tool.call": ("Tool call", 3),
    "approval": ("Approval decision", 5),
    "escalation": ("Escalation to a human", 6),
    "spec.serving": ("Agent version serving", 4),
    "key.change": ("Key or role change", 8),
    "run.started": ("Run started", 1),
    "run.resumed": ("Run resumed", 3),
    "run.finished": ("Run finished", 2),
    "run.events": ("Run events", 2),
    "audit.purge": ("Audit records purged", 9),
}


def severity(record: AuditRecord | AuditEvent) -> int:
    """The kind's base severity, raised for outcomes a SOC wants to see; a record
    holding several events is as severe as the most severe of them."""
    if isinstance(record, AuditRecord):
        return max(map(severity, record.events()))
    kind = record.kind
    name_sev = _KINDS.get(kind)
    sev = 5 if name_sev is None else name_sev[1]
    payload = record.payload
    if isinstance(payload, dict):
        if (kind == "policy.decision" and _refused(payload)) or (
            kind == "run.finished" and any(map(_refused, payload.get("decisions") or ()))
        ):
            sev = 6
        elif (kind == "run.finished" and payload.get("status") != "completed") or (
            kind == "tool.call" and payload.get("outcome") != "ok"
        ):
            sev = 5
    return sev


def _refused(decision: object) -> bool:
    """A policy decision that denied or escalated."""
    return isinstance(decision, dict) and decision.get("result") in ("deny", "escalate")


def to_jsonl(record: AuditRecord) -> str:
    return canonical_json(record.to_dict())


def _header(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _ext(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace("=", "\\=")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def to_cef(record: AuditRecord, *, version: str) -> str:
    """The record's CEF lines (one per event it holds), joined by line breaks."""
    events = record.events()
    grouped = len(events) > 1 or events[0].kind != record.kind
    return "\n".join(
        _cef_line(record, event, i if grouped else None, version=version)
        for i, event in enumerate(events)
    )


def _cef_line(record: AuditRecord, event: AuditEvent, index: int | None, *, version: str) -> str:
    name = _KINDS.get(event.kind, (event.kind, 5))[0]
    fields = [
        ("rt", str(round(event.time * 1000))),
        ("externalId", str(record.id)),
        ("suser", record.actor),
        ("cs1Label", "tenant"),
        ("cs1", record.tenant),
    ]
    if record.run_id is not None:
        fields += [("cs2Label", "runId"), ("cs2", record.run_id)]
    if index is not None:
        fields += [("cn1Label", "event"), ("cn1", str(index))]
    fields += [
        ("cs3Label", "hash"),
        ("cs3", record.hash),
        ("cs4Label", "prevHash"),
        ("cs4", record.prev_hash),
        ("msg", event.payload_json),
    ]
    header = "|".join(
        _header(v)
        for v in ("CEF:0", VENDOR, PRODUCT, version, event.kind, name, str(severity(event)))
    )
    return header + "|" + " ".join(f"{k}={_ext(v)}" for k, v in fields)


def formatter(fmt: ExportFormat, *, version: str) -> Callable[[AuditRecord], str]:
    """The line formatter for ``fmt``."""
    if fmt == "jsonl":
        return to_jsonl
    return lambda record: to_cef(record, version=version)
