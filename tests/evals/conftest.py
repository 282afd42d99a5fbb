"""Fixtures of the evals tests: the helpdesk agent, a sandbox engine, isolated tool data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from eval_kit import HELPDESK, agent_at

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.store import Store


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The helpdesk's tools append tickets under $HELPDESK_DATA_DIR; keep them in tmp_path.
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(tmp_path / "helpdesk-data"))
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def helpdesk() -> Agent:
    return agent_at(HELPDESK)


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[LocalEngine]:
    """A durable engine on a fresh SQLite file, as ``evaluate`` builds one."""
    store = Store.open(f"sqlite:///{tmp_path / 'sandbox.db'}")
    engine = LocalEngine(store)
    yield engine
    await engine.close()
    store.close()
