"""The PII vault's keys: numbered, one current, older ones kept until retired.

Two files, both mode 0600 and both secret (keep them out of database backups):

* ``vault.key`` (data dir): 32 raw bytes, **key 1**, the vault's only key before key
  rotation existed. Made on first use when there is no keyring, exactly as before, so
  an install that never rotates never sees a keyring.
* ``vault.keys`` (data dir, or ``pii_vault_keyring``): the keyring, written by
  ``keel pii rotate-key`` and ``keel pii retire-key`` (atomically: a temporary file,
  fsync, rename) and never by anything else. JSON::

      {"format": 1, "current": 2, "token_key": "<base64>",
       "keys": [{"id": 1, "key_file": true, "created_at": null, "retired_at": null},
                {"id": 2, "key": "<base64>", "created_at": 1763.0, "retired_at": null}]}

  Once it exists it is the list of keys: key 1 stays in ``vault.key`` (``key_file``)
  until it is retired, newer keys are in the keyring itself, and a retired key keeps
  its entry (id and dates, never its material) so that ids are never reused.
  ``token_key`` is the key that names tokens; it is derived from key 1 when the keyring
  is first made, so a value keeps its token across rotations and after key 1 is gone.

Nothing here logs or formats key material: :class:`VaultKeys` and :class:`KeyEntry`
print ids and dates only, and every error names the file, never its content.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from keel.errors import ConfigError, Conflict, NotFound, UserError

log = logging.getLogger(__name__)

KEY_BYTES: Final = 32
FORMAT: Final = 1
ORIGINAL_KEY_ID: Final = 1
TOKEN_KEY_LABEL: Final = b"keel pii tokens"


@dataclass(frozen=True)
class KeyEntry:
    """One key of the keyring; ``key`` is ``None`` once retired (never printed)."""

    id: int
    key: bytes | None = field(repr=False)
    created_at: float | None  # when it became current (None: key 1 of an older install)
    retired_at: float | None = None
    in_key_file: bool = False  # key 1 read from ``vault.key``

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


@dataclass(frozen=True)
class VaultKeys:
    """The keys a vault opens and seals with: ``current`` seals, every active key opens."""

    current: int
    entries: tuple[KeyEntry, ...]
    token_key: bytes = field(repr=False)
    from_keyring: bool = False  # False: key 1 alone, from ``vault.key``

    @classmethod
    def single(cls, key: bytes) -> VaultKeys:
        """Key 1 alone: an install without a keyring (or a vault built in code)."""
        _check_length(key, "a PII vault key")
        entry = KeyEntry(ORIGINAL_KEY_ID, key, None, in_key_file=True)
        return cls(ORIGINAL_KEY_ID, (entry,), token_key(key))

    @property
    def active(self) -> Mapping[int, bytes]:
        """``id -> key`` of every key not retired."""
        return {e.id: e.key for e in self.entries if e.key is not None}

    def entry(self, key_id: int) -> KeyEntry:
        """Raises ``NotFound`` for an id the keyring never had."""
        for e in self.entries:
            if e.id == key_id:
                return e
        known = ", ".join(str(e.id) for e in self.entries)
        raise NotFound(
            f"the PII vault has no key {key_id} (keys: {known}); `keel pii keys` lists them",
            details={"reason": "vault_key_unknown", "key_id": key_id},
        )

    def superseded_at(self, key_id: int) -> float | None:
        """When ``key_id`` stopped being current: the next key's ``created_at``."""
        later = [e.created_at for e in self.entries if e.id > key_id and e.created_at]
        return min(later) if later else None


def token_key(original: bytes) -> bytes:
    """The key naming tokens, derived from key 1 (what ``keel.host`` always used)."""
    return hmac.new(original, TOKEN_KEY_LABEL, hashlib.sha256).digest()


class VaultKeyring:
    """The vault's key files: ``path`` (the keyring) and ``key_file`` (``vault.key``).

    ``load`` reads them; ``rotate`` and ``retire`` change the keyring under an
    exclusive lock (``<path>.lock``), so two operators cannot interleave.
    """

    def __init__(self, path: Path, *, key_file: Path) -> None:
        self.path = path
        self.key_file = key_file
        self._seen: tuple[int, int, int] | None = None

    # -- reading -------------------------------------------------------------------------

    def load(self) -> VaultKeys:
        """The keys now. Without a keyring: key 1 from ``vault.key``, made on first use.

        Raises ``ConfigError`` (reason ``vault_keyring_invalid``) for a keyring that is
        not one Keel wrote, and for a ``vault.key`` that is not 32 bytes or, once a
        keyring names it, missing.
        """
        self._seen = _signature(self.path)
        if self._seen is None:
            return VaultKeys.single(_read_or_make_key(self.key_file))
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as e:
            raise self._invalid(f"it cannot be read ({e.strerror})") from None
        except UnicodeDecodeError:
            raise self._invalid("it is not UTF-8 text") from None
        if os.stat(self.path).st_mode & 0o077:
            log.warning("PII vault keyring %s is readable by others: chmod 600 it", self.path)
        return self._parse(text)

    def load_if_changed(self) -> VaultKeys | None:
        """The keys if the keyring appeared or changed since the last load, else ``None``
        (one ``stat``: what a running vault calls every ``pii_vault_key_refresh_s``)."""
        if _signature(self.path) == self._seen:
            return None
        return self.load()

    # -- changing ------------------------------------------------------------------------

    def rotate(self, *, now: float | None = None) -> tuple[VaultKeys, int]:
        """Add a new random key and make it current; ``(keys, previous current id)``.

        The first rotation of an install writes the keyring with key 1 still in
        ``vault.key`` and the token key derived from it, so tokens keep their names.
        """
        now = time.time() if now is None else now
        with self._locked():
            keys = self.load()
            new_id = max(e.id for e in keys.entries) + 1
            entry = KeyEntry(new_id, secrets.token_bytes(KEY_BYTES), now)
            rotated = replace(keys, current=new_id, entries=(*keys.entries, entry))
            self._write(rotated)
            return replace(rotated, from_keyring=True), keys.current

    def retire(
        self,
        key_id: int,
        *,
        check: Callable[[VaultKeys], None],
        now: float | None = None,
    ) -> VaultKeys:
        """Drop ``key_id``'s material for good, after ``check(keys)`` passed under the lock.

        Raises ``NotFound`` for an unknown id, ``Conflict`` for the current key or one
        already retired (and whatever ``check`` raises). Retiring key 1 deletes
        ``vault.key`` once the keyring no longer names it.
        """
        now = time.time() if now is None else now
        with self._locked():
            keys = self.load()
            entry = keys.entry(key_id)
            if entry.retired:
                raise Conflict(
                    f"PII vault key {key_id} is already retired",
                    details={"reason": "vault_key_retired", "key_id": key_id},
                )
            if key_id == keys.current:
                raise Conflict(
                    f"PII vault key {key_id} is the current key: `keel pii rotate-key` "
                    "and `keel pii reencrypt` first, then retire it",
                    details={"reason": "vault_key_current", "key_id": key_id},
                )
            check(keys)
            gone = KeyEntry(entry.id, None, entry.created_at, now)
            retired = replace(
                keys, entries=tuple(gone if e.id == key_id else e for e in keys.entries)
            )
            self._write(retired)
            if entry.in_key_file:
                self.key_file.unlink(missing_ok=True)
            return replace(retired, from_keyring=True)

    # -- internals -----------------------------------------------------------------------

    def _invalid(self, why: str) -> ConfigError:
        return ConfigError(
            f"PII vault keyring {self.path} is invalid: {why}. Restore it from your backup "
            "(without it the values sealed under its keys cannot be revealed)",
            details={"reason": "vault_keyring_invalid", "path": str(self.path)},
        )

    def _parse(self, text: str) -> VaultKeys:
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise self._invalid(f"not JSON ({_position(e)})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise self._invalid(f"not a format {FORMAT} keyring")
        entries: list[KeyEntry] = []
        raw_entries = doc.get("keys")
        if not isinstance(raw_entries, list) or not raw_entries:
            raise self._invalid('"keys" must be a non-empty list')
        for raw in raw_entries:
            entries.append(self._entry(raw))
        ids = [e.id for e in entries]
        if len(set(ids)) != len(ids):
            raise self._invalid("a key id appears twice")
        current = doc.get("current")
        if not isinstance(current, int) or isinstance(current, bool):
            raise self._invalid('"current" must be a key id')
        if not any(e.id == current and not e.retired for e in entries):
            raise self._invalid(f'"current" ({current!r}) is not an active key of the keyring')
        tkey = self._b64(doc.get("token_key"), "token_key")
        return VaultKeys(current, tuple(entries), tkey, from_keyring=True)

    def _entry(self, raw: Any) -> KeyEntry:
        if not isinstance(raw, dict):
            raise self._invalid("a key entry is not an object")
        key_id = raw.get("id")
        if not isinstance(key_id, int) or isinstance(key_id, bool) or key_id < 1:
            raise self._invalid("a key entry has no positive integer id")
        created, retired = raw.get("created_at"), raw.get("retired_at")
        for name, value in (("created_at", created), ("retired_at", retired)):
            if value is not None and (not isinstance(value, int | float) or value < 0):
                raise self._invalid(f"key {key_id}: {name} must be a time in seconds or null")
        if retired is not None:
            if "key" in raw or raw.get("key_file"):
                raise self._invalid(f"key {key_id} is retired but still has material")
            return KeyEntry(key_id, None, created, float(retired))
        if raw.get("key_file") is True:
            if key_id != ORIGINAL_KEY_ID:
                raise self._invalid(f"only key 1 lives in {self.key_file.name}, not key {key_id}")
            try:
                key = self.key_file.read_bytes()
            except FileNotFoundError:
                raise ConfigError(
                    f"PII vault key 1 lives in {self.key_file}, which is missing: restore it "
                    "from your backup, or retire key 1 once no entry uses it",
                    details={"reason": "vault_key_missing", "key_id": 1},
                ) from None
            _check_length(key, f"{self.key_file}")
            return KeyEntry(key_id, key, created, None, in_key_file=True)
        return KeyEntry(key_id, self._b64(raw.get("key"), f"key {key_id}"), created)

    def _b64(self, value: Any, what: str) -> bytes:
        if not isinstance(value, str):
            raise self._invalid(f"{what} is missing")
        try:
            key = base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise self._invalid(f"{what} is not base64") from None
        if len(key) != KEY_BYTES:
            raise self._invalid(f"{what} is {len(key)} bytes, not {KEY_BYTES}")
        return key

    def _write(self, keys: VaultKeys) -> None:
        doc = {
            "format": FORMAT,
            "current": keys.current,
            "token_key": base64.b64encode(keys.token_key).decode(),
            "keys": [_entry_doc(e) for e in keys.entries],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=2)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(self.path.parent)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


def _entry_doc(e: KeyEntry) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": e.id}
    if e.key is not None:
        if e.in_key_file:
            doc["key_file"] = True
        else:
            doc["key"] = base64.b64encode(e.key).decode()
    doc["created_at"] = e.created_at
    doc["retired_at"] = e.retired_at
    return doc


def _read_or_make_key(path: Path) -> bytes:
    """32 random bytes kept in ``path`` (created 0600 on first use)."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            key = path.read_bytes()
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(key)
    return key


def _check_length(key: bytes, what: str) -> None:
    if len(key) != KEY_BYTES:
        raise UserError(
            f"{what} must be {KEY_BYTES} bytes (AES-256), not {len(key)}; "
            "delete the vault.key file to have a new one made (values sealed under "
            "the old key can then no longer be revealed)"
        )


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _position(e: ValueError) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"line {e.lineno}, column {e.colno}"
    return "undecodable"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
