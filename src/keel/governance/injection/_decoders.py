"""Encoded payloads an attacker hides instructions in, found and decoded for re-scoring.

Each finder returns ``Payload``s: the region of the original text and what it decodes
to. Only decodings that read as *text* are kept (mostly printable, mostly letters),
so a base64 PDF attachment, a JWT, a SHA-256 digest or a serial number decodes to
nothing and costs nothing further. The scorer re-reads each decoded text with the
same patterns; whatever it finds there is reported at the encoded region.

Bounds keep a hostile input from turning decoding into a cost: at most
``MAX_PAYLOADS`` per text and ``MAX_ENCODED`` characters each.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections import Counter
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

from keel.governance.injection._verdict import View

MAX_PAYLOADS = 8
MAX_ENCODED = 16_384
_MIN_DECODED = 6

_BASE64_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-"
_BASE64 = re.compile(
    r"(?<![A-Za-z0-9+/=_-])"
    r"[A-Za-z0-9+/_-]{16,}(?:\r?\n[A-Za-z0-9+/_-]{4,})*={0,2}"
    r"(?![A-Za-z0-9+/=_-])"
)
# Text encodes to bytes 0x20-0x7f, so every pair starts with a digit 2-7: that keeps the
# scan from trying every "de", "ca" or "fe" in ordinary words.
# The pattern starts with a plain character class (no look-behind) so that the regular
# expression engine can skip ahead quickly; the boundaries are checked by hand.
_HEX = re.compile(r"[2-7][0-9A-Fa-f](?:[ ,:]?(?:\\x|0x)?[2-7][0-9A-Fa-f]){7,}")
_HEX_PAIR = re.compile(r"(?:\\x|0x)?([0-9A-Fa-f]{2})")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_ENTITY = re.compile(r"&#(?:x[0-9A-Fa-f]{1,6}|[0-9]{1,7});|\\u[0-9A-Fa-f]{4}")
_ESCAPE_U = re.compile(r"\\u([0-9A-Fa-f]{4})")
# Single letters separated by one to three non-letters: "i g n o r e", "i.g.n.o.r.e".
_SPACED = re.compile(r"(?<![a-z0-9])(?:[a-z0-9][^a-z0-9\n]{1,4}){5,}[a-z0-9](?![a-z0-9])")
_UNIT = re.compile(r"([a-z0-9])([^a-z0-9\n]*)")


@dataclass(frozen=True, slots=True)
class Payload:
    """``text[start:end]`` of the original decodes (as ``kind``) to ``decoded``."""

    kind: View
    start: int
    end: int
    decoded: str


def _reads_as_text(decoded: str) -> bool:
    if len(decoded) < _MIN_DECODED:
        return False
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in decoded)
    letters = sum(ch.isalpha() for ch in decoded)
    visible = sum(not ch.isspace() for ch in decoded) or 1
    return printable >= 0.95 * len(decoded) and letters >= 0.6 * visible


def _utf8(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if _reads_as_text(text) else None


def _base64(text: str) -> list[Payload]:
    found: list[Payload] = []
    for m in _BASE64.finditer(text):
        blob = re.sub(r"\s", "", m.group())
        if len(blob) > MAX_ENCODED or (blob.isalpha() and blob.islower()):
            continue  # a long lower-case word is not base64
        blob = blob.replace("-", "+").replace("_", "/").rstrip("=")
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        decoded = _utf8(raw)
        if decoded is not None:
            found.append(Payload("base64", m.start(), m.end(), decoded))
    return found


def _hex(text: str) -> list[Payload]:
    found: list[Payload] = []
    for m in _HEX.finditer(text):
        start, end = m.start(), m.end()
        if text[max(0, start - 2) : start] in ("\\x", "0x"):
            start -= 2
        if (start and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
            continue
        if end - start > MAX_ENCODED:
            continue
        raw = bytes(int(p, 16) for p in _HEX_PAIR.findall(text[start:end]))
        decoded = _utf8(raw)
        if decoded is not None:
            found.append(Payload("hex", start, end, decoded))
    return found


def _percent(text: str) -> list[Payload]:
    hits = list(_PERCENT.finditer(text))
    if len(hits) < 4:
        return []
    start, end = hits[0].start(), hits[-1].end()
    decoded = unquote(text[start:end], errors="strict") if end - start <= MAX_ENCODED else ""
    return [Payload("percent", start, end, decoded)] if _reads_as_text(decoded) else []


def _entities(text: str) -> list[Payload]:
    hits = list(_ENTITY.finditer(text))
    if len(hits) < 4:
        return []
    start, end = hits[0].start(), hits[-1].end()
    if end - start > MAX_ENCODED:
        return []
    region = _ESCAPE_U.sub(lambda m: chr(int(m.group(1), 16)), text[start:end])
    decoded = html.unescape(region)
    return [Payload("entities", start, end, decoded)] if _reads_as_text(decoded) else []


# What ``_BASE64`` needs: sixteen characters of its alphabet in a row. The alphabet's
# characters become "a" and every other byte (non-ASCII characters first become "?",
# keeping positions) a space, with one bytes.translate; then one search for sixteen "a"s.
# A JSON text has no whitespace but its quotes, colons and commas break such runs.
_BASE64_TABLE: Final = bytes(
    ord("a") if chr(i) in _BASE64_ALPHABET else ord(" ") for i in range(256)
)
_SIXTEEN: Final = b"a" * 16


def _may_hold_base64(text: str) -> bool:
    """Whether ``text`` has a run of sixteen base64 / base64url characters, without which
    ``_BASE64`` matches nothing."""
    return (
        len(text) >= 16
        and text.encode("ascii", "replace").translate(_BASE64_TABLE).find(_SIXTEEN) != -1
    )


# The percent and entity finders need four hits, and each hit starts with its own "%",
# "&#" or "\u" (none of which can overlap itself): fewer than four of them, no payload.
def _may_hold_percent(text: str) -> bool:
    return text.count("%") >= 4


def _may_hold_entities(text: str) -> bool:
    return text.count("&#") + text.count("\\u") >= 4


def may_hold_payload(text: str) -> bool:
    """``False`` when ``encoded_payloads(text)`` is certainly empty: no finder's
    necessary condition holds (no run of 16 base64 characters, no hex run, fewer than
    four ``%`` and fewer than four character references and ``\\u`` escapes)."""
    return (
        _may_hold_base64(text)
        or _HEX.search(text) is not None
        or _may_hold_percent(text)
        or _may_hold_entities(text)
    )


def encoded_payloads(text: str) -> list[Payload]:
    """Base64, hex, percent-encoded and entity/escape-encoded regions that decode to text."""
    found: list[Payload] = []
    if _may_hold_base64(text):
        found += _base64(text)
    found += _hex(text)
    if _may_hold_percent(text):
        found += _percent(text)
    if _may_hold_entities(text):
        found += _entities(text)
    return found[:MAX_PAYLOADS]


def spaced_runs(reading: str) -> list[tuple[int, int, str]]:
    """Runs of spaced-out letters, re-joined into words: ``(start, end, joined)``.

    The separator used most between letters is the letter separator; any other
    separator (two spaces, a space after dots, ``/``, ``|``) ends a word.
    ``"i g n o r e  a l l"`` and ``"i.g.n.o.r.e a.l.l"`` both read ``"ignore all"``.
    """
    runs: list[tuple[int, int, str]] = []
    for m in _SPACED.finditer(reading):
        units = _UNIT.findall(m.group())
        seps = [sep for _, sep in units[:-1]]
        letter_sep = Counter(seps).most_common(1)[0][0] if seps else ""
        words: list[str] = []
        word = ""
        for char, sep in units:
            word += char
            if sep and sep != letter_sep:
                words.append(word)
                word = ""
        words.append(word)
        runs.append((m.start(), m.end(), " ".join(w for w in words if w)))
    return runs


ROT13 = str.maketrans(
    "abcdefghijklmnopqrstuvwxyz",
    "nopqrstuvwxyzabcdefghijklm",
)
"""On an already lower-cased reading: rot13 keeps every position, so spans map back."""
