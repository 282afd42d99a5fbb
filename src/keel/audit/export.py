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

import functools
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
    return _cef(record, _prefix(version))


def _cef(record: AuditRecord, prefix: str) -> str:
    events = record.events()
    grouped = len(events) > 1 or events[0].kind != record.kind
    # What every line of the record shares: the values read from the database are
    # escaped (the numbers and labels written here need none).
    who = (
        f"externalId={record.id} suser={_ext(record.actor)} "
        f"cs1Label=tenant cs1={_ext(record.tenant)}"
    )
    if record.run_id is not None:
        who += f" cs2Label=runId cs2={_ext(record.run_id)}"
    chain = f"cs3Label=hash cs3={_ext(record.hash)} cs4Label=prevHash cs4={_ext(record.prev_hash)}"
    lines = []
    for i, event in enumerate(events):
        name = _KINDS.get(event.kind, (event.kind, 5))[0]
        position = f" cn1Label=event cn1={i}" if grouped else ""
        lines.append(
            f"{prefix}{_header(event.kind)}|{_header(name)}|{severity(event)}|"
            f"rt={round(event.time * 1000)} {who}{position} {chain} msg={_ext(event.payload_json)}"
        )
    return "\n".join(lines)


def _prefix(version: str) -> str:
    """The header fields every line of an export shares."""
    return "|".join(_header(v) for v in ("CEF:0", VENDOR, PRODUCT, version)) + "|"


def formatter(fmt: ExportFormat, *, version: str) -> Callable[[AuditRecord], str]:
    """The line formatter for ``fmt``."""
    if fmt == "jsonl":
        return to_jsonl
    return functools.partial(_cef, prefix=_prefix(version))
