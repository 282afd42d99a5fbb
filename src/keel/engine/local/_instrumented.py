"""Telemetry for the local engine: a run's ``invoke_agent`` span, and ``Effects`` that
trace and measure each model and tool call (pydantic-ai's ``InstrumentedModel`` way:
a wrapper, not ``if``s in the engine).

Only imported when ``LocalEngine`` is given a ``Telemetry``; it imports OpenTelemetry.

* ``RunTrace`` opens the run span as a child of the caller's W3C ``traceparent``
  (the HTTP request, or the original attempt for a resumed run) and closes it with
  the outcome: status, usage, cost, policy decisions and guard verdicts as
  ``gen_ai.evaluation.result`` events.
* ``InstrumentedEffects`` wraps the engine's effects: a ``chat`` span per model call,
  an ``execute_tool`` span per tool call (its context is current while the tool runs,
  and tools receive its ``traceparent``), and the metrics. Steps replayed from the
  journal are not reported again: the attempt that executed them already did.

Message content goes on spans only with ``capture_content``, masked for the ``span``
destination with the agent's PII rules (the default rules for an agent without
governance); the system prompt never does.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from time import perf_counter
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry.trace import SpanKind, StatusCode

from keel.errors import KeelError
from keel.loop.effects import ApprovalDecision, ApprovalRequest, AwaitingApproval
from keel.telemetry import semconv as sc
from keel.telemetry.traceparent import valid_traceparent

if TYPE_CHECKING:
    from keel.agent import Agent
    from keel.engine.local.effects import DirectEffects
    from keel.hitl._records import ApprovalRepository
    from keel.loop.run import RunOutcome
    from keel.models.base import Message, ModelRequest, ModelResponse, ToolCall
    from keel.telemetry._telemetry import Telemetry
    from keel.telemetry.spans import OpenSpan
    from keel.tools import ToolResult

_FAILED = ("failed", "needs_review")


class RunTrace:
    """One execution attempt of one run, as telemetry sees it."""

    __slots__ = (
        "_input",
        "_mask",
        "_t0",
        "agent",
        "approvals",
        "request_model",
        "run_id",
        "span",
        "telemetry",
        "traceparent",
    )

    def __init__(
        self,
        telemetry: Telemetry,
        agent: Agent,
        run_id: str,
        *,
        input: Any,
        session_id: str | None,
        tenant: str | None,
        traceparent: str | None,
        resumed: bool = False,
        approvals: ApprovalRepository | None = None,
    ) -> None:
        self.telemetry = telemetry
        self.agent = agent
        self.run_id = run_id
        self.approvals = approvals
        self.request_model = agent.model.name
        self._input = input
        self._mask = _masker(agent) if telemetry.capture_content else None
        self._t0 = perf_counter()
        parent = valid_traceparent(traceparent)
        self.span: OpenSpan | None = None
        self.traceparent = parent
        if telemetry.tracing:
            attrs: dict[str, Any] = {
                sc.OPERATION_NAME: sc.INVOKE_AGENT,
                sc.AGENT_NAME: agent.name,
                sc.AGENT_VERSION: agent.version,
                sc.PROMPT_VERSION: agent.prompt_version,
                sc.RUN_ID: run_id,
            }
            if session_id is not None:
                attrs[sc.CONVERSATION_ID] = session_id
            if tenant is not None:
                attrs[sc.TENANT] = tenant
            if resumed:
                attrs[sc.RUN_RESUMED] = True
            if agent.governor is not None:
                attrs[sc.POLICY_HASH] = agent.governor.policy_hash
            self.span = telemetry.start_span(
                sc.invoke_agent_span(agent.name),
                parent=telemetry.parent(parent),
                kind=SpanKind.INTERNAL,
                attributes=attrs,
            )
            # With no caller's context, the run's own span is what a resumed attempt
            # continues: the run keeps one trace across processes.
            if parent is None:
                self.traceparent = telemetry.traceparent(self.span)

    def wrap(self, effects: DirectEffects) -> InstrumentedEffects:
        return InstrumentedEffects(effects, self)

    def child(self, name: str, kind: SpanKind, attributes: dict[str, Any]) -> OpenSpan | None:
        if self.span is None:
            return None
        return self.telemetry.start_span(
            name, parent=self.span.context, kind=kind, attributes=attributes
        )

    def mask(self, text: str) -> str:
        assert self._mask is not None
        return self._mask(text)

    @property
    def capturing(self) -> bool:
        return self._mask is not None

    def finished(self, outcome: RunOutcome) -> None:
        """Close the run span with ``outcome`` and count the run."""
        agent = self.agent.name
        metrics = self.telemetry.metrics
        metrics.run(
            agent=agent,
            status=outcome.status,
            duration_s=perf_counter() - self._t0,
            cost_usd=outcome.cost_usd,
            model=outcome.model_used,
        )
        reason = _escalation_reason(outcome)
        if reason is not None:
            metrics.escalation(agent=agent, reason=reason)
        span = self.span
        if span is None:
            return
        attrs: dict[str, Any] = {
            sc.RUN_STATUS: outcome.status,
            sc.USAGE_INPUT_TOKENS: outcome.usage.input_tokens,
            sc.USAGE_OUTPUT_TOKENS: outcome.usage.output_tokens,
        }
        if outcome.model_used is not None:
            attrs[sc.RESPONSE_MODEL] = outcome.model_used
        if outcome.cost_usd is not None:
            attrs[sc.COST_USD] = outcome.cost_usd
        if outcome.flags:
            attrs[sc.RUN_FLAGS] = tuple(outcome.flags)
        confidence = _confidence(outcome.output)
        if confidence is not None:
            attrs[sc.CONFIDENCE] = confidence
        if outcome.error_code is not None and outcome.status != "awaiting_approval":
            attrs[sc.ERROR_TYPE] = outcome.error_code
        if self._mask is not None:
            attrs[sc.INPUT_MESSAGES] = _text_messages("user", self._input, self._mask)
            if outcome.output is not None:
                attrs[sc.OUTPUT_MESSAGES] = _text_messages("assistant", outcome.output, self._mask)
        span.set_attributes(attrs)
        for decision in outcome.decisions:
            span.add_event(sc.EVALUATION_RESULT, _decision_event(decision))
        verdict = _guard_verdict(outcome)
        if verdict is not None:
            span.add_event(sc.EVALUATION_RESULT, verdict)
        if outcome.approval is not None:
            span.add_event(
                "keel.approval.requested",
                {
                    sc.TOOL_NAME: outcome.approval.tool,
                    "keel.approval.id": outcome.approval_id or "",
                    "keel.approval.reasons": tuple(outcome.approval.reasons),
                },
            )
        if outcome.status in _FAILED:
            span.set_status(StatusCode.ERROR, outcome.error_code)
        span.end()

    def abandoned(self, reason: str) -> None:
        """The attempt ended without an outcome (``cancelled``): close the span so it is
        exported; a resumed attempt continues the same trace."""
        _end_failed(self.span, reason)


class InstrumentedEffects:
    """``Effects`` that trace and measure the calls of the effects they wrap."""

    __slots__ = ("_inner", "_trace")

    def __init__(self, inner: DirectEffects, run: RunTrace) -> None:
        self._inner = inner
        self._trace = run

    def now(self) -> float:
        return self._inner.now()

    async def model(self, step: int, request: ModelRequest) -> ModelResponse:
        inner = self._inner
        if inner.recorded(step):
            return await inner.model(step, request)
        run = self._trace
        requested = run.request_model
        span = run.child(
            sc.chat_span(requested),
            SpanKind.CLIENT,
            {
                sc.OPERATION_NAME: sc.CHAT,
                sc.PROVIDER_NAME: sc.provider_of(requested),
                sc.REQUEST_MODEL: requested,
            },
        )
        started = perf_counter()
        try:
            response = await inner.model(step, request)
        except BaseException as e:
            error = _error_type(e)
            run.telemetry.metrics.chat(
                request_model=requested,
                response_model=requested,
                duration_s=perf_counter() - started,
                input_tokens=0,
                output_tokens=0,
                error_type=error,
            )
            _end_failed(span, error)
            raise
        elapsed = perf_counter() - started
        metrics = run.telemetry.metrics
        usage = response.usage
        metrics.chat(
            request_model=requested,
            response_model=response.model,
            duration_s=elapsed,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )
        for attempt in response.failed_attempts:
            metrics.fallback(
                agent=run.agent.name, model=attempt.model, error_type=attempt.error_code
            )
        if span is not None:
            attrs: dict[str, Any] = {
                sc.RESPONSE_MODEL: response.model,
                sc.USAGE_INPUT_TOKENS: usage.input_tokens,
                sc.USAGE_OUTPUT_TOKENS: usage.output_tokens,
            }
            if response.model != requested:  # a fallback answered
                attrs[sc.PROVIDER_NAME] = sc.provider_of(response.model)
            if response.finish_reason is not None:
                attrs[sc.RESPONSE_FINISH_REASONS] = (response.finish_reason,)
            if response.cost_usd is not None:
                attrs[sc.COST_USD] = response.cost_usd
            if run.capturing:
                attrs[sc.INPUT_MESSAGES] = _messages(request.messages, run.mask)
                attrs[sc.OUTPUT_MESSAGES] = _messages(
                    (response.message,), run.mask, finish_reason=response.finish_reason
                )
            span.set_attributes(attrs)
            for attempt in response.failed_attempts:
                span.add_event(
                    "keel.model.fallback",
                    {sc.FALLBACK_FROM: attempt.model, sc.ERROR_TYPE: attempt.error_code},
                )
            span.end()
        return response

    async def tool(self, step: int, call: ToolCall) -> ToolResult:
        inner = self._inner
        if inner.recorded(step):
            return await inner.tool(step, call)
        run = self._trace
        attrs: dict[str, Any] = {
            sc.OPERATION_NAME: sc.EXECUTE_TOOL,
            sc.TOOL_NAME: call.name,
            sc.TOOL_CALL_ID: call.id,
            sc.TOOL_TYPE: "function",
        }
        span = run.child(sc.execute_tool_span(call.name), SpanKind.INTERNAL, attrs)
        token = None
        if span is not None:
            # Tools are told the tool span's own context (ToolContext.traceparent), and
            # an OpenTelemetry-instrumented client inside a tool finds it current.
            inner.traceparent = run.telemetry.traceparent(span)
            token = otel_context.attach(run.telemetry.current(span))
        started = perf_counter()
        try:
            result = await inner.tool(step, call)
        except BaseException as e:
            _end_failed(span, _error_type(e))
            raise
        finally:
            if token is not None:
                otel_context.detach(token)
                inner.traceparent = run.traceparent
        elapsed = perf_counter() - started
        outcome = "ok" if result.error is None else (result.error_kind or "error")
        run.telemetry.metrics.tool(
            agent=run.agent.name, tool=call.name, outcome=outcome, duration_s=elapsed
        )
        if span is not None:
            if run.capturing:
                span.set_attributes(
                    {
                        sc.TOOL_CALL_ARGUMENTS: run.mask(
                            json.dumps(call.arguments, ensure_ascii=False)
                        ),
                        sc.TOOL_CALL_RESULT: run.mask(result.content),
                    }
                )
            if result.error is not None:
                span.set_attributes({sc.ERROR_TYPE: outcome, sc.TOOL_ATTEMPTS: result.attempts})
                span.set_status(StatusCode.ERROR, outcome)
            span.end()
        return result

    async def decide(self, step: int, request: ApprovalRequest) -> ApprovalDecision:
        inner = self._inner
        if inner.recorded(step):
            return await inner.decide(step, request)
        decision = await inner.decide(step, request)  # AwaitingApproval: the run reports it
        run = self._trace
        wait_s = self._waited(step)
        if wait_s is not None:
            run.telemetry.metrics.approval_decided(
                agent=run.agent.name, tool=request.tool, outcome=decision.outcome, wait_s=wait_s
            )
        if run.span is not None:
            event: dict[str, Any] = {
                sc.EVALUATION_NAME: "keel.approval",
                sc.EVALUATION_SCORE_LABEL: decision.outcome,
                sc.TOOL_NAME: request.tool,
                sc.STEP: step,
            }
            if decision.reason:
                event[sc.EVALUATION_EXPLANATION] = decision.reason
            run.span.add_event(sc.EVALUATION_RESULT, event)
        return decision

    def _waited(self, step: int) -> float | None:
        approvals = self._trace.approvals
        if approvals is None:
            return None
        row = approvals.for_step(self._trace.run_id, step)
        if row is None or row.decided_at is None:
            return None
        return max(0.0, row.decided_at - row.created_at)


# -- helpers -------------------------------------------------------------------------------


def _error_type(error: BaseException) -> str:
    if isinstance(error, KeelError):
        return error.code
    if isinstance(error, AwaitingApproval):
        return "APPROVAL_REQUIRED"
    return type(error).__qualname__


def _end_failed(span: OpenSpan | None, error: str) -> None:
    if span is not None:
        span.set_attributes({sc.ERROR_TYPE: error})
        span.set_status(StatusCode.ERROR, error)
        span.end()


def _escalation_reason(outcome: RunOutcome) -> str | None:
    if outcome.status == "awaiting_approval":
        return "approval"
    if outcome.status == "needs_review":
        return "needs_review"
    if outcome.status == "escalated" or outcome.error_code == "ESCALATED":
        trigger = outcome.error_details.get("trigger")
        if isinstance(trigger, str) and trigger:
            return trigger  # spec.escalation's trigger: user_request, low_confidence…
        if any(d.get("result") == "escalate" for d in outcome.decisions):
            return "policy"
        return "guard"
    return None


def _decision_event(decision: Mapping[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = {
        sc.EVALUATION_NAME: f"keel.policy.{decision.get('point', '')}",
        sc.EVALUATION_SCORE_LABEL: str(decision.get("result", "")),
        sc.POLICY_POINT: str(decision.get("point", "")),
        sc.POLICY_HASH: str(decision.get("policy_hash") or ""),
    }
    reasons = decision.get("reasons") or ()
    if reasons:
        event[sc.EVALUATION_EXPLANATION] = "; ".join(str(r) for r in reasons)
    if decision.get("tool"):
        event[sc.TOOL_NAME] = str(decision["tool"])
    return event


def _guard_verdict(outcome: RunOutcome) -> dict[str, Any] | None:
    """A guard's refusal (content rules, injection, canary) that no policy decision
    explains: the run was denied or escalated before or after policy ran."""
    code = outcome.error_code
    if code not in ("POLICY_DENIED", "ESCALATED"):
        return None
    label = "deny" if code == "POLICY_DENIED" else "escalate"
    if outcome.decisions and outcome.decisions[-1].get("result") == label:
        return None  # the last decision is the policy's refusal, already an event
    event: dict[str, Any] = {sc.EVALUATION_NAME: "keel.guard", sc.EVALUATION_SCORE_LABEL: label}
    if outcome.error_message:
        event[sc.EVALUATION_EXPLANATION] = outcome.error_message
    return event


def _confidence(output: Any) -> float | None:
    """The answer's own ``confidence`` (a number in 0–1 of a structured answer)."""
    if isinstance(output, dict):
        value = output.get("confidence")
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
            return float(value)
    return None


_DEFAULT_GUARD: list[Callable[[str], str]] = []


def _masker(agent: Agent) -> Callable[[str], str]:
    gov = agent.governor
    if gov is not None:
        return lambda text: gov.mask(text, "span")
    if not _DEFAULT_GUARD:
        # No governance declared (Agent.define without a governor): mask with the
        # default PII rules rather than put content on spans unmasked.
        from keel.governance.pii import PiiGuard, PiiPolicy

        guard = PiiGuard(PiiPolicy(), hash_key=secrets.token_bytes(32))
        _DEFAULT_GUARD.append(lambda text: guard.mask(text, "span").text)
    return _DEFAULT_GUARD[0]


def _text_messages(role: str, value: Any, mask: Callable[[str], str]) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": mask(text)}]}])


def _messages(
    messages: Sequence[Message], mask: Callable[[str], str], *, finish_reason: str | None = None
) -> str:
    """Messages in the GenAI conventions' JSON form, masked; system prompts left out."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        parts: list[dict[str, Any]] = []
        if m.role == "tool":
            parts.append(
                {"type": "tool_call_response", "id": m.tool_call_id, "response": mask(m.content)}
            )
        elif m.content:
            parts.append({"type": "text", "content": mask(m.content)})
        for call in m.tool_calls:
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.id,
                    "name": call.name,
                    "arguments": mask(json.dumps(call.arguments, ensure_ascii=False)),
                }
            )
        entry: dict[str, Any] = {"role": m.role, "parts": parts}
        if finish_reason is not None and m.role == "assistant":
            entry["finish_reason"] = finish_reason
        out.append(entry)
    return json.dumps(out, ensure_ascii=False)
