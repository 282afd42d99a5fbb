"""What every CLI command needs: settings from the environment, agents, the store.

This is the edge: the only CLI module that reads ``os.environ``.
"""

from __future__ import annotations

import os
from pathlib import Path

from keel.agent import Agent
from keel.config import Settings, load_settings
from keel.engine.local.engine import AgentLoader
from keel.errors import UserError
from keel.models.pricing import PriceTable
from keel.spec.loader import load_spec
from keel.store import RunRecord, Store


def settings(config_file: Path | None = None) -> Settings:
    return load_settings(os.environ, config_file=config_file)


def prices(s: Settings) -> PriceTable:
    table = PriceTable.default()
    if s.prices:
        table = table.with_overrides({model: (p.input, p.output) for model, p in s.prices.items()})
    return table


def load_agent(path: str | Path, s: Settings) -> Agent:
    """Load and bind a spec; raises ``SpecError`` with located problems."""
    return Agent.from_spec(load_spec(path), credentials=dict(os.environ), prices=prices(s))


def agent_for_run(s: Settings) -> AgentLoader:
    """A loader for ``LocalEngine.resume``: re-reads the spec a run recorded."""

    def load(rec: RunRecord) -> Agent:
        if not rec.spec_path:
            raise UserError(f"run {rec.id} has no spec path recorded")
        return load_agent(rec.spec_path, s)

    return load


def open_store(s: Settings) -> Store:
    return Store.open(s.store_url)
