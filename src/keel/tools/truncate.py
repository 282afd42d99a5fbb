"""Bound a tool result's size in bytes without breaking a character."""

from __future__ import annotations

_MARKER = "…[truncated {} bytes]"


def truncate_utf8(text: str, max_bytes: int) -> tuple[str, bool]:
    """Return ``text`` cut to at most ``max_bytes`` UTF-8 bytes, and whether it was cut.

    A cut ends on a character boundary and is followed by a visible marker,
    ``…[truncated N bytes]`` where N counts the original bytes left out; the kept
    text and the marker together fit within ``max_bytes``. When even the marker
    does not fit, the text is cut without one. Raises ``ValueError`` if
    ``max_bytes`` is negative.
    """
    if max_bytes < 0:
        raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
    # A character is at most 4 bytes: short text needs no encoding to be known to fit.
    if len(text) * 4 <= max_bytes:
        return text, False
    data = text.encode("utf-8")
    total = len(data)
    if total <= max_bytes:
        return text, False
    # The marker is sized for the most bytes that could be dropped (all of them),
    # so the real, possibly shorter, marker always fits in the room left for it.
    room = max_bytes - len(_MARKER.format(total).encode("utf-8"))
    if room < 0:
        return data[: _boundary(data, max_bytes)].decode("utf-8"), True
    end = _boundary(data, room)
    return data[:end].decode("utf-8") + _MARKER.format(total - end), True


def _boundary(data: bytes, limit: int) -> int:
    """The largest character boundary at or before ``limit`` (< ``len(data)``)."""
    end = limit
    # Back off UTF-8 continuation bytes (0b10xxxxxx) to the start of a character.
    while end > 0 and data[end] & 0xC0 == 0x80:
        end -= 1
    return end
