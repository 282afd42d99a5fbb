"""``StoreVault``: PII token values kept in the store, encrypted, for a bounded time.

It implements ``keel.governance.pii.Vault`` (a protocol: nothing is imported from
governance), so a run resumed after a crash, or continued after an approval in another
process, still reveals the tokens it was issued to the tools allowed to see them.

* **Encrypted at rest.** Each value is sealed with AES-256-GCM under a 32-byte key
  (``vault.key`` in the data dir; ``keel.host`` reads it). The nonce is random per
  write; the tenant and the handle are the associated data, so a row copied under
  another tenant or handle does not open. A row that does not open (another key, a
  tampered row) is logged, by handle only, and reads as unknown: the tool gets the
  token, never the ciphertext (fail closed).
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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import and_, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from keel.errors import UserError
from keel.store.schema import pii_vault

if TYPE_CHECKING:
    from keel.store.database import Store

log = logging.getLogger(__name__)

KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
DEFAULT_TTL_S: Final = 30 * 86_400.0
DEFAULT_CACHE_SIZE: Final = 4096

_Key = tuple[str, str]  # (tenant, handle)


class StoreVault:
    """A ``Vault`` over the store's ``pii_vault`` table (see the module docstring).

    Raises :class:`~keel.errors.UserError` for a key that is not 32 bytes, a TTL that
    is not positive or a cache smaller than one entry.
    """

    def __init__(
        self,
        key: bytes,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        cache_size: int = DEFAULT_CACHE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(key) != KEY_BYTES:
            raise UserError(
                f"a PII vault key must be {KEY_BYTES} bytes (AES-256), not {len(key)}; "
                "delete the vault.key file to have a new one made (values sealed under "
                "the old key can then no longer be revealed)"
            )
        if ttl_s <= 0:
            raise UserError(f"pii_vault_ttl_s must be positive, not {ttl_s}")
        if cache_size < 1:
            raise UserError(f"the PII vault cache needs at least one entry, not {cache_size}")
        # cryptography is a core dependency, but loading it costs ~10 ms: not at import.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)
        self.ttl_s = ttl_s
        self._cache_size = cache_size
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: OrderedDict[_Key, tuple[str, float]] = OrderedDict()
        # Sealed values waiting for a store (agents load before the store opens).
        self._pending: dict[_Key, tuple[bytes, float]] = {}
        self._store: Store | None = None
        self._upsert: Any = None

    # -- the Vault protocol ------------------------------------------------------------

    def put(self, handle: str, value: str, *, scope: str = "") -> None:
        """Keep ``value`` under ``(scope, handle)``; queued, never waited for."""
        k = (scope, handle)
        now = self._clock()
        with self._lock:
            hit = self._cache.get(k)
            if hit is not None and hit[0] == value and now - hit[1] < self.ttl_s:
                self._cache.move_to_end(k)
                return
            self._remember(k, value, now)
            sealed = self._seal(k, value)
            store = self._store
            if store is None:
                self._pending[k] = (sealed, now)
                return
        self._write(store, k, sealed, now)

    def get(self, handle: str, *, scope: str = "") -> str | None:
        """The value under ``(scope, handle)``; ``None`` if unknown, expired, or
        sealed under another key (logged)."""
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
            row: tuple[bytes, float] | None = pending
        else:
            row = self._read(store, k, since=now - self.ttl_s)
        if row is None or now - row[1] >= self.ttl_s:
            return None
        value = self._open(k, row[0])
        if value is not None:
            with self._lock:
                self._remember(k, value, row[1])
        return value

    # -- the store -----------------------------------------------------------------------

    def attach(self, store: Store) -> None:
        """Keep values in ``store`` from now on (and write those kept so far); detached
        again when the store closes."""
        dialect = store.engine.dialect.name
        stmt: Any = pg_insert(pii_vault) if dialect == "postgresql" else sqlite_insert(pii_vault)
        upsert = stmt.on_conflict_do_update(
            index_elements=[pii_vault.c.tenant, pii_vault.c.handle],
            set_={"sealed": stmt.excluded.sealed, "created_at": stmt.excluded.created_at},
        )
        with self._lock:
            self._store, self._upsert = store, upsert
            pending, self._pending = self._pending, {}
        for k, (sealed, created) in pending.items():
            self._write(store, k, sealed, created)
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

    def _seal(self, k: _Key, value: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, value.encode(), _aad(k))

    def _open(self, k: _Key, sealed: bytes) -> str | None:
        from cryptography.exceptions import InvalidTag

        try:
            plain = self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _aad(k))
        except InvalidTag:
            log.error(
                "PII vault: token %s (tenant %r) cannot be decrypted with this vault.key "
                "(another key, or a tampered row); it stays a token",
                k[1],
                k[0],
            )
            return None
        return plain.decode()

    def _write(self, store: Store, k: _Key, sealed: bytes, created: float) -> None:
        store.writer.submit(
            self._upsert,
            {"tenant": k[0], "handle": k[1], "sealed": sealed, "created_at": created},
        )

    @staticmethod
    def _read(store: Store, k: _Key, *, since: float) -> tuple[bytes, float] | None:
        query = select(pii_vault.c.sealed, pii_vault.c.created_at).where(
            and_(
                pii_vault.c.tenant == k[0],
                pii_vault.c.handle == k[1],
                pii_vault.c.created_at > since,
            )
        )
        with store.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (bytes(row.sealed), float(row.created_at))


def purge_expired(store: Store, *, ttl_s: float, now: float | None = None) -> int:
    """Delete vault rows written more than ``ttl_s`` before ``now``; how many."""
    cutoff = (time.time() if now is None else now) - ttl_s
    with store.engine.begin() as conn:
        return int(conn.execute(delete(pii_vault).where(pii_vault.c.created_at < cutoff)).rowcount)


def _aad(k: _Key) -> bytes:
    return f"{k[0]}\x00{k[1]}".encode()
