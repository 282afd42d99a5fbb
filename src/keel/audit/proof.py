"""Inclusion and consistency proofs as JSON documents that verify offline.

An inclusion proof shows that one record is leaf ``id - 1`` of the tree a signed
checkpoint commits to::

    {"format": "keel.audit.inclusion/v1", "record": {...the record, hash included...},
     "leaf_index": 41, "tree_size": 1000, "path": ["<hex>", ...],
     "checkpoint": {...signed checkpoint...}}

A consistency proof shows that the tree of a later checkpoint extends the tree of
an earlier one (RFC 6962 §2.1.2), i.e. the log only grew between them::

    {"format": "keel.audit.consistency/v1", "first": {...}, "second": {...},
     "path": ["<hex>", ...]}

``verify_proof`` is a pure function of the document and the public key: it needs
no database. Every field is checked; anything malformed raises ``ProofError``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine

from keel.audit import reader, tree_cache
from keel.audit.checkpoint import Checkpoint
from keel.audit.merkle import (
    ProofError,
    TreeView,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from keel.audit.record import AuditRecord, is_hex_digest
from keel.audit.signing import AuditPublicKey

log = logging.getLogger(__name__)

INCLUSION_FORMAT = "keel.audit.inclusion/v1"
CONSISTENCY_FORMAT = "keel.audit.consistency/v1"


def tree_view(engine: Engine, tenant: str, size: int, *, cached: bool = True) -> TreeView:
    """The tenant's tree of ``size`` leaves: leaves read from the log as needed, the purge
    anchor (if any) for purged ones, and (``cached``) nodes kept by earlier proofs."""
    anchor = reader.purge_anchor(engine, tenant)
    base = None if anchor is None or anchor.last_id > size else anchor.frontier

    def leaves(lo: int, hi: int) -> list[bytes]:
        return reader.leaf_hashes(engine, tenant, after_id=lo, until_id=hi)

    nodes = tree_cache.lookup(engine, tenant) if cached else None
    return TreeView(leaves, base, size=size, nodes=nodes)


def _proven_path(
    engine: Engine,
    tenant: str,
    size: int,
    build: Callable[[TreeView], list[bytes]],
    check: Callable[[list[bytes]], None],
) -> list[bytes]:
    """A path built by ``build`` from the cached tree, if ``check`` (against signed roots)
    accepts it; otherwise built again from the records alone.

    The cache is untrusted: a path that fails its check is rebuilt without it, and
    if that one passes, the cached nodes that misled the first are dropped. Nodes of
    a path that passed are kept for later proofs. A path that fails even without the
    cache is returned as it is: the log no longer matches the checkpoint, and
    ``verify_proof`` will say so.
    """
    view = tree_view(engine, tenant, size)
    try:
        path = build(view)
        check(path)
    except ProofError:
        misled = view.used
        view = tree_view(engine, tenant, size, cached=False)
        path = build(view)
        try:
            check(path)
        except ProofError:
            return path
        if misled:
            log.warning(
                "cached Merkle nodes of tenant %r disagree with a signed checkpoint; "
                "the proof was rebuilt from the records and those nodes dropped",
                tenant,
            )
            tree_cache.forget(engine, tenant, list(misled))
    tree_cache.keep(engine, tenant, view.computed)
    return path


def covering_checkpoint(engine: Engine, tenant: str, record_id: int) -> Checkpoint:
    """The newest stored checkpoint; raises ``ProofError`` if it does not cover ``record_id``."""
    stored = reader.stored_checkpoints(engine, tenant)
    if not stored or stored[-1].checkpoint.tree_size < record_id:
        raise ProofError(
            f"no checkpoint covers record {record_id} of tenant {tenant!r} yet "
            "(keel audit checkpoint signs one now)"
        )
    return stored[-1].checkpoint


def inclusion_proof(
    engine: Engine, tenant: str, record_id: int, *, checkpoint: Checkpoint | None = None
) -> dict[str, Any]:
    """Prove record ``record_id`` against ``checkpoint`` (default: the newest)."""
    cp = checkpoint or covering_checkpoint(engine, tenant, record_id)
    record = reader.get_record(engine, tenant, record_id)
    if record is None:
        raise ProofError(f"tenant {tenant!r} has no record {record_id}")
    if record_id > cp.tree_size:
        raise ProofError(f"checkpoint of {cp.tree_size} records does not cover record {record_id}")
    if not is_hex_digest(record.hash):
        raise ProofError(f"record {record_id}'s stored hash is malformed; run keel audit verify")
    leaf = leaf_hash(bytes.fromhex(record.hash))
    index, size = record_id - 1, cp.tree_size
    path = _proven_path(
        engine,
        tenant,
        size,
        lambda view: view.inclusion_path(index, size),
        lambda path: verify_inclusion(leaf, index, size, path, cp.root_bytes),
    )
    return {
        "format": INCLUSION_FORMAT,
        "record": record.to_dict(),
        "leaf_index": index,
        "tree_size": size,
        "path": [p.hex() for p in path],
        "checkpoint": cp.to_dict(),
    }


def consistency_proof(engine: Engine, first: Checkpoint, second: Checkpoint) -> dict[str, Any]:
    """Prove that ``second``'s tree extends ``first``'s (same tenant)."""
    if first.tenant != second.tenant:
        raise ProofError("checkpoints of different tenants cannot be consistent")
    m, n = first.tree_size, second.tree_size
    path = _proven_path(
        engine,
        first.tenant,
        n,
        lambda view: view.consistency_path(m, n),
        lambda path: verify_consistency(m, n, first.root_bytes, second.root_bytes, path),
    )
    return {
        "format": CONSISTENCY_FORMAT,
        "first": first.to_dict(),
        "second": second.to_dict(),
        "path": [p.hex() for p in path],
    }


def verify_proof(doc: Any, public_key: AuditPublicKey) -> str:
    """Verify an inclusion or consistency proof; return a one-line summary.

    Raises ``ProofError`` naming what failed: the format, a field, a signature, the
    record's own hash, or the Merkle path.
    """
    if not isinstance(doc, Mapping):
        raise ProofError("a proof must be a JSON object")
    fmt = doc.get("format")
    if fmt == INCLUSION_FORMAT:
        rec, cp = verify_inclusion_proof(doc, public_key)
        return (
            f"ok: record {rec.id} ({rec.kind}) of tenant {rec.tenant} is in the log "
            f"of {cp.tree_size} records signed by {cp.key_id}"
        )
    if fmt == CONSISTENCY_FORMAT:
        first, second = verify_consistency_proof(doc, public_key)
        return (
            f"ok: the log of tenant {first.tenant} grew from {first.tree_size} to "
            f"{second.tree_size} records without changing the first {first.tree_size}"
        )
    raise ProofError(f"unknown proof format {fmt!r}")


def verify_inclusion_proof(
    doc: Mapping[str, Any], public_key: AuditPublicKey
) -> tuple[AuditRecord, Checkpoint]:
    try:
        record = AuditRecord.from_dict(doc.get("record"))  # type: ignore[arg-type]
    except ValueError as e:
        raise ProofError(f"proof record is malformed: {e}") from None
    if record.computed_hash() != record.hash:
        raise ProofError(f"record {record.id}'s content does not match its hash")
    cp = _signed(doc.get("checkpoint"), public_key)
    index, size = doc.get("leaf_index"), doc.get("tree_size")
    if not _is_count(index) or index != record.id - 1:
        raise ProofError(f"leaf_index must be the record id minus one ({record.id - 1})")
    if not _is_count(size) or size != cp.tree_size:
        raise ProofError("tree_size must equal the checkpoint's tree_size")
    if record.tenant != cp.tenant:
        raise ProofError("the record and the checkpoint belong to different tenants")
    path = _hashes(doc.get("path"))
    verify_inclusion(leaf_hash(bytes.fromhex(record.hash)), index, size, path, cp.root_bytes)
    return record, cp


def verify_consistency_proof(
    doc: Mapping[str, Any], public_key: AuditPublicKey
) -> tuple[Checkpoint, Checkpoint]:
    first = _signed(doc.get("first"), public_key)
    second = _signed(doc.get("second"), public_key)
    if first.tenant != second.tenant:
        raise ProofError("the two checkpoints belong to different tenants")
    path = _hashes(doc.get("path"))
    verify_consistency(first.tree_size, second.tree_size, first.root_bytes, second.root_bytes, path)
    return first, second


def _signed(value: Any, key: AuditPublicKey) -> Checkpoint:
    cp = Checkpoint.from_dict(value)
    why = cp.signature_problem(key)
    if why is not None:
        raise ProofError(f"checkpoint of {cp.tree_size} records: {why}")
    return cp


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _hashes(value: Any) -> list[bytes]:
    if not isinstance(value, list):
        raise ProofError("path must be a list of hex hashes")
    for i, item in enumerate(value):
        if not is_hex_digest(item):
            raise ProofError(f"path[{i}] is not a 64-digit lowercase hex hash")
    return [bytes.fromhex(item) for item in value]
