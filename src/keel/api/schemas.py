"""The documents the API reads and writes (and ``keel … --json`` prints for runs).

Pydantic models, so ``/openapi.json`` describes every body exactly; FastAPI imports
nothing here, which keeps these importable by the CLI without the ``serve`` extra.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from keel.agent import Agent
from keel.hitl import ApprovalRecord
from keel.store import RunRecord, StepRecord
from keel.store.tenant import SessionRecord

RunState = Literal[
    "queued",
    "running",
    "awaiting_approval",
    "completed",
    "failed",
    "needs_review",
    "cancelled",
    "escalated",
]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunCreate(_Closed):
    input: Any = Field(description="The request: text, or JSON matching the agent's input schema")
    session_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Continue this conversation (created on first use)",
    )
    version: str | None = Field(default=None, description="Agent version; newest when omitted")
    wait_s: float = Field(
        default=30.0,
        ge=0,
        le=300,
        description="Wait this long for the run to end; after that the answer is 202 "
        "with a Location to poll (0: return at once)",
    )


class RunError(BaseModel):
    code: str
    message: str | None


class AgentRef(BaseModel):
    name: str
    version: str
    hash: str
    prompt_version: str


class Usage(BaseModel):
    input_tokens: int
    output_tokens: int
    total_tokens: int


class RunView(BaseModel):
    """A run: the ``--json`` document of ``keel run`` and the API's run resource."""

    run_id: str
    status: RunState
    output: Any
    output_form: Literal["output", "journal"] = Field(
        default="output",
        description="`output`: as the run answered (PII masked for the `output` "
        "destination); `journal`: as the journal keeps it (PII as vault tokens), where "
        "the answer could not be restored safely",
    )
    error: RunError | None
    agent: AgentRef
    model_used: str | None
    fallback_used: bool
    fallbacks: list[dict[str, Any]]
    flags: list[str]
    decisions: list[dict[str, Any]]
    steps: int
    usage: Usage
    cost_usd: float | None
    session_id: str | None
    tenant: str | None
    created_at: float
    finished_at: float | None

    @classmethod
    def of(cls, rec: RunRecord, *, output_form: Literal["output", "journal"] = "output") -> RunView:
        return cls(
            run_id=rec.id,
            status=rec.status,
            output=rec.output,
            output_form=output_form,
            error=None
            if rec.error_code is None
            else RunError(code=rec.error_code, message=rec.error_message),
            agent=AgentRef(
                name=rec.agent,
                version=rec.agent_version,
                hash=rec.agent_hash,
                prompt_version=rec.prompt_version,
            ),
            model_used=rec.model_used,
            fallback_used=bool(rec.fallbacks),
            fallbacks=rec.fallbacks,
            flags=rec.flags,
            decisions=rec.decisions,
            steps=rec.steps,
            usage=Usage(
                input_tokens=rec.input_tokens,
                output_tokens=rec.output_tokens,
                total_tokens=rec.input_tokens + rec.output_tokens,
            ),
            cost_usd=rec.cost_usd,
            session_id=rec.session_id,
            tenant=rec.tenant,
            created_at=rec.created_at,
            finished_at=rec.finished_at,
        )


class RunPage(BaseModel):
    data: list[RunView]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page")


class StepView(BaseModel):
    step: int
    kind: str
    name: str
    state: str
    ms: float | None

    @classmethod
    def of(cls, step: StepRecord) -> StepView:
        ms = None if step.finished_at is None else (step.finished_at - step.started_at) * 1e3
        return cls(
            step=step.step,
            kind=step.kind,
            name=step.name,
            state=step.state,
            ms=None if ms is None else round(ms, 3),
        )


class AgentVersionView(BaseModel):
    name: str
    version: str
    hash: str
    prompt_version: str
    tools: list[str]

    @classmethod
    def of(cls, agent: Agent) -> AgentVersionView:
        return cls(
            name=agent.name,
            version=agent.version,
            hash=agent.content_hash,
            prompt_version=agent.prompt_version,
            tools=[t.name for t in agent.tool_definitions],
        )


class AgentView(BaseModel):
    name: str
    latest: str = Field(description="The version a bare name runs")
    versions: list[AgentVersionView]


class SessionView(BaseModel):
    session_id: str
    agent: str
    created_at: float
    updated_at: float

    @classmethod
    def of(cls, s: SessionRecord) -> SessionView:
        return cls(session_id=s.id, agent=s.agent, created_at=s.created_at, updated_at=s.updated_at)


class SessionPage(BaseModel):
    data: list[SessionView]
    next_cursor: str | None


class ApprovalView(BaseModel):
    approval_id: str
    run_id: str
    step: int
    agent: str
    tool: str
    arguments: dict[str, Any] = Field(description="Masked: what a person may see")
    reasons: list[str]
    risk: str
    roles: list[str] = Field(description="Roles that may decide")
    status: Literal["pending", "approved", "rejected"]
    decider: str | None
    decision_reason: str | None
    created_at: float
    decided_at: float | None

    @classmethod
    def of(cls, a: ApprovalRecord) -> ApprovalView:
        return cls(
            approval_id=a.id,
            run_id=a.run_id,
            step=a.step,
            agent=a.agent,
            tool=a.tool,
            arguments=dict(a.arguments),
            reasons=list(a.reasons),
            risk=a.risk,
            roles=list(a.roles),
            status=a.status,
            decider=a.decider,
            decision_reason=a.decision_reason,
            created_at=a.created_at,
            decided_at=a.decided_at,
        )


class ApprovalDecide(_Closed):
    decision: Literal["approve", "reject"]
    reason: str | None = Field(
        default=None, max_length=2000, description="Required to reject; the model sees it"
    )
    arguments: dict[str, Any] | None = Field(
        default=None,
        description="Approve with these arguments instead (re-validated, re-checked by policy)",
    )


class ApprovalDecided(BaseModel):
    approval: ApprovalView
    run: RunView = Field(description="The run, continued after the decision")
