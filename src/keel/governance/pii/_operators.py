"""The irreversible masking operators: redact, partial mask and keyed hash.

Each takes a :class:`Finding` and returns its replacement text. Tokenization, the one
reversible operator, lives with its vault in ``_vault``.

Partial masks, by type (separators and layout are kept, so the shape stays readable):

* email — first character of the local part: ``j***@example.com``
* card, phone, ssn — the last four digits: ``****-****-****-4242``, ``+* ***-***-2671``,
  ``***-**-6789``
* iban — country code and last four: ``DE** **** **** **** **30 00``
* ip — the network part: ``203.0.113.*``; an IPv6 address keeps its /48: ``2001:db8:85a3:*``
* secret — nothing: ``[SECRET]``
* any other type (from a plug-in) — the first letter of each word: ``J*** D**``
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from typing import Final

from keel.governance.pii._finding import Finding

HASH_HEX_LENGTH: Final = 8
"""Hex characters of HMAC-SHA256 kept in a pseudonym: 32 bits, enough to tell values
apart within a conversation or a day of logs, too few to be worth inverting."""

_WORD_TAIL: Final = re.compile(r"(?<=\w)\w")


def redact(finding: Finding) -> str:
    """``[EMAIL]``, ``[CARD]``...: the type and nothing else."""
    return f"[{finding.type.upper()}]"


def keyed_hash(finding: Finding, key: bytes | KeyedDigest) -> str:
    """``<email:3f2a9c1b>``: HMAC-SHA256 under ``key`` of the type and canonical value.

    Stable for one key (the same value, however written, gets the same pseudonym),
    different under another key, and not invertible without the key even for small
    value spaces such as SSNs. A caller that hashes many values under one key passes
    its :class:`KeyedDigest`.
    """
    return f"<{finding.type}:{pseudonym(finding.type, finding.identity, key)}>"


def pseudonym(
    pii_type: str, identity: str, key: bytes | KeyedDigest, length: int = HASH_HEX_LENGTH
) -> str:
    message = f"{pii_type}\x00{identity}".encode()
    if isinstance(key, KeyedDigest):
        return key.hexdigest(message)[:length]
    return hmac.digest(key, message, "sha256").hex()[:length]


class KeyedDigest:
    """HMAC-SHA256 under one key with the key set up once (``hmac``'s ``copy``), not once
    per value as ``hmac.digest(key, message, "sha256")`` does: the same bytes for less
    work, and tokenizing a value is mostly this. Holds key material: keep it where the
    key is kept, and never log it (its ``repr`` shows nothing of it)."""

    __slots__ = ("_mac",)

    def __init__(self, key: bytes) -> None:
        self._mac = hmac.new(key, digestmod=hashlib.sha256)

    def hexdigest(self, message: bytes) -> str:
        mac = self._mac.copy()
        mac.update(message)
        return mac.hexdigest()


def partial(finding: Finding) -> str:
    """The partial mask for ``finding``'s type (table in the module docstring)."""
    text = finding.text
    match finding.type:
        case "email":
            return _partial_email(text)
        case "card" | "phone" | "ssn":
            return _mask_alnum(text, keep_first=0, keep_last=4)
        case "iban":
            return _mask_alnum(text, keep_first=2, keep_last=4)
        case "ip":
            return _partial_ip(finding)
        case "secret":
            return redact(finding)
        case _:
            return _WORD_TAIL.sub("*", text)


def _partial_email(text: str) -> str:
    local, _, domain = text.rpartition("@")
    return f"{local[:1]}***@{domain}"


def _mask_alnum(text: str, *, keep_first: int, keep_last: int) -> str:
    """Replace letters and digits by ``*`` except the first and last few of them."""
    total = sum(c.isalnum() for c in text)
    if total <= keep_first + keep_last:
        # Too short to reveal anything safely: hide it all.
        keep_first = keep_last = 0
    out: list[str] = []
    seen = 0
    for c in text:
        if c.isalnum():
            seen += 1
            out.append(c if seen <= keep_first or seen > total - keep_last else "*")
        else:
            out.append(c)
    return "".join(out)


def _partial_ip(finding: Finding) -> str:
    try:
        address = ipaddress.ip_address(finding.identity)
    except ValueError:
        return redact(finding)
    if address.version == 4:
        network, _, _ = str(address).rpartition(".")
        return f"{network}.*"
    groups = [g.lstrip("0") or "0" for g in address.exploded.split(":")[:3]]
    return ":".join(groups) + ":*"
