"""The audit log of one store: appends records to per-tenant hash chains.

``AuditLog.of(store)`` is the store's log (one per store, closed with it). Appends
are serialised by a lock, so within a process a tenant's chain never forks; the
head of each chain (last id and hash, Merkle frontier) is kept in memory, loaded
from the last row the first time a tenant appends. Records go through the store's
group writer without being waited on: they commit in order with the run's other
writes, so the engine's final awaited commit covers them.

Several processes may append to one database's tenants at once (``keel serve`` and
CLI commands on one SQLite file). When another process moved a tenant's head, the
commit re-chains this process's records onto the stored head inside the write
transaction (``keel.audit.rechain``): each record lands once, ids stay contiguous
and the chain verifies. An id or hash returned by ``append`` is then provisional:
the record is stored under the id it was re-chained to. Before the next checkpoint
the tenant's Merkle frontier is rebuilt from the database, so checkpoints cover the
records of every process.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.engine import make_url

from keel.audit import reader
from keel.audit.checkpoint import Checkpoint
from keel.audit.checkpointer import Checkpointer
from keel.audit.merkle import Frontier, ProofError, leaf_hashes
from keel.audit.rechain import AUDIT_COLUMNS, Link, Rechainer
from keel.audit.record import (
    GENESIS_HASH,
    AuditKind,
    AuditRecord,
    ContentEncoder,
    canonical_json,
    tenant_key,
)
from keel.audit.signing import AuditPublicKey, AuditSigner
from keel.errors import AuditUnavailable, UserError
from keel.store import Store
from keel.store.schema import audit_log

log = logging.getLogger(__name__)
_sha256 = hashlib.sha256

SIGNING_KEY_FILE = "audit-signing.key"
_T = TypeVar("_T")

# How many records may be queued before a thread without an event loop waits for them
# to commit. A producer faster than the writer (a bulk append, benchmarks/audit.py) would
# otherwise queue without bound: at 1M records 0.35-0.9 GB of pending rows, the garbage
# collector walking them all, and the writer and checkpointer threads starved of the
# GIL until the end. On an event loop nothing waits: the loop commits what its runs
# queued at each turn (``keel.store.writer``).
BACKLOG = 8192


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditOptions:
    """How a store's audit log checkpoints. Built at the edge, passed down.

    ``signing_key_path``: the Ed25519 key (created on first use, mode 0600); with
    none, records are still chained but no checkpoint is signed.
    ``checkpoint_every`` records or ``checkpoint_interval_s`` seconds, whichever
    comes first, a tenant with new records gets a checkpoint (and one at close).
    ``checkpoint_file`` / ``checkpoint_webhook``: where each checkpoint is also
    published (JSON lines appended; a POST of ``{"items": [checkpoint]}``).
    """

    signing_key_path: Path | None = None
    checkpoint_every: int = 1000
    checkpoint_interval_s: float = 60.0
    checkpoint_file: Path | None = None
    checkpoint_webhook: str | None = None

    def __post_init__(self) -> None:
        if self.checkpoint_every < 1 or self.checkpoint_interval_s <= 0:
            raise UserError("checkpoint_every must be >= 1 and checkpoint_interval_s > 0")

    @classmethod
    def for_store(cls, store: Store, **overrides: Any) -> AuditOptions:
        """Defaults for ``store``: the signing key beside its SQLite file (the data dir)."""
        url = make_url(str(store.engine.url))
        key: Path | None = None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            key = Path(url.database or "").resolve().parent / SIGNING_KEY_FILE
        return replace(cls(signing_key_path=key), **overrides)


# (kind, time, payload as canonical JSON): a record waiting to be chained.
Event = tuple[AuditKind, float, str]
# Perfect subtrees formed while the tree grew, for the proof cache: (level, first_leaf) -> hash.
Nodes = dict[tuple[int, int], bytes]


class _Head:
    """A tenant's chain head.

    ``digests`` are the record hashes appended since the frontier was last brought
    up to date: the checkpointer folds them in, so appends pay no Merkle hashing.
    ``frontier`` is None when the tree cannot be rebuilt (or nothing is signed).
    ``nodes``: subtrees of 1,024 leaves and up formed since the last checkpoint, which
    the next one hands to the proof cache (``keel.audit.tree_cache``).
    ``resync``: records were re-chained onto another process's, so the in-memory
    tree is void; until the head is rebuilt from the database (once every record of
    this process is stored), checkpoints are computed from the stored log.
    """

    __slots__ = ("digests", "frontier", "hash", "id", "nodes", "pending", "resync")

    def __init__(self, id: int, hash: str, frontier: Frontier | None, pending: int) -> None:
        self.id = id
        self.hash = hash
        self.frontier = frontier
        self.pending = pending
        self.digests: list[bytes] = []
        self.nodes: Nodes = {}
        self.resync = False


_LOGS: weakref.WeakKeyDictionary[Store, AuditLog] = weakref.WeakKeyDictionary()
_LOGS_LOCK = threading.Lock()


class AuditLog:
    """Appends audit records and has them checkpointed. Thread-safe."""

    def __init__(
        self,
        store: Store,
        options: AuditOptions | None = None,
        *,
        signer: AuditSigner | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.options = options or AuditOptions.for_store(store)
        self.clock = clock
        self._insert = insert(audit_log)
        self._lock = threading.Lock()
        self._heads: dict[str, _Head] = {}
        self._signer = signer
        self._signer_lock = threading.Lock()
        self._checkpointer = Checkpointer(self, clock=clock)
        self._closed = False
        # Records queued since a thread without an event loop last waited for the writer.
        self._unwaited = 0
        # Rows are tuples in ``AUDIT_COLUMNS`` order: no dict per record on the run path.
        store.writer.positional(self._insert, AUDIT_COLUMNS)
        store.writer.prepare(self._insert, Rechainer(self._rebased))

    @classmethod
    def of(cls, store: Store, options: AuditOptions | None = None) -> AuditLog:
        """The audit log of ``store``, created on first use and closed with the store."""
        with _LOGS_LOCK:
            existing = _LOGS.get(store)
            if existing is not None:
                if options is not None and options != existing.options:
                    raise UserError("this store's audit log is already open with other options")
                return existing
            created = _LOGS[store] = cls(store, options)
        store.on_close(created.close)
        return created

    # -- appending --------------------------------------------------------------------

    def append(
        self,
        kind: AuditKind,
        payload: Mapping[str, Any],
        *,
        actor: str,
        tenant: str | None = None,
        run_id: str | None = None,
    ) -> AuditRecord:
        """Chain one record and queue its write; returns it.

        Raises ``ValueError``/``TypeError`` for a payload that is not JSON.
        """
        return self._append_one(kind, payload, actor, tenant, run_id, wait=False)[0]

    async def append_committed(
        self,
        kind: AuditKind,
        payload: Mapping[str, Any],
        *,
        actor: str,
        tenant: str | None = None,
        run_id: str | None = None,
    ) -> AuditRecord:
        """``append``, then wait until the record is committed (on an event loop).

        Raises ``AuditUnavailable`` ("the audit record could not be stored (why)") if the write
        fails: for a caller that must not go on unrecorded (fail closed), where
        ``append`` only logs a write that fails at commit. The failed record is then no
        longer the chain's head, so the next one leaves no gap.
        """
        try:
            record, committed = self._append_one(kind, payload, actor, tenant, run_id, wait=True)
        except Exception as e:  # a closed log, a payload that is not JSON
            raise not_stored(e) from e
        if committed is not None:
            try:
                await committed
            except Exception as e:  # the database refused the row
                self.unchain(record.tenant, record.id, record.prev_hash, record.hash)
                raise not_stored(e) from e
        return record

    def append_committed_blocking(
        self,
        kind: AuditKind,
        payload: Mapping[str, Any],
        *,
        actor: str,
        tenant: str | None = None,
        run_id: str | None = None,
    ) -> AuditRecord:
        """``append_committed`` for code without an event loop (a CLI command): blocks
        until the record is committed; raises its ``AuditUnavailable``."""
        return _on_own_loop(
            self.append_committed(kind, payload, actor=actor, tenant=tenant, run_id=run_id)
        )

    def unchain(self, tenant: str, id: int, prev_hash: str, hash: str) -> None:
        """Move ``tenant``'s head back from record ``id`` (``hash``), which failed to
        commit, if it is still the head (if records were chained onto it meanwhile,
        verify names the gap). Its Merkle leaf may be folded in already: the frontier is
        rebuilt from the database before the next checkpoint."""
        with self._lock:
            head = self._heads.get(tenant)
            if head is None or head.hash != hash:
                return
            head.id, head.hash = id - 1, prev_hash
            head.pending = max(0, head.pending - 1)
            if head.frontier is not None:
                head.resync = True
                head.frontier = None
                head.digests = []
                head.nodes = {}

    def _append_one(
        self,
        kind: AuditKind,
        payload: Mapping[str, Any],
        actor: str,
        tenant: str | None,
        run_id: str | None,
        *,
        wait: bool,
    ) -> tuple[AuditRecord, asyncio.Future[Any] | None]:
        at = float(self.clock())
        text = canonical_json(dict(payload))
        seq, prev, h, committed = self.append_events(
            [(kind, at, text)], actor=actor, tenant=tenant, run_id=run_id, wait=wait
        )
        record = AuditRecord(tenant_key(tenant), seq, at, kind, actor, run_id, text, prev, h)
        return record, committed

    def append_events(
        self,
        events: Sequence[Event],
        *,
        actor: str,
        tenant: str | None = None,
        run_id: str | None = None,
        wait: bool = False,
    ) -> tuple[int, str, str, asyncio.Future[Any] | None]:
        """Chain several records of one actor and run, in order, and queue their writes.

        ``events`` are ``(kind, time, canonical payload JSON)``; submitted back to
        back, they reach the database in one grouped insert. Returns the last
        record's ``(id, prev_hash, hash)`` and, with ``wait`` (on an event loop), a
        future resolved once the records are committed, carrying a failed write's
        error (``None`` without ``wait``).
        """
        tkey = tenant_key(tenant)
        content = ContentEncoder(actor=actor, run_id=run_id, tenant=tkey)
        rows: list[tuple[Any, ...]] = []
        with self._lock:
            if self._closed:
                raise RuntimeError("the audit log is closed")
            head = self._heads.get(tkey)
            if head is None:
                head = self._heads[tkey] = self._load_head(tkey)
            seq, prev, h = head.id, head.hash, head.hash
            digests = None if head.frontier is None else head.digests
            for kind, at, text in events:
                seq += 1
                prev = h
                digest = _sha256(content.encode(seq, kind, text, prev, at).encode()).digest()
                h = digest.hex()
                rows.append((tkey, seq, at, kind, actor, run_id, text, prev, h))
                if digests is not None:
                    digests.append(digest)
            # Queued under the lock, so the chain's records reach the writer in order.
            committed = self.store.writer.submit_many(self._insert, rows, wait=wait)
            head.id, head.hash = seq, h
            head.pending += len(events)
            due = head.pending >= self.options.checkpoint_every
            self._unwaited += len(events)
            backlog = self._unwaited >= BACKLOG
            if backlog:
                self._unwaited = 0
        self._checkpointer.wake(due)
        if backlog and not _in_event_loop():
            self.flush()
        return seq, prev, h, committed

    def flush(self) -> None:
        """Wait until every record appended so far is committed. Blocks; any thread."""
        _on_own_loop(self.store.writer.flush())

    def head(self, tenant: str | None = None) -> tuple[int, str]:
        """``(last id, last hash)`` of a tenant's chain as this process sees it."""
        tkey = tenant_key(tenant)
        with self._lock:
            head = self._heads.get(tkey)
            if head is None:
                head = self._heads[tkey] = self._load_head(tkey)
            return head.id, head.hash

    def _load_head(self, tenant: str) -> _Head:
        engine = self.store.engine
        last = reader.last_record(engine, tenant)
        signs = self._signer is not None or self.options.signing_key_path is not None
        if last is None:
            return _Head(0, GENESIS_HASH, Frontier() if signs else None, 0)
        if not signs:
            return _Head(last.id, last.hash, None, 0)
        nodes: Nodes = {}
        stored = [s for s in reader.stored_checkpoints(engine, tenant) if s.checkpoint.tree_size]
        base: Frontier | None = None
        checkpointed = 0
        # Only a checkpoint this log's key signed may seed the tree: anyone who may insert
        # rows could store one whose frontier agrees with its root only, and the key would
        # sign wrong roots from then on. (Never creates the key: the lock is held.)
        key = self.public_key()
        for s in reversed(stored):
            size = s.checkpoint.tree_size
            if size > last.id or len(s.frontier) != size.bit_count():
                continue
            candidate = Frontier(size, [bytes.fromhex(h) for h in s.frontier])
            if (
                key is not None
                and candidate.root() == s.checkpoint.root_bytes
                and s.checkpoint.signature_problem(key) is None
            ):
                base, checkpointed = candidate, size
                break
        try:
            if base is None:
                anchor = reader.purge_anchor(engine, tenant)
                base = Frontier() if anchor is None else anchor.frontier.copy()
            base.extend(
                reader.leaf_hashes(engine, tenant, after_id=base.size, until_id=last.id),
                formed=_collect(nodes),
            )
        except ProofError as e:
            # Keep recording (the evidence must not stop), but sign no tree we cannot
            # compute: verify will name the damage.
            log.error("audit log of tenant %r is damaged (%s); checkpoints suspended", tenant, e)
            base, nodes = None, {}
        head = _Head(last.id, last.hash, base, last.id - checkpointed)
        head.nodes = nodes
        return head

    # -- checkpoints ------------------------------------------------------------------

    def signer(self, *, create: bool = True) -> AuditSigner | None:
        """The signing key; created (and a ``key.change`` recorded) on first use."""
        with self._signer_lock:
            if self._signer is not None or self.options.signing_key_path is None:
                return self._signer
            path = self.options.signing_key_path
            if not create and not path.exists():
                return None
            signer, created = AuditSigner.load_or_create(path)
            self._signer = signer
        if created:
            self.append(
                "key.change",
                {
                    "event": "created",
                    "key_id": signer.key_id,
                    "public_key": signer.public_key.base64(),
                },
                actor="keel",
            )
        return signer

    def public_key(self) -> AuditPublicKey | None:
        signer = self.signer(create=False)
        return None if signer is None else signer.public_key

    def snapshot(
        self, tenant: str, *, force: bool
    ) -> tuple[int, bytes, list[str], str, Nodes] | None:
        """``(tree size, root, frontier, last hash, nodes)`` to checkpoint now, or ``None``.

        ``None`` when not due (or the tree cannot be computed). Resets the tenant's
        pending count: the caller is about to sign this size. The checkpoint may be
        stored only if record ``tree size`` is stored with ``last hash`` (it may be
        re-chained at commit). ``nodes`` are the perfect subtrees of 1,024 leaves and
        up formed since the last snapshot, for the proof cache once the checkpoint is
        stored. Called from the checkpointer thread only.
        """
        head = self._heads.get(tenant)
        if head is not None and head.resync:
            self._resync(tenant)
        with self._lock:
            head = self._heads.get(tenant)
            if head is None:
                head = self._heads[tenant] = self._load_head(tenant)
            if head.pending == 0 and not force:
                return None
            if head.resync:
                # Still appending: sign the tree of what is stored, read from the database.
                head.pending = 0
                frontier = None
            else:
                frontier = head.frontier
                head.pending = 0
                if frontier is None or head.id == 0:
                    # No tree to sign (no key, or one that could not be computed): the
                    # records count as seen, so that later appends do not all wake the
                    # checkpointer again.
                    return None
                digests, head.digests = head.digests, []
                nodes, head.nodes = head.nodes, {}
                size, last_hash = head.id, head.hash
        if frontier is None:
            stored = self._load_head(tenant)
            if stored.frontier is None or stored.id == 0:
                return None
            frontier, size, last_hash, digests = stored.frontier, stored.id, stored.hash, []
            nodes = stored.nodes
        # Only the checkpointer thread folds, so the frontier needs no lock here.
        frontier.extend(leaf_hashes(digests), formed=_collect(nodes))
        if frontier.size != size:
            log.error("audit frontier of %r is at %d, not %d", tenant, frontier.size, size)
            return None
        return size, frontier.root(), [n.hex() for n in frontier.nodes], last_hash, nodes

    def mark_resync(self, tenant: str) -> None:
        """Have the tenant's frontier rebuilt from the database before its next checkpoint."""
        with self._lock:
            head = self._heads.get(tenant)
            if head is not None:
                head.resync = True
                head.frontier = None
                head.nodes = {}

    def _rebased(self, tenant: str, link: Link) -> bool:
        """After a commit that re-chained ``tenant``'s records: move the head onto the
        stored chain if ``link``'s record is the last one appended. Returns whether it did.
        """
        old_hash, new_id, new_hash = link
        with self._lock:
            head = self._heads.get(tenant)
            if head is None:
                return True
            if head.frontier is not None or head.resync:
                # The in-memory tree holds leaves that were never stored.
                head.resync = True
                head.frontier = None
                head.digests = []
                head.nodes = {}
            if head.hash != old_hash:
                return False  # more records queued after it; they follow the link
            head.id, head.hash = new_id, new_hash
            return True

    def _resync(self, tenant: str) -> None:
        """Rebuild a re-chained tenant's head and frontier from the database.

        Only once every record this process appended is stored (checked under the
        lock, so none is being chained meanwhile); otherwise it is tried again at
        the next checkpoint.
        """
        self.flush()
        engine = self.store.engine
        with self._lock:
            head = self._heads.get(tenant)
            if head is None or not head.resync:
                return
            stored = reader.get_record(engine, tenant, head.id)
            if stored is None or stored.hash != head.hash:
                return
            fresh = self._load_head(tenant)
            head.id, head.hash, head.frontier = fresh.id, fresh.hash, fresh.frontier
            head.pending, head.digests, head.resync = fresh.pending, [], False
            head.nodes = fresh.nodes

    def due_tenants(self, *, every: bool) -> list[str]:
        """Tenants with records not yet checkpointed (``every``: at least N of them)."""
        limit = self.options.checkpoint_every if every else 1
        with self._lock:
            return [t for t, h in self._heads.items() if h.pending >= limit]

    def checkpoint(
        self, tenant: str | None = None, *, all_tenants: bool = False
    ) -> list[Checkpoint]:
        """Sign a checkpoint now and wait until it is stored and published.

        With ``all_tenants`` every tenant in the store is checkpointed, otherwise
        ``tenant``'s. A tenant with nothing new gets its latest checkpoint back.
        Raises ``UserError`` when there is no signing key.
        """
        if self.signer() is None:
            raise UserError("no audit signing key is configured, so no checkpoint can be signed")
        names = reader.tenants(self.store.engine) if all_tenants else [tenant_key(tenant)]
        return self._checkpointer.checkpoint_now(names)

    def close(self) -> None:
        """Checkpoint what is pending, then stop; later appends raise ``RuntimeError``."""
        with self._lock:
            if self._closed:
                return
        self._checkpointer.stop()
        with self._lock:
            self._closed = True
        with _LOGS_LOCK:
            if _LOGS.get(self.store) is self:
                del _LOGS[self.store]


def _on_own_loop(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coroutine`` to its end on a loop of its own, in a thread of its own, so
    that a caller may block on it whether or not it is inside an event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def not_stored(cause: BaseException) -> AuditUnavailable:
    """What a waited-for audit write that failed raises: one line saying why (no SQL text)."""
    why = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    return AuditUnavailable(f"the audit record could not be stored ({why})")


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _collect(nodes: Nodes) -> Callable[[int, int, bytes], None]:
    def formed(level: int, first_leaf: int, node: bytes) -> None:
        nodes[(level, first_leaf)] = node

    return formed
