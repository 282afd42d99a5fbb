"""``PiiGuard``: scan, classify and mask text and JSON for one destination.

One guard serves one run or session: its tokenizer makes the same value yield the same
token throughout, and its hash key makes pseudonyms comparable wherever that key is
used. The guard holds no per-call state otherwise and is safe to share between tasks.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final

from keel.errors import UserError
from keel.governance.pii._finding import Finding
from keel.governance.pii._operators import (
    HASH_HEX_LENGTH,
    KeyedDigest,
    keyed_hash,
    partial,
    redact,
)
from keel.governance.pii._policy import DESTINATIONS, Destination, Operator, PiiClass, PiiPolicy
from keel.governance.pii._scanner import PiiScanner, default_registry
from keel.governance.pii._secrets import is_secret_key
from keel.governance.pii._vault import TOKEN_CLOSE, TOKEN_HEX_LENGTH, TOKEN_OPEN, Tokenizer

JsonPath = tuple[str | int, ...]

_ALREADY_MASKED: Final = re.compile(
    rf"\[SECRET\]|<secret:[0-9a-f]{{{HASH_HEX_LENGTH}}}>"
    rf"|{TOKEN_OPEN}secret:tok_[0-9a-f]{{{TOKEN_HEX_LENGTH}}}{TOKEN_CLOSE}"
)


@dataclass(frozen=True, slots=True)
class MaskResult:
    """Masked text and everything found in the original (masked or kept)."""

    text: str
    findings: tuple[Finding, ...]

    @property
    def types(self) -> frozenset[str]:
        return frozenset(f.type for f in self.findings)


@dataclass(frozen=True, slots=True)
class JsonFinding:
    """A finding inside a JSON value: ``path`` leads to the string it was found in."""

    path: JsonPath
    finding: Finding


@dataclass(frozen=True, slots=True)
class JsonMaskResult:
    """A masked copy of a JSON value and everything found in it."""

    value: Any
    findings: tuple[JsonFinding, ...]

    @property
    def types(self) -> frozenset[str]:
        return frozenset(f.finding.type for f in self.findings)


class PiiGuard:
    """Masks PII per a :class:`PiiPolicy`.

    ``scanner`` defaults to every built-in detector. ``hash_key`` (16+ bytes) is
    required when the policy uses the ``hash`` operator, as the default one does:
    pseudonyms are only comparable between guards given the same key, so Keel will not
    invent one silently. ``tokenizer`` defaults to a fresh in-memory one.

    Raises :class:`~keel.errors.UserError` for a missing or short ``hash_key``.
    """

    def __init__(
        self,
        policy: PiiPolicy | None = None,
        *,
        scanner: PiiScanner | None = None,
        hash_key: bytes | None = None,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        self.policy = policy if policy is not None else PiiPolicy()
        self.scanner = scanner if scanner is not None else default_registry().scanner()
        if hash_key is None and self.policy.uses("hash"):
            raise UserError("the PII policy uses the 'hash' operator: pass hash_key (16+ bytes)")
        if hash_key is not None and len(hash_key) < 16:
            raise UserError("a PII hash key must be at least 16 bytes")
        self._hash_key = KeyedDigest(hash_key or b"")
        self.tokenizer = tokenizer if tokenizer is not None else Tokenizer()
        self._operators: dict[tuple[str, Destination], Operator] = {}

    def scan(self, text: str) -> list[Finding]:
        """Every PII span in ``text``, non-overlapping, in order."""
        return self.scanner.scan(text)

    def classes(self, findings: Collection[Finding]) -> frozenset[PiiClass]:
        """The classes of the types in ``findings`` (for a policy input document)."""
        return frozenset(self.policy.class_of(f.type) for f in findings)

    def mask(self, text: str, destination: Destination) -> MaskResult:
        """``text`` with each finding replaced as the policy says for ``destination``.

        Raises :class:`~keel.errors.UserError` for an unknown destination.
        """
        self._check(destination)
        findings = self.scanner.scan(text)
        return MaskResult(self._apply(text, findings, destination), tuple(findings))

    def mask_findings(
        self, text: str, findings: Collection[Finding], destination: Destination
    ) -> str:
        """``text`` with the given ``findings`` (non-overlapping, in order, from
        :meth:`scan` of a text that contains ``text`` at the same offsets) replaced as
        the policy says for ``destination``. For a caller that scanned with more
        context than it masks: the streaming guard releases an answer piece by piece.
        """
        self._check(destination)
        return self._apply(text, list(findings), destination)

    def mask_json(self, value: Any, destination: Destination) -> JsonMaskResult:
        """A masked copy of a JSON-like ``value`` (dicts, lists, tuples, scalars).

        Every string leaf is masked like :meth:`mask`. Under a key that names a
        credential (see :func:`is_secret_key`) every string and number leaf is a
        ``secret`` whatever it looks like. Keys themselves are not masked; tuples come
        back as lists. Raises :class:`~keel.errors.UserError` for an unknown destination.
        """
        self._check(destination)
        found: list[JsonFinding] = []
        masked = self._walk(value, (), destination, found, under_secret_key=False)
        return JsonMaskResult(masked, tuple(found))

    def detokenize(self, text: str, allowed_types: Collection[str]) -> str:
        """``text`` with tokens of ``allowed_types`` replaced by their values; other
        tokens stay as they are. For a tool allowed to see, e.g., ``{"card"}``."""
        return self.tokenizer.detokenize(text, allowed_types)

    def detokenize_json(self, value: Any, allowed_types: Collection[str]) -> Any:
        """:meth:`detokenize` over every string of a JSON-like value (tool arguments)."""
        return self.tokenizer.detokenize_json(value, allowed_types)

    def _check(self, destination: str) -> None:
        if destination not in DESTINATIONS:
            raise UserError(
                f"unknown PII destination {destination!r}; one of {', '.join(DESTINATIONS)}"
            )

    def _operator(self, pii_type: str, destination: Destination) -> Operator:
        key = (pii_type, destination)
        op = self._operators.get(key)
        if op is None:
            op = self._operators[key] = self.policy.operator_for(pii_type, destination)
        return op

    def _apply(self, text: str, findings: list[Finding], destination: Destination) -> str:
        parts: list[str] = []
        pos = 0
        for f in findings:
            op = self._operator(f.type, destination)
            if op == "keep":
                continue
            parts.append(text[pos : f.start])
            parts.append(self._replacement(f, op))
            pos = f.end
        if not parts:
            return text
        parts.append(text[pos:])
        return "".join(parts)

    def _replacement(self, finding: Finding, op: Operator) -> str:
        if op == "redact":
            return redact(finding)
        if op == "partial":
            return partial(finding)
        if op == "hash":
            return keyed_hash(finding, self._hash_key)
        if op == "tokenize":
            return self.tokenizer.tokenize(finding)
        return finding.text

    def _walk(
        self,
        value: Any,
        path: JsonPath,
        destination: Destination,
        found: list[JsonFinding],
        *,
        under_secret_key: bool,
    ) -> Any:
        if isinstance(value, dict):
            return {
                k: self._walk(
                    v,
                    (*path, k),
                    destination,
                    found,
                    under_secret_key=under_secret_key or (isinstance(k, str) and is_secret_key(k)),
                )
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [
                self._walk(v, (*path, i), destination, found, under_secret_key=under_secret_key)
                for i, v in enumerate(value)
            ]
        if under_secret_key and _is_scalar_credential(value):
            text = str(value)
            finding = Finding(0, len(text), "secret", text, 1.0, f"key:{path[-1]}")
            found.append(JsonFinding(path, finding))
            return self._apply(text, [finding], destination)
        if isinstance(value, str):
            findings = self.scanner.scan(value)
            found.extend(JsonFinding(path, f) for f in findings)
            return self._apply(value, findings, destination)
        return value


def _is_scalar_credential(value: Any) -> bool:
    # Booleans ("password_set": true) and nulls carry no secret; an empty string neither,
    # and a value Keel already masked must stay as it is when masked again.
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return value != "" and _ALREADY_MASKED.fullmatch(value) is None
    return isinstance(value, int | float)
