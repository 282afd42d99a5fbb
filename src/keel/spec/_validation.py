"""Pydantic validation errors turned into located ``SpecProblem``s that say what to fix.

A pydantic ``loc`` mixes real keys and indexes with union-branch tags
(``answer.str``, ``answer.dict[str,any]``) and shorthand detours (a ``ToolRef``
given as a string reports ``tools.0.ref``). The document's own paths decide
which segments are real: a segment that names nothing in the YAML is a tag and
is skipped, so every problem lands on a line that exists.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from keel.errors import SpecProblem
from keel.spec._yaml import DataPath, YamlDocument
from keel.spec.model import AgentSpec

# What each pydantic type error expected, as a phrase.
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "none_required": "null",
}

# Models that also accept a one-string shorthand (their "before" validators).
_SHORTHANDS = {
    "ModelRef": "a mapping or a 'provider:name' string",
    "ToolRef": "a mapping or a 'module:function' string",
}

_ON_KEY = ("extra_forbidden", "missing", "invalid_key")

_BOUNDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


@dataclass(frozen=True, slots=True)
class _Located:
    """One pydantic error with its loc split into the real document path and the rest."""

    path: DataPath
    missing: Hashable | None  # the absent key of a ``missing`` error
    on_key: bool  # the error is about a mapping key itself (``[key]``)
    tagged: bool  # the loc went through a union branch or shorthand detour
    error: ErrorDetails


def validation_problems(error: ValidationError, doc: YamlDocument) -> list[SpecProblem]:
    """Every error in ``error`` as a problem located in ``doc``, in document order.

    Errors on the same value from different union branches are merged into one
    ("expected a string or a mapping, got 5").
    """
    groups: dict[tuple[DataPath, Hashable | None, bool], list[_Located]] = {}
    for details in error.errors(include_url=False):
        located = _locate(details, doc)
        groups.setdefault((located.path, located.missing, located.on_key), []).append(located)
    problems: list[SpecProblem] = []
    for (path, _, _), group in groups.items():
        type_errors = [g for g in group if g.error["type"] in _EXPECTED]
        others = [g for g in group if g.error["type"] not in _EXPECTED]
        if others and all(g.tagged for g in type_errors):
            # A deeper error inside one union branch explains more than "not a string".
            group = others
        elif len(type_errors) > 1:
            phrases = list(dict.fromkeys(_expected(g.error) for g in type_errors))
            message = f"expected {' or '.join(phrases)}, got {_render(path, doc)}"
            problems.append(doc.problem(path, message, at=_anchor(type_errors[0], doc)))
            group = others
        for g in group:
            problems.append(doc.problem(path, _message(g, doc), at=_anchor(g, doc)))
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def _anchor(g: _Located, doc: YamlDocument) -> Literal["value", "key"]:
    # A missing key is reported on the key of the mapping that lacks it; a problem
    # with a whole block (a mapping or list) on the key that opens it, since the
    # block's own start is its first child's line.
    info = doc.nodes.get(g.path)
    if g.on_key or g.error["type"] in _ON_KEY or (info is not None and info.kind != "scalar"):
        return "key"
    return "value"


def _locate(details: ErrorDetails, doc: YamlDocument) -> _Located:
    path: DataPath = ()
    missing: Hashable | None = None
    on_key = tagged = False
    loc = details["loc"]
    for i, seg in enumerate(loc):
        if (*path, seg) in doc.nodes:
            path = (*path, seg)
        elif seg == "[key]":
            on_key = True
        elif details["type"] == "missing" and i == len(loc) - 1:
            missing = seg
        else:
            tagged = True
    return _Located(path, missing, on_key, tagged, details)


def _message(g: _Located, doc: YamlDocument) -> str:
    err, path = g.error, g.path
    kind = err["type"]
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        return _unknown_key(path)
    if kind == "missing":
        return f"missing required key {g.missing!r} {_where(path)}"
    if kind == "invalid_key" or (g.on_key and kind == "string_type"):
        return f"keys must be strings, got {path[-1]!r}"
    if kind in _EXPECTED:
        message = f"expected {_expected(err)}, got {_render(path, doc)}"
        info = doc.nodes.get(path)
        if kind == "string_type" and info is not None and info.kind == "scalar":
            # YAML read a number or boolean where text was meant (version: 1.10).
            message += f" (to write text, quote it: {info.text!r})"
        return message
    if kind == "literal_error":
        allowed = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))
        got = _render(path, doc)
        if len(allowed) == 1:
            return f"expected {allowed[0]!r}, got {got}"
        message = f"expected one of {', '.join(repr(a) for a in allowed)}; got {got}"
        value = _value(path, doc)
        return message + (did_you_mean(value, allowed) if isinstance(value, str) else "")
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"must be {words} {ctx[key]}, got {_render(path, doc)}"
    if kind in ("too_short", "too_long"):
        n = ctx["min_length" if kind == "too_short" else "max_length"]
        bound = "at least" if kind == "too_short" else "at most"
        items = "item" if n == 1 else "items"
        return f"must have {bound} {n} {items}, got {ctx['actual_length']}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind == "assertion_error":
        return str(err["msg"]).removeprefix("Assertion failed, ")
    return f"{err['msg']}, got {_render(path, doc)}"


def _expected(err: ErrorDetails) -> str:
    if err["type"] == "model_type":
        shorthand = _SHORTHANDS.get(str(err.get("ctx", {}).get("class_name")))
        if shorthand is not None:
            return shorthand
    return _EXPECTED[err["type"]]


def _unknown_key(path: DataPath) -> str:
    key, parent = path[-1], path[:-1]
    message = f"unknown key {key!r} {_where(parent)}"
    model = _model_at(parent)
    if model is None:
        return message
    allowed = [f.alias or name for name, f in model.model_fields.items()]
    message += f"; allowed keys: {', '.join(allowed)}"
    return message + (did_you_mean(key, allowed) if isinstance(key, str) else "")


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or an empty string."""
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _where(path: DataPath) -> str:
    return f"in {render_path(path)}" if path else "at the top level"


def render_path(path: DataPath) -> str:
    """``('spec', 'tools', 0, 'ref')`` as ``spec.tools[0].ref``."""
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else f".{seg}" if out else str(seg)
    return out


def _value(path: DataPath, doc: YamlDocument) -> Any:
    value: Any = doc.data
    for seg in path:
        value = value[seg]
    return value


def _render(path: DataPath, doc: YamlDocument) -> str:
    """The offending value as the user wrote it: 'abc', 5, true, null, a mapping."""
    value = _value(path, doc)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    info = doc.nodes.get(path)
    if info is not None and info.text is not None:
        return info.text
    return repr(value)


def _model_at(path: DataPath) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path``, following the annotations."""
    tp: Any = AgentSpec
    for seg in path:
        tp = _descend(tp, seg)
        if tp is None:
            return None
    return next((c for c in _alternatives(tp) if _is_model(c)), None)


def _descend(tp: Any, seg: Hashable) -> Any:
    for cand in _alternatives(tp):
        if _is_model(cand) and isinstance(seg, str):
            for name, field in cand.model_fields.items():
                if seg in (name, field.alias):
                    return field.annotation
        origin = get_origin(cand)
        if origin is list and isinstance(seg, int):
            return get_args(cand)[0]
        if origin is dict:
            return get_args(cand)[1]
    return None


def _alternatives(tp: Any) -> tuple[Any, ...]:
    if get_origin(tp) in (Union, types.UnionType):
        return get_args(tp)
    return (tp,)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)
