"""The ``keel/v1`` agent spec as typed, frozen pydantic models.

Every model forbids unknown keys: a typo in a spec is an error with a file, line
and column (see ``keel.spec.loader``), never a silently ignored setting.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from keel.governance.injection import InjectionPolicy
from keel.governance.pii import PiiPolicy

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metadata(_Strict):
    name: str = Field(description="lowercase letters, digits and '-', 1-63 characters")
    version: str = Field(description="semantic version, e.g. 1.2.0")
    owner: str | None = None
    description: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _check_name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(
                f"name {v!r} must be lowercase letters, digits and '-', "
                "start and end with a letter or digit, at most 63 characters"
            )
        return v

    @field_validator("version")
    @classmethod
    def _check_version(cls, v: str) -> str:
        if not _SEMVER.match(v):
            raise ValueError(f"version {v!r} is not a semantic version such as 1.2.0")
        return v


class Instructions(_Strict):
    """The system prompt, inline (``text``) or from a file relative to the spec."""

    text: str | None = None
    file: str | None = None
    version: str = Field(default="1", description="the prompt's own version, recorded on runs")

    @model_validator(mode="after")
    def _one_source(self) -> Instructions:
        if (self.text is None) == (self.file is None):
            raise ValueError("give exactly one of 'text' or 'file'")
        return self


Provider = Literal["openai", "anthropic", "rules", "scripted"]


class RuleCall(_Strict):
    """A tool call a rule makes; ``args`` values are templates (``{input}``...)."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)


class Rule(_Strict):
    """An intent: if any pattern matches the user's message, call tools, then answer."""

    intent: str
    patterns: list[str] = Field(min_length=1, description="regular expressions, any may match")
    calls: list[RuleCall] = Field(default_factory=list)
    answer: str | dict[str, Any] = Field(
        description="a template; a mapping is rendered field by field and sent as JSON"
    )

    @field_validator("patterns")
    @classmethod
    def _compile(cls, v: list[str]) -> list[str]:
        for p in v:
            try:
                re.compile(p)
            except re.error as e:
                raise ValueError(f"pattern {p!r} is not a valid regular expression: {e}") from e
        return v


class RulesConfig(_Strict):
    """The deterministic rule-based model: intents tried in order, then ``default``."""

    intents: list[Rule] = Field(default_factory=list)
    default: str | dict[str, Any] = "I can't help with that automatically; a human will follow up."


class ModelRef(_Strict):
    """One model: a provider and a model name, with per-model settings."""

    provider: Provider
    name: str = "default"
    base_url: str | None = None
    api_key_env: str | None = Field(
        default=None, description="name of the environment variable holding the key"
    )
    parameters: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    context_window_tokens: int | None = Field(default=None, gt=0)
    tags: list[str] = Field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.provider}:{self.name}"

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        # "openai:gpt-4o-mini" and "rules" are accepted as shorthands.
        if isinstance(data, str):
            provider, _, name = data.partition(":")
            return {"provider": provider, "name": name or "default"}
        return data


class ModelSpec(_Strict):
    primary: ModelRef
    fallbacks: list[ModelRef] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="defaults for every model in the chain"
    )
    rules: RulesConfig | None = None

    @model_validator(mode="after")
    def _rules_declared(self) -> ModelSpec:
        uses_rules = any(m.provider == "rules" for m in [self.primary, *self.fallbacks])
        if uses_rules and self.rules is None:
            raise ValueError("a 'rules' model is in the chain but 'model.rules' is not declared")
        return self


class IOSchema(_Strict):
    """A bounded input or output: a JSON Schema and a size bound."""

    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    max_bytes: int = Field(default=32_768, gt=0)


StreamMode = Literal["final", "tokens"]


class OutputSpec(IOSchema):
    """The answer: its schema and size bound, and how it leaves when streamed.

    ``stream: final`` releases the answer only after output governance saw all of it;
    ``tokens`` sends it to listeners as the model writes it, through a streaming
    guard, with a retraction if the final checks deny (``keel.loop.stream``).
    """

    stream: StreamMode = "final"


class ToolSettings(_Strict):
    """Per-agent overrides of a tool's own declaration."""

    timeout_s: float | None = Field(default=None, gt=0)
    max_attempts: int | None = Field(default=None, ge=1, le=10)
    risk: Literal["read", "write", "financial", "irreversible"] | None = None
    idempotent: bool | None = None
    scopes: list[str] | None = None
    requires_approval: bool | None = None
    pii_access: list[str] = Field(
        default_factory=list,
        description="PII types (e.g. card) this tool receives in clear; the model sees tokens",
    )


class ToolRef(_Strict):
    """A tool: ``module:function`` resolved relative to the spec's folder."""

    ref: str = Field(description="'module:attribute', e.g. 'tools:search_kb'")
    name: str | None = Field(default=None, description="expose the tool under another name")
    settings: ToolSettings = Field(default_factory=ToolSettings)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"ref": data}
        return data

    @field_validator("ref")
    @classmethod
    def _check_ref(cls, v: str) -> str:
        module, sep, attr = v.partition(":")
        if not sep or not module or not attr:
            raise ValueError(f"tool reference {v!r} must look like 'module:function'")
        return v


TruncationStrategy = Literal["shorten_oldest_tool_results", "drop_oldest_turns"]


class DailyBudget(_Strict):
    """Tokens and cost one scope (an agent, or one tenant of it) may use per UTC day."""

    max_tokens: int | None = Field(default=None, ge=1)
    max_cost_usd: float | None = Field(default=None, ge=0)


class DailyBudgets(_Strict):
    """Per-day budgets, checked before each model call against the store's runs."""

    agent: DailyBudget = Field(default_factory=DailyBudget)
    tenant: DailyBudget = Field(default_factory=DailyBudget)


class Limits(_Strict):
    max_steps: int = Field(default=16, ge=1, le=1000)
    max_tokens: int = Field(default=100_000, ge=1)
    max_cost_usd: float | None = Field(default=None, ge=0)
    timeout_s: float = Field(default=120.0, gt=0)
    max_tool_result_bytes: int = Field(default=16_384, ge=64)
    context_budget_tokens: int = Field(default=32_000, ge=256)
    truncation: TruncationStrategy = "shorten_oldest_tool_results"
    daily: DailyBudgets = Field(default_factory=DailyBudgets)


# Sections that later issues fill. They are typed now so that a spec written today
# keeps validating; unknown keys inside them are errors like everywhere else.


class PoliciesSpec(_Strict):
    """Rego policies at the loop's decision points (``keel.governance.policy``).

    No ``bundle`` means Keel's own policy pack. ``embedded`` evaluates the bundle
    in-process; ``opa`` asks the OPA server at ``url`` for
    ``data.<package>.on_<point>.decision``, which must serve the same bundle.
    ``data`` is merged over the bundle's own data (decision limits, role scopes,
    thresholds).
    """

    bundle: str | None = Field(default=None, description="folder of Rego policies")
    data: dict[str, Any] = Field(default_factory=dict)
    engine: Literal["embedded", "opa"] = "embedded"
    url: str | None = Field(default=None, description="OPA server base URL, for engine 'opa'")
    package: str = Field(
        default="keel",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$",
        description="Rego package prefix of the decision rules",
    )
    timeout_s: float = Field(default=0.25, gt=0, description="limit for one decision")

    @model_validator(mode="after")
    def _engine_needs_url(self) -> PoliciesSpec:
        if self.engine == "opa" and not self.url:
            raise ValueError("engine 'opa' needs the server's 'url'")
        if self.engine == "embedded" and self.url:
            raise ValueError("'url' is only for engine 'opa'")
        return self


class GuardsSpec(_Strict):
    """Guards on what goes in and out of the model (``keel.governance``).

    ``pii`` classifies PII types and chooses, per destination (model, log, span,
    journal, audit, output), the operator for each class; ``injection`` sets the
    prompt-injection threshold and action per source; ``content`` adds (or, with
    ``{name: {enabled: false}}``, switches off) content-rule categories.
    """

    pii: PiiPolicy = Field(default_factory=PiiPolicy)
    injection: InjectionPolicy = Field(default_factory=InjectionPolicy)
    content: dict[str, Any] = Field(default_factory=dict)
    fence_tool_results: bool = Field(
        default=True, description="spotlight tool output as data before the model reads it"
    )
    canary: bool = Field(default=True, description="detect system-prompt leaks in answers")


EscalationTrigger = Literal[
    "policy",
    "injection",
    "content",
    "tool_failures",
    "user_request",
    "budget",
    "needs_review",
    "low_confidence",
]
ESCALATION_TRIGGERS: tuple[EscalationTrigger, ...] = EscalationTrigger.__args__  # type: ignore[attr-defined]
# Case-insensitive regexes, kept to plain phrases so docs/spec.md can show them.
DEFAULT_USER_REQUEST_PATTERNS: tuple[str, ...] = (
    "talk to a human",
    "talk to a person",
    "speak to a human",
    "speak to a person",
    "real person",
    "human agent",
    "live agent",
)


class EscalationSpec(_Strict):
    """When a run goes to a person (``keel.hitl``), and how fast one must answer.

    A run that meets one of the ``on`` triggers ends ``escalated`` with an
    ``EscalationBundle``; ``sla_seconds`` starts a timer on each approval and
    escalation, and ``on_breach`` is what happens when it passes unanswered.
    """

    sla_seconds: float | None = Field(default=None, gt=0)
    confidence_below: float | None = Field(default=None, ge=0, le=1)
    on_breach: Literal["notify_next_tier", "auto_reject", "fallback_rules"] | None = None
    on: list[EscalationTrigger] = Field(default_factory=lambda: list(ESCALATION_TRIGGERS))
    tool_failures: int = Field(default=3, ge=1, le=100)
    user_request_patterns: list[str] = Field(
        default_factory=lambda: list(DEFAULT_USER_REQUEST_PATTERNS)
    )
    confidence_field: str = Field(default="confidence", min_length=1)

    @field_validator("user_request_patterns")
    @classmethod
    def _compiles(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(
                    f"user_request_patterns: {pattern!r} is not a regex ({e})"
                ) from None
        return v


KpiName = Literal[
    "availability",
    "latency_p50_s",
    "latency_p95_s",
    "latency_p99_s",
    "tool_success_rate",
    "fallback_rate",
    "resolved_without_handoff",
    "time_to_resolution_s",
    "cost_per_task_usd",
    "acceptance_rate",
    "override_rate",
    "thumbs_down_rate",
    "eval_pass_rate",
    "adversarial_block_rate",
    "eval_p95_ms",
    "eval_cost_per_case_usd",
]
_WINDOW = re.compile(r"^\d+(\.\d+)?[smhdw]$")


class KpiSpec(_Strict):
    """A target for one of Keel's built-in KPIs (``keel kpi report``)."""

    name: KpiName
    target: float
    window: str = Field(default="7d", description="e.g. 24h, 7d, 4w")
    direction: Literal["at_least", "at_most"] | None = Field(
        default=None, description="how the target is met; default: the KPI's own"
    )

    @field_validator("window")
    @classmethod
    def _check_window(cls, v: str) -> str:
        if not _WINDOW.match(v):
            raise ValueError(f"window {v!r} must look like 30m, 24h, 7d or 4w")
        return v


class EvalSuiteRef(_Strict):
    file: str
    gate: str | None = None


class AgentBody(_Strict):
    instructions: Instructions
    model: ModelSpec
    input: IOSchema = Field(default_factory=IOSchema)
    output: OutputSpec = Field(default_factory=OutputSpec)
    tools: list[ToolRef] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    policies: PoliciesSpec = Field(default_factory=PoliciesSpec)
    guards: GuardsSpec = Field(default_factory=GuardsSpec)
    escalation: EscalationSpec | None = None
    kpis: list[KpiSpec] = Field(default_factory=list)
    evals: list[EvalSuiteRef] = Field(default_factory=list)


class AgentSpec(_Strict):
    """A whole ``keel/v1`` Agent document."""

    api_version: Literal["keel/v1"] = Field(alias="apiVersion")
    kind: Literal["Agent"]
    metadata: Metadata
    spec: AgentBody
