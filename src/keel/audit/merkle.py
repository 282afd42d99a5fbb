"""RFC 6962 Merkle trees over a tenant's records: roots, inclusion and consistency proofs.

Leaf ``i`` (0-based) is record ``i + 1``; its leaf hash is SHA-256(0x00 || the
record's hash bytes) and an interior node is SHA-256(0x01 || left || right), as in
RFC 6962 §2.1. A tree of ``n`` leaves splits at the largest power of two below ``n``.

``Frontier`` keeps a growing tree in O(log n) memory: the roots of the perfect
subtrees that cover leaves ``[0, size)``, largest first. It also stands in for
leaves that were purged. A ``TreeView`` computes any subtree hash from what is
cheapest: the frontier at the purge point, perfect subtrees kept from earlier
proofs (untrusted: callers check what they build against a signed root), and
leaves read on demand, in bounded chunks.

The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 and raise ``ProofError`` for any
malformed input (a path of the wrong length, an index outside the tree, bad
hashes); they never skip what they cannot check.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from keel.errors import UserError

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()
# Hash states with the domain prefix already in: copying one costs less than a new
# hash object (OpenSSL 3 looks the digest up on every creation; measured ~20 % less
# per leaf or node hash), and a full verify hashes two of them per record.
_LEAF = _sha256(b"\x00")
_NODE = _sha256(b"\x01")


# Perfect subtrees of 2**CACHED_LEVEL leaves and up are worth keeping between proofs
# (keel.audit.tree_cache): a proof then reads O(log n) of them plus at most two
# blocks of 1,024 leaves, where it would otherwise hash every leaf of the tree.
CACHED_LEVEL = 10

LeafReader = Callable[[int, int], Sequence[bytes]]
NodeLookup = Callable[[int, int], bytes | None]
# Told of a perfect subtree as it is formed: (level, first_leaf, hash).
NodeSink = Callable[[int, int, bytes], None]


class ProofError(UserError):
    """A proof or checkpoint that is malformed or does not verify."""


def leaf_hash(record_hash: bytes) -> bytes:
    return _sha256(b"\x00" + record_hash).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    h = _NODE.copy()
    h.update(left)
    h.update(right)
    return h.digest()


def leaf_hashes(record_hashes: Iterable[bytes]) -> list[bytes]:
    """``leaf_hash`` of each record hash (raw bytes), in order."""
    out: list[bytes] = []
    add, base = out.append, _LEAF
    for d in record_hashes:
        h = base.copy()
        h.update(d)
        add(h.digest())
    return out


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_root(leaves: Sequence[bytes]) -> bytes:
    """Root of a perfect subtree (``len(leaves)`` a power of two), level by level."""
    level = list(leaves)
    while len(level) > 1:
        level = _parents(level)
    return level[0]


def _perfect_root_formed(leaves: Sequence[bytes], first: int, formed: NodeSink) -> bytes:
    """``perfect_root`` of leaves ``[first, first + len(leaves))``, reporting each subtree
    of ``2**CACHED_LEVEL`` leaves and up to ``formed`` (see ``Frontier.extend``)."""
    level = list(leaves)
    height = 0
    while len(level) > 1:
        level = _parents(level)
        height += 1
        if height >= CACHED_LEVEL:
            for j, node in enumerate(level):
                formed(height, first + (j << height), node)
    return level[0]


def _parents(level: list[bytes]) -> list[bytes]:
    """The next level up of a level of an even number of nodes."""
    out: list[bytes] = []
    add, base = out.append, _NODE
    pairs = iter(level)
    for left, right in zip(pairs, pairs, strict=True):
        h = base.copy()
        h.update(left)
        h.update(right)
        add(h.digest())
    return out


class Frontier:
    """The perfect-subtree roots covering leaves ``[0, size)``: an appendable tree."""

    __slots__ = ("_nodes", "size")

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != size.bit_count():
            raise ProofError(f"a frontier of {size} leaves has {size.bit_count()} nodes")
        self.size = size
        self._nodes = list(nodes)

    @property
    def nodes(self) -> list[bytes]:
        return list(self._nodes)

    def ranges(self) -> list[tuple[int, int, bytes]]:
        """``(start, end, hash)`` of each subtree, left to right."""
        out: list[tuple[int, int, bytes]] = []
        start = 0
        for bit in reversed(range(self.size.bit_length())):
            if self.size >> bit & 1:
                out.append((start, start + (1 << bit), self._nodes[len(out)]))
                start += 1 << bit
        return out

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash; merges equal-sized subtrees (amortised one hash)."""
        nodes = self._nodes
        size = self.size
        node = leaf
        while size & 1:
            node = node_hash(nodes.pop(), node)
            size >>= 1
        nodes.append(node)
        self.size += 1

    def extend(self, leaves: Sequence[bytes], *, formed: NodeSink | None = None) -> None:
        """Add many leaf hashes: whole aligned blocks are hashed level by level.

        ``formed(level, first_leaf, hash)``, if given, is called for every aligned
        perfect subtree of ``2**CACHED_LEVEL`` leaves and up that the new leaves
        complete: the nodes ``keel.audit.tree_cache`` keeps, at no extra hashing.
        """
        nodes = self._nodes
        i, n = 0, len(leaves)
        while i < n:
            size = self.size
            # The largest block that keeps the tree aligned and fits what is left.
            block = size & -size if size else 1 << (n - i).bit_length()
            while block > n - i:
                block >>= 1
            level = block.bit_length() - 1
            if block == 1:
                node = leaves[i]
            elif formed is None or level < CACHED_LEVEL:
                node = perfect_root(leaves[i : i + block])
            else:
                node = _perfect_root_formed(leaves[i : i + block], size, formed)
            count = size // block
            end = size + block
            while count & 1:
                node = node_hash(nodes.pop(), node)
                count >>= 1
                level += 1
                if formed is not None and level >= CACHED_LEVEL:
                    formed(level, end - (1 << level), node)
            nodes.append(node)
            self.size = end
            i += block

    def root(self) -> bytes:
        """The RFC 6962 root of the tree so far."""
        if not self._nodes:
            return EMPTY_ROOT
        nodes = self._nodes
        r = nodes[-1]
        for node in reversed(nodes[:-1]):
            r = node_hash(node, r)
        return r

    def copy(self) -> Frontier:
        return Frontier(self.size, self._nodes)


# The most leaves read at once when a subtree has to be computed from its leaves.
READ_CHUNK = 1 << 14


class TreeView:
    """Subtree hashes of a tree whose leaves are read on demand.

    ``leaves`` is a sequence holding leaves ``[base, base + len(leaves))``, or a
    function returning leaves ``[lo, hi)`` of a tree of ``size`` leaves. ``anchor``
    stands in for leaves ``[0, base)`` (purged). ``nodes(level, first_leaf)`` may
    return the hash of the perfect subtree of ``2**level`` leaves starting at
    ``first_leaf`` (``level >= node_level``) kept from an earlier proof: a cache, so
    whatever the view builds must be checked against a signed root by the caller.
    The view notes the cached nodes it used in ``used`` and the aligned subtrees of
    ``node_level`` and up it computed in ``computed`` (both keyed by ``(level,
    first_leaf)``), for the caller to drop or keep.
    """

    def __init__(
        self,
        leaves: Sequence[bytes] | LeafReader,
        anchor: Frontier | None = None,
        *,
        size: int | None = None,
        nodes: NodeLookup | None = None,
        node_level: int = CACHED_LEVEL,
    ) -> None:
        self._base = 0 if anchor is None else anchor.size
        self._known = {} if anchor is None else {(a, b): h for a, b, h in anchor.ranges()}
        self._nodes = nodes
        self._level = node_level
        # Leaves read through a function are read in bounded chunks, a block at a time
        # for small subtrees; leaves already in memory are just sliced.
        self._blocks: dict[int, tuple[int, Sequence[bytes]]] | None = None
        if callable(leaves):
            if size is None:
                raise ValueError("a tree read through a function needs its size")
            self._read, self._chunk, self.size = leaves, READ_CHUNK, size
            self._blocks = {}
        else:
            held, base = leaves, self._base
            self._read = lambda lo, hi: held[lo - base : hi - base]
            self._chunk = self.size = base + len(held)
        self.used: dict[tuple[int, int], bytes] = {}
        self.computed: dict[tuple[int, int], bytes] = {}

    def hash(self, lo: int, hi: int) -> bytes:
        """RFC 6962 MTH of leaves ``[lo, hi)``; raises ``ProofError`` if they were purged."""
        known = self._known.get((lo, hi))
        if known is not None:
            return known
        n = hi - lo
        level = n.bit_length() - 1
        perfect = n == 1 << level  # and then aligned: RFC 6962 splits at powers of two
        if perfect and level >= self._level and self._nodes is not None:
            cached = self._nodes(level, lo)
            if cached is not None:
                self.used[(level, lo)] = cached
                return cached
        if lo >= self._base:
            if perfect and n <= self._chunk:
                return self._from_leaves(lo, hi)
        elif n == 1:
            raise ProofError(f"leaf {lo} lies before the purge anchor; its proof is gone")
        k = _split(n)
        node = node_hash(self.hash(lo, lo + k), self.hash(lo + k, hi))
        if perfect and level >= self._level:
            self.computed[(level, lo)] = node
        return node

    def _from_leaves(self, lo: int, hi: int) -> bytes:
        """The root of the perfect subtree ``[lo, hi)``, level by level from its leaves."""
        level = list(self._leaves(lo, hi))
        if len(level) != hi - lo:
            raise ProofError(f"leaves {lo}..{hi - 1} are not all in the log")
        height = 0
        while len(level) > 1:
            level = _parents(level)
            height += 1
            if height >= self._level:
                for i, node in enumerate(level):
                    self.computed[(height, lo + (i << height))] = node
        return level[0]

    def _leaves(self, lo: int, hi: int) -> Sequence[bytes]:
        """Leaves ``[lo, hi)``; those of a small subtree come from its whole block, read once
        (an inclusion path needs about ten subtrees of one block)."""
        width, blocks = 1 << self._level, self._blocks
        if blocks is None or hi - lo >= width:
            return self._read(lo, hi)
        block = lo >> self._level
        if block not in blocks:
            start = max(block * width, self._base)
            blocks[block] = (start, self._read(start, min((block + 1) * width, self.size)))
        start, held = blocks[block]
        return held[lo - start : hi - start]

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        return EMPTY_ROOT if size == 0 else self.hash(0, size)

    def inclusion_path(self, index: int, size: int) -> list[bytes]:
        """RFC 6962 PATH(index, D[size]), leaf to root."""
        if not 0 <= index < size <= self.size:
            raise ProofError(f"no leaf {index} in a tree of {size}")
        path: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                path.append(self.hash(lo + k, hi))
                hi = lo + k
            else:
                path.append(self.hash(lo, lo + k))
                lo += k
        path.reverse()
        return path

    def consistency_path(self, first: int, second: int) -> list[bytes]:
        """RFC 6962 PROOF(first, D[second]) = SUBPROOF(first, D[second], true)."""
        if not 0 < first <= second <= self.size:
            raise ProofError(f"no consistency proof from size {first} to {second}")
        path: list[bytes] = []
        lo, hi, m, whole = 0, second, first, True
        while m != hi - lo:
            k = _split(hi - lo)
            if m <= k:
                path.append(self.hash(lo + k, hi))
                hi = lo + k
            else:
                path.append(self.hash(lo, lo + k))
                lo, m, whole = lo + k, m - k, False
        if not whole:
            path.append(self.hash(lo, hi))
        path.reverse()
        return path


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof (RFC 9162 §2.1.3.2); raises ``ProofError`` if it fails."""
    _check_hashes([leaf, root, *path])
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("inclusion path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion path is shorter than the tree is deep")
    if r != root:
        raise ProofError("inclusion path does not lead to the checkpoint's root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); raises ``ProofError`` if it fails."""
    _check_hashes([first_root, second_root, *path])
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof can go from size {first} to {second}")
    if first == second:
        if path:
            raise ProofError("a proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError("equal tree sizes with different roots: the log was rewritten")
        return
    if not path:
        raise ProofError("consistency path is empty")
    nodes = list(path)
    if first & (first - 1) == 0:
        nodes.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            raise ProofError("consistency path is longer than the trees are deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency path is shorter than the trees are deep")
    if fr != first_root:
        raise ProofError("consistency path does not lead to the first checkpoint's root")
    if sr != second_root:
        raise ProofError("consistency path does not lead to the second checkpoint's root")


def _check_hashes(values: Sequence[bytes]) -> None:
    for v in values:
        if not isinstance(v, bytes) or len(v) != 32:
            raise ProofError("every hash in a proof must be 32 bytes")
