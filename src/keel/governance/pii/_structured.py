"""Detectors for identifiers with a fixed shape and a check: email, payment card, IBAN,
US SSN and IP address.

Candidates come cheaply (the shared pass of ``_runs``: its digit runs and the IBAN
anchors in its map; a ``str.find`` for ``@`` or ``:``), and a validity
rule only the few candidates reach decides: Luhn and IIN ranges, mod-97, the SSA's
rules, the octet rules of an IPv4 address, :mod:`ipaddress` for IPv6.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Final

from keel.governance.pii._checksums import (
    IBAN_LENGTHS,
    card_valid,
    iban_valid,
    ssn_voided,
    ssn_well_formed,
)
from keel.governance.pii._finding import Finding
from keel.governance.pii._runs import (
    Run,
    ascii_of,
    digit_runs,
    digits_of,
    glued_after,
    glued_before,
    iban_anchors,
    run_parts,
    touches_token,
)


class EmailDetector:
    """RFC 5322 "dot-atom" addresses with a DNS domain: ``jane.doe+tag@mail.example.com``.

    The scan anchors on ``@`` (``str.find``) and reads the local part backwards from
    it, so text without ``@`` costs one search.
    """

    # Matched against the reversed text before the "@": the local part, read backwards.
    _LOCAL_REVERSED: Final = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
    _DOMAIN: Final = re.compile(
        r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
        r"(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{1,59})(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
    )
    # Allowed in a local part but, at its start, almost always prose: "(jane@...", "'jo@".
    _LEADING_PUNCTUATION: Final = ".'`{|}~!#$%&*+/=?^-"

    def detect(self, text: str) -> list[Finding]:
        at = text.find("@")
        if at == -1:
            return []
        emails: list[Finding] = []
        while at != -1:
            found = self._at(text, at)
            if found is not None:
                emails.append(found)
                at = text.find("@", found.end)
            else:
                at = text.find("@", at + 1)
        return emails

    def _at(self, text: str, at: int) -> Finding | None:
        domain = self._DOMAIN.match(text, at + 1)
        if domain is None or at == 0:
            return None
        local = self._LOCAL_REVERSED.match(text[at - 1 : max(0, at - 65) or None : -1])
        if local is None:
            return None
        start = at - local.end()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            return None  # longer than 64 characters, or glued to a word
        while start < at and text[start] in self._LEADING_PUNCTUATION:
            start += 1
        local_part = text[start:at]
        if not local_part or local_part.endswith(".") or ".." in local_part:
            return None
        end = domain.end()
        value = text[start:end]
        return Finding(start, end, "email", value, 0.99, canonical=value.lower())


class CardDetector:
    """Payment card numbers: 13-19 digits, ungrouped or grouped by single spaces or by
    hyphens (not a mix), that pass Luhn and fall in a known issuer (IIN) range for
    their length."""

    _SHAPE: Final = re.compile(r"\d+(?:([ -])\d+(?:\1\d+)*)?")

    def detect(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        for run in digit_runs(text):
            if run[2] >= 13:
                card = self._in_run(text, run)
                if card is not None:
                    found.append(card)
        return found

    def _in_run(self, text: str, run: Run) -> Finding | None:
        # A run glued to a word ("DE89 3704 0044 ...", "ref-4111...") belongs to it.
        if glued_before(text, run[0], "-./:+"):
            return None
        for start, candidate in run_parts(text, run, 13, 19, inner=" ()"):
            end = start + len(candidate)
            if glued_after(text, end, "-./:") or self._SHAPE.fullmatch(candidate) is None:
                continue
            digits = digits_of(candidate)
            brand = card_valid(digits)
            if brand is not None:
                return Finding(start, end, "card", candidate, 0.95, brand, digits)
        return None


class IbanDetector:
    """International Bank Account Numbers in their printed (groups of four) or compact
    form: known country, exact length for it, and ISO 7064 mod-97 == 1. Upper case only,
    as printed on statements. Candidates are two capitals followed by two digits (the
    country code and the check digits), found in the shared map of ``_runs``."""

    # Exactly n letters or digits after the country code and check digits, single
    # spaces allowed between them, and nothing glued after.
    _BY_LENGTH: Final = {
        n: re.compile(rf"[A-Z]{{2}}\d\d(?: ?[A-Z0-9]){{{n - 4}}}(?![A-Za-z0-9])")
        for n in set(IBAN_LENGTHS.values())
    }

    def detect(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        for at in iban_anchors(text):
            if at > 0 and (text[at - 1].isalnum() or text[at - 1] == "_"):
                continue
            expected = IBAN_LENGTHS.get(text[at : at + 2])
            if expected is None:
                continue
            m = self._BY_LENGTH[expected].match(text, at)
            if m is None:
                continue
            compact = m.group().replace(" ", "")
            if iban_valid(compact):
                found.append(Finding(at, m.end(), "iban", m.group(), 0.97, compact[:2], compact))
        return found


class SsnDetector:
    """US Social Security Numbers written ``123-45-6789`` or ``123 45 6789`` that pass
    the SSA's area/group/serial rules. Nine bare digits count only right after an
    ``SSN`` / ``social security number`` label: most bare nine-digit runs are not SSNs.

    The numbers the SSA voided after advertising them (078-05-1120, 219-09-9999) are
    well-formed and still written into forms as SSNs: they are reported with detail
    ``voided``, so that masking treats them as the restricted value they look like
    (an SSN outranks a phone reading of the same span, see ``resolve_overlaps``).
    """

    _SHAPE: Final = re.compile(r"\d{3}([- ])\d{2}\1\d{4}")
    _LABEL: Final = re.compile(r"(?i:\bssn|\bsocial security(?: number| no\.?)?)[\s:#.-]{1,4}\Z")

    def detect(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        for run in digit_runs(text):
            start, end, digits = run
            if digits < 9 or glued_before(text, start, "-/.+"):
                continue
            # Most long runs hold no "123-45-6789" shape at all: a run of digits only
            # cannot, and for the others one search says so.
            grouped = end - start > digits and self._SHAPE.search(text, start, end)
            ssn = self._grouped(text, run) if grouped else None
            if ssn is not None:
                found.append(ssn)
            elif digits == 9 == end - start and self._LABEL.search(text, max(0, start - 32), start):
                value = text[start:end]
                if not glued_after(text, end, "-/.") and ssn_well_formed(value):
                    detail = "voided" if ssn_voided(value) else "labelled"
                    found.append(Finding(start, end, "ssn", value, 0.8, detail, value))
        return found

    def _grouped(self, text: str, run: Run) -> Finding | None:
        for start, part in run_parts(text, run, 9, 9, inner=" ()"):
            end = start + len(part)
            if self._SHAPE.fullmatch(part) is None or glued_after(text, end, "-/."):
                continue
            digits = digits_of(part)
            if ssn_well_formed(digits):
                detail = "voided" if ssn_voided(digits) else ""
                return Finding(start, end, "ssn", part, 0.85, detail, digits)
        return None


class IpDetector:
    """IPv4 dotted quads and IPv6 addresses (any RFC 4291 text form), validated by
    :mod:`ipaddress`. A dotted quad that continues with more dots ("10.0.19045.3803",
    "1.2.3.4.5") or is glued to a letter ("v1.2.3.4") is not an address."""

    # A dotted quad inside a run that is not part of a longer dotted sequence.
    _V4_IN_RUN: Final = re.compile(r"(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\.?\d)")
    # Matched against the reversed text before the anchor: the address's left part.
    _V6_LEFT_REVERSED: Final = re.compile(r"[0-9A-Fa-f:]{0,39}")
    _V6: Final = re.compile(
        r"(?:[0-9A-Fa-f]{0,4}:){2,8}(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]{1,4})?"
    )

    def detect(self, text: str) -> list[Finding]:
        colon = text.find(":")
        has_two = colon != -1 and text.find(":", colon + 1) != -1
        found = list(self._v6(text, ascii_of(text), colon)) if has_two else []
        for start, end, digits in digit_runs(text):
            # Three dots take three of the run's characters that are not digits.
            if end - start - digits >= 3 and text.count(".", start, end) >= 3:
                # The IPv4 tail of "::ffff:192.0.2.1" is part of the IPv6 address.
                found.extend(
                    f
                    for f in self._v4(text, start, end)
                    if not any(f.start < g.end and g.start < f.end for g in found)
                )
        return found

    def _v4(self, text: str, run_start: int, run_end: int) -> Iterator[Finding]:
        for m in self._V4_IN_RUN.finditer(text, run_start, run_end):
            start, end = m.span()
            value = m.group()
            if _ipv4_valid(value) and not touches_token(text, start, end):
                yield Finding(start, end, "ip", value, 0.9, "ipv4", value)

    def _v6(self, text: str, ascii_text: bytes, colon: int) -> Iterator[Finding]:
        done = 0
        for at in _v6_anchors(text, ascii_text, colon):
            if at < done:
                continue
            left = self._V6_LEFT_REVERSED.match(text[at - 1 : max(0, at - 40) or None : -1])
            start = at - left.end() if at and left else at
            m = self._V6.match(text, start)
            if m is None:
                continue
            value = m.group()
            address = _ipv6(value)
            if address is None and value.endswith(":") and not value.endswith("::"):
                value = value[:-1]  # "...::1: it timed out" ends a clause, not the address
                address = _ipv6(value)
            end = start + len(value)
            done = max(done, m.end())
            if address is None or touches_token(text, start, end, ":."):
                continue
            yield Finding(start, end, "ip", value, 0.9, "ipv6", address.compressed)


def _v6_anchors(text: str, ascii_text: bytes, at: int) -> Iterator[int]:
    """Where "::" or ":h:" (one to four hex digits) starts, from the colon at ``at`` on,
    left to right and not overlapping: every IPv6 text form has one. Colons are found
    by memchr in the ASCII copy, and few texts have more than a couple."""
    while at != -1:
        after = ascii_text.find(b":", at + 1)
        if after == -1:
            return
        if after - at <= 5 and not text[at + 1 : after].strip(_HEX_DIGITS):
            yield at
            after = ascii_text.find(b":", after + 1)
        at = after


_HEX_DIGITS: Final = "0123456789abcdefABCDEF"
# Two colons with nothing but up to four hex digits between them: what ``_v6_anchors``
# yields at (hex digits are not colons, so the two are consecutive colons).
_V6_ANCHOR: Final = re.compile(r":[0-9A-Fa-f]{0,4}:")


def may_hold_ipv6(text: str) -> bool:
    """Whether ``IpDetector`` can find an IPv6 address in ``text``: only where
    ``_v6_anchors`` yields, which needs "::" or ":h:" (one to four hex digits). A JSON
    object's colons have quotes between them (``{"id":"T-1","queue":"network"}``)."""
    return _V6_ANCHOR.search(text) is not None


def _ipv4_valid(value: str) -> bool:
    """Whether a dotted quad of ASCII digits is an address: what ``ipaddress`` checks of
    one (each octet at most 255, no leading zero), without building one. A valid quad
    is its own canonical form."""
    for octet in value.split("."):
        if int(octet) > 255 or (octet[0] == "0" and len(octet) > 1):
            return False
    return True


def _ipv6(value: str) -> ipaddress.IPv6Address | None:
    # An address has "::" or eight groups (seven colons, or six and an IPv4 tail); this
    # turns away times ("14:30:00") before the costlier parse. "::" alone is
    # punctuation far more often than the unspecified address.
    colons = value.count(":")
    if value == "::" or not ("::" in value or colons == 7 or (colons == 6 and "." in value)):
        return None
    try:
        return ipaddress.IPv6Address(value)
    except ValueError:
        return None
