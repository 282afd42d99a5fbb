"""The agent loop: model → tools → model … → a validated answer, over ``Effects``.

``run_agent`` is deterministic given the agent, the input and what the effects
return, which is what lets an engine replay a journal after a crash (or Temporal
replay a history) and land on the same step numbers. It reads no clock except
``effects.now()`` and touches nothing else.

Limits and what happens at each (the code a failed run carries):

* ``limits.max_steps`` model turns → ``BUDGET_EXCEEDED``
* ``limits.max_tokens`` total tokens, ``limits.max_cost_usd`` (a model with no known
  price under a cost budget is refused, never let through) → ``BUDGET_EXCEEDED``
* ``limits.timeout_s`` wall time of one execution attempt → ``AGENT_TIMEOUT``
* a tool result over ``limits.max_tool_result_bytes``, or a conversation over
  ``limits.context_budget_tokens`` → shortened per ``limits.truncation`` and the run
  flagged ``CONTEXT_TRUNCATED`` (never silently)
* an answer that fails the output schema gets one repair turn, then ``OUTPUT_INVALID``
* the same tool failing ``MAX_CONSECUTIVE_TOOL_FAILURES`` times in a row (or
  ``spec.escalation.tool_failures``) → ``TOOL_ERROR`` / ``TOOL_TIMEOUT``
* with ``spec.escalation``, a user asking for a person (``user_request_patterns``) →
  ``ESCALATED`` before any model call (not on a turn a person handed back)

A tool call that policy answers with ``require_approval`` (or whose tool declares
``requires_approval``) goes through ``effects.decide`` at its own step, before the
tool's: rejected, the model gets the reason as the tool's error result (flag
``APPROVAL_REJECTED``); approved, the tool runs, with the decider's edited arguments
if any. While nobody has decided, the run ends in ``awaiting_approval``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from keel.agent import Agent
from keel.errors import (
    AgentTimeout,
    ApprovalRequired,
    BudgetExceeded,
    ErrorCode,
    Escalated,
    InputInvalid,
    KeelError,
    NeedsReview,
    OutputInvalid,
    RunError,
    ToolFailed,
    ToolTimedOut,
)
from keel.governance.governor import Governor, GuardedInput, RunGovernance
from keel.governance.policy import AgentIdentity, Principal, RunCounters, ToolFacts
from keel.loop.context import fit_context
from keel.loop.effects import ApprovalDecision, ApprovalRequest, AwaitingApproval, Effects
from keel.models.base import Message, ModelRequest, ModelResponse, ToolCall, Usage
from keel.tools import ToolResult, truncate_utf8

log = logging.getLogger(__name__)

MAX_CONSECUTIVE_TOOL_FAILURES = 3
CONTEXT_TRUNCATED = "CONTEXT_TRUNCATED"

Outcome = Literal["completed", "failed", "needs_review", "awaiting_approval", "escalated"]
APPROVAL_REJECTED = "APPROVAL_REJECTED"

# Who a run acts for when the caller names nobody: no roles, so least privilege.
ANONYMOUS = Principal("anonymous")


@dataclass(frozen=True, slots=True)
class RunInput:
    """One turn: the user's input (text or a JSON value) and the session so far."""

    input: Any
    history: tuple[Message, ...] = ()
    started_at: float = 0.0
    run_id: str = ""
    principal: Principal | None = None
    # What this agent, and this tenant of it, used earlier today (UTC), for the daily
    # budgets (spec.limits.daily); the engine reads it from the store.
    used_today: UsedToday | None = None
    # A person's note when they hand an escalated session back to the agent
    # (keel.hitl): in the model's context, and the user_request trigger stays quiet.
    human_note: str | None = None


@dataclass(frozen=True, slots=True)
class UsedToday:
    agent_tokens: int = 0
    agent_cost_usd: float = 0.0
    tenant_tokens: int = 0
    tenant_cost_usd: float = 0.0


@dataclass(slots=True)
class RunOutcome:
    """What a run produced. ``cost_usd`` is ``None`` if any model had no known price."""

    status: Outcome = "completed"
    output: Any = None
    error_code: ErrorCode | None = None
    error_message: str | None = None
    model_used: str | None = None
    fallbacks: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    steps: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = 0.0
    decisions: list[dict[str, Any]] = field(default_factory=list)
    # The ``details`` of the RunError that ended the run (which trigger escalated it).
    error_details: dict[str, Any] = field(default_factory=dict)
    # Set when the run stopped in ``awaiting_approval``: the request and its id.
    approval_id: str | None = None
    approval: ApprovalRequest | None = None

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)


async def run_agent(agent: Agent, run: RunInput, effects: Effects) -> RunOutcome:
    """Run one turn of ``agent`` to completion. Never raises, except on cancellation.

    A ``RunError`` ends the run as ``failed`` with its code (``needs_review`` for
    ``NeedsReview``); any other exception is a bug, logged, and ends the run as
    ``failed`` with ``INTERNAL``. Cancellation propagates: the run stays unfinished
    in the journal and resumes later.
    """
    out = RunOutcome()
    remaining = agent.limits.timeout_s - max(0.0, effects.now() - run.started_at)
    try:
        if remaining <= 0:
            raise AgentTimeout(f"run exceeded its {agent.limits.timeout_s:g}s time limit")
        try:
            async with asyncio.timeout(remaining):
                out.output = await _turns(agent, run, effects, out)
        except TimeoutError:
            raise AgentTimeout(
                f"run exceeded its {agent.limits.timeout_s:g}s time limit (spec.limits.timeout_s)"
            ) from None
    except AwaitingApproval as e:
        out.status, out.error_code, out.error_message = (
            "awaiting_approval",
            "APPROVAL_REQUIRED",
            str(e),
        )
        out.approval_id, out.approval = e.approval_id, e.request
    except NeedsReview as e:
        out.status, out.error_code, out.error_message = "needs_review", e.code, e.message
    except RunError as e:
        out.status, out.error_code, out.error_message = "failed", e.code, e.message
        out.error_details = e.details
    except Exception as e:
        # A bug, not a run outcome: record it so the run does not hang in "running",
        # and keep the traceback in the log (not in the run, which users see).
        log.exception("run failed with an internal error")
        out.status, out.error_code = "failed", "INTERNAL"
        out.error_message = f"internal error ({type(e).__name__}); see the server log"
    return out


def _user_message(agent: Agent, value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    size = len(text.encode())
    if size > agent.input_max_bytes:
        raise InputInvalid(
            f"input is {size} bytes; this agent accepts at most {agent.input_max_bytes} "
            "(spec.input.max_bytes)"
        )
    if agent.input_validator is not None:
        errors = sorted(agent.input_validator.iter_errors(value), key=lambda e: list(e.path))
        if errors:
            raise InputInvalid(
                "input does not match the agent's input schema: "
                + "; ".join(_schema_error(e) for e in errors[:5]),
                details={"errors": [_schema_error(e) for e in errors]},
            )
    return text


def _schema_error(e: Any) -> str:
    path = "/".join(str(p) for p in e.absolute_path)
    return f"{'/' + path if path else '(root)'}: {e.message}"


async def _turns(agent: Agent, run: RunInput, effects: Effects, out: RunOutcome) -> Any:
    limits = agent.limits
    gov = agent.governor
    user_text = _user_message(agent, run.input)
    system = agent.instructions
    governed: _Governed | None = None
    allowed: tuple[str, ...] | None = None
    if gov is not None:
        who = RunGovernance(
            run.principal or ANONYMOUS,
            AgentIdentity(agent.name, agent.version, agent.content_hash),
        )
        guarded = await gov.admit(user_text, who, _counters(0, out), out.decisions)
        # Which models may serve depends on the request, not on the turn: decided once.
        allowed = await gov.route(who, guarded, _counters(0, out), out.decisions)
        governed = _Governed(gov, who, guarded)
        user_text = guarded.text
        system = gov.system_prompt(system)
    _check_user_request(agent, run, user_text)
    messages: list[Message] = [
        Message("system", system),
        *run.history,
        Message("user", user_text),
    ]
    if run.human_note is not None:
        messages.insert(
            -1, Message("system", f"A person reviewed this conversation: {run.human_note}")
        )
    history = len(run.history)
    step = 0
    turns = 0
    repaired = False
    failures: dict[str, int] = {}
    while True:
        if turns >= limits.max_steps:
            raise BudgetExceeded(
                f"run reached its limit of {limits.max_steps} model turns (spec.limits.max_steps)"
            )
        changed, dropped = fit_context(
            messages, limits.context_budget_tokens, limits.truncation, history=history
        )
        if changed:
            history -= dropped
            out.flag(CONTEXT_TRUNCATED)
        if run.used_today is not None:
            _check_daily(agent, run.used_today, out)
        step += 1
        turns += 1
        request = ModelRequest(
            tuple(messages),
            agent.tool_definitions,
            agent.output_schema,
            agent.parameters,
            allowed_models=allowed,
        )
        response = await effects.model(step, request)
        out.steps = step
        _account(agent, response, out)
        message = response.message
        messages.append(message)
        if message.tool_calls:
            for call in message.tool_calls:
                called = await _call_tool(agent, effects, step + 1, call, governed, out)
                result = called.result
                if called.steps:
                    step += called.steps
                    out.steps = step
                content, truncated = truncate_utf8(result.content, limits.max_tool_result_bytes)
                if truncated or result.truncated:
                    out.flag(CONTEXT_TRUNCATED)
                if governed is not None and called.executed:
                    content = governed.gov.guard_tool_result(
                        call.name, content, seed=f"{run.run_id}:{step}"
                    )
                messages.append(Message("tool", content, tool_call_id=call.id, name=call.name))
                _count_failure(call.name, result, failures, _failure_limit(agent))
            continue
        valid, value, problem = _check_output(agent, message.content)
        if valid:
            if governed is None:
                return value
            leaving = await governed.gov.release(
                message.content, governed.who, governed.guarded, _counters(step, out), out.decisions
            )
            valid, value, problem = _check_output(agent, leaving)
            if not valid:
                raise OutputInvalid(f"answer invalid after output masking: {problem}")
            return value
        if repaired:
            raise OutputInvalid(f"answer still invalid after one repair turn: {problem}")
        repaired = True
        messages.append(
            Message(
                "user",
                "Your answer does not match the required output format: "
                f"{problem}. Reply again with only a JSON value that matches the schema.",
            )
        )


@dataclass(frozen=True, slots=True)
class _Governed:
    gov: Governor
    who: RunGovernance
    guarded: GuardedInput


def _counters(step: int, out: RunOutcome) -> RunCounters:
    return RunCounters(step, out.usage.total_tokens, out.cost_usd)


@dataclass(frozen=True, slots=True)
class _Called:
    """A tool call's result, the journal steps it used, whether the tool ran."""

    result: ToolResult
    steps: int = 0
    executed: bool = False


async def _call_tool(
    agent: Agent,
    effects: Effects,
    step: int,
    call: ToolCall,
    governed: _Governed | None,
    out: RunOutcome,
) -> _Called:
    tool = agent.tools.get(call.name)
    if tool is None:
        return _Called(_unknown_tool(agent, call))
    info = tool.info
    approval: dict[str, Any] | None = {} if info.requires_approval else None
    if governed is not None:
        try:
            decision = await governed.gov.check_tool(
                governed.who,
                governed.guarded,
                _counters(step - 1, out),
                ToolFacts(call.name, info.risk, info.scopes, call.arguments),
                out.decisions,
            )
        except ApprovalRequired as e:
            approval = dict(e.details.get("decision") or {})
        else:
            if decision.result == "deny":
                out.flag("POLICY_DENIED")
                reasons = "; ".join(decision.reasons) or "denied by policy"
                return _Called(
                    ToolResult(
                        content=f"error: this call was denied by policy: {reasons}",
                        error=f"denied by policy: {reasons}",
                        error_kind="denied",
                    )
                )
            if approval is not None:
                approval = decision.to_dict()
    if approval is None:
        return _Called(await effects.tool(step, call), 1, executed=True)
    verdict = await effects.decide(step, _approval_request(agent, call, approval))
    if verdict.outcome == "rejected":
        out.flag(APPROVAL_REJECTED)
        return _Called(_rejected(call, verdict), 1)
    if verdict.arguments is not None:
        call = ToolCall(call.id, call.name, dict(verdict.arguments))
    return _Called(await effects.tool(step + 1, call), 2, executed=True)


def _approval_request(agent: Agent, call: ToolCall, decision: dict[str, Any]) -> ApprovalRequest:
    """What the decider sees: the call with its arguments masked as the journal keeps
    them, and the policy fields it names masked whole."""
    gov = agent.governor
    args: Any = call.arguments if gov is None else gov.mask_json(call.arguments, "journal")
    masked = dict(args) if isinstance(args, dict) else dict(call.arguments)
    for name in decision.get("mask_fields") or ():
        if name in masked:
            masked[name] = "[MASKED]"
    reasons = tuple(decision.get("reasons") or ())
    if not reasons:
        reasons = (f"tool {call.name} is declared to require approval",)
    return ApprovalRequest(
        tool=call.name,
        arguments=masked,
        reasons=reasons,
        risk=agent.tools[call.name].info.risk,
        policy_hash=str(decision.get("policy_hash") or ""),
    )


def _rejected(call: ToolCall, verdict: ApprovalDecision) -> ToolResult:
    # JSON with a ``message``, so rule-based answers that quote a result's message
    # tell the user what happened instead of rendering a blank.
    why = verdict.reason or "no reason given"
    message = f"not done: a person declined this {call.name} request ({why})"
    return ToolResult(
        content=json.dumps({"error": APPROVAL_REJECTED, "message": message}),
        error=f"approval rejected by {verdict.decider}: {why}",
        error_kind="denied",
    )


def _unknown_tool(agent: Agent, call: ToolCall) -> ToolResult:
    known = ", ".join(d.name for d in agent.tool_definitions) or "none"
    return ToolResult(
        content=f"error: there is no tool named {call.name!r}; available tools: {known}",
        error=f"unknown tool {call.name!r}",
        error_kind="unknown_tool",
    )


def _check_user_request(agent: Agent, run: RunInput, text: str) -> None:
    """Escalate at once when the user asks for a person (spec.escalation)."""
    esc = agent.escalation
    if esc is None or "user_request" not in esc.on or run.human_note is not None:
        return
    for pattern in esc.user_request_patterns:
        if re.search(pattern, text, re.IGNORECASE):
            raise Escalated("the user asked for a person", details={"trigger": "user_request"})


def _failure_limit(agent: Agent) -> int:
    esc = agent.escalation
    return MAX_CONSECUTIVE_TOOL_FAILURES if esc is None else esc.tool_failures


def _count_failure(name: str, result: ToolResult, failures: dict[str, int], limit: int) -> None:
    if result.ok or result.error_kind in ("invalid_arguments", "unknown_tool", "denied"):
        failures.pop(name, None)
        return
    failures[name] = failures.get(name, 0) + 1
    if failures[name] >= limit:
        err: type[KeelError] = ToolTimedOut if result.error_kind == "timeout" else ToolFailed
        raise err(
            f"tool {name!r} failed {failures[name]} times in a row: {result.error}",
            details={"tool": name, "error_kind": result.error_kind},
        )


def _account(agent: Agent, response: ModelResponse, out: RunOutcome) -> None:
    limits = agent.limits
    out.model_used = response.model
    out.usage = out.usage + response.usage
    for attempt in response.failed_attempts:
        # Each turn walks the chain again; record each distinct failure once.
        record = attempt.to_dict()
        if record not in out.fallbacks:
            out.fallbacks.append(record)
    if response.cost_usd is None:
        out.cost_usd = None
        if limits.max_cost_usd is not None:
            raise BudgetExceeded(
                f"model {response.model!r} has no known price, so it cannot run under a cost "
                "budget (spec.limits.max_cost_usd); add it to the price table",
                details={"model": response.model},
            )
    elif out.cost_usd is not None:
        out.cost_usd += response.cost_usd
        if limits.max_cost_usd is not None and out.cost_usd > limits.max_cost_usd:
            raise BudgetExceeded(
                f"run cost ${out.cost_usd:.4f}, over its budget of ${limits.max_cost_usd:.4f} "
                "(spec.limits.max_cost_usd)"
            )
    if out.usage.total_tokens > limits.max_tokens:
        raise BudgetExceeded(
            f"run used {out.usage.total_tokens} tokens, over its budget of {limits.max_tokens} "
            "(spec.limits.max_tokens)"
        )


def _check_daily(agent: Agent, used: UsedToday, out: RunOutcome) -> None:
    """Refuse the next model call once a daily budget is spent (this run included)."""
    daily = agent.limits.daily
    run_cost = out.cost_usd or 0.0
    for scope, budget, tokens, cost in (
        ("agent", daily.agent, used.agent_tokens, used.agent_cost_usd),
        ("tenant", daily.tenant, used.tenant_tokens, used.tenant_cost_usd),
    ):
        if budget.max_tokens is not None and tokens + out.usage.total_tokens >= budget.max_tokens:
            raise BudgetExceeded(
                f"the {scope}'s daily token budget of {budget.max_tokens} is spent "
                f"(spec.limits.daily.{scope}.max_tokens)",
                details={"scope": scope, "used_tokens": tokens + out.usage.total_tokens},
            )
        if budget.max_cost_usd is not None and cost + run_cost >= budget.max_cost_usd:
            raise BudgetExceeded(
                f"the {scope}'s daily cost budget of ${budget.max_cost_usd:.4f} is spent "
                f"(spec.limits.daily.{scope}.max_cost_usd)",
                details={"scope": scope, "used_cost_usd": cost + run_cost},
            )


def _check_output(agent: Agent, text: str) -> tuple[bool, Any, str]:
    if len(text.encode()) > agent.output_max_bytes:
        return False, None, f"answer is longer than {agent.output_max_bytes} bytes"
    if agent.output_validator is None:
        return True, text, ""
    try:
        value = json.loads(_strip_fences(text))
    except ValueError as e:
        return False, None, f"answer is not JSON ({e})"
    errors = list(agent.output_validator.iter_errors(value))
    if errors:
        return False, None, "; ".join(_schema_error(e) for e in errors[:5])
    return True, value, ""


def _strip_fences(text: str) -> str:
    t = text.strip()
    if t.startswith("```"):
        t = t.split("\n", 1)[1] if "\n" in t else ""
        if t.rstrip().endswith("```"):
            t = t.rstrip()[:-3]
    return t
