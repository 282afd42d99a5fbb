"""``StoreVault``: PII token values kept in the store, encrypted, for a bounded time.

It implements ``keel.governance.pii.Vault`` (a protocol: nothing is imported from
governance), so a run resumed after a crash, or continued after an approval in another
process, still reveals the tokens it was issued to the tools allowed to see them.

* **Encrypted at rest.** Each value is sealed with AES-256-GCM under the vault's
  current key; the row keeps that key's id (``key_id``), so values sealed under an older
  key still open after a rotation (``keel.store.vault_keyring``: ``vault.key`` is key 1,
  the ``vault.keys`` keyring adds newer ones; ``keel.store.vault_rotation`` re-encrypts
  and retires). The nonce is random per write; the tenant and the handle are the
  associated data, so a row copied under another tenant or handle does not open. A row
  that does not open (a key this process lacks, a tampered row) is logged, by handle
  and key id only, and reads as unknown: the tool gets the token, never the ciphertext
  (fail closed).
* **Keys change under a running process.** With a keyring attached the vault re-reads
  it (one ``stat``) at most every ``refresh_s`` and at once, at most once a second, when
  a row names a key id it does not hold: a key rotated by ``keel pii rotate-key`` seals
  new values within ``refresh_s`` and rows re-encrypted by another process keep opening.
* **Per tenant.** Rows are keyed by ``(tenant, handle)``; ``""`` is no tenant.
* **Off the commit path.** ``put`` queues an upsert on the store's group writer and
  never waits for it; a value stays in a small LRU cache, so hot ``get`` calls and
  repeated ``put`` calls of the same token cost a dict lookup. A ``get`` that misses
  the cache reads the table.
* **Bounded.** A value lives ``ttl_s`` after it was written (a process rewrites a
  token it issues again once its cached copy is past the TTL); older rows are never
  returned and ``purge_expired`` (``keel purge``) deletes them.

The vault may be created before the store is open (agents are loaded first):
until ``attach``, values are kept in memory and written on attach.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import and_, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from keel.errors import UserError
from keel.store.schema import pii_vault
from keel.store.vault_keyring import KEY_BYTES, VaultKeyring, VaultKeys

if TYPE_CHECKING:
    from keel.store.database import Store

log = logging.getLogger(__name__)

NONCE_BYTES: Final = 12
DEFAULT_TTL_S: Final = 30 * 86_400.0
DEFAULT_CACHE_SIZE: Final = 4096
DEFAULT_REFRESH_S: Final = 10.0
# A row naming a key this process lacks re-reads the keyring at most this often.
MISSING_KEY_RELOAD_S: Final = 1.0
# Handles looked up in one query by ``get_many`` (under SQLite's bound-parameter limit).
GET_MANY_BATCH: Final = 500

__all__ = ["KEY_BYTES", "NONCE_BYTES", "StoreVault", "associated_data", "purge_expired"]

_Key = tuple[str, str]  # (tenant, handle)


class StoreVault:
    """A ``Vault`` over the store's ``pii_vault`` table (see the module docstring).

    ``key`` is key 1 alone (bytes) or the keys of a keyring; with ``keyring`` the vault
    follows that keyring's changes (see the module docstring).

    Raises :class:`~keel.errors.UserError` for a key that is not 32 bytes, a TTL or
    refresh interval that is not positive or a cache smaller than one entry.
    """

    def __init__(
        self,
        key: bytes | VaultKeys,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        cache_size: int = DEFAULT_CACHE_SIZE,
        clock: Callable[[], float] = time.time,
        keyring: VaultKeyring | None = None,
        refresh_s: float = DEFAULT_REFRESH_S,
    ) -> None:
        keys = VaultKeys.single(key) if isinstance(key, bytes) else key
        if refresh_s <= 0:
            raise UserError(f"pii_vault_key_refresh_s must be positive, not {refresh_s}")
        if ttl_s <= 0:
            raise UserError(f"pii_vault_ttl_s must be positive, not {ttl_s}")
        if cache_size < 1:
            raise UserError(f"the PII vault cache needs at least one entry, not {cache_size}")
        self.ttl_s = ttl_s
        self._keyring = keyring
        self._refresh_s = refresh_s
        self._next_refresh = clock() + refresh_s
        self._next_missing_reload = 0.0
        self._cache_size = cache_size
        self._clock = clock
        self._lock = threading.Lock()
        self._use(keys)
        self._cache: OrderedDict[_Key, tuple[str, float]] = OrderedDict()
        # Sealed values waiting for a store (agents load before the store opens).
        self._pending: dict[_Key, tuple[bytes, int, float]] = {}
        self._store: Store | None = None
        self._upsert: Any = None

    # -- the Vault protocol ------------------------------------------------------------

    def put(self, handle: str, value: str, *, scope: str = "") -> None:
        """Keep ``value`` under ``(scope, handle)``; queued, never waited for."""
        k = (scope, handle)
        now = self._clock()
        if now >= self._next_refresh:
            self._refresh(now)
        with self._lock:
            hit = self._cache.get(k)
            if hit is not None and hit[0] == value and now - hit[1] < self.ttl_s:
                self._cache.move_to_end(k)
                return
            self._remember(k, value, now)
            key_id, sealed = self._seal(k, value)
            store = self._store
            if store is None:
                self._pending[k] = (sealed, key_id, now)
                return
        self._write(store, k, sealed, key_id, now)

    def get(self, handle: str, *, scope: str = "") -> str | None:
        """The value under ``(scope, handle)``; ``None`` if unknown, expired, or
        sealed under a key this vault does not hold (logged)."""
        k = (scope, handle)
        now = self._clock()
        with self._lock:
            hit = self._cache.get(k)
            if hit is not None:
                if now - hit[1] < self.ttl_s:
                    self._cache.move_to_end(k)
                    return hit[0]
                del self._cache[k]
            store = self._store
            pending = self._pending.get(k) if store is None else None
        if store is None:
            row: tuple[bytes, int, float] | None = pending
        else:
            row = self._read(store, k, since=now - self.ttl_s)
        if row is None or now - row[2] >= self.ttl_s:
            return None
        value = self._open(k, row[0], row[1], now)
        if value is not None:
            with self._lock:
                self._remember(k, value, row[2])
        return value

    def get_many(self, handles: Collection[str], *, scope: str = "") -> dict[str, str]:
        """``get`` for each of ``handles``: the values known under ``scope``, by handle.
        Those the cache misses are read in one query per ``GET_MANY_BATCH`` handles (a
        page of runs shown at once), and cached."""
        now = self._clock()
        found: dict[str, str] = {}
        missing: list[str] = []
        with self._lock:
            for handle in handles:
                hit = self._cache.get((scope, handle))
                if hit is not None and now - hit[1] < self.ttl_s:
                    self._cache.move_to_end((scope, handle))
                    found[handle] = hit[0]
                else:
                    missing.append(handle)
            store = self._store
        if store is None:
            known = {h: self.get(h, scope=scope) for h in missing}
            return found | {h: v for h, v in known.items() if v is not None}
        missing = list(dict.fromkeys(missing))
        for start in range(0, len(missing), GET_MANY_BATCH):
            query = select(
                pii_vault.c.handle, pii_vault.c.sealed, pii_vault.c.key_id, pii_vault.c.created_at
            ).where(
                pii_vault.c.tenant == scope,
                pii_vault.c.handle.in_(missing[start : start + GET_MANY_BATCH]),
                pii_vault.c.created_at > now - self.ttl_s,
            )
            with store.engine.connect() as conn:
                rows = conn.execute(query).all()
            for row in rows:
                k = (scope, str(row.handle))
                value = self._open(k, bytes(row.sealed), int(row.key_id), now)
                if value is not None:
                    with self._lock:
                        self._remember(k, value, float(row.created_at))
                    found[k[1]] = value
        return found

    @property
    def current_key_id(self) -> int:
        """The id of the key new values are sealed under."""
        return self._current

    # -- the store -----------------------------------------------------------------------

    def attach(self, store: Store) -> None:
        """Keep values in ``store`` from now on (and write those kept so far); detached
        again when the store closes."""
        dialect = store.engine.dialect.name
        stmt: Any = pg_insert(pii_vault) if dialect == "postgresql" else sqlite_insert(pii_vault)
        upsert = stmt.on_conflict_do_update(
            index_elements=[pii_vault.c.tenant, pii_vault.c.handle],
            set_={
                "sealed": stmt.excluded.sealed,
                "key_id": stmt.excluded.key_id,
                "created_at": stmt.excluded.created_at,
            },
        )
        with self._lock:
            self._store, self._upsert = store, upsert
            pending, self._pending = self._pending, {}
        for k, (sealed, key_id, created) in pending.items():
            self._write(store, k, sealed, key_id, created)
        store.on_close(lambda: self._detach(store))

    def purge(self) -> int:
        """Delete the rows past the TTL from the attached store; how many were deleted."""
        now = self._clock()
        with self._lock:
            store = self._store
            for k in [k for k, (_, t) in self._cache.items() if now - t >= self.ttl_s]:
                del self._cache[k]
        return 0 if store is None else purge_expired(store, ttl_s=self.ttl_s, now=now)

    def __len__(self) -> int:
        """Values cached in this process (not the table's size)."""
        return len(self._cache)

    # -- internals -----------------------------------------------------------------------

    def _detach(self, store: Store) -> None:
        with self._lock:
            if self._store is store:
                self._store, self._upsert = None, None
                self._cache.clear()

    def _remember(self, k: _Key, value: str, created: float) -> None:
        self._cache[k] = (value, created)
        self._cache.move_to_end(k)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _use(self, keys: VaultKeys) -> None:
        # cryptography is a core dependency, but loading it costs ~10 ms: not at import.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        aeads = {key_id: AESGCM(key) for key_id, key in keys.active.items()}
        with self._lock:
            self._aeads, self._current = aeads, keys.current

    def _refresh(self, now: float, *, missing: int | None = None) -> None:
        """Re-read the keyring if it changed; a broken one is logged and the keys held
        so far stay in use (sealing under a known key is always safe)."""
        self._next_refresh = now + self._refresh_s
        if self._keyring is None:
            return
        if missing is not None:
            if now < self._next_missing_reload:
                return
            self._next_missing_reload = now + MISSING_KEY_RELOAD_S
        try:
            keys = self._keyring.load_if_changed()
        except UserError as e:
            log.error("PII vault: keeping the keys loaded before: %s", e.message)
            return
        except OSError as e:  # e.g. the keyring made unreadable to this process
            log.error("PII vault: keeping the keys loaded before: %s", e.strerror)
            return
        if keys is not None:
            before = self._current
            self._use(keys)
            if keys.current != before:
                log.info(
                    "PII vault: sealing new values under key %d (was %d)", keys.current, before
                )

    def _seal(self, k: _Key, value: str) -> tuple[int, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        key_id = self._current
        return key_id, nonce + self._aeads[key_id].encrypt(
            nonce, value.encode(), associated_data(*k)
        )

    def _open(self, k: _Key, sealed: bytes, key_id: int, now: float) -> str | None:
        from cryptography.exceptions import InvalidTag

        aead = self._aeads.get(key_id)
        if aead is None:
            self._refresh(now, missing=key_id)  # re-encrypted or rotated elsewhere?
            aead = self._aeads.get(key_id)
        if aead is None:
            log.error(
                "PII vault: token %s (tenant %r) is sealed under key %d, which this process "
                "does not hold (retired, or missing from the keyring); it stays a token",
                k[1],
                k[0],
                key_id,
            )
            return None
        try:
            plain = aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data(*k))
        except InvalidTag:
            log.error(
                "PII vault: token %s (tenant %r) cannot be decrypted with vault key %d "
                "(another vault.key, or a tampered row); it stays a token",
                k[1],
                k[0],
                key_id,
            )
            return None
        return plain.decode()

    def _write(self, store: Store, k: _Key, sealed: bytes, key_id: int, created: float) -> None:
        store.writer.submit(
            self._upsert,
            {
                "tenant": k[0],
                "handle": k[1],
                "sealed": sealed,
                "key_id": key_id,
                "created_at": created,
            },
        )

    @staticmethod
    def _read(store: Store, k: _Key, *, since: float) -> tuple[bytes, int, float] | None:
        query = select(pii_vault.c.sealed, pii_vault.c.key_id, pii_vault.c.created_at).where(
            and_(
                pii_vault.c.tenant == k[0],
                pii_vault.c.handle == k[1],
                pii_vault.c.created_at > since,
            )
        )
        with store.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return bytes(row.sealed), int(row.key_id), float(row.created_at)


def purge_expired(store: Store, *, ttl_s: float, now: float | None = None) -> int:
    """Delete vault rows written more than ``ttl_s`` before ``now``; how many."""
    cutoff = (time.time() if now is None else now) - ttl_s
    with store.engine.begin() as conn:
        return int(conn.execute(delete(pii_vault).where(pii_vault.c.created_at < cutoff)).rowcount)


def associated_data(tenant: str, handle: str) -> bytes:
    """What a sealed value is bound to: its tenant and handle."""
    return f"{tenant}\x00{handle}".encode()
