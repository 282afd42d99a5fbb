"""Reading the documentation pages: fenced code blocks, sections, table rows, anchors.

Deliberately small: the pages are plain GitHub-flavoured Markdown written by us, so
a line-based reader is enough and keeps failures easy to locate (every item carries
its line number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"

_FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# A table cell boundary: a pipe not escaped with a backslash.
_CELL = re.compile(r"(?<!\\)\|")


def pages() -> list[Path]:
    """README.md and every docs/*.md page, in a stable order."""
    return [README, *sorted(DOCS.glob("*.md"))]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@dataclass(frozen=True)
class CodeBlock:
    lang: str
    line: int  # line number of the first line of code (1-based)
    code: str
    end: int  # line number of the closing fence


def code_blocks(text: str) -> list[CodeBlock]:
    """Every top-level fenced code block, in order."""
    blocks: list[CodeBlock] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group(1), m.group(2)
        j = i + 1
        while j < len(lines) and not lines[j].startswith(fence):
            j += 1
        blocks.append(CodeBlock(lang, i + 2, "\n".join(lines[i + 1 : j]) + "\n", j + 1))
        i = j + 1
    return blocks


def follows_directly(text: str, first: CodeBlock, second: CodeBlock) -> bool:
    """Whether only blank lines separate ``first`` from ``second``."""
    between = text.splitlines()[first.end : second.line - 2]
    return all(not line.strip() for line in between)


@dataclass(frozen=True)
class Section:
    title: str
    level: int
    line: int
    body: list[tuple[int, str]]  # (line number, text) up to the next heading


def sections(text: str) -> list[Section]:
    """The page split at every heading outside code blocks."""
    found: list[Section] = []
    in_code = False
    current: Section | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line)
        if m:
            current = Section(m.group(2), len(m.group(1)), n, [])
            found.append(current)
        elif current is not None:
            current.body.append((n, line))
    return found


def table_rows(lines: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """Body rows of the Markdown tables among ``lines``: (line, stripped cells)."""
    rows: list[tuple[int, list[str]]] = []
    header_next = True
    for n, line in lines:
        if not line.startswith("|"):
            header_next = True
            continue
        cells = [c.strip() for c in _CELL.split(line.strip())[1:-1]]
        if header_next:
            header_next = False  # the header row
            continue
        if all(set(c) <= set("-: ") for c in cells):
            continue  # the delimiter row
        rows.append((n, cells))
    return rows


def code_span(cell: str) -> str | None:
    """The text of a cell that is exactly one code span, else ``None``."""
    m = re.fullmatch(r"`([^`]+)`", cell)
    return m.group(1) if m else None


def slug(title: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", title.lower())
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    for s in sections(text):
        base = slug(s.title)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out
