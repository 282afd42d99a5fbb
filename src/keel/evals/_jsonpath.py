"""A small JSONPath subset for expectations on JSON answers.

Supported: the root ``$``; children ``.name`` and ``['name']`` (``["name"]``);
indexes ``[0]`` and ``[-1]``; wildcards ``.*`` and ``[*]``; recursive descent
``..name`` and ``..*``. No filters, slices or scripts: an expectation names a place,
it does not compute one. ``JsonPath.parse`` raises ``ValueError`` saying what it
could not read and where.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

StepKind = Literal["key", "index", "wildcard", "descend"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_BRACKET = re.compile(r"""\[\s*(?:(-?\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\*))\s*\]""")


@dataclass(frozen=True, slots=True)
class _Step:
    kind: StepKind
    key: str | int | None = None


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A parsed path; ``find(value)`` lists every value it reaches, depth first (with
    ``..``, a value's own matches before those inside it)."""

    text: str
    steps: tuple[_Step, ...]

    @classmethod
    def parse(cls, text: str) -> JsonPath:
        if not text.startswith("$"):
            raise ValueError(f"JSONPath {text!r} must start with '$'")
        steps: list[_Step] = []
        i = 1
        while i < len(text):
            if text.startswith("..", i):
                steps.append(_Step("descend"))
                i += 2
                if text.startswith("*", i):
                    steps.append(_Step("wildcard"))
                    i += 1
                    continue
                m = _NAME.match(text, i)
                if m is None:
                    if text.startswith("[", i):
                        continue
                    raise _error(text, i, "a name, '*' or '[' after '..'")
                steps.append(_Step("key", m.group()))
                i = m.end()
            elif text.startswith(".", i):
                i += 1
                if text.startswith("*", i):
                    steps.append(_Step("wildcard"))
                    i += 1
                    continue
                m = _NAME.match(text, i)
                if m is None:
                    raise _error(text, i, "a name or '*' after '.'")
                steps.append(_Step("key", m.group()))
                i = m.end()
            elif text.startswith("[", i):
                m = _BRACKET.match(text, i)
                if m is None:
                    raise _error(text, i, "[0], [-1], ['name'] or [*]")
                index, single, double, star = m.groups()
                if index is not None:
                    steps.append(_Step("index", int(index)))
                elif star is not None:
                    steps.append(_Step("wildcard"))
                else:
                    quoted = single if single is not None else double
                    steps.append(_Step("key", re.sub(r"\\(.)", r"\1", quoted)))
                i = m.end()
            else:
                raise _error(text, i, "'.', '..' or '['")
        return cls(text, tuple(steps))

    def find(self, value: Any) -> list[Any]:
        found = [value]
        for n, step in enumerate(self.steps):
            if step.kind == "descend":
                continue
            descend = n > 0 and self.steps[n - 1].kind == "descend"
            pool = [v for f in found for v in _walk(f)] if descend else found
            found = [v for p in pool for v in _apply(step, p)]
        return found


def _walk(value: Any) -> Iterator[Any]:
    """``value`` and everything inside it, depth first, in document order."""
    yield value
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        yield from _walk(child)


def _apply(step: _Step, value: Any) -> list[Any]:
    if step.kind == "wildcard":
        if isinstance(value, dict):
            return list(value.values())
        return list(value) if isinstance(value, list) else []
    if step.kind == "key" and isinstance(value, dict) and step.key in value:
        return [value[step.key]]
    if (
        step.kind == "index"
        and isinstance(value, list)
        and isinstance(step.key, int)
        and -len(value) <= step.key < len(value)
    ):
        return [value[step.key]]
    return []


def _error(text: str, at: int, wanted: str) -> ValueError:
    return ValueError(f"JSONPath {text!r}: expected {wanted} at character {at + 1}")
