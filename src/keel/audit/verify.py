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

Speed (``benchmarks/audit.py``): records arrive in batches of plain tuples, and a
batch is checked whole — each content hash recomputed in one comprehension, then
ids, stored hashes and links compared as lists. Only a batch where something is
off is walked again record by record, to name what it finds; the checks are the
same either way. The Merkle tree grows as a frontier (O(log n) memory), each
checkpoint's root compared when the tree reaches its size. The node cache that
speeds up proofs (``keel.audit.tree_cache``) is not read: verify trusts nothing
but the records.
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
from keel.audit.merkle import Frontier, ProofError, leaf_hash, leaf_hashes
from keel.audit.record import (
    GENESIS_HASH,
    AuditRecord,
    ContentEncoder,
    is_hex_digest,
    json_string,
)
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

# Records read and checked at a time (reader.chain_batches says why not more).
READ_BATCH = 8192
_SWAP_WINDOW = 64
_MAX_DIAGNOSED = 1000
_sha256 = hashlib.sha256
# Strict: TypeError for a value of another type (text in a number column…).
_int_repr = int.__repr__
_float_repr = float.__repr__


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
    untyped: list[str] = []
    names = reader.tenants(engine, malformed=untyped) if tenant is None else [tenant]
    report.problems.extend(Problem("changed", "?", None, why) for why in untyped)
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
    malformed: list[str] = []
    stored = reader.stored_checkpoints(engine, tenant, malformed=malformed)
    expected = [_Expected(s.checkpoint, "stored") for s in stored]
    expected += [_Expected(cp, "external") for cp in external]
    summary.checkpoints = len(expected) + len(malformed)
    # A row that is not even a checkpoint cannot carry a signature that verifies.
    problems.extend(Problem("forged_signature", tenant, None, why) for why in malformed)
    _check_signatures(tenant, key, expected, problems)
    try:
        anchor = reader.purge_anchor(engine, tenant)
        first = None if anchor is None else reader.first_id(engine, tenant)
        if anchor is not None and first is not None and 1 < first <= anchor.last_id:
            # The newest purge is recorded but its delete did not happen (it failed, or
            # the process stopped; ``keel audit purge`` finishes it): the log still
            # starts where an earlier purge left it.
            anchor = reader.purge_anchor(engine, tenant, through=first - 1)
    except ProofError as err:
        problems.append(Problem("bad_anchor", tenant, None, str(err)))
        anchor = None
    if anchor is not None:
        summary.purged_through = anchor.last_id
    by_size: dict[int, list[_Expected]] = {}
    for exp in expected:
        by_size.setdefault(exp.checkpoint.tree_size, []).append(exp)

    scan = _Scan(tenant, anchor, by_size, problems)
    for rows in reader.chain_batches(engine, tenant, batch=READ_BATCH):
        scan.feed(rows)
    summary.records, summary.first_id = scan.count, scan.first_id
    if scan.next_id:
        summary.last_id = scan.next_id - 1
    else:
        summary.last_id = anchor.last_id if anchor else 0
    problems.extend(_diagnose(scan.mismatched))
    for exp in expected:
        size = exp.checkpoint.tree_size
        if size > summary.last_id:
            problems.append(
                Problem(
                    "truncated",
                    tenant,
                    summary.last_id + 1,
                    f"the log ends at record {summary.last_id}, but {_a(exp.source)} checkpoint "
                    f"covers {size} records: records {_span(summary.last_id + 1, size)} "
                    "were deleted",
                )
            )
    # Found in one pass plus a diagnosis: report them in record order.
    problems[first_problem:] = sorted(problems[first_problem:], key=lambda p: p.record_id or 0)
    return summary


class _Scan:
    """One tenant's records, fed in id order one batch at a time.

    A batch is first checked whole (``_fast``): every hash recomputed, then ids,
    hashes and links compared as lists. Only a batch where something is off is
    walked record by record (``_slow``), which names each problem; both leave the
    same state behind. The Merkle tree grows as a ``Frontier`` (O(log n) memory),
    and each checkpoint's root is compared when the tree reaches its size.
    """

    __slots__ = (
        "_by_size",
        "_due",
        "_encode",
        "_encoder_key",
        "_problems",
        "_tail",
        "anchor",
        "count",
        "first_id",
        "frontier",
        "mismatched",
        "next_id",
        "prev",
        "tenant",
    )

    def __init__(
        self,
        tenant: str,
        anchor: reader.PurgeAnchor | None,
        by_size: dict[int, list[_Expected]],
        problems: list[Problem],
    ) -> None:
        self.tenant = tenant
        self.anchor = anchor
        self._by_size = by_size
        self._problems = problems
        self._due = sorted(by_size, reverse=True)  # checkpoint sizes still ahead; pop() = next
        self._tail = ',"tenant":' + json_string(tenant) + ',"time":'
        self._encoder_key: tuple[str, str | None] | None = None
        self._encode = ContentEncoder(actor="", run_id=None, tenant=tenant).encode
        self.next_id = 0  # the id the next record must have; 0 before the first
        self.prev = GENESIS_HASH  # what the next record's prev_hash must be
        self.frontier: Frontier | None = None  # None once no root can be recomputed
        self.count = 0
        self.first_id: int | None = None
        self.mismatched: list[AuditRecord] = []

    def feed(self, rows: list[reader.ChainRow]) -> None:
        if self.next_id == 0 and type(rows[0][0]) is int:
            self._begin(rows[0])
        if not self._fast(rows):
            self._slow(rows)
        self._pass(self.next_id - 1)

    def _begin(self, row: reader.ChainRow) -> None:
        rid, prev_hash = row[0], row[6]
        self.next_id, start_prev, self.frontier = _start(
            self.tenant, rid, self.anchor, self._problems
        )
        self.prev = prev_hash if start_prev is None else start_prev
        if self.frontier is not None and self.frontier.size in self._by_size:
            # A checkpoint signed exactly at the purge anchor.
            size = self.frontier.size
            _check_roots(self.tenant, self.frontier.root(), self._by_size[size], self._problems)
        self._pass(rid - 1)

    def _pass(self, size: int) -> None:
        """Drop the checkpoints of trees up to ``size`` that were not (or cannot be) checked."""
        due = self._due
        while due and due[-1] <= size:
            due.pop()

    def _fast(self, rows: list[reader.ChainRow]) -> bool:
        """Check a whole batch at once; False (nothing changed) if any record is off."""
        first, prev = self.next_id, self.prev
        if not is_hex_digest(prev):
            return False
        try:
            digests = batch_digests(rows, self._tail)
        except (TypeError, ValueError, UnicodeError):
            return False
        hashes = [r[7] for r in rows]
        if list(map(bytes.hex, digests)) != hashes:
            return False
        prevs = [r[6] for r in rows]
        # Every prev_hash is now a checked hex digest, so batch_digests (which writes
        # it without escaping) hashed exactly the canonical JSON.
        if prevs[0] != prev or prevs[1:] != hashes[:-1]:
            return False
        if [r[0] for r in rows] != list(range(first, first + len(rows))):
            return False
        self.prev = hashes[-1]
        self.next_id = first + len(rows)
        self.count += len(rows)
        if self.first_id is None:
            self.first_id = first
        if self.frontier is not None:
            self._fold(leaf_hashes(digests))
        return True

    def _slow(self, rows: list[reader.ChainRow]) -> None:
        """Check a batch record by record, naming each problem."""
        tenant, problems = self.tenant, self._problems
        leaves: list[bytes] = []
        for row in rows:
            rid, tm, kind, actor, run_id, payload, prev_hash, stored = row
            self.count += 1
            if type(rid) is not int:  # text or a blob where the id was: sorted last
                why = f"a record's id is {rid!r}, not an integer"
                problems.append(Problem("changed", tenant, None, why))
                self._fold(leaves)
                self.frontier, leaves = None, []
                continue
            if rid != self.next_id:
                missing = _span(self.next_id, rid - 1)
                problems.append(Problem("deleted", tenant, rid, f"records {missing} are missing"))
                self._fold(leaves)  # checkpoints before the gap can still be checked
                self.frontier, leaves = None, []  # no root can be recomputed across a gap
                self.prev = prev_hash
            try:
                if (actor, run_id) != self._encoder_key:
                    self._encode = ContentEncoder(actor=actor, run_id=run_id, tenant=tenant).encode
                    self._encoder_key = (actor, run_id)
                digest = _sha256(self._encode(rid, kind, payload, prev_hash, tm).encode()).digest()
            except (TypeError, ValueError, UnicodeError):
                # A column now holds a value of another type (text in a number column…).
                problems.append(Problem("changed", tenant, rid, "a field has the wrong type"))
                self._fold(leaves)
                self.frontier, leaves = None, []
                digest = b""
            if digest and digest.hex() != stored:
                if len(self.mismatched) < _MAX_DIAGNOSED:
                    self.mismatched.append(AuditRecord.from_row((tenant, *row)))
            elif digest and prev_hash != self.prev:
                why = "prev_hash is not the hash of the record before it"
                problems.append(Problem("chain_broken", tenant, rid, why))
            self.prev = stored
            self.next_id = rid + 1
            if self.first_id is None:
                self.first_id = rid
            if self.frontier is not None:
                # The leaf of what the content hashes to: a changed record changes the root.
                leaves.append(leaf_hash(digest))
        self._fold(leaves)

    def _fold(self, leaves: list[bytes]) -> None:
        """Add the next leaves to the tree, checking each checkpoint at its size."""
        frontier = self.frontier
        if frontier is None or not leaves:
            return
        start, due, done = frontier.size, self._due, 0
        while due and due[-1] <= start + len(leaves):
            size = due.pop()
            if size <= start + done:
                continue
            frontier.extend(leaves[done : size - start])
            done = size - start
            _check_roots(self.tenant, frontier.root(), self._by_size[size], self._problems)
        frontier.extend(leaves[done:] if done else leaves)


def batch_digests(rows: list[reader.ChainRow], tail: str) -> list[bytes]:
    """SHA-256 of each row's content, for rows whose ``prev_hash`` is a hex digest.

    The same bytes as ``record.content_json`` (tests hold them to each other), built
    in one comprehension: this is most of a full verify's time. ``prev_hash`` is
    written as is, not escaped, which is only canonical if it is 64 hex digits: the
    caller checks that before trusting a result. ``tail`` is ``,"tenant":<tenant>,
    "time":``. Raises ``TypeError`` if a column holds a value of another type.
    """
    sha, s, i_, f_ = _sha256, json_string, _int_repr, _float_repr
    return [
        sha(
            f'{{"actor":{s(a)},"id":{i_(i)},"kind":{s(k)},"payload":{p},"prev_hash":"{ph}",'
            f'"run_id":{"null" if r is None else s(r)}{tail}{f_(t)}}}'.encode()
        ).digest()
        for i, t, k, a, r, p, ph, _ in rows
    ]


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


def _a(word: str) -> str:
    """``word`` after its indefinite article ("a stored", "an external")."""
    return ("an " if word[:1] in ("a", "e", "i", "o", "u") else "a ") + word


def _span(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}..{b}"
