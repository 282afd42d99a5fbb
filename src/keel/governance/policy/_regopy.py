"""Rego through regopy (rego-cpp): compile a bundle once, query it many times.

The cheapest correct reuse pattern, measured on regopy 1.5.2:

* ``Interpreter.build`` compiles the modules and data into a ``Bundle`` with one
  entrypoint per decision rule — about 10 ms for the default pack, done once per
  bundle version. Querying a compiled entrypoint costs tens to hundreds of µs;
  ``Interpreter.query`` on source re-compiles every time (about 1 ms).
* One evaluating interpreter is reused for every query, under a lock (ctypes
  releases the GIL, and an interpreter holds the current input).
* Input goes in as a node tree built here straight through rego-cpp's C API
  (``regoInput*``), about twice as fast as ``regopy.Input``; rego-cpp copies it
  on ``regoSetInput``, so the tree is freed right away. Parsing the input as
  JSON text inside rego-cpp is slower still (~0.4 ms).
* Answers are read as rego-cpp's own JSON text: ``regopy.Output`` raises on the
  error terms rego-cpp returns for some runtime errors, losing their message.

Built-in errors are strict (``strict_built_in_errors``): a built-in that fails
inside a deny rule must fail the query, not quietly make the rule undefined and
let a default allow through.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from regopy import Interpreter, LogLevel, RegoError  # type: ignore[import-untyped]
from regopy import rego_shared as _c

from keel.errors import SpecProblem
from keel.governance.policy._bundle import PolicyBundleError, RegoModule, canonical_json


class RegoEvaluationError(Exception):
    """A query that failed at run time; the message names the cause."""


class _Undefined:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final = _Undefined()

_INT64 = (-(2**63), 2**63 - 1)
_compilations = 0
_compilations_lock = threading.Lock()


def compilations() -> int:
    """How many bundles this process has compiled; a cache hit adds nothing."""
    return _compilations


class CompiledRego:
    """Modules and data compiled once by rego-cpp, queried by entrypoint.

    ``entrypoints`` are rule paths with slashes (``keel/on_tool/decision``).
    Raises ``PolicyBundleError`` with located problems (files under ``root``) if
    the bundle does not compile.
    """

    def __init__(
        self,
        modules: Sequence[RegoModule],
        data: Mapping[str, Any],
        entrypoints: Sequence[str],
        *,
        root: Path | None = None,
    ) -> None:
        global _compilations
        builder = Interpreter()
        builder.log_level = LogLevel.NONE
        try:
            builder.add_data_json(canonical_json(data))
            for module in modules:
                builder.add_module(module.path, module.source)
            self._bundle = builder.build(None, list(entrypoints))
        except RegoError as e:
            raise PolicyBundleError(compile_problems(str(e), modules, root=root)) from None
        if not self._bundle.ok():
            raise PolicyBundleError(
                [SpecProblem("<bundle>", None, None, "rego-cpp built no bundle")]
            )
        self._vm = Interpreter()
        self._vm.log_level = LogLevel.NONE
        self._vm.strict_built_in_errors = True
        self._lock = threading.Lock()
        self.entrypoints = tuple(entrypoints)
        with _compilations_lock:
            _compilations += 1

    def query(self, entrypoint: str, value: Any = UNDEFINED) -> Any:
        """The value of ``entrypoint`` for input ``value`` (none if ``UNDEFINED``).

        Returns ``UNDEFINED`` when no rule defines a value. Raises
        ``RegoEvaluationError`` for a runtime error, and ``ValueError`` for an
        input that is not a JSON document.
        """
        with self._lock:
            if value is not UNDEFINED:
                _set_input(self._vm._impl, value)
            out = _c.rego_bundle_query_entrypoint(self._vm._impl, self._bundle._impl, entrypoint)
            try:
                ok = _c.rego_output_ok(out)
                text: str = _c.rego_output_string(out)
            finally:
                _c.rego_free_output(out)
        return _answer(ok, text)


def _answer(ok: bool, text: str) -> Any:
    if not ok:
        raise RegoEvaluationError(
            "evaluation failed (a built-in error or conflicting rule values; "
            "rego-cpp gives no detail)"
        )
    if text == "undefined":
        return UNDEFINED
    if text.startswith("(error"):
        raise RegoEvaluationError("; ".join(m for _, m in _error_messages(text)) or text)
    try:
        answer = json.loads(text)
    except json.JSONDecodeError as e:
        raise RegoEvaluationError(
            f"the engine's answer is not JSON ({e.msg}): {text[:200]}"
        ) from None
    if isinstance(answer, list):
        raise RegoEvaluationError(f"the rule has {len(answer)} values, expected one")
    expressions = answer.get("expressions") if isinstance(answer, dict) else None
    if not isinstance(expressions, list) or len(expressions) != 1:
        raise RegoEvaluationError(f"unexpected answer from the engine: {text[:200]}")
    return expressions[0]


def _set_input(vm: Any, value: Any) -> None:
    tree = _c.rego_new_input()
    try:
        _push(tree, value, 0)
        if _c.rego.regoSetInput(vm, tree) != 0:
            raise ValueError(f"rego-cpp refused the input: {_c.rego_get_error(vm)}")
    finally:
        _c.rego_free_input(tree)


def _push(tree: Any, value: Any, depth: int) -> None:
    # rego-cpp builds the tree postfix: push the items, then say how many.
    lib = _c.rego
    if depth > 64:
        raise ValueError("the input nests deeper than 64 levels")
    kind = type(value)
    if kind is str:
        if "\0" in value:
            raise ValueError("a string in the input holds a NUL character")
        rc = lib.regoInputString(tree, value.encode())
    elif kind is bool:
        rc = lib.regoInputBoolean(tree, value)
    elif kind is int:
        if not _INT64[0] <= value <= _INT64[1]:
            raise ValueError(f"the integer {value} does not fit in 64 bits")
        rc = lib.regoInputInt(tree, value)
    elif kind is float:
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a JSON number")
        rc = lib.regoInputFloat(tree, value)
    elif value is None:
        rc = lib.regoInputNull(tree)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if type(key) is not str:
                raise ValueError(f"object key {key!r} is not a string")
            _push(tree, key, depth + 1)
            _push(tree, item, depth + 1)
            if lib.regoInputObjectItem(tree) != 0:
                raise ValueError("rego-cpp refused an object item")
        rc = lib.regoInputObject(tree, len(value))
    elif isinstance(value, list | tuple):
        for item in value:
            _push(tree, item, depth + 1)
        rc = lib.regoInputArray(tree, len(value))
    else:
        raise ValueError(f"a {kind.__name__} is not a JSON value")
    if rc != 0:
        raise ValueError(f"rego-cpp refused the {kind.__name__} {value!r:.60}")


# rego-cpp reports errors as S-expressions whose strings are length-prefixed
# (`12:pol/bad.rego`) and whose locations are `|byte offset|length`.
_ERROR = re.compile(rb"\(error(?:\s+(\d+):)?")
_LOCATION = re.compile(rb"\|(\d+)\|(\d+)")
_MESSAGE = re.compile(rb"\(errormsg (\d+):")


def _error_messages(text: str) -> list[tuple[tuple[str, int] | None, str]]:
    """(file, byte offset) or None, and the message, for each error in ``text``."""
    raw = text.encode()
    found: list[tuple[tuple[str, int] | None, str]] = []
    pos = 0
    while (m := _ERROR.search(raw, pos)) is not None:
        pos = m.end()
        where: tuple[str, int] | None = None
        if m.group(1) is not None:
            size = int(m.group(1))
            name = raw[pos : pos + size].decode(errors="replace")
            loc = _LOCATION.match(raw, pos + size)
            if loc is not None:
                where = (name, int(loc.group(1)))
        msg = _MESSAGE.search(raw, pos)
        if msg is None:
            break
        size = int(msg.group(1))
        found.append((where, raw[msg.end() : msg.end() + size].decode(errors="replace")))
        pos = msg.end() + size
    return found


def compile_problems(
    text: str, modules: Sequence[RegoModule], *, root: Path | None = None
) -> list[SpecProblem]:
    """Located problems (file:line:column: message) from a rego-cpp error text."""
    sources = {m.path: m.source.encode() for m in modules}
    problems = []
    for where, message in _error_messages(text):
        if where is None or where[0] not in sources:
            problems.append(SpecProblem(where[0] if where else "<bundle>", None, None, message))
            continue
        name, offset = where
        before = sources[name][:offset]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode(errors="replace")) + 1
        problems.append(SpecProblem(str(root / name) if root else name, line, column, message))
    unique = list(dict.fromkeys((p.file, p.line, p.column, p.message) for p in problems))
    return [SpecProblem(*p) for p in unique] or [SpecProblem("<bundle>", None, None, text.strip())]
