"""Signed checkpoints: a tenant's Merkle tree head (size and root), signed with Ed25519.

The signature covers the canonical JSON of::

    {"format": "keel.audit.checkpoint/v1", "key_id": ..., "root": ..., "tenant": ...,
     "time": ..., "tree_size": ...}

A checkpoint kept outside the database (a JSON-lines file, a webhook receiver) is
what makes deleting the log's tail detectable: the log must still contain a tree of
that size with that root. ``Checkpoint.from_dict`` is strict, for checkpoints read
back from such places.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from keel.audit.merkle import ProofError
from keel.audit.record import canonical_json, finite_time, is_hex_digest
from keel.audit.signing import AuditPublicKey, AuditSigner

CHECKPOINT_FORMAT = "keel.audit.checkpoint/v1"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed tree head. ``root`` is hex; ``signature`` is base64."""

    tenant: str
    tree_size: int
    root: str
    time: float
    key_id: str
    signature: str

    @staticmethod
    def message(*, tenant: str, tree_size: int, root: str, time: float, key_id: str) -> bytes:
        """The bytes a checkpoint's signature covers."""
        return canonical_json(
            {
                "format": CHECKPOINT_FORMAT,
                "key_id": key_id,
                "root": root,
                "tenant": tenant,
                "time": time,
                "tree_size": tree_size,
            }
        ).encode()

    @classmethod
    def sign(
        cls, signer: AuditSigner, *, tenant: str, tree_size: int, root: bytes, time: float
    ) -> Checkpoint:
        root_hex = root.hex()
        msg = cls.message(
            tenant=tenant, tree_size=tree_size, root=root_hex, time=time, key_id=signer.key_id
        )
        signature = base64.b64encode(signer.sign(msg)).decode()
        return cls(tenant, tree_size, root_hex, time, signer.key_id, signature)

    @property
    def root_bytes(self) -> bytes:
        return bytes.fromhex(self.root)

    def signature_problem(self, key: AuditPublicKey) -> str | None:
        """Why the signature does not hold under ``key``, or ``None`` if it does."""
        if self.key_id != key.key_id:
            return f"signed with key {self.key_id}, not the trusted key {key.key_id}"
        try:
            sig = base64.b64decode(self.signature, validate=True)
        except (ValueError, binascii.Error):
            return "signature is not base64"
        msg = self.message(
            tenant=self.tenant,
            tree_size=self.tree_size,
            root=self.root,
            time=self.time,
            key_id=self.key_id,
        )
        if len(sig) != 64 or not key.verify(sig, msg):
            # The key id says the trusted key signed it, yet the signature fails: the
            # checkpoint (or its signature) was altered or forged.
            return "signature does not verify (forged or altered checkpoint)"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "tenant": self.tenant,
            "tree_size": self.tree_size,
            "root": self.root,
            "time": self.time,
            "key_id": self.key_id,
            "signature": self.signature,
        }

    def to_json(self) -> str:
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, d: Any) -> Checkpoint:
        """Parse a checkpoint from JSON, checking every field; raises ``ProofError``."""
        if not isinstance(d, Mapping):
            raise ProofError("a checkpoint must be a JSON object")
        if d.get("format") != CHECKPOINT_FORMAT:
            raise ProofError(f"checkpoint format must be {CHECKPOINT_FORMAT!r}")
        size, tm = d.get("tree_size"), finite_time(d.get("time"))
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ProofError("checkpoint tree_size must be a positive integer")
        if tm is None:
            raise ProofError("checkpoint time must be a finite number")
        if not is_hex_digest(d.get("root")):
            raise ProofError("checkpoint root must be 64 lowercase hex digits")
        for name in ("tenant", "key_id", "signature"):
            if not isinstance(d.get(name), str) or not d[name]:
                raise ProofError(f"checkpoint {name} must be a non-empty string")
        return cls(d["tenant"], size, d["root"], tm, d["key_id"], d["signature"])
