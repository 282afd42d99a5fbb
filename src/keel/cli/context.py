"""What every CLI command needs: settings from the environment, agents, the store.

The process edge itself lives in ``keel.host`` (shared with ``keel serve``); this
module reads the environment for it and adds what only the CLI has: a principal for
the local user.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from keel import host
from keel.agent import Agent
from keel.config import Settings
from keel.engine.local.engine import AgentLoader
from keel.governance.policy import Principal
from keel.host import (
    audit_options,
    engine,
    open_store,
    pii_key,
    prices,
    purge_pii_vault,
)

__all__ = [
    "agent_for_run",
    "audit_options",
    "cli_principal",
    "engine",
    "load_agent",
    "open_store",
    "pii_key",
    "prices",
    "purge_pii_vault",
    "settings",
]


def settings(config_file: Path | None = None) -> Settings:
    """The settings of this process's environment and config file."""
    return host.settings(os.environ, config_file)


def load_agent(path: str | Path, s: Settings) -> Agent:
    """The spec at ``path``, bound with the provider keys of this process's environment."""
    return host.load_agent(path, s, credentials=os.environ)


def agent_for_run(s: Settings) -> AgentLoader:
    """``host.agent_for_run`` with this process's environment."""
    return host.agent_for_run(s, credentials=os.environ)


def cli_principal(roles: list[str]) -> Principal:
    """Who a CLI run acts for: the local user, with the given roles."""
    return Principal(f"cli:{getpass.getuser()}", tuple(roles))
