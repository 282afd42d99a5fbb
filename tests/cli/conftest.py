"""The ``keel`` fixture: the CLI in-process, isolated in ``tmp_path``, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_keel import Keel


@pytest.fixture
def keel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Keel:
    monkeypatch.chdir(tmp_path)  # no keel.toml from wherever the tests were started
    return Keel(tmp_path)
