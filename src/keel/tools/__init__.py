"""Tools: what an agent can do, declared once and called safely.

``@tool`` turns a typed Python function into a ``Tool`` (JSON Schema, version,
timeout, retry policy, risk, scopes, idempotency); ``as_tool`` applies a spec's
per-agent settings; ``execute_tool`` runs one call and always answers with a
``ToolResult``; ``ToolSet`` is the name-to-tool mapping an agent carries.
"""

from keel.tools.base import (
    RetryableToolError,
    RetryPolicy,
    Risk,
    Tool,
    ToolContext,
    ToolErrorKind,
    ToolInfo,
    ToolResult,
    ToolSource,
)
from keel.tools.executor import backoff_s, error_code, execute_tool
from keel.tools.function import FunctionTool, ToolOverrides, as_tool, tool
from keel.tools.serialize import serialize_result
from keel.tools.toolset import PythonModuleSource, ToolSet
from keel.tools.truncate import truncate_utf8

__all__ = [
    "FunctionTool",
    "PythonModuleSource",
    "RetryPolicy",
    "RetryableToolError",
    "Risk",
    "Tool",
    "ToolContext",
    "ToolErrorKind",
    "ToolInfo",
    "ToolOverrides",
    "ToolResult",
    "ToolSet",
    "ToolSource",
    "as_tool",
    "backoff_s",
    "error_code",
    "execute_tool",
    "serialize_result",
    "tool",
    "truncate_utf8",
]
