"""W3C Trace Context ``traceparent`` values, without OpenTelemetry.

The engine stores a run's ``traceparent`` and hands it to tools whether or not
telemetry is on, so parsing it must cost nothing to import. Format
(https://www.w3.org/TR/trace-context/#traceparent-header)::

    00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>
"""

from __future__ import annotations

import re

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")
_INVALID_TRACE = "0" * 32
_INVALID_SPAN = "0" * 16


def valid_traceparent(value: str | None) -> str | None:
    """``value`` normalised (lowercase, stripped) if it is a usable traceparent, else
    ``None``: per the W3C rules an invalid one is ignored, never an error."""
    if not value:
        return None
    text = value.strip().lower()
    m = _TRACEPARENT.match(text)
    if m is None:
        return None
    version, trace_id, span_id, _flags, rest = m.groups()
    if version == "ff" or trace_id == _INVALID_TRACE or span_id == _INVALID_SPAN:
        return None
    if version == "00" and rest:
        return None  # version 00 has exactly four fields
    return text if version == "00" else f"00-{trace_id}-{span_id}-{_flags}"


def format_traceparent(trace_id: int, span_id: int, flags: int) -> str:
    return f"00-{trace_id:032x}-{span_id:016x}-{flags & 0xFF:02x}"


def trace_id_of(traceparent: str) -> str:
    """The 32-hex-digit trace id of a valid traceparent."""
    return traceparent[3:35]
