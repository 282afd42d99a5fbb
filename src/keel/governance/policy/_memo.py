"""Decisions remembered by the part of the input a bundle can see.

A Rego policy is a pure function of ``input`` and ``data`` — unless it calls a
built-in that reads the clock, randomness, the network or the runtime. ``data``
is fixed per compiled bundle, so for a pure bundle a decision is fixed by the
input paths its policies reference.

Rego can reach ``input`` only through the ``input`` keyword, so those paths can
be read off the source: ``input.tool.risk`` is the path ``tool.risk``; a
reference that continues with a variable key (``input.tool[k]``), or ``input``
on its own (passed to a function, aliased, iterated), stops the path there — at
the root, the whole document. That over-approximates what a policy reads, never
under-approximates it, so:

* only the projection of the document onto those paths is sent to the engine
  (smaller input, faster conversion), with identical results;
* the projection, as canonical JSON, keys a bounded LRU of decisions — a request
  whose text differs but whose facts the policies read do not, hits. The key is
  read off the document path by path (``memo_key``), so a hit builds nothing. It is
  one text per top-level section the policies read (``section_text``), so that a
  caller deciding several points of one run encodes the sections that stay the same
  once (``PolicySession`` in ``_embedded``).

A bundle whose modules mention a non-deterministic built-in is never memoized.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from keel.governance.policy._bundle import canonical_json

_T = TypeVar("_T")
# ("point", text, ...) from memo_key; ("point", "session", ...) from a PolicySession.
MemoKey = tuple[Any, ...]
_ABSENT: Any = object()
ABSENT: Any = _ABSENT
"""A section the document does not have (for ``InputProjection.section_text``)."""

# `input` as a root reference: not part of a longer name or ref (data.keel.input).
_INPUT_REF = re.compile(r"(?<![\w.])input\b((?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_IMPURE = re.compile(
    r"(?<![\w.])(?:time\.now_ns|rand\.intn|uuid\.rfc4122|http\.send|net\.lookup_ip_addr"
    r"|opa\.runtime|io\.jwt\.decode_verify|crypto\.x509\.parse_and_verify_certificates\w*"
    r"|print|trace)\s*\("
)
# Strings and comments, matched in one left-to-right pass so that a `#` inside a
# string is not taken for a comment (and code after it is kept).
_NOT_CODE = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*')


@dataclass(frozen=True, slots=True)
class InputProjection:
    """The input paths a bundle's policies may read; ``()`` means the whole input."""

    paths: tuple[tuple[str, ...], ...]
    pure: bool
    # The paths grouped by their first name (the document's top-level sections), in
    # path order: (("principal", (("roles",),)), ("tool", ((),)), ...). Derived.
    sections: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        grouped: dict[str, list[tuple[str, ...]]] = {}
        for path in self.paths:
            if path:
                grouped.setdefault(path[0], []).append(path[1:])
        object.__setattr__(
            self, "sections", tuple((name, tuple(rest)) for name, rest in grouped.items())
        )

    @classmethod
    def of_sources(cls, sources: Iterable[str]) -> InputProjection:
        found: set[tuple[str, ...]] = set()
        pure = True
        for source in sources:
            # Neither a comment nor a string literal can read input.
            code = _NOT_CODE.sub(" ", source)
            pure = pure and _IMPURE.search(code) is None
            for m in _INPUT_REF.finditer(code):
                found.add(tuple(p for p in m.group(1).split(".") if p))
        if () in found:
            return cls(paths=((),), pure=pure)
        # Keep the shortest: `tool` covers `tool.name`.
        kept: list[tuple[str, ...]] = []
        for path in sorted(found, key=lambda p: (len(p), p)):
            if not any(path[: len(k)] == k for k in kept):
                kept.append(path)
        return cls(paths=tuple(sorted(kept)), pure=pure)

    @property
    def whole(self) -> bool:
        return self.paths == ((),)

    def memo_key(self, point: str, document: Mapping[str, Any]) -> tuple[str, ...]:
        """``DecisionMemo.key(point, self.project(document))``'s equivalent, without
        building the projection: ``point``, then per section the policies read (in
        ``sections`` order) its ``section_text``. Two documents get equal keys exactly
        when their projections are equal.

        Raises ``ValueError`` / ``TypeError`` for a document that is not JSON.
        """
        if self.whole:
            return (point, canonical_json(document))
        return (
            point,
            *[_section_text(rests, document.get(name, _ABSENT)) for name, rests in self.sections],
        )

    def section_text(self, name: str, value: Any) -> str:
        """The canonical JSON of what the policies read of the section ``name`` whose
        value is ``value`` (``ABSENT`` where the document has no such section): each of
        its paths' value in path order, ``[value]`` where present and ``[]`` where
        absent. Equal texts exactly when those parts are equal. Not for a projection
        of the ``whole`` input. Raises ``ValueError`` / ``TypeError`` for a value that
        is not JSON.
        """
        for n, rests in self.sections:
            if n == name:
                return _section_text(rests, value)
        return _section_text((), _ABSENT)

    def project(self, document: Mapping[str, Any]) -> Mapping[str, Any]:
        """The parts of ``document`` on the paths; absent parts stay absent."""
        if self.whole:
            return document
        out: dict[str, Any] = {}
        for path in self.paths:
            node: Any = document
            for part in path:
                if not isinstance(node, Mapping) or part not in node:
                    break
                node = node[part]
            else:
                target = out
                for part in path[:-1]:
                    target = target.setdefault(part, {})
                target[path[-1]] = node
        return out


def _section_text(rests: tuple[tuple[str, ...], ...], value: Any) -> str:
    if value is _ABSENT:  # what canonical_json gives for [(), (), ...]
        return "[" + ",".join(["[]"] * len(rests)) + "]"
    return canonical_json(_section_parts(rests, value))


def _section_parts(rests: tuple[tuple[str, ...], ...], value: Any) -> list[tuple[Any, ...]]:
    """Per path (``rests``, within a section whose value is ``value``): ``(node,)``
    where present, ``()`` where absent."""
    # On every decision of every governed run: the ABC check only for a mapping that
    # is not a plain dict. A tuple encodes as a list.
    parts: list[tuple[Any, ...]] = []
    for rest in rests:
        node: Any = value
        for part in rest:
            if type(node) is not dict and not isinstance(node, Mapping):
                node = _ABSENT
                break
            node = node.get(part, _ABSENT)
            if node is _ABSENT:
                break
        parts.append(() if node is _ABSENT else (node,))
    return parts


class DecisionMemo(Generic[_T]):
    """A thread-safe LRU from (point, canonical projected input) to a decision."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[MemoKey, _T] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(point: str, projected: Mapping[str, Any]) -> tuple[str, str]:
        """Raises ``ValueError`` / ``TypeError`` for a document that is not JSON."""
        return (point, canonical_json(projected))

    def get(self, key: MemoKey) -> _T | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: MemoKey, value: _T) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
