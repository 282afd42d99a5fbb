"""Audit test fixtures: a data dir with a real SQLite store, the real ``keel`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from audit_receiver import Receiver

KEEL = Path(sys.executable).parent / "keel"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def db(data_dir: Path) -> Path:
    return data_dir / "keel.db"


@pytest.fixture
def keel(tmp_path: Path, data_dir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``keel`` with this test's data dir, as a user would."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KEEL_", "OPENAI", "ANTHROPIC"))
    }
    env["KEEL_DATA_DIR"] = str(data_dir)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KEEL), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )

    return run


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()
