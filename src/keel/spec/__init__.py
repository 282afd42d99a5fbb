"""Agent specs: the ``keel/v1`` models and the loader that reads them from disk.

``load_spec(path)`` returns a ``LoadedSpec`` or raises ``keel.errors.SpecError``
with every problem located by file, line and column.
"""

from keel.spec.loader import LoadedSpec, load_spec
from keel.spec.model import (
    AgentBody,
    AgentSpec,
    EscalationSpec,
    EvalSuiteRef,
    Instructions,
    IOSchema,
    KpiSpec,
    Limits,
    Metadata,
    ModelRef,
    ModelSpec,
    OutputSpec,
    PoliciesSpec,
    Provider,
    Rule,
    RuleCall,
    RulesConfig,
    StreamMode,
    ToolRef,
    ToolSettings,
    TruncationStrategy,
)

__all__ = [
    "AgentBody",
    "AgentSpec",
    "EscalationSpec",
    "EvalSuiteRef",
    "IOSchema",
    "Instructions",
    "KpiSpec",
    "Limits",
    "LoadedSpec",
    "Metadata",
    "ModelRef",
    "ModelSpec",
    "OutputSpec",
    "PoliciesSpec",
    "Provider",
    "Rule",
    "RuleCall",
    "RulesConfig",
    "StreamMode",
    "ToolRef",
    "ToolSettings",
    "TruncationStrategy",
    "load_spec",
]
