"""Keel: the production layer for AI agents.

Declare an agent in a ``keel/v1`` YAML spec (or in code with ``Agent.define``),
run it durably with ``LocalEngine``::

    import asyncio
    from keel import Agent, LocalEngine, Store, load_spec

    agent = Agent.from_spec(load_spec("examples/helpdesk"))
    engine = LocalEngine(Store.open("sqlite:///.keel/keel.db"))
    record = asyncio.run(engine.run(agent, "My VPN keeps disconnecting"))
    print(record.status, record.output)
"""

# The facade is lazy: ``import keel.models`` must not drag in the spec, store or
# engine layers (ARCHITECTURE.md keeps the lower packages independent).
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keel.agent import Agent
    from keel.engine import LocalEngine
    from keel.errors import (
        ERROR_CODES,
        ErrorCode,
        KeelError,
        RunError,
        SpecError,
        SpecProblem,
        UserError,
    )
    from keel.models import (
        Message,
        ModelRequest,
        ModelResponse,
        RulesModel,
        ScriptedModel,
        ToolCall,
    )
    from keel.spec import AgentSpec, LoadedSpec, load_spec
    from keel.store import RunRecord, StepRecord, Store
    from keel.tools import RetryableToolError, RetryPolicy, ToolContext, ToolResult, tool

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Agent": "keel.agent",
    "LocalEngine": "keel.engine",
    "ERROR_CODES": "keel.errors",
    "ErrorCode": "keel.errors",
    "KeelError": "keel.errors",
    "RunError": "keel.errors",
    "SpecError": "keel.errors",
    "SpecProblem": "keel.errors",
    "UserError": "keel.errors",
    "Message": "keel.models",
    "ModelRequest": "keel.models",
    "ModelResponse": "keel.models",
    "RulesModel": "keel.models",
    "ScriptedModel": "keel.models",
    "ToolCall": "keel.models",
    "AgentSpec": "keel.spec",
    "LoadedSpec": "keel.spec",
    "load_spec": "keel.spec",
    "RunRecord": "keel.store",
    "StepRecord": "keel.store",
    "Store": "keel.store",
    "RetryableToolError": "keel.tools",
    "RetryPolicy": "keel.tools",
    "ToolContext": "keel.tools",
    "ToolResult": "keel.tools",
    "tool": "keel.tools",
}

__all__ = [
    "ERROR_CODES",
    "Agent",
    "AgentSpec",
    "ErrorCode",
    "KeelError",
    "LoadedSpec",
    "LocalEngine",
    "Message",
    "ModelRequest",
    "ModelResponse",
    "RetryPolicy",
    "RetryableToolError",
    "RulesModel",
    "RunError",
    "RunRecord",
    "ScriptedModel",
    "SpecError",
    "SpecProblem",
    "StepRecord",
    "Store",
    "ToolCall",
    "ToolContext",
    "ToolResult",
    "UserError",
    "__version__",
    "load_spec",
    "tool",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'keel' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
