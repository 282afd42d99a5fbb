"""YAML parsing that remembers where every key and value came from.

PyYAML's data loaders forget positions, keep the last of two duplicate keys
silently, and resolve YAML 1.1 scalars (``no`` is false, ``010`` is 8,
``1:30`` is 90). A spec needs exact positions for its error messages and plain,
predictable data, so this module composes the node graph with a ``SafeLoader``
subclass whose scalars follow the YAML 1.2 core schema, then builds the data
itself: only mappings, lists, strings, numbers, booleans and null, with a
position recorded for every path.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from keel.errors import SpecError, SpecProblem

DataPath = tuple[Hashable, ...]
"""A path into the parsed data: mapping keys and list indexes, from the root."""

NodeKind = Literal["mapping", "sequence", "scalar"]

# A spec is a few hundred nodes; aliases can expand a small file exponentially
# ("billion laughs"), so building stops well before memory becomes the limit.
MAX_NODES = 100_000

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE = _TAG + "map", _TAG + "seq", _TAG + "merge"

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_CORE_SCALARS: dict[str, re.Pattern[str]] = {
    _BOOL: re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    _INT: re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    _FLOAT: re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    _NULL: re.compile(r"^(?:~|null|Null|NULL|)$"),
}


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column in the source text."""

    line: int
    column: int

    @classmethod
    def of(cls, mark: yaml.Mark) -> Position:
        return cls(mark.line + 1, mark.column + 1)


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """Where one value sits: its own start and, for a mapping entry, its key's start.

    ``text`` is a scalar's source text (``1.10`` for the float 1.1), else None.
    """

    kind: NodeKind
    start: Position
    key_start: Position | None
    text: str | None


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """One parsed YAML document: plain ``data`` plus the position of every path in it."""

    file: str
    data: Any
    nodes: Mapping[DataPath, NodeInfo]

    def nearest(self, path: DataPath) -> tuple[DataPath, NodeInfo]:
        """The longest prefix of ``path`` present in the document, and its node."""
        for end in range(len(path), -1, -1):
            info = self.nodes.get(path[:end])
            if info is not None:
                return path[:end], info
        raise KeyError(path)  # the root is always recorded, so this is unreachable

    def problem(
        self, path: DataPath, message: str, *, at: Literal["value", "key"] = "value"
    ) -> SpecProblem:
        """A problem located at ``path`` (or its nearest existing parent).

        ``at="key"`` points at the key that holds the value, where there is one:
        right for "this whole section is wrong"; ``"value"`` points at the value.
        """
        _, info = self.nearest(path)
        pos = info.key_start if at == "key" and info.key_start is not None else info.start
        return SpecProblem(self.file, pos.line, pos.column, message)


def parse_yaml(text: str, *, file: str) -> YamlDocument | None:
    """Parse one YAML document; None for a stream with no document (empty or comments only).

    Raises ``SpecError`` for a syntax error (at the parser's mark), a second
    document, duplicate keys, tags other than the core ones (``!!python/...``
    and custom tags included), recursive aliases, or alias expansion past
    ``MAX_NODES``. Every problem found while building is reported at once.
    """
    try:
        # The reader checks for unprintable characters as it is constructed.
        loader = _SpecLoader(text)
    except yaml.YAMLError as e:
        raise SpecError([_reader_problem(file, text, e)]) from e
    try:
        if not loader.check_node():
            return None
        root = loader.get_node()
        if root is None:  # check_node() said a document follows; this is for the type checker
            return None
        if loader.check_node():
            # types-PyYAML leaves the parser's event API unannotated.
            start = Position.of(loader.peek_event().start_mark)  # type: ignore[no-untyped-call]
            raise SpecError(
                [
                    SpecProblem(
                        file,
                        start.line,
                        start.column,
                        "a second YAML document starts here; a spec file holds exactly one",
                    )
                ]
            )
    except yaml.MarkedYAMLError as e:
        raise SpecError([_syntax_problem(file, e)]) from e
    except yaml.YAMLError as e:
        raise SpecError([_reader_problem(file, text, e)]) from e
    finally:
        loader.dispose()
    builder = _Builder(loader, file)
    data = builder.build(root, (), None)
    if builder.problems:
        raise SpecError(builder.problems)
    return YamlDocument(file, data, builder.nodes)


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalar resolution and decimal integers."""

    def construct_yaml_int(self, node: ScalarNode) -> int:
        # SafeConstructor reads "010" as octal and accepts "1_000" and "1:30" (YAML 1.1).
        text = str(self.construct_scalar(node))
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)


# A fresh table, not a copy of SafeLoader's YAML 1.1 resolvers.
_SpecLoader.yaml_implicit_resolvers = {}
for _tag, _first in (
    (_BOOL, "tTfF"),
    (_INT, "-+0123456789"),
    (_FLOAT, "-+0123456789."),
    (_NULL, ["~", "n", "N", ""]),
):
    _SpecLoader.add_implicit_resolver(_tag, _CORE_SCALARS[_tag], list(_first))
_SpecLoader.add_implicit_resolver(_MERGE, re.compile(r"^<<$"), ["<"])
_SpecLoader.add_constructor(_INT, _SpecLoader.construct_yaml_int)


class _Builder:
    """Turns a composed node graph into plain data, recording positions and problems."""

    def __init__(self, loader: _SpecLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.nodes: dict[DataPath, NodeInfo] = {}
        self.problems: list[SpecProblem] = []
        self._count = 0
        self._open: set[int] = set()  # collection nodes being built: a repeat is a cycle

    def _report(self, mark: yaml.Mark, message: str) -> None:
        pos = Position.of(mark)
        self.problems.append(SpecProblem(self.file, pos.line, pos.column, message))

    def build(self, node: Node, path: DataPath, key_start: Position | None) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            raise SpecError(
                [
                    SpecProblem(
                        self.file,
                        None,
                        None,
                        f"the document expands to more than {MAX_NODES} values through "
                        "aliases; a spec is much smaller than that",
                    )
                ]
            )
        start = Position.of(node.start_mark)
        if isinstance(node, ScalarNode):
            self.nodes[path] = NodeInfo("scalar", start, key_start, str(node.value))
            return self._scalar(node)
        if id(node) in self._open:
            self._report(node.start_mark, "this alias refers to a value that contains it")
            return None
        kind: NodeKind = "mapping" if isinstance(node, MappingNode) else "sequence"
        self.nodes[path] = NodeInfo(kind, start, key_start, None)
        if node.tag not in (_MAP, _SEQ):
            self._report(node.start_mark, _unsupported_tag(node.tag))
        self._open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            assert isinstance(node, SequenceNode)
            return [self.build(item, (*path, i), None) for i, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag == _STR:
            return str(node.value)
        pattern = _CORE_SCALARS.get(node.tag)
        if pattern is None:
            self._report(node.start_mark, _unsupported_tag(node.tag))
            return None
        # Implicitly resolved scalars match by construction; an explicit tag
        # ("!!int abc") may not, and SafeConstructor would raise a bare ValueError.
        if not pattern.match(node.value):
            self._report(
                node.start_mark, f"{node.value!r} is not a valid {_short_tag(node.tag)} value"
            )
            return None
        return self.loader.construct_object(node)

    def _mapping(self, node: MappingNode, path: DataPath) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: list[MappingNode] = []
        seen: dict[Any, Position] = {}
        own: list[tuple[Any, ScalarNode, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(self._merge_sources(key_node, value_node))
                continue
            if not isinstance(key_node, ScalarNode):
                self._report(key_node.start_mark, "a mapping key must be a plain scalar")
                continue
            key = self._scalar(key_node)
            key_pos = Position.of(key_node.start_mark)
            if key in seen:
                first = seen[key]
                self._report(
                    key_node.start_mark,
                    f"duplicate key {key!r}; it is already set at line {first.line}, "
                    f"column {first.column}",
                )
                continue
            seen[key] = key_pos
            own.append((key, key_node, value_node))
        # YAML merge keys: the first source listed wins, and the mapping's own keys
        # override every merged one (https://yaml.org/type/merge.html).
        for source in reversed(merged):
            if id(source) in self._open:
                self._report(source.start_mark, "this alias refers to a value that contains it")
                continue
            self._open.add(id(source))
            try:
                result.update(self._mapping(source, path))
            finally:
                self._open.discard(id(source))
        for key, key_node, value_node in own:
            result[key] = self.build(value_node, (*path, key), Position.of(key_node.start_mark))
        return result

    def _merge_sources(self, key: Node, node: Node) -> list[MappingNode]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        good = [s for s in sources if isinstance(s, MappingNode)]
        if len(good) != len(sources):
            self._report(key.start_mark, "'<<' merges a mapping or a list of mappings only")
        return good


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _unsupported_tag(tag: str) -> str:
    return (
        f"unsupported YAML tag {_short_tag(tag)!r}; a spec holds plain mappings, lists, "
        "strings, numbers, booleans and null"
    )


def _syntax_problem(file: str, e: yaml.MarkedYAMLError) -> SpecProblem:
    mark = e.problem_mark or e.context_mark
    message = "YAML syntax error: " + (e.problem or "invalid YAML")
    if e.context:
        message += f" ({e.context}"
        if e.context_mark is not None and e.context_mark is not mark:
            message += f" at line {e.context_mark.line + 1}, column {e.context_mark.column + 1}"
        message += ")"
    if mark is None:
        return SpecProblem(file, None, None, message)
    pos = Position.of(mark)
    return SpecProblem(file, pos.line, pos.column, message)


def _reader_problem(file: str, text: str, e: yaml.YAMLError) -> SpecProblem:
    # ReaderError (a control character, say) carries a character offset, not a mark.
    position = getattr(e, "position", None)
    if not isinstance(position, int):
        return SpecProblem(file, None, None, f"YAML error: {e}")
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    reason = getattr(e, "reason", "unacceptable character")
    return SpecProblem(file, line, column, f"YAML error: {reason}")
