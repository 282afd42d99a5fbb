"""Read a tool's description and per-argument descriptions from its docstring.

Three common layouts are understood, so that existing, well-documented functions
become good tools without restating their documentation:

* Google: an ``Args:`` (or ``Arguments:``, ``Parameters:``) section of
  ``name (type): text`` lines, continuation lines indented further.
* NumPy: a ``Parameters`` heading underlined with dashes, then ``name : type``
  lines each followed by an indented description.
* reST / Sphinx: ``:param name: text`` fields.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

_GOOGLE_ARGS = frozenset({"args", "arguments", "parameters", "params"})
# Only known section names count as headings, so a summary such as "Fetch the
# following:" is not mistaken for the start of a section.
_SECTIONS = _GOOGLE_ARGS | {
    "attributes",
    "example",
    "examples",
    "keyword args",
    "keyword arguments",
    "note",
    "notes",
    "raises",
    "references",
    "return",
    "returns",
    "see also",
    "warning",
    "warnings",
    "yield",
    "yields",
}
_GOOGLE_HEADING = re.compile(r"^\s*([A-Za-z][A-Za-z ]*):\s*$")
_GOOGLE_ITEM = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
_NUMPY_ITEM = re.compile(r"^(\w+)\s*(?::.*)?$")
_REST_PARAM = re.compile(r"^:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")
_REST_FIELD = re.compile(r"^:\w+")


@dataclass(frozen=True, slots=True)
class Docstring:
    """The parts of a docstring a tool definition uses."""

    summary: str = ""
    params: dict[str, str] = field(default_factory=dict)


def parse_docstring(doc: str | None) -> Docstring:
    """Split ``doc`` into its first paragraph and its argument descriptions.

    The summary is the first paragraph, its lines joined by spaces; it stops at a
    blank line or at the first section heading. Never raises: text that matches no
    known layout simply yields no argument descriptions.
    """
    if not doc:
        return Docstring()
    lines = inspect.cleandoc(doc).splitlines()
    return Docstring(summary=_summary(lines), params=_params(lines))


def _is_heading(lines: list[str], i: int) -> bool:
    line = lines[i]
    heading = _GOOGLE_HEADING.match(line)
    if (heading and heading.group(1).strip().lower() in _SECTIONS) or _REST_FIELD.match(line):
        return True
    return i + 1 < len(lines) and bool(line.strip()) and bool(_NUMPY_UNDERLINE.match(lines[i + 1]))


def _summary(lines: list[str]) -> str:
    words: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip() or _is_heading(lines, i):
            break
        words.append(line.strip())
    return " ".join(words)


def _params(lines: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = _GOOGLE_HEADING.match(line)
        if heading and heading.group(1).strip().lower() in _GOOGLE_ARGS:
            i = _google_section(lines, i + 1, _indent(line), params)
            continue
        if (
            line.strip().lower() in _GOOGLE_ARGS
            and i + 1 < len(lines)
            and _NUMPY_UNDERLINE.match(lines[i + 1])
        ):
            i = _numpy_section(lines, i + 2, _indent(line), params)
            continue
        rest = _REST_PARAM.match(line.strip())
        if rest:
            i = _rest_field(lines, i, rest, params)
            continue
        i += 1
    return params


def _google_section(lines: list[str], i: int, heading_indent: int, out: dict[str, str]) -> int:
    item_indent: int | None = None
    name: str | None = None
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        indent = _indent(line)
        if indent <= heading_indent:
            break
        if item_indent is None:
            item_indent = indent
        item = _GOOGLE_ITEM.match(line.strip()) if indent == item_indent else None
        if item:
            name = item.group(1)
            out[name] = item.group(2).strip()
        elif name is not None and indent > item_indent:
            out[name] = _join(out[name], line)
        i += 1
    return i


def _numpy_section(lines: list[str], i: int, heading_indent: int, out: dict[str, str]) -> int:
    name: str | None = None
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if i + 1 < len(lines) and _NUMPY_UNDERLINE.match(lines[i + 1]):
            break  # the next section's heading
        if _indent(line) <= heading_indent:
            item = _NUMPY_ITEM.match(line.strip())
            if item is None:
                break
            name = item.group(1)
            out[name] = ""
        elif name is not None:
            out[name] = _join(out[name], line)
        i += 1
    return i


def _rest_field(lines: list[str], i: int, match: re.Match[str], out: dict[str, str]) -> int:
    name = match.group(1)
    out[name] = match.group(2).strip()
    base = _indent(lines[i])
    i += 1
    while i < len(lines) and lines[i].strip() and _indent(lines[i]) > base:
        out[name] = _join(out[name], lines[i])
        i += 1
    return i


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(text: str, line: str) -> str:
    return f"{text} {line.strip()}" if text else line.strip()
