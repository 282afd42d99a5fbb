"""``keel policy …``: run a bundle's Rego unit tests; evaluate one decision.

Exit codes follow ``keel``: 0 ok, 1 a test failed (or the decision could not be
obtained), 2 bad input — a bundle that does not load or compile, an input file
that is not a JSON object.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping
from itertools import groupby
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console

from keel.errors import SpecProblem
from keel.governance.policy import (
    DEFAULT_PACK,
    EmbeddedPolicyEngine,
    OpaPolicyEngine,
    PolicyBundle,
    PolicyBundleError,
    PolicyDecision,
    RegoTestReport,
    run_rego_tests,
)

policy_app = typer.Typer(
    help="Test and evaluate Rego policy bundles (default: Keel's policy pack).",
    no_args_is_help=True,
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
_RULE = "-" * 80


def _problems(problems: list[SpecProblem] | tuple[SpecProblem, ...]) -> typer.Exit:
    for p in problems:
        err.print(str(p), markup=False)
    return typer.Exit(EXIT_BAD_INPUT)


@policy_app.command("test")
def run_tests(
    directory: Annotated[
        Path, typer.Argument(help="bundle folder: *.rego, *_test.rego, data.json")
    ],
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="also show how long each test took")
    ] = False,
) -> None:
    """Run every test_* rule of a bundle (opa test style); exit 1 if any fails."""
    try:
        report = run_rego_tests(directory)
    except PolicyBundleError as e:
        raise _problems(e.problems) from None
    _print_report(report, verbose=verbose)
    if not report.passed:
        raise typer.Exit(EXIT_FAILED)


def _print_report(report: RegoTestReport, *, verbose: bool) -> None:
    for file, results in groupby(report.results, key=lambda r: r.file):
        out.print(f"{file}:", markup=False)
        for r in results:
            took = f" ({r.duration_ms:.1f} ms)" if verbose else ""
            detail = f": {r.detail}" if r.detail else ""
            out.print(f"  {r.outcome.upper():5} {r.name}{took}{detail}", markup=False)
    out.print(_RULE)
    total = len(report.results)
    out.print(f"PASS: {report.count('pass')}/{total}")
    for outcome in ("fail", "error"):
        if n := report.count(outcome):
            out.print(f"{outcome.upper()}: {n}/{total}")


def _read_input(path: Path) -> Mapping[str, Any]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        doc = json.loads(text)
    except (OSError, UnicodeDecodeError) as e:
        raise _problems([SpecProblem(str(path), None, None, f"cannot be read: {e}")]) from None
    except json.JSONDecodeError as e:
        raise _problems([SpecProblem(str(path), e.lineno, e.colno, e.msg)]) from None
    if not isinstance(doc, dict):
        raise _problems([SpecProblem(str(path), None, None, "must hold a JSON object")])
    return doc


@policy_app.command("eval")
def eval_(
    point: Annotated[
        Literal["input", "route", "tool", "output"],
        typer.Option("--point", help="decision point: input, route, tool or output"),
    ],
    input_file: Annotated[
        Path,
        typer.Option("--input", help="the keel.policy.input/v1 document, JSON ('-' for stdin)"),
    ],
    bundle: Annotated[
        Path | None, typer.Option("--bundle", help="bundle folder (default: Keel's policy pack)")
    ] = None,
    opa_url: Annotated[
        str | None,
        typer.Option("--opa-url", help="ask this OPA server instead of evaluating embedded"),
    ] = None,
    timeout_s: Annotated[float, typer.Option("--timeout", help="seconds", min=0.001)] = 1.0,
) -> None:
    """Evaluate one decision point and print the decision as JSON."""
    doc = _read_input(input_file)
    if opa_url is None:
        engine = EmbeddedPolicyEngine(bundle or DEFAULT_PACK, timeout_s=timeout_s, memo_size=0)
        if engine.problems:
            raise _problems(engine.problems)
        decision = engine.decide(point, doc)
    else:
        # With --bundle, the decision records the hash of the folder deployed to OPA.
        try:
            policy_hash = None if bundle is None else PolicyBundle.load(bundle).hash
        except PolicyBundleError as e:
            raise _problems(e.problems) from None
        decision = asyncio.run(_remote(opa_url, point, doc, timeout_s, policy_hash))
    sys.stdout.write(json.dumps(decision.to_dict(), indent=2, ensure_ascii=False) + "\n")


async def _remote(
    url: str,
    point: Literal["input", "route", "tool", "output"],
    doc: Mapping[str, Any],
    timeout_s: float,
    policy_hash: str | None,
) -> PolicyDecision:
    async with OpaPolicyEngine(url, timeout_s=timeout_s, policy_hash=policy_hash) as engine:
        return await engine.evaluate(point, doc)
