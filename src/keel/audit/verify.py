"""Verifying an audit log: every hash, the chain, every checkpoint.

``verify_log`` streams each tenant's records once, in id order, and names every
problem with the record it concerns:

* ``changed`` — a record's content no longer hashes to its stored hash;
* ``swapped`` — a record's content hashes correctly, but as another position's
  record (records were swapped or moved);
* ``deleted`` — ids are missing (a gap, or records gone from the start without an
  ``audit.purge`` record covering them);
* ``chain_broken`` — a record does not link to the hash of the one before it;
* ``root_mismatch`` — a checkpoint's signed root is not the root of the records it
  covers (they were changed after it was signed);
* ``truncated`` — a checkpoint (stored, or saved outside and given with
  ``external``) covers more records than the log has: its tail was deleted;
* ``forged_signature`` — a checkpoint's signature does not verify;
* ``other_key`` — a checkpoint is signed by a key other than the trusted one (the
  chain was re-signed);
* ``no_key`` — there are checkpoints but no public key to check them against.

A purged tenant is verified from its anchor (the newest ``audit.purge`` record):
the first remaining record must link to the purged range's last hash, and the
Merkle tree resumes from the frontier the purge recorded.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Engine

from keel.audit import reader
from keel.audit.checkpoint import Checkpoint
from keel.audit.merkle import Frontier, ProofError
from keel.audit.record import GENESIS_HASH, AuditRecord, ContentEncoder
from keel.audit.signing import AuditPublicKey

ProblemKind = Literal[
    "changed",
    "swapped",
    "deleted",
    "chain_broken",
    "root_mismatch",
    "truncated",
    "forged_signature",
    "other_key",
    "no_key",
    "bad_anchor",
]

_SWAP_WINDOW = 64
_MAX_DIAGNOSED = 1000
_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
class Problem:
    kind: ProblemKind
    tenant: str
    record_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"tenant {self.tenant}"
        if self.record_id is not None:
            where += f", record {self.record_id}"
        return f"{where}: {self.kind}: {self.message}"


@dataclass(slots=True)
class TenantSummary:
    tenant: str
    records: int = 0
    first_id: int | None = None
    last_id: int = 0
    purged_through: int = 0
    checkpoints: int = 0


@dataclass(slots=True)
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    tenants: list[TenantSummary] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def records(self) -> int:
        return sum(t.records for t in self.tenants)


@dataclass(slots=True)
class _Expected:
    """Checkpoints (stored or external) waiting for their tree size to be reached."""

    checkpoint: Checkpoint
    source: str


def verify_log(
    engine: Engine,
    *,
    tenant: str | None = None,
    public_key: AuditPublicKey | None,
    external: Sequence[Checkpoint] = (),
) -> VerifyReport:
    """Check the whole log (or one tenant's). Never raises for what it finds."""
    started = time.perf_counter()
    report = VerifyReport()
    names = reader.tenants(engine) if tenant is None else [tenant]
    for name in sorted(set(names) | {cp.tenant for cp in external if tenant in (None, cp.tenant)}):
        own = [cp for cp in external if cp.tenant == name]
        report.tenants.append(_verify_tenant(engine, name, public_key, own, report.problems))
    report.seconds = time.perf_counter() - started
    return report


def _verify_tenant(
    engine: Engine,
    tenant: str,
    key: AuditPublicKey | None,
    external: list[Checkpoint],
    problems: list[Problem],
) -> TenantSummary:
    summary = TenantSummary(tenant)
    first_problem = len(problems)
    expected = [
        _Expected(s.checkpoint, "stored") for s in reader.stored_checkpoints(engine, tenant)
    ]
    expected += [_Expected(cp, "external") for cp in external]
    summary.checkpoints = len(expected)
    _check_signatures(tenant, key, expected, problems)
    try:
        anchor = reader.purge_anchor(engine, tenant)
    except ProofError as err:
        problems.append(Problem("bad_anchor", tenant, None, str(err)))
        anchor = None
    if anchor is not None:
        summary.purged_through = anchor.last_id
    by_size: dict[int, list[_Expected]] = {}
    for exp in expected:
        by_size.setdefault(exp.checkpoint.tree_size, []).append(exp)

    next_id = 0
    prev = GENESIS_HASH
    frontier: Frontier | None = None
    mismatched: list[AuditRecord] = []
    encoder_key: tuple[str, str | None] | None = None
    encode = ContentEncoder(actor="", run_id=None, tenant=tenant).encode
    count = 0
    first_id: int | None = None
    # Leaves not yet folded into the frontier: folded in blocks at each checkpoint size.
    leaves: list[bytes] = []
    due_sizes = sorted(by_size)
    due = due_sizes.pop(0) if due_sizes else 0
    # The hot loop of a full verify (benchmarks/audit.py): locals, bound methods.
    for row in reader.iter_rows(engine, tenant):
        _, rid, tm, kind, actor, run_id, payload, prev_hash, stored = row
        if next_id == 0:
            next_id, start_prev, frontier = _start(tenant, rid, anchor, problems)
            prev = prev_hash if start_prev is None else start_prev
            if frontier is not None and frontier.size in by_size:
                # A checkpoint signed exactly at the purge anchor.
                _check_roots(tenant, frontier.root(), by_size[frontier.size], problems)
            while due and due <= rid - 1:
                due = due_sizes.pop(0) if due_sizes else 0
        if rid != next_id:
            problems.append(
                Problem("deleted", tenant, rid, f"records {_span(next_id, rid - 1)} are missing")
            )
            frontier = None  # no root can be recomputed across a gap
            prev = prev_hash
        if (actor, run_id) != encoder_key:
            # A run's records share actor and run id: encode those parts once per run.
            encoder_key = (actor, run_id)
            encode = ContentEncoder(actor=actor, run_id=run_id, tenant=tenant).encode
        try:
            digest = _sha256(encode(rid, kind, payload, prev_hash, tm).encode()).digest()
        except (TypeError, ValueError, UnicodeError):
            # A column now holds a value of another type (text in a number column…).
            problems.append(Problem("changed", tenant, rid, "a field has the wrong type"))
            digest = b""
        if not digest:
            frontier = None
        elif digest.hex() != stored:
            if len(mismatched) < _MAX_DIAGNOSED:
                mismatched.append(AuditRecord.from_row(row))
        elif prev_hash != prev:
            problems.append(
                Problem(
                    "chain_broken", tenant, rid, "prev_hash is not the hash of the record before it"
                )
            )
        prev = stored
        next_id = rid + 1
        if first_id is None:
            first_id = rid
        count += 1
        if frontier is not None:
            leaves.append(_sha256(b"\x00" + digest).digest())
        if due and rid >= due:
            if rid == due and frontier is not None:
                frontier.extend(leaves)
                leaves.clear()
                _check_roots(tenant, frontier.root(), by_size[due], problems)
            while due and due <= rid:  # a gap may have skipped some sizes
                due = due_sizes.pop(0) if due_sizes else 0
    summary.records, summary.first_id = count, first_id
    summary.last_id = next_id - 1 if next_id else (anchor.last_id if anchor else 0)
    problems.extend(_diagnose(mismatched))
    for exp in expected:
        size = exp.checkpoint.tree_size
        if size > summary.last_id:
            problems.append(
                Problem(
                    "truncated",
                    tenant,
                    summary.last_id + 1,
                    f"the log ends at record {summary.last_id}, but a {exp.source} checkpoint "
                    f"covers {size} records: records {_span(summary.last_id + 1, size)} "
                    "were deleted",
                )
            )
    # Found in one pass plus a diagnosis: report them in record order.
    problems[first_problem:] = sorted(problems[first_problem:], key=lambda p: p.record_id or 0)
    return summary


def _start(
    tenant: str, first: int, anchor: reader.PurgeAnchor | None, problems: list[Problem]
) -> tuple[int, str | None, Frontier | None]:
    """Where the chain must start: record 1, or the record after the purge anchor."""
    if first == 1:
        return 1, GENESIS_HASH, Frontier()
    if anchor is not None and first == anchor.last_id + 1:
        return first, anchor.last_hash, anchor.frontier.copy()
    start = 1 if anchor is None else anchor.last_id + 1
    problems.append(
        Problem(
            "deleted",
            tenant,
            first,
            f"records {_span(start, first - 1)} are missing and no audit.purge record covers them",
        )
    )
    return first, None, None


def _check_signatures(
    tenant: str, key: AuditPublicKey | None, expected: list[_Expected], problems: list[Problem]
) -> None:
    if expected and key is None:
        problems.append(
            Problem("no_key", tenant, None, "no public key to check checkpoint signatures with")
        )
        return
    for e in expected:
        assert key is not None
        why = e.checkpoint.signature_problem(key)
        if why is not None:
            kind: ProblemKind = (
                "other_key" if e.checkpoint.key_id != key.key_id else "forged_signature"
            )
            problems.append(
                Problem(kind, tenant, e.checkpoint.tree_size, f"{e.source} checkpoint: {why}")
            )


def _check_roots(tenant: str, root: bytes, due: list[_Expected], problems: list[Problem]) -> None:
    for e in due:
        if e.checkpoint.root_bytes != root:
            size = e.checkpoint.tree_size
            problems.append(
                Problem(
                    "root_mismatch",
                    tenant,
                    size,
                    f"{e.source} checkpoint over records 1..{size} signed a different root: "
                    "records it covers were changed after signing",
                )
            )


def _diagnose(mismatched: list[AuditRecord]) -> list[Problem]:
    out = []
    for rec in mismatched:
        moved = next(
            (
                k
                for k in range(max(1, rec.id - _SWAP_WINDOW), rec.id + _SWAP_WINDOW + 1)
                if k != rec.id and rec.computed_hash(id=k) == rec.hash
            ),
            None,
        )
        if moved is not None:
            out.append(
                Problem(
                    "swapped",
                    rec.tenant,
                    rec.id,
                    f"holds the content of record {moved} (records swapped or moved)",
                )
            )
        else:
            out.append(
                Problem("changed", rec.tenant, rec.id, "content does not match its hash (edited)")
            )
    return out


def _span(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}..{b}"
