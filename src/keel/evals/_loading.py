"""Reading suite files: line-aware YAML, strict validation, located errors.

``load_suite`` returns a ``LoadedSuite`` or raises ``SpecError`` listing every
problem with its file, line and column, like the agent spec loader. Which suites an
agent has: the spec's ``evals:`` list, or else every ``evals/*.yaml`` beside it
(``suites_for``); the built-in adversarial suite is ``adversarial_suite()``.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from keel.errors import SpecError, SpecProblem
from keel.evals._results import ItemKind
from keel.evals._suite import Case, Journey, Suite
from keel.spec._yaml import DataPath, YamlDocument, parse_yaml
from keel.spec.loader import LoadedSpec

ADVERSARIAL = "adversarial"
"""The tag that counts a case towards ``adversarial_block_rate``; also the built-in suite's name."""

_BUILTIN = Path(__file__).parent / "adversarial" / "adversarial.yaml"


@dataclass(frozen=True, slots=True)
class LoadedSuite:
    """A validated suite, its name, where it came from and its gate from the spec, if any.

    ``doc`` keeps every value's position, so later problems (a fixture naming a tool
    the agent lacks) are reported at their line too.
    """

    name: str
    path: Path
    suite: Suite
    doc: YamlDocument
    gate: str | None = None
    builtin: bool = False

    def items(self) -> list[tuple[ItemKind, Case | Journey, DataPath]]:
        """``("case" | "journey", item, its path in the document)``, cases first."""
        out: list[tuple[ItemKind, Case | Journey, DataPath]] = []
        out += [("case", c, ("cases", i)) for i, c in enumerate(self.suite.cases)]
        out += [("journey", j, ("journeys", i)) for i, j in enumerate(self.suite.journeys)]
        return out

    def problem(self, path: DataPath, message: str) -> SpecProblem:
        return self.doc.problem(path, message, at="key")


def load_suite(path: str | Path, *, gate: str | None = None) -> LoadedSuite:
    """Load and validate the suite file at ``path``. Raises ``SpecError``."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as e:
        raise _error(file, f"cannot read the suite: {e.strerror}") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _error(file, f"not UTF-8 text (bad byte at offset {e.start})") from e
    return parse_suite(text, file=file, gate=gate)


def parse_suite(
    text: str, *, file: Path, gate: str | None = None, builtin: bool = False
) -> LoadedSuite:
    """Validate suite ``text`` as read from ``file``. Raises ``SpecError``."""
    doc = parse_yaml(text, file=str(file))
    if doc is None:
        raise _error(file, "the file is empty; a suite has 'cases:' and/or 'journeys:'")
    if not isinstance(doc.data, dict):
        raise SpecError([doc.problem((), "a suite is a mapping with 'cases:' and/or 'journeys:'")])
    try:
        suite = Suite.model_validate(doc.data)
    except ValidationError as e:
        raise SpecError(_problems(e, doc)) from e
    name = suite.name or file.stem
    return LoadedSuite(name, file, suite, doc, gate=gate, builtin=builtin)


@functools.cache
def adversarial_suite() -> LoadedSuite:
    """The adversarial corpus Keel ships (``keel/evals/adversarial/adversarial.yaml``)."""
    return parse_suite(_BUILTIN.read_text(encoding="utf-8"), file=_BUILTIN, builtin=True)


def suites_for(
    spec: LoadedSpec, *, picks: Sequence[str | Path] = (), adversarial: bool = True
) -> list[LoadedSuite]:
    """The suites to run for ``spec``.

    ``picks`` (files) replace the spec's own suites: those its ``evals:`` list names
    (with their gates), or every ``evals/*.yaml`` / ``*.yml`` beside the spec when it
    lists none. The built-in adversarial suite comes last unless ``adversarial`` is
    false. Raises ``SpecError`` for a suite that does not load, or two with one name.
    """
    loaded: list[LoadedSuite] = []
    problems: list[SpecProblem] = []
    if picks:
        wanted: list[tuple[Path, str | None]] = [(Path(p), None) for p in picks]
    elif spec.spec.spec.evals:
        wanted = [(spec.base_dir / ref.file, ref.gate) for ref in spec.spec.spec.evals]
    else:
        folder = spec.base_dir / "evals"
        files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
        wanted = [(f, None) for f in files]
    for file, gate in wanted:
        try:
            loaded.append(load_suite(file, gate=gate))
        except SpecError as e:
            problems += e.problems
    if adversarial:
        loaded.append(adversarial_suite())
    names: dict[str, Path] = {}
    for s in loaded:
        if s.name in names:
            problems.append(
                SpecProblem(
                    str(s.path),
                    None,
                    None,
                    f"suite name {s.name!r} is also the name of {names[s.name]}; "
                    "results are kept per suite name, so give one of them another 'name'",
                )
            )
        names[s.name] = s.path
    if problems:
        raise SpecError(problems)
    return loaded


def _error(file: Path, message: str) -> SpecError:
    return SpecError([SpecProblem(str(file), None, None, message)])


# -- validation errors, located ------------------------------------------------------


def _problems(error: ValidationError, doc: YamlDocument) -> list[SpecProblem]:
    problems: dict[tuple[Any, ...], SpecProblem] = {}
    for details in error.errors(include_url=False):
        path, rest = _split(details, doc)
        message = f"{_render_path(path) or 'suite'}: {_message(details, path, rest)}"
        on_key = details["type"] in ("extra_forbidden", "missing")
        problem = doc.problem(path, message, at="key" if on_key else "value")
        # Union branches repeat one problem; keep the first of each.
        problems.setdefault((problem.line, problem.column, message), problem)
    return sorted(problems.values(), key=lambda p: (p.line or 0, p.column or 0))


def _split(details: ErrorDetails, doc: YamlDocument) -> tuple[DataPath, list[Hashable]]:
    """The part of the error's location that exists in the document, and the rest."""
    path: DataPath = ()
    rest: list[Hashable] = []
    for seg in details["loc"]:
        if not rest and (*path, seg) in doc.nodes:
            path = (*path, seg)
        else:
            rest.append(seg)
    return path, rest


def _message(details: ErrorDetails, path: DataPath, rest: list[Hashable]) -> str:
    kind = details["type"]
    if kind == "extra_forbidden":
        model = _model_at(path[:-1])
        message = f"unknown key {path[-1]!r}"
        if model is not None:
            allowed = ", ".join(f.alias or n for n, f in model.model_fields.items())
            message += f"; allowed keys: {allowed}"
        return message
    if kind == "missing":
        return f"missing required key {rest[-1]!r}" if rest else "missing required value"
    return str(details["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _render_path(path: DataPath) -> str:
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else f".{seg}" if out else str(seg)
    return out


def _model_at(path: DataPath) -> type[BaseModel] | None:
    """The model that validates the mapping at ``path`` of a suite document."""
    tp: Any = Suite
    for seg in path:
        tp = _descend(tp, seg)
    return next((t for t in _alternatives(tp) if _is_model(t)), None)


def _descend(tp: Any, seg: Hashable) -> Any:
    for t in _alternatives(tp):
        if _is_model(t) and isinstance(seg, str) and seg in t.model_fields:
            return t.model_fields[seg].annotation
        origin = get_origin(t)
        if origin is list and isinstance(seg, int):
            return get_args(t)[0]
        if origin is dict:
            return get_args(t)[1]
    return None


def _alternatives(tp: Any) -> tuple[Any, ...]:
    return get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)
