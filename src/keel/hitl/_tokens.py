"""``ContinuityToken``: who may pick up an escalated session, and until when.

A token is ``kct1.<payload>.<signature>``: the payload is base64url JSON
``{"e": escalation id, "t": tenant, "s": session id, "x": expiry}`` and the signature
HMAC-SHA256 over ``kct1.<payload>`` with a key kept in the data dir (``hitl.key``,
0600, like ``pii.key``). ``verify`` checks the signature in constant time, then the
expiry, then that the token names the tenant (and escalation) it is used for — a
token is bound to one tenant and one session, so it cannot be replayed elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from keel.errors import Forbidden

_PREFIX = "kct1"
KEY_FILE = "hitl.key"


class InvalidToken(Forbidden):
    """A continuity token that is forged, altered, expired or for someone else."""


@dataclass(frozen=True, slots=True)
class ContinuityToken:
    """What a verified token grants: resolving ``escalation_id`` of ``tenant``'s
    ``session_id`` until ``expires_at`` (UNIX seconds)."""

    escalation_id: str
    tenant: str | None
    session_id: str | None
    expires_at: float


class ContinuityTokens:
    """Issues and verifies continuity tokens with one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a continuity-token key needs at least 16 bytes")
        self._key = key

    @classmethod
    def from_key_file(cls, path: Path) -> ContinuityTokens:
        """The key in ``path``, created (32 random bytes, mode 0600) if missing."""
        return cls(load_or_create_key(path))

    def issue(self, grant: ContinuityToken) -> str:
        body = {
            "e": grant.escalation_id,
            "t": grant.tenant,
            "s": grant.session_id,
            "x": round(grant.expires_at, 3),
        }
        payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        return f"{_PREFIX}.{payload}.{self._sign(payload)}"

    def verify(
        self, token: str, *, now: float, tenant: str | None, escalation_id: str | None = None
    ) -> ContinuityToken:
        """The grant of a valid token for ``tenant`` (and ``escalation_id``, if given).

        Raises ``InvalidToken`` (code ``FORBIDDEN``) for a malformed, tampered,
        expired, other-tenant or other-escalation token; the message says which
        without revealing what the token holds.
        """
        prefix, _, rest = token.strip().partition(".")
        payload, _, signature = rest.partition(".")
        if prefix != _PREFIX or not payload or not signature:
            raise InvalidToken("not a continuity token (expected kct1.<payload>.<signature>)")
        if not hmac.compare_digest(self._sign(payload), signature):
            raise InvalidToken("continuity token signature does not verify (altered or forged)")
        try:
            body = json.loads(_unb64(payload))
            grant = ContinuityToken(
                escalation_id=str(body["e"]),
                tenant=body["t"],
                session_id=body["s"],
                expires_at=float(body["x"]),
            )
        except (ValueError, KeyError, TypeError):
            raise InvalidToken("continuity token payload is unreadable") from None
        if now >= grant.expires_at:
            raise InvalidToken("continuity token expired; issue a new one (keel escalations show)")
        if grant.tenant != tenant:
            raise InvalidToken("continuity token belongs to another tenant")
        if escalation_id is not None and grant.escalation_id != escalation_id:
            raise InvalidToken("continuity token is for another escalation")
        return grant

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self._key, f"{_PREFIX}.{payload}".encode(), hashlib.sha256)
        return _b64(mac.digest())


def load_or_create_key(path: Path) -> bytes:
    """A secret key file: read it, or create it with 32 random bytes, mode 0600."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it meanwhile
            return path.read_bytes()
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
