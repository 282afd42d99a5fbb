"""Shared by the evals tests: the helpdesk example (or a changed copy), suites from
text, and a sandbox engine on a SQLite file to run them on."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path

from typer.testing import CliRunner, Result

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.evals import CaseResult, EvalRunner, LoadedSuite, load_suite
from keel.models.base import Model
from keel.spec.loader import load_spec

REPO = Path(__file__).resolve().parents[2]
HELPDESK = REPO / "examples" / "helpdesk"


def helpdesk_copy(folder: Path, *, spec_extra: str = "") -> Path:
    """A copy of the helpdesk example in ``folder`` (without its evals), with
    ``spec_extra`` (YAML indented as keys under ``spec:``) added to its spec."""
    shutil.copytree(
        HELPDESK, folder, ignore=shutil.ignore_patterns("__pycache__", ".keel", "evals")
    )
    if spec_extra:
        spec = folder / "agent.yaml"
        extra = textwrap.indent(textwrap.dedent(spec_extra).strip("\n"), "  ")
        spec.write_text(spec.read_text(encoding="utf-8").rstrip("\n") + "\n" + extra + "\n")
    return folder


def agent_at(path: Path, *, model: Model | None = None) -> Agent:
    """The agent of the spec at ``path``, offline (no provider keys)."""
    return Agent.from_spec(load_spec(path), credentials={}, model=model)


def suite(folder: Path, text: str, name: str = "suite.yaml") -> LoadedSuite:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return load_suite(path)


async def run(
    agent: Agent,
    suites: LoadedSuite | Sequence[LoadedSuite],
    engine: LocalEngine,
    **options: object,
) -> list[CaseResult]:
    runner = EvalRunner(agent, engine, **options)  # type: ignore[arg-type]
    return await runner.run([suites] if isinstance(suites, LoadedSuite) else list(suites))


def by_id(results: Sequence[CaseResult]) -> dict[str, CaseResult]:
    return {r.case_id: r for r in results}


def failed_names(result: CaseResult) -> list[str]:
    return [c.name for c in result.failed_checks]


class Keel:
    """``keel ARGS`` in-process, with its data under ``root`` and no provider keys."""

    def __init__(self, root: Path) -> None:
        import os

        self.env: dict[str, str | None] = {
            k: None for k in os.environ if k.startswith(("KEEL_", "OPENAI_", "ANTHROPIC_"))
        }
        self.env.update(KEEL_DATA_DIR=str(root / "data"), HELPDESK_DATA_DIR=str(root / "tools"))

    def __call__(self, *args: object) -> Result:
        from keel.cli.app import app

        result = CliRunner().invoke(app, [str(a) for a in args], env=self.env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result
