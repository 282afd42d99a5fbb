"""The Merkle node cache: perfect subtrees kept so that a proof reads O(log n) nodes.

A proof over a tree of ``n`` records needs about log2(n) subtree hashes; computed
from the leaves, they cost reading and hashing the whole log. ``audit_tree_nodes``
keeps the hashes of the aligned perfect subtrees of ``2**CACHED_LEVEL`` (1,024)
leaves and up that earlier proofs computed. A complete subtree's hash never
changes (records are append-only), so a later proof reads O(log n) of them plus at
most two blocks of 1,024 leaves.

The cache is filled as checkpoints are signed: folding a checkpoint's new records
into the tree forms these subtrees anyway, and once the checkpoint is stored they
are written with the next group commit (``keel.audit.checkpointer``), so a first
proof on a log with a recent checkpoint is as fast as a later one. Proofs fill in
what is missing (records appended before this existed, or by another process).

The cache is not evidence. Nodes are kept only from trees that were signed, or
whose proof verified against a signed checkpoint, but anyone with write access to
the database can edit them: every proof built from the cache is checked against
the signed root before it is returned, and when that fails the proof is built again from the records
alone and the cached nodes it used are dropped. ``keel audit verify`` never reads
the cache. Writing it is best effort: a read-only database just has no cache.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Engine, Executable, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from keel.audit.merkle import NodeLookup
from keel.audit.record import is_hex_digest
from keel.store.schema import audit_tree_nodes

log = logging.getLogger(__name__)

Key = tuple[int, int]  # (level, first_leaf)


def lookup(engine: Engine, tenant: str) -> NodeLookup:
    """A ``TreeView`` node source: ``tenant``'s cached node, or None (also if malformed)."""
    c = audit_tree_nodes.c

    def node(level: int, first_leaf: int) -> bytes | None:
        q = select(c.hash).where(c.tenant == tenant, c.level == level, c.first_leaf == first_leaf)
        try:
            with engine.connect() as conn:
                value: Any = conn.execute(q).scalar()
        except SQLAlchemyError:  # no cache (a database not migrated yet): compute instead
            return None
        return bytes.fromhex(value) if is_hex_digest(value) else None

    return node


def keep(engine: Engine, tenant: str, nodes: Mapping[Key, bytes]) -> None:
    """Store ``nodes``, replacing what is stored under the same keys. Logs, never raises.

    Only nodes of a tree whose proof verified against a signed root are kept, so
    they replace whatever (possibly edited) row was there.
    """
    stmt = upsert(engine.dialect.name)
    if not nodes or stmt is None:
        return
    try:
        with engine.begin() as conn:
            conn.execute(stmt, node_rows(tenant, nodes))
    except SQLAlchemyError as e:
        log.warning("audit tree cache of %r not written: %s", tenant, e)


def upsert(dialect: str) -> Executable | None:
    """The statement that stores node rows, replacing what is stored under the same
    keys (``None`` on a database without ``ON CONFLICT``)."""
    keys = [audit_tree_nodes.c.tenant, audit_tree_nodes.c.level, audit_tree_nodes.c.first_leaf]
    if dialect == "sqlite":
        ins = sqlite.insert(audit_tree_nodes)
        return ins.on_conflict_do_update(index_elements=keys, set_={"hash": ins.excluded.hash})
    if dialect == "postgresql":
        pg = postgresql.insert(audit_tree_nodes)
        return pg.on_conflict_do_update(index_elements=keys, set_={"hash": pg.excluded.hash})
    return None


def node_rows(tenant: str, nodes: Mapping[Key, bytes]) -> list[dict[str, Any]]:
    """``upsert``'s parameters for ``nodes``."""
    return [
        {"tenant": tenant, "level": level, "first_leaf": first, "hash": h.hex()}
        for (level, first), h in nodes.items()
    ]


def forget(engine: Engine, tenant: str, keys: Collection[Key]) -> None:
    """Drop cached nodes that led to a proof that did not verify. Logs, never raises."""
    if not keys:
        return
    c = audit_tree_nodes.c
    stmt = delete(audit_tree_nodes).where(
        c.tenant == tenant, tuple_(c.level, c.first_leaf).in_(list(keys))
    )
    try:
        with engine.begin() as conn:
            conn.execute(stmt)
    except SQLAlchemyError as e:
        log.warning("audit tree cache of %r not cleaned: %s", tenant, e)
