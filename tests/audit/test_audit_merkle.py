"""RFC 6962 trees, inclusion and consistency proofs against an independent reference.

The reference below follows RFC 6962 §2.1 literally (recursive MTH, PATH and
SUBPROOF over the data); the library computes the same things iteratively, over
leaf hashes, from a frontier.
"""

from __future__ import annotations

import hashlib

import pytest

from keel.audit.merkle import (
    Frontier,
    ProofError,
    TreeView,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return sha(b"")
    if len(d) == 1:
        return sha(b"\x00" + d[0])
    k = _k(len(d))
    return sha(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


DATA = [sha(str(i).encode()) for i in range(50)]


def view(n: int) -> TreeView:
    return TreeView([leaf_hash(x) for x in DATA[:n]])


@pytest.mark.parametrize("n", range(1, 51))
def test_roots_and_inclusion_proofs_match_the_reference(n: int) -> None:
    tree = view(n)
    root = ref_mth(DATA[:n])
    assert tree.root() == root
    frontier = Frontier()
    for x in DATA[:n]:
        frontier.append(leaf_hash(x))
    assert frontier.root() == root
    for m in range(n):
        path = tree.inclusion_path(m, n)
        assert path == ref_path(m, DATA[:n])
        verify_inclusion(leaf_hash(DATA[m]), m, n, path, root)


@pytest.mark.parametrize("n", range(1, 51))
def test_consistency_proofs_match_the_reference(n: int) -> None:
    tree = view(n)
    for m in range(1, n + 1):
        path = tree.consistency_path(m, n)
        assert path == ref_subproof(m, DATA[:n], True)
        verify_consistency(m, n, ref_mth(DATA[:m]), ref_mth(DATA[:n]), path)


@pytest.mark.parametrize("anchor", [1, 3, 8, 13, 32])
def test_a_frontier_stands_in_for_purged_leaves(anchor: int) -> None:
    frontier = Frontier()
    for x in DATA[:anchor]:
        frontier.append(leaf_hash(x))
    n = 50
    tree = TreeView([leaf_hash(x) for x in DATA[anchor:n]], frontier)
    assert tree.root() == ref_mth(DATA[:n])
    for m in range(anchor, n):
        assert tree.inclusion_path(m, n) == ref_path(m, DATA[:n])
    for m in range(anchor, n + 1):
        assert tree.consistency_path(m, n) == ref_subproof(m, DATA[:n], True)
    if anchor > 1:
        with pytest.raises(ProofError, match="before the purge anchor"):
            tree.inclusion_path(0, n)


_N, _M = 13, 6
_ROOT = ref_mth(DATA[:_N])
_LEAF = leaf_hash(DATA[_M])
_PATH = ref_path(_M, DATA[:_N])
BAD_INCLUSIONS = {
    "longer": (_LEAF, _M, _N, [*_PATH, _PATH[0]], _ROOT),
    "shorter": (_LEAF, _M, _N, _PATH[:-1], _ROOT),
    "outside": (_LEAF, _N, _N, _PATH, _ROOT),
    "negative": (_LEAF, -1, _N, _PATH, _ROOT),
    "other index": (_LEAF, _M + 1, _N, _PATH, _ROOT),
    "other depth": (_LEAF, _M, 2 * _N, _PATH, _ROOT),
    "altered node": (_LEAF, _M, _N, [_PATH[0], sha(b"x"), *_PATH[2:]], _ROOT),
    "short hash": (_LEAF, _M, _N, [_PATH[0][:31], *_PATH[1:]], _ROOT),
    "other root": (_LEAF, _M, _N, _PATH, sha(b"root")),
    "empty tree": (_LEAF, 0, 0, [], _ROOT),
}


def test_the_unbroken_inclusion_proof_verifies() -> None:
    verify_inclusion(_LEAF, _M, _N, _PATH, _ROOT)


@pytest.mark.parametrize("case", BAD_INCLUSIONS)
def test_inclusion_rejects_malformed_proofs(case: str) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(*BAD_INCLUSIONS[case])


_R1, _R2 = ref_mth(DATA[:_M]), ref_mth(DATA[:_N])
_CPATH = ref_subproof(_M, DATA[:_N], True)
BAD_CONSISTENCIES = {
    "empty path": (_M, _N, _R1, _R2, []),
    "longer": (_M, _N, _R1, _R2, [*_CPATH, _CPATH[0]]),
    "shorter": (_M, _N, _R1, _R2, _CPATH[:-1]),
    "swapped sizes": (_N, _M, _R2, _R1, _CPATH),
    "zero": (0, _N, _R1, _R2, _CPATH),
    "altered node": (_M, _N, _R1, _R2, [sha(b"x"), *_CPATH[1:]]),
    "other first root": (_M, _N, sha(b"a"), _R2, _CPATH),
    "other second root": (_M, _N, _R1, sha(b"b"), _CPATH),
    "equal sizes, other roots": (_N, _N, _R1, _R2, []),
    "equal sizes, a path": (_N, _N, _R2, _R2, [_R2]),
}


def test_the_unbroken_consistency_proof_verifies() -> None:
    verify_consistency(_M, _N, _R1, _R2, _CPATH)
    verify_consistency(_N, _N, _R2, _R2, [])


@pytest.mark.parametrize("case", BAD_CONSISTENCIES)
def test_consistency_rejects_malformed_proofs(case: str) -> None:
    with pytest.raises(ProofError):
        verify_consistency(*BAD_CONSISTENCIES[case])


def test_frontier_refuses_a_wrong_number_of_nodes() -> None:
    with pytest.raises(ProofError):
        Frontier(3, [sha(b"a")])


@pytest.mark.parametrize("start", [0, 1, 5, 8, 13])
def test_extend_equals_appending_one_by_one(start: int) -> None:
    leaves = [leaf_hash(x) for x in DATA]
    one = Frontier()
    for leaf in leaves[:start]:
        one.append(leaf)
    many = one.copy()
    for leaf in leaves[start:]:
        one.append(leaf)
    for lo, hi in ((start, 21), (21, 22), (22, 50)):
        many.extend(leaves[lo:hi])
    assert (many.size, many.nodes) == (one.size, one.nodes)
    assert many.root() == ref_mth(DATA)
