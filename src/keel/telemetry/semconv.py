"""Names Keel's telemetry uses: OpenTelemetry GenAI semantic conventions (v1.41), then
Keel's own ``keel.*`` attributes and metrics.

Plain strings, so the engine and the tests can name them without importing
OpenTelemetry. docs/observability.md tables every one of them.
"""

from __future__ import annotations

from typing import Final

# -- operations and span names (gen_ai spans) -------------------------------------------

INVOKE_AGENT: Final = "invoke_agent"
CHAT: Final = "chat"
EXECUTE_TOOL: Final = "execute_tool"


def invoke_agent_span(agent: str) -> str:
    return f"{INVOKE_AGENT} {agent}"


def chat_span(model: str) -> str:
    return f"{CHAT} {model}"


def execute_tool_span(tool: str) -> str:
    return f"{EXECUTE_TOOL} {tool}"


# -- GenAI attributes --------------------------------------------------------------------

OPERATION_NAME: Final = "gen_ai.operation.name"
PROVIDER_NAME: Final = "gen_ai.provider.name"
REQUEST_MODEL: Final = "gen_ai.request.model"
RESPONSE_MODEL: Final = "gen_ai.response.model"
RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
TOKEN_TYPE: Final = "gen_ai.token.type"
AGENT_NAME: Final = "gen_ai.agent.name"
AGENT_VERSION: Final = "gen_ai.agent.version"
CONVERSATION_ID: Final = "gen_ai.conversation.id"
TOOL_NAME: Final = "gen_ai.tool.name"
TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
TOOL_TYPE: Final = "gen_ai.tool.type"
TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"
INPUT_MESSAGES: Final = "gen_ai.input.messages"
OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
ERROR_TYPE: Final = "error.type"

# Span events: policy decisions, guard verdicts and people's approvals.
EVALUATION_RESULT: Final = "gen_ai.evaluation.result"
EVALUATION_NAME: Final = "gen_ai.evaluation.name"
EVALUATION_SCORE_LABEL: Final = "gen_ai.evaluation.score.label"
EVALUATION_EXPLANATION: Final = "gen_ai.evaluation.explanation"

# -- Keel attributes ---------------------------------------------------------------------

RUN_ID: Final = "keel.run.id"
RUN_STATUS: Final = "keel.run.status"
RUN_RESUMED: Final = "keel.run.resumed"
RUN_FLAGS: Final = "keel.run.flags"
STEP: Final = "keel.step"
STEP_KIND: Final = "keel.step.kind"
TENANT: Final = "keel.tenant"
PROMPT_VERSION: Final = "keel.prompt.version"
CONFIDENCE: Final = "keel.confidence"
COST_USD: Final = "keel.cost_usd"
POLICY_HASH: Final = "keel.policy.hash"
POLICY_POINT: Final = "keel.policy.point"
TOOL_ATTEMPTS: Final = "keel.tool.attempts"
TOOL_OUTCOME: Final = "keel.tool.outcome"
FALLBACK_FROM: Final = "keel.fallback.from"
ESCALATION_REASON: Final = "keel.escalation.reason"
APPROVAL_OUTCOME: Final = "keel.approval.outcome"
SLA_KIND: Final = "keel.sla.kind"
DRIFT_METRIC: Final = "keel.drift.metric"

# -- metrics -----------------------------------------------------------------------------

TOKEN_USAGE: Final = "gen_ai.client.token.usage"
OPERATION_DURATION: Final = "gen_ai.client.operation.duration"
RUNS: Final = "keel.runs"
RUN_DURATION: Final = "keel.run.duration"
STEP_DURATION: Final = "keel.step.duration"
TOOL_CALLS: Final = "keel.tool.calls"
FALLBACKS: Final = "keel.model.fallbacks"
ESCALATIONS: Final = "keel.escalations"
APPROVALS_PENDING: Final = "keel.approvals.pending"
TIME_TO_HUMAN: Final = "keel.approval.time_to_human"
SLA_BREACHES: Final = "keel.sla.breaches"
COST: Final = "keel.cost.usd"
DRIFT_ALERTS_FIRING: Final = "keel.drift.alerts.firing"
DRIFT_ALERTS: Final = "keel.drift.alerts"

# Bucket boundaries the GenAI conventions advise for their two histograms.
TOKEN_BUCKETS: Final[tuple[float, ...]] = (
    1,
    4,
    16,
    64,
    256,
    1024,
    4096,
    16384,
    65536,
    262144,
    1048576,
    4194304,
    16777216,
    67108864,
)
DURATION_BUCKETS: Final[tuple[float, ...]] = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)
# People answer in minutes to days, not seconds.
HUMAN_BUCKETS: Final[tuple[float, ...]] = (
    10,
    30,
    60,
    300,
    900,
    1800,
    3600,
    7200,
    14400,
    28800,
    86400,
    172800,
    604800,
)


def provider_of(model: str) -> str:
    """``gen_ai.provider.name`` of a Keel model id (``openai:gpt-4o`` → ``openai``).

    Keel's own providers are namespaced (``keel.rules``, ``keel.scripted``), as the
    conventions ask for values they do not list.
    """
    provider = model.partition(":")[0]
    return f"keel.{provider}" if provider in ("rules", "scripted") else provider
