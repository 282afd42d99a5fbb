"""RFC 6962 trees, inclusion and consistency proofs against an independent reference.

The reference (``merkle_reference``) follows RFC 6962 §2.1 literally (recursive
MTH, PATH and SUBPROOF over the data); the library computes the same things
iteratively, over leaf hashes, from a frontier and from cached subtrees.
"""

from __future__ import annotations

import pytest
from merkle_reference import ref_mth, ref_path, ref_subproof, sha

from keel.audit.merkle import (
    Frontier,
    ProofError,
    TreeView,
    leaf_hash,
    leaf_hashes,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

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


@pytest.mark.parametrize("cuts", [(1000,), (1, 999, 1000, 2100), (3000,), (7, 1500, 2048, 2049)])
def test_extend_reports_every_subtree_it_forms_of_1024_leaves_and_up(
    cuts: tuple[int, ...],
) -> None:
    # What the checkpointer hands to the proof cache: each aligned perfect subtree of
    # 1,024 leaves and up, once, with its hash, whatever batches the leaves come in.
    data = [sha(str(i).encode()) for i in range(3100)]
    leaves = [leaf_hash(x) for x in data]
    formed: dict[tuple[int, int], bytes] = {}

    def keep(level: int, first: int, node: bytes) -> None:
        assert (level, first) not in formed
        formed[(level, first)] = node

    frontier = Frontier()
    lo = 0
    for hi in (*cuts, len(leaves)):
        frontier.extend(leaves[lo:hi], formed=keep)
        lo = hi
    assert frontier.root() == ref_mth(data)
    assert sorted(formed) == [(10, 0), (10, 1024), (10, 2048), (11, 0)]
    for (level, first), node in formed.items():
        assert node == ref_mth(data[first : first + (1 << level)])


# Views that read leaves on demand and keep perfect subtrees (keel.audit.tree_cache),
# here with subtrees of 4 leaves and up cached, so small trees exercise the cache.
_LEVEL = 2


class Leaves:
    """Leaves read through a function, counting what was read."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.reads: list[tuple[int, int]] = []

    def __call__(self, lo: int, hi: int) -> list[bytes]:
        self.reads.append((lo, hi))
        return self.leaves[lo:hi]

    @property
    def read(self) -> int:
        return sum(hi - lo for lo, hi in self.reads)


def cached_view(
    n: int, cache: dict[tuple[int, int], bytes], anchor: Frontier | None = None
) -> tuple[TreeView, Leaves]:
    source = Leaves([leaf_hash(x) for x in DATA[:n]])
    view = TreeView(source, anchor, size=n, nodes=lambda *key: cache.get(key), node_level=_LEVEL)
    return view, source


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 31, 33, 50])
def test_a_view_reading_leaves_through_a_cache_matches_the_reference(n: int) -> None:
    cache: dict[tuple[int, int], bytes] = {}
    cold, _ = cached_view(n, cache)
    assert cold.root() == ref_mth(DATA[:n])
    # What a view computes is right, so it can be kept: perfect, aligned, level 2 up.
    for (level, first), node in cold.computed.items():
        assert level >= _LEVEL
        assert first % (1 << level) == 0
        assert first + (1 << level) <= n
        assert node == ref_mth(DATA[first : first + (1 << level)])
    cache.update(cold.computed)
    for m in range(n):
        warm, source = cached_view(n, cache)
        assert warm.inclusion_path(m, n) == ref_path(m, DATA[:n])
        # At most the leaf's own block and the tree's last, partial block are read.
        assert len(source.reads) <= 2
        assert source.read <= 2 * (1 << _LEVEL)
    for m in range(1, n + 1):
        warm, source = cached_view(n, cache)
        assert warm.consistency_path(m, n) == ref_subproof(m, DATA[:n], True)
        assert len(source.reads) <= 2
        assert source.read <= 2 * (1 << _LEVEL)


def test_a_warm_cache_reads_a_few_nodes_not_the_tree() -> None:
    data = [sha(str(i).encode()) for i in range(3000)]
    leaves = [leaf_hash(x) for x in data]
    cache: dict[tuple[int, int], bytes] = {}
    asked: list[tuple[int, int]] = []

    def nodes(level: int, first: int) -> bytes | None:
        asked.append((level, first))
        return cache.get((level, first))

    cold = TreeView(Leaves(leaves), size=3000, nodes=nodes)  # default: 1,024 leaves and up
    assert cold.root() == ref_mth(data)
    cache.update(cold.computed)
    for m in (0, 1, 1023, 1024, 2047, 2048, 2999):
        asked.clear()
        source = Leaves(leaves)
        warm = TreeView(source, size=3000, nodes=nodes)
        path = warm.inclusion_path(m, 3000)
        assert path == ref_path(m, data)
        verify_inclusion(leaves[m], m, 3000, path, ref_mth(data))
        assert source.read <= 2 * 1024
        assert len(asked) <= 12


@pytest.mark.parametrize("anchor", [3, 8, 13])
def test_a_cached_view_stands_on_a_purge_anchor(anchor: int) -> None:
    frontier = Frontier()
    frontier.extend([leaf_hash(x) for x in DATA[:anchor]])
    n = 50
    cache: dict[tuple[int, int], bytes] = {}
    cold, _ = cached_view(n, cache, frontier)
    assert cold.root() == ref_mth(DATA[:n])
    cache.update(cold.computed)
    for m in range(anchor, n):
        warm, source = cached_view(n, cache, frontier)
        assert warm.inclusion_path(m, n) == ref_path(m, DATA[:n])
        assert all(lo >= anchor for lo, _ in source.reads)  # purged leaves are never read
    with pytest.raises(ProofError, match="before the purge anchor"):
        cached_view(n, {}, frontier)[0].inclusion_path(0, n)


def test_a_wrong_cached_node_yields_a_path_that_does_not_verify() -> None:
    n = 50
    cache: dict[tuple[int, int], bytes] = {}
    cold, _ = cached_view(n, cache)
    cache.update(cold.computed)
    cache[(3, 8)] = sha(b"forged")
    view, _ = cached_view(n, cache)
    path = view.inclusion_path(0, n)
    assert view.used[(3, 8)] == sha(b"forged")
    with pytest.raises(ProofError, match="does not lead to"):
        verify_inclusion(leaf_hash(DATA[0]), 0, n, path, ref_mth(DATA[:n]))


def test_leaf_hashes_hash_each_record_hash() -> None:
    assert leaf_hashes(DATA) == [leaf_hash(x) for x in DATA]
    assert node_hash(DATA[0], DATA[1]) == sha(b"\x01" + DATA[0] + DATA[1])
