"""Tool fixtures: a case says what a tool returns, without touching the agent's code.

A fixture replaces only the tool's ``call``: its declaration (risk, scopes,
idempotency, approval) and its argument validation stay, so policies, approvals,
the journal and the guards on tool results all behave as in production. That is
what makes indirect prompt injection testable: a poisoned search result goes
through the same injection guard a real one would.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from keel.agent import Agent
from keel.evals._suite import Fixture
from keel.tools import Tool, ToolContext, ToolInfo, ToolSet


class FixtureError(Exception):
    """What a tool fixture with ``raises`` raises."""


class FixtureTool:
    """``tool`` answering with ``fixture`` instead of running."""

    def __init__(self, tool: Tool, fixture: Fixture) -> None:
        self._tool = tool
        self._fixture = fixture

    @property
    def info(self) -> ToolInfo:
        return self._tool.info

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        return self._tool.validate(arguments)

    async def call(self, arguments: dict[str, Any], context: ToolContext) -> Any:
        if self._fixture.raises is not None:
            raise FixtureError(self._fixture.raises)
        return self._fixture.returns


def fixture_for(info: ToolInfo, fixtures: Mapping[str, Fixture]) -> Fixture | None:
    """The fixture for a tool: by its name, else by ``risk:<risk>``, else ``*``."""
    return fixtures.get(info.name) or fixtures.get(f"risk:{info.risk}") or fixtures.get("*")


def unknown_tools(agent: Agent, fixtures: Mapping[str, Fixture]) -> list[str]:
    """Fixture keys that name a tool ``agent`` does not have (selectors excepted)."""
    return [k for k in fixtures if k != "*" and not k.startswith("risk:") and k not in agent.tools]


def with_fixtures(agent: Agent, fixtures: Mapping[str, Fixture]) -> Agent:
    """``agent`` with the tools that ``fixtures`` cover answering from them."""
    if not fixtures:
        return agent
    tools: list[Tool] = []
    for tool in agent.tools.values():
        fixture = fixture_for(tool.info, fixtures)
        tools.append(tool if fixture is None else FixtureTool(tool, fixture))
    return dataclasses.replace(agent, tools=ToolSet(tools))
