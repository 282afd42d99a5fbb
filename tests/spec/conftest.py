"""The ``make_agent`` fixture: a spec folder under ``tmp_path``."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest
from spec_folders import PROMPT, TOOLS_PY, VALID_SPEC, MakeAgent, write_files


@pytest.fixture
def make_agent(tmp_path: Path) -> MakeAgent:
    """Write a spec folder and return the spec file's path.

    ``spec`` is dedented; ``files`` default to the prompt and tools module the
    valid spec references, and ``extra`` adds to them.
    """

    def make(
        spec: str = VALID_SPEC,
        *,
        folder: str = "agent",
        files: Mapping[str, str | bytes] | None = None,
        extra: Mapping[str, str | bytes] | None = None,
        name: str = "agent.yaml",
    ) -> Path:
        base = tmp_path / folder
        base.mkdir(parents=True, exist_ok=True)
        all_files = dict({"prompt.md": PROMPT, "tools.py": TOOLS_PY} if files is None else files)
        all_files.update(extra or {})
        all_files[name] = textwrap.dedent(spec)
        write_files(base, all_files)
        return base / name

    return make
