"""Agents the telemetry tests run: a scripted model, one tool, optional governance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

from keel.agent import Agent
from keel.governance.governor import Governor
from keel.governance.policy import ModelCandidate
from keel.models import ModelRequest, ScriptedModel, ToolCall
from keel.tools import ToolContext, tool

SEEN: list[ToolContext] = []


@tool(name="lookup", risk="read", idempotent=True)
async def lookup(ticket_id: str, context: ToolContext) -> dict[str, str]:
    """Look up a ticket."""
    SEEN.append(context)
    return {"id": ticket_id, "queue": "network", "owner": "bob@example.com"}


def script(request: ModelRequest) -> str | ToolCall:
    if request.messages[-1].role == "tool":
        return "Routed T-1 to the network queue."
    return ToolCall("call-1", "lookup", {"ticket_id": "T-1"})


def make_agent(*, governed: bool = False, name: str = "triage", **kw: Any) -> Agent:
    model = ScriptedModel(script)
    governor = None
    if governed:
        governor = Governor.default(
            models=[ModelCandidate(model.name)], hash_key=b"telemetry-tests-pii-key-0123"
        )
    return Agent.define(name, model=model, tools=[lookup], governor=governor, **kw)


def by_name(spans: Sequence[ReadableSpan]) -> dict[str, list[ReadableSpan]]:
    found: dict[str, list[ReadableSpan]] = {}
    for span in spans:
        found.setdefault(span.name, []).append(span)
    return found
