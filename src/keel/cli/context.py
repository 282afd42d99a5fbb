"""What every CLI command needs: settings from the environment, agents, the store.

The process edge itself lives in ``keel.host`` (shared with ``keel serve``); this
module adds what only the CLI has: a principal for the local user.
"""

from __future__ import annotations

import getpass

from keel.governance.policy import Principal
from keel.host import (
    agent_for_run,
    audit_options,
    engine,
    load_agent,
    open_store,
    pii_key,
    prices,
    purge_pii_vault,
    settings,
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


def cli_principal(roles: list[str]) -> Principal:
    """Who a CLI run acts for: the local user, with the given roles."""
    return Principal(f"cli:{getpass.getuser()}", tuple(roles))
