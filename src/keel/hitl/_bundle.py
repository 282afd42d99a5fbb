"""Escalation triggers and the ``EscalationBundle`` a person takes over from.

``escalation_reasons`` reads a finished run's outcome against ``spec.escalation``:

==================  ==============================================================
reason code         when
==================  ==============================================================
``policy``          a policy decision said ``escalate``
``injection``       the request or a tool result looked like prompt injection
``content``         content rules said a person should answer
``user_request``    the user asked for a person (``user_request_patterns``)
``tool_failures``   one tool failed ``tool_failures`` times in a row
``budget``          a step, token, cost or daily budget ran out
``needs_review``    a side effect's outcome is unknown after a crash
``low_confidence``  the answer's ``confidence_field`` is below ``confidence_below``
==================  ==============================================================

The bundle holds everything a person needs without opening another system, masked
(PII per the spec's ``journal`` destination, then secrets redacted): summary,
transcript, reason codes, trace id, tools used with their results, suggested next
actions and the session's earlier turns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from keel.agent import Agent
from keel.audit.redact import redact
from keel.loop import RunOutcome
from keel.spec.model import EscalationSpec, EscalationTrigger
from keel.store.runs import RunRecord, StepRecord

SUGGESTED_ACTIONS: dict[str, str] = {
    "policy": "Read the policy reasons; answer the user yourself or hand back with guidance.",
    "injection": "Check the flagged text for a manipulation attempt before anything is done.",
    "content": "Answer the user yourself: content rules say a person should.",
    "user_request": "The user asked for a person: reply to them in this session.",
    "tool_failures": "Check the failing tool's service; retry the request or answer by hand.",
    "budget": "Decide whether the request deserves more budget, or answer it by hand.",
    "needs_review": "Check whether the interrupted tool call took effect before continuing.",
    "low_confidence": "Verify the draft answer; send it, correct it, or hand back with facts.",
}


def escalation_reasons(spec: EscalationSpec, outcome: RunOutcome) -> list[EscalationTrigger]:
    """The triggers of ``spec`` that ``outcome`` meets (empty: the run is not escalated)."""
    found: list[EscalationTrigger] = []
    code, details = outcome.error_code, outcome.error_details
    if outcome.status == "needs_review":
        found.append("needs_review")
    elif code == "ESCALATED":
        if details.get("trigger") == "user_request":
            found.append("user_request")
        elif "injection" in details:
            found.append("injection")
        elif "decision" in details:
            found.append("policy")
        else:
            found.append("content")
    elif code in ("TOOL_ERROR", "TOOL_TIMEOUT") and "tool" in details:
        found.append("tool_failures")
    elif code == "BUDGET_EXCEEDED":
        found.append("budget")
    elif outcome.status == "completed" and spec.confidence_below is not None:
        confidence = _confidence(outcome.output, spec.confidence_field)
        if confidence is not None and confidence < spec.confidence_below:
            found.append("low_confidence")
    return [r for r in found if r in spec.on]


def _confidence(output: Any, name: str) -> float | None:
    if not isinstance(output, Mapping):
        return None
    value = output.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class EscalationBundle:
    """What a person sees of an escalated run. Every text in it is masked."""

    escalation_id: str
    run_id: str
    agent: str
    agent_version: str
    tenant: str | None
    session_id: str | None
    summary: str
    reasons: list[str]
    error: dict[str, Any]
    trace_id: str | None
    transcript: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    suggested_actions: list[str]
    session_context: dict[str, Any]
    draft_answer: Any = None
    confidence: float | None = None
    created_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EscalationBundle:
        return cls(**dict(d))


def build_bundle(
    escalation_id: str,
    *,
    agent: Agent,
    run: RunRecord,
    outcome: RunOutcome,
    reasons: Sequence[str],
    steps: Sequence[StepRecord],
    earlier_turns: Sequence[tuple[Any, Any]],
    spec: EscalationSpec,
    now: float,
) -> EscalationBundle:
    """The bundle of an escalated run, from its row, its journal and its session."""

    def masked(value: Any) -> Any:
        gov = agent.governor
        if gov is not None:
            value = gov.mask_json(value, "journal")
        return redact(value)

    transcript: list[dict[str, Any]] = [{"role": "user", "content": masked(run.input)}]
    tools: list[dict[str, Any]] = []
    for s in steps:
        if s.kind == "model" and s.state == "completed":
            message = (s.payload.get("response") or {}).get("message") or {}
            entry: dict[str, Any] = {"role": "assistant", "content": masked(message.get("content"))}
            calls = message.get("tool_calls") or []
            if calls:
                entry["tool_calls"] = [
                    {"name": c.get("name"), "arguments": masked(c.get("arguments"))} for c in calls
                ]
            transcript.append(entry)
        elif s.kind == "tool":
            call = s.payload.get("call") or {}
            result = s.payload.get("result")
            tools.append(
                {
                    "step": s.step,
                    "tool": s.name,
                    "arguments": masked(call.get("arguments")),
                    "state": s.state,
                    "ok": None if result is None else result.get("error") is None,
                    "result": None if result is None else masked(result.get("content")),
                    "error": None if result is None else masked(result.get("error")),
                }
            )
            if result is not None:
                transcript.append(
                    {"role": "tool", "name": s.name, "content": masked(result.get("content"))}
                )
        elif s.kind == "approval":
            decision = s.payload.get("decision")
            transcript.append(
                {
                    "role": "approval",
                    "name": s.name,
                    "content": masked(decision) if decision else "pending",
                }
            )
    draft = None
    confidence = None
    if "low_confidence" in reasons:
        draft = masked(outcome.output)
        confidence = _confidence(outcome.output, spec.confidence_field)
    error = {"code": outcome.error_code, "message": masked(outcome.error_message)}
    why = ", ".join(reasons)
    detail = f": {error['message']}" if outcome.error_message else ""
    if confidence is not None:
        detail = f": confidence {confidence:g} < {spec.confidence_below:g}"
    summary = (
        f"{agent.name} {agent.version} run {run.id} needs a person ({why}){detail}. "
        f"{len(transcript) - 1} step(s), {len(tools)} tool call(s)."
    )
    principal = run.principal or {}
    return EscalationBundle(
        escalation_id=escalation_id,
        run_id=run.id,
        agent=agent.name,
        agent_version=agent.version,
        tenant=run.tenant,
        session_id=run.session_id,
        summary=summary,
        reasons=list(reasons),
        error=error,
        trace_id=_trace_id(run.traceparent),
        transcript=transcript,
        tools=tools,
        suggested_actions=[SUGGESTED_ACTIONS[r] for r in reasons if r in SUGGESTED_ACTIONS],
        session_context={
            "session_id": run.session_id,
            "principal": {"id": principal.get("id"), "roles": principal.get("roles", [])},
            "earlier_turns": [
                {"user": masked(u), "assistant": masked(a)} for u, a in earlier_turns
            ],
            "flags": list(outcome.flags),
        },
        draft_answer=draft,
        confidence=confidence,
        created_at=now,
    )


def _trace_id(traceparent: str | None) -> str | None:
    if not traceparent:
        return None
    parts = traceparent.split("-")
    return parts[1] if len(parts) >= 3 else None


def bundle_json(bundle: EscalationBundle) -> str:
    return json.dumps(bundle.to_dict(), ensure_ascii=False, default=str)
