"""The CLI under test, in-process and isolated: ``Keel`` and the agent folders it runs."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from keel.cli.app import app

REPO = Path(__file__).resolve().parents[2]
HELPDESK = REPO / "examples" / "helpdesk"


class Keel:
    """Invokes ``keel ARGS`` with its data under ``root`` and no provider keys.

    A crash (an exception other than the command's own exit) is re-raised, so a
    test never mistakes a traceback for exit code 1.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.env: dict[str, str | None] = {
            k: None for k in os.environ if k.startswith(("KEEL_", "OPENAI_", "ANTHROPIC_"))
        }
        self.env.update(KEEL_DATA_DIR=str(self.data), HELPDESK_DATA_DIR=str(root / "helpdesk"))

    def __call__(self, *args: Any) -> Result:
        result = CliRunner().invoke(app, [str(a) for a in args], env=self.env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result


def write_agent(folder: Path, spec: str, tools: str = "") -> Path:
    """Write ``agent.yaml`` (dedented) and ``tools.py`` into ``folder``; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "agent.yaml").write_text(textwrap.dedent(spec), encoding="utf-8")
    (folder / "tools.py").write_text(textwrap.dedent(tools), encoding="utf-8")
    return folder
