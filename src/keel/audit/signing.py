"""The Ed25519 key that signs audit checkpoints, and public keys that check them.

The private key lives in one file (PKCS#8 PEM, mode 0600), created the first time a
checkpoint is signed. Its path comes from the edge (the CLI puts it in the data
dir); nothing here reads the environment. Creation is race-free: the key is written
to a private temporary file and linked into place, so two processes starting at
once end up sharing one key rather than overwriting each other's.

A key is named by its ``key_id``: ``ed25519:`` and the first 16 hex digits of the
SHA-256 of the raw 32-byte public key. Checkpoints carry it, so a chain re-signed
with another key is named as such.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from keel.audit.merkle import ProofError
from keel.errors import ConfigError

_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


class AuditPublicKey:
    """An Ed25519 public key that checks checkpoint signatures."""

    __slots__ = ("_key", "key_id", "raw")

    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key
        self.raw = key.public_bytes(*_RAW)
        self.key_id = "ed25519:" + hashlib.sha256(self.raw).hexdigest()[:16]

    @classmethod
    def from_text(cls, text: str) -> AuditPublicKey:
        """From PEM (what ``keel audit public-key`` prints) or the raw key in base64.

        Raises ``ProofError`` for anything else.
        """
        text = text.strip()
        try:
            if text.startswith("-----BEGIN"):
                key = serialization.load_pem_public_key(text.encode())
                if not isinstance(key, Ed25519PublicKey):
                    raise ProofError("the public key is not an Ed25519 key")
                return cls(key)
            raw = base64.b64decode(text, validate=True)
            return cls(Ed25519PublicKey.from_public_bytes(raw))
        except (ValueError, binascii.Error, UnsupportedAlgorithm) as e:
            raise ProofError(f"not an Ed25519 public key (PEM or base64): {e}") from None

    @classmethod
    def from_file(cls, path: Path) -> AuditPublicKey:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"cannot read public key {path}: {e.strerror}") from None
        return cls.from_text(text)

    def pem(self) -> str:
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def base64(self) -> str:
        return base64.b64encode(self.raw).decode()

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


class AuditSigner:
    """The private half: signs checkpoints."""

    __slots__ = ("_key", "path", "public_key")

    def __init__(self, key: Ed25519PrivateKey, path: Path | None = None) -> None:
        self._key = key
        self.path = path
        self.public_key = AuditPublicKey(key.public_key())

    @property
    def key_id(self) -> str:
        return self.public_key.key_id

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    @classmethod
    def generate(cls) -> AuditSigner:
        """A fresh key held in memory only (tests, benchmarks)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path) -> AuditSigner:
        """Read the key at ``path``; raises ``ConfigError`` if it is missing or not Ed25519."""
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ConfigError(f"cannot read the audit signing key {path}: {e.strerror}") from None
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as e:
            # TypeError: the key is encrypted (Keel reads it without a passphrase).
            raise ConfigError(f"{path} is not an unencrypted PEM private key: {e}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError(f"{path} is not an Ed25519 key")
        return cls(key, path)

    @classmethod
    def load_or_create(cls, path: Path) -> tuple[AuditSigner, bool]:
        """The key at ``path``, created (mode 0600) if absent. Returns it and whether it is new."""
        if path.exists():
            return cls.load(path), False
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own (mode 0600): two stores of one directory in one process
        # may create the key at once, as may two processes.
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                # Another process won the race: use its key.
                return cls.load(path), False
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return cls(key, path), True
