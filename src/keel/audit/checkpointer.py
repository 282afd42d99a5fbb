"""The thread that signs checkpoints, off the run path.

Appending a record only counts it; this thread does the rest, every
``checkpoint_every`` records or ``checkpoint_interval_s`` seconds (and once more
when the log closes): take the tenant's tree size and root under the log's lock,
sign them, store the checkpoint through the group writer and wait for that commit
(the writer keeps order, so every record the checkpoint covers is committed by
then), and only then publish it to the external file or webhook. Inside that
write transaction the checkpoint is stored only if its last record is stored with
the hash the tree was computed from: another process's appends may have had this
process's records re-chained at commit (``keel.audit.rechain``); the tree is then
computed again from the stored log. A published
checkpoint therefore never names records that a crash could still lose.

Once a checkpoint is stored, the perfect subtrees of 1,024 records and up that
folding its records formed go to the proof cache (``keel.audit.tree_cache``) with
the next group commit, not waited for: a first proof then reads O(log n) nodes.
A checkpoint that could not be stored (a database error) is tried again at the
next pass and at close: its records no longer count as new, so nothing else would.

Signing (~50 µs) and the webhook's network round trip stay out of every run.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from keel.audit import reader, tree_cache
from keel.audit.checkpoint import Checkpoint
from keel.audit.record import canonical_json
from keel.audit.signing import AuditSigner
from keel.audit.sinks import DeliveryError, FileSink, WebhookSink, webhook_url
from keel.errors import Conflict, KeelError
from keel.store.schema import audit_checkpoints, audit_log
from keel.store.writer import Prepare

if TYPE_CHECKING:
    from keel.audit.log import AuditLog

log = logging.getLogger(__name__)

_Request = tuple[list[str], "Future[list[Checkpoint]]"]

# Checkpoints kept per sink while it refuses them (the oldest are dropped beyond it).
MAX_UNPUBLISHED = 1000


class Checkpointer:
    """Checkpoints one audit log from a background thread, started on first use."""

    def __init__(self, audit: AuditLog, *, clock: Callable[[], float]) -> None:
        if audit.options.checkpoint_webhook is not None:
            # Refused here, when the log is opened: the sinks are made by the first
            # append, which would raise after queuing its record (and on every append).
            webhook_url(audit.options.checkpoint_webhook)
        self._log = audit
        self._clock = clock
        self._insert = insert(audit_checkpoints)
        self._keep_nodes = tree_cache.upsert(audit.store.engine.dialect.name)
        c = audit_log.c
        # Read inside each checkpoint's write transaction: built (and compiled) once.
        self._stored_hash = select(c.hash).where(
            c.tenant == bindparam("tenant"), c.id == bindparam("size")
        )
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._requests: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._stopping = False
        self._warned = False
        self._sinks: list[FileSink | WebhookSink] = []
        # (tenant, tree size) of checkpoints the writer refused to store.
        self._refused: set[tuple[str, int]] = set()
        # Tenants whose checkpoint failed (a database error): their records are folded
        # into the tree and no longer counted as new, so they are retried by name.
        self._unsigned: set[str] = set()
        # Per sink (by position), the checkpoints it has not accepted, oldest first:
        # sent again, together and in order, before the next one, at every pass and
        # at close. Kept in memory: after a restart the next checkpoint, which covers
        # every record before it, is the one published.
        self._unpublished: dict[int, list[Checkpoint]] = {}
        audit.store.writer.prepare(self._insert, self._stored_tree_only)

    def wake(self, due: bool) -> None:
        """Called after each append: starts the thread once; ``due`` asks for a checkpoint."""
        if self._thread is None:
            self._start()
        if due:
            self._wake.set()

    def checkpoint_now(self, tenants: list[str]) -> list[Checkpoint]:
        """Checkpoint ``tenants`` now (the latest one where nothing is new); wait for it."""
        fut: Future[list[Checkpoint]] = Future()
        self._start()
        with self._start_lock:
            # Checked and queued under the lock ``stop`` takes: a request queued after
            # the thread's last pass would never be answered.
            if self._stopping:
                raise RuntimeError("the audit log is closed")
            self._requests.put((tenants, fut))
        self._wake.set()
        return fut.result()

    def stop(self) -> None:
        """Checkpoint what is pending, then end the thread."""
        with self._start_lock:
            thread = self._thread
            self._stopping = True
        if thread is None:
            return
        self._wake.set()
        thread.join()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None or self._stopping:
                return
            options = self._log.options
            if options.checkpoint_file is not None:
                self._sinks.append(FileSink(options.checkpoint_file))
            if options.checkpoint_webhook is not None:
                self._sinks.append(WebhookSink(options.checkpoint_webhook))
            self._thread = threading.Thread(
                target=self._run, name="keel-audit-checkpointer", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        interval = self._log.options.checkpoint_interval_s
        try:
            while True:
                woke = self._wake.wait(timeout=interval)
                self._wake.clear()
                stopping = self._stopping
                if any(self._unpublished.values()):
                    self._publish(None)  # what a sink refused at an earlier pass
                self._answer_requests(loop)
                try:
                    self._checkpoint(loop, sorted(self._unsigned), force=True)
                except Exception:
                    log.exception("audit checkpoint failed again (will retry)")
                try:
                    self._checkpoint(loop, self._log.due_tenants(every=woke and not stopping))
                except Exception:
                    log.exception("audit checkpoint failed (will retry)")
                if stopping:
                    self._answer_requests(loop)
                    return
        finally:
            loop.close()
            for sink in self._sinks:
                sink.close()

    def _answer_requests(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            try:
                tenants, fut = self._requests.get_nowait()
            except queue.Empty:
                return
            try:
                fut.set_result(self._checkpoint(loop, tenants, force=True))
            except Exception as e:
                fut.set_exception(e)

    def _checkpoint(
        self, loop: asyncio.AbstractEventLoop, tenants: list[str], *, force: bool = False
    ) -> list[Checkpoint]:
        if not tenants:
            return []
        signer = self._log.signer()
        if signer is None:
            if not self._warned:
                self._warned = True
                log.warning(
                    "no audit signing key configured: records are chained, not checkpointed"
                )
            for tenant in tenants:
                # Nothing can sign them: fold the records into the tree and reset their
                # count, so that neither their digests pile up nor every later append
                # wakes this thread again.
                self._log.snapshot(tenant, force=False)
            return []
        out: list[Checkpoint] = []
        for tenant in tenants:
            try:
                cp = self._checkpoint_tenant(loop, signer, tenant, force=force)
            except KeelError:
                raise  # said what is wrong; trying again would not help
            except Exception:
                self._unsigned.add(tenant)
                raise
            self._unsigned.discard(tenant)
            if cp is not None:
                out.append(cp)
        return out

    def _checkpoint_tenant(
        self, loop: asyncio.AbstractEventLoop, signer: AuditSigner, tenant: str, *, force: bool
    ) -> Checkpoint | None:
        engine = self._log.store.engine
        for _ in range(3):
            snap = self._log.snapshot(tenant, force=force)
            if snap is None:
                return None
            size, root, frontier, last_hash, nodes = snap
            # Only a forced request can find nothing new, i.e. a size already signed.
            existing = reader.checkpoint_at(engine, tenant, size) if force else None
            if existing is not None:
                # Asked for explicitly with nothing new: hand back (and publish) the
                # checkpoint already signed at this size, if it is this tree's under
                # this key; anyone who may insert rows can store one.
                if existing.root != root.hex() or existing.signature_problem(signer.public_key):
                    raise Conflict(
                        f"the checkpoint stored at {size} records of tenant {tenant!r} is not "
                        "this log's (another root or key): run keel audit verify"
                    )
                self._publish(existing)
                return existing
            cp = Checkpoint.sign(
                signer, tenant=tenant, tree_size=size, root=root, time=self._clock()
            )
            try:
                loop.run_until_complete(self._store(cp, frontier, last_hash))
            except IntegrityError:
                # Another process signed this size first (same records, same root).
                existing = reader.checkpoint_at(engine, tenant, size)
                if existing is None or existing.root != cp.root:
                    raise
                self._cache(tenant, nodes)
                return existing
            if (tenant, size) in self._refused:
                # Its records were re-chained at commit: sign the stored tree instead.
                self._refused.discard((tenant, size))
                self._log.mark_resync(tenant)
                force = True
                continue
            self._cache(tenant, nodes)
            self._publish(cp)
            return cp
        log.error("audit log of %r kept moving under its checkpoint; will retry", tenant)
        return None

    def _cache(self, tenant: str, nodes: Mapping[tuple[int, int], bytes]) -> None:
        """Queue the subtrees of a stored checkpoint's tree for the proof cache."""
        if nodes and self._keep_nodes is not None:
            rows = tree_cache.node_rows(tenant, nodes)
            self._log.store.writer.submit_many(self._keep_nodes, rows)

    def _stored_tree_only(self, p: Prepare) -> list[Mapping[str, Any]]:
        """The writer's preparer for checkpoint inserts: inside the transaction, drop a
        checkpoint whose last record is not stored with the hash it was computed from
        (re-chained onto another process's records in this or an earlier group)."""
        out: list[Mapping[str, Any]] = []
        for given in p.rows:
            row = dict(given)
            covers = row.pop("covers")
            tenant, size = row["tenant"], row["tree_size"]
            stored = p.read(self._stored_hash, {"tenant": tenant, "size": size})
            if stored and stored[0][0] == covers:
                out.append(row)
            else:
                p.after_commit.append(functools.partial(self._refused.add, (tenant, size)))
        return out

    async def _store(self, cp: Checkpoint, frontier: list[str], covers: str) -> None:
        done = self._log.store.writer.submit(
            self._insert,
            {
                "tenant": cp.tenant,
                "tree_size": cp.tree_size,
                "root": cp.root,
                "time": cp.time,
                "key_id": cp.key_id,
                "signature": cp.signature,
                "frontier": canonical_json(frontier),
                "covers": covers,  # checked, then dropped, by _stored_tree_only
            },
            wait=True,
        )
        if done is not None:
            await done

    def _publish(self, cp: Checkpoint | None) -> None:
        """Send ``cp`` (``None``: nothing new) to every sink, after those it has not
        accepted yet."""
        for i, sink in enumerate(self._sinks):
            pending = self._unpublished.setdefault(i, [])
            if cp is not None:
                pending.append(cp)
            if len(pending) > MAX_UNPUBLISHED:
                # The newest checkpoints matter most (each covers every record before
                # it); the dropped ones stay stored in the database.
                dropped = pending[: len(pending) - MAX_UNPUBLISHED]
                del pending[: len(dropped)]
                log.error("%d audit checkpoints never reached %s", len(dropped), sink.name)
            if not pending:
                continue
            try:
                sink.deliver([c.to_json() for c in pending], [c.to_dict() for c in pending])
            except DeliveryError as e:
                # The checkpoint is stored; the external copy is what failed. Say so
                # loudly: without it, a truncated tail can only be caught in-database.
                last = pending[-1]
                log.error(
                    "audit checkpoint %d of %r not published (%d waiting; will retry): %s",
                    last.tree_size,
                    last.tenant,
                    len(pending),
                    e,
                )
                continue
            pending.clear()
