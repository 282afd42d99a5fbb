"""Rego unit tests, ``opa test`` style, run on the engine that runs production.

Every rule named ``test_*`` in any module of a bundle (by convention in
``*_test.rego`` files) is a test; it passes when it evaluates to ``true``.
Undefined, any other value, or a runtime error fails it. Rules named
``todo_test_*`` are skipped, as in OPA.

The tests are compiled together with the bundle's policies and data, with the
same strict built-in errors as decisions. By default they run in a child
process: rego-cpp aborts the whole process on some Rego it cannot compile (for
instance ``with input as …`` over rules that call built-ins), and that must read
as a failed test run, not a vanished one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from keel.errors import SpecProblem
from keel.governance.policy._bundle import PolicyBundle, PolicyBundleError, RegoModule
from keel.governance.policy._regopy import UNDEFINED, CompiledRego, RegoEvaluationError

Outcome = Literal["pass", "fail", "error"]

_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)", re.M)
_TEST_RULE = re.compile(r"^(test_\w+)\b", re.M)
_CHILD_TIMEOUT_S = 300.0
_CHILD = (
    "import sys; from keel.governance.policy._testing import _child_main; "
    "sys.exit(_child_main(sys.argv[1:]))"
)


@dataclass(frozen=True, slots=True)
class RegoTestResult:
    """One ``test_*`` rule: where it is, and how it went."""

    file: str
    name: str
    outcome: Outcome
    detail: str = ""
    duration_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class RegoTestReport:
    results: tuple[RegoTestResult, ...]

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.outcome == "pass" for r in self.results)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)


def discover_tests(modules: tuple[RegoModule, ...]) -> list[tuple[RegoModule, str]]:
    """(module, ``data.<package>.<rule>``) for every distinct ``test_*`` rule."""
    found: dict[str, RegoModule] = {}
    for module in modules:
        package = _PACKAGE.search(module.source)
        if package is None:
            continue
        for rule in _TEST_RULE.findall(module.source):
            found.setdefault(f"data.{package.group(1)}.{rule}", module)
    return [(module, name) for name, module in found.items()]


def run_rego_tests(root: str | Path, *, isolated: bool = True) -> RegoTestReport:
    """Run every ``test_*`` rule of the bundle under ``root``.

    Raises ``PolicyBundleError`` when the bundle does not load or compile (or the
    engine crashes compiling it), with the located problems.
    """
    if isolated:
        return _run_in_child(Path(root))
    bundle = PolicyBundle.load(root)
    modules = bundle.modules + bundle.tests
    tests = discover_tests(modules)
    if not tests:
        raise PolicyBundleError(
            [SpecProblem(str(bundle.root), None, None, "holds no test_* rules to run")]
        )
    compiled = CompiledRego(
        modules,
        bundle.data,
        [name.removeprefix("data.").replace(".", "/") for _, name in tests],
        root=bundle.root,
    )
    results = []
    for module, name in tests:
        started = time.perf_counter()
        outcome: Outcome = "pass"
        detail = ""
        try:
            value = compiled.query(name.removeprefix("data.").replace(".", "/"))
            if value is UNDEFINED:
                outcome, detail = "fail", "undefined"
            elif value is not True:
                outcome, detail = "fail", f"evaluated to {json.dumps(value)[:200]}"
        except RegoEvaluationError as e:
            outcome, detail = "error", str(e)
        results.append(
            RegoTestResult(
                file=str(bundle.root / module.path),
                name=name,
                outcome=outcome,
                detail=detail,
                duration_ms=(time.perf_counter() - started) * 1e3,
            )
        )
    return RegoTestReport(tuple(results))


def _run_in_child(root: Path) -> RegoTestReport:
    command = [sys.executable, "-c", _CHILD, str(root)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=_CHILD_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise PolicyBundleError(
            [SpecProblem(str(root), None, None, f"tests did not finish in {_CHILD_TIMEOUT_S:g} s")]
        ) from None
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        raise PolicyBundleError(
            [
                SpecProblem(
                    str(root),
                    None,
                    None,
                    f"the Rego engine (rego-cpp) crashed compiling or running the tests "
                    f"(exit {done.returncode}): {' | '.join(tail) or 'no message'}",
                )
            ]
        )
    answer = json.loads(done.stdout)
    if "problems" in answer:
        raise PolicyBundleError([SpecProblem(**p) for p in answer["problems"]])
    return RegoTestReport(tuple(RegoTestResult(**r) for r in answer["results"]))


def _child_main(argv: list[str]) -> int:
    try:
        report = run_rego_tests(argv[0], isolated=False)
    except PolicyBundleError as e:
        print(json.dumps({"problems": [p.to_dict() for p in e.problems]}))
        return 0
    print(json.dumps({"results": [asdict(r) for r in report.results]}))
    return 0
