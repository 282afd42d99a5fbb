"""``Effects`` for the local engine: journaled (durable) and direct (in memory).

Journaled effects implement the exactly-once rule of ARCHITECTURE.md:

* a completed step found in the journal is returned, never re-run;
* before a non-idempotent tool runs, a ``started`` row is committed (a write the
  run waits for), so a crash during the side effect is visible afterwards; an
  idempotent tool's row is written once, with its result;
* a ``started`` row with no result is re-run only if the tool is idempotent,
  otherwise the run stops in ``needs_review``.

Model results are journaled without waiting: losing one to a crash only means
asking the model again, which has no side effect.

Approvals (``decide``) are a step too: the first time, a row in ``approvals`` and a
``started`` journal row are written and ``AwaitingApproval`` ends the attempt; once
a person has decided, the resumed run completes the journal row with the decision,
and later replays read it from there.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from keel.agent import Agent
from keel.audit.redact import redact
from keel.audit.run_events import RunAudit
from keel.engine.ids import new_id
from keel.errors import ApprovalRequired, AuditUnavailable, NeedsReview
from keel.hitl._records import ApprovalRepository
from keel.loop.effects import ApprovalDecision, ApprovalRequest, AwaitingApproval
from keel.loop.stream import RunTokens
from keel.models.base import ModelRequest, ModelResponse, ToolCall
from keel.store.runs import RunRepository, StepRecord, json_text
from keel.tools import ToolContext, ToolResult, execute_tool

log = logging.getLogger(__name__)


class DirectEffects:
    """Calls the model and tools with no journal (``keel[memory]``).

    ``tokens`` is the run's token channel (``output.stream: tokens``): while someone
    listens, each model call streams through it (``keel.loop.stream``).
    """

    __slots__ = ("_agent", "_clock", "_run_id", "_session_id", "_tenant", "_tokens", "traceparent")

    def __init__(
        self,
        agent: Agent,
        run_id: str,
        *,
        session_id: str | None,
        tenant: str | None,
        clock: Callable[[], float] = time.time,
        traceparent: str | None = None,
        tokens: RunTokens | None = None,
    ) -> None:
        self._agent = agent
        self._run_id = run_id
        self._session_id = session_id
        self._tenant = tenant
        self._clock = clock
        self._tokens = tokens
        # The W3C trace context tools receive (ToolContext.traceparent); telemetry
        # sets it to each tool call's own span while the tool runs.
        self.traceparent = traceparent

    @property
    def tokens(self) -> RunTokens | None:
        """The run's token channel (``None`` unless its agent streams tokens)."""
        return self._tokens

    def now(self) -> float:
        return self._clock()

    def recorded(self, step: int) -> bool:
        """Whether ``step`` completed in an earlier attempt (a replay, not a new call)."""
        return False

    async def model(self, step: int, request: ModelRequest) -> ModelResponse:
        return await self._ask(step, request)

    def _ask(self, step: int, request: ModelRequest) -> Awaitable[ModelResponse]:
        """The model call; streamed through the token channel while anyone listens.
        (Not a coroutine itself: the usual call costs no extra frame.)"""
        tokens = self._tokens
        if tokens is not None:
            turn = tokens.turn(step)
            if turn is not None:
                return turn.call(self._agent.model, request)
        return self._agent.model.request(request)

    async def tool(self, step: int, call: ToolCall) -> ToolResult:
        tool = self._agent.tools[call.name]
        return await execute_tool(tool, self._arguments(call), self._context(step))

    async def decide(self, step: int, request: ApprovalRequest) -> ApprovalDecision:
        # No store, nowhere to keep the request while a person decides: fail as before.
        raise ApprovalRequired(
            f"tool {request.tool!r} needs approval ({'; '.join(request.reasons)}); "
            "approvals need a durable engine (LocalEngine(store))",
            details={"request": request.to_dict()},
        )

    def _arguments(self, call: ToolCall) -> dict[str, Any]:
        """The call's arguments with the PII this tool may see restored from the vault
        (the model, the journal and the audit log only ever hold the tokens)."""
        gov = self._agent.governor
        return call.arguments if gov is None else gov.reveal(call.name, call.arguments)

    def _context(self, step: int) -> ToolContext:
        return ToolContext(
            run_id=self._run_id,
            step=step,
            idempotency_key=f"{self._run_id}:{step}",
            agent=self._agent.name,
            session_id=self._session_id,
            tenant=self._tenant,
            traceparent=self.traceparent,
        )


class JournaledEffects(DirectEffects):
    """Journals every step under ``(run_id, step)`` and replays it on resume."""

    __slots__ = ("_approvals", "_audit", "_journal", "_repo")

    def __init__(
        self,
        agent: Agent,
        run_id: str,
        repo: RunRepository,
        *,
        session_id: str | None,
        tenant: str | None,
        journal: Mapping[int, StepRecord] | None = None,
        clock: Callable[[], float] = time.time,
        audit: RunAudit | None = None,
        approvals: ApprovalRepository | None = None,
        traceparent: str | None = None,
        tokens: RunTokens | None = None,
    ) -> None:
        super().__init__(
            agent,
            run_id,
            session_id=session_id,
            tenant=tenant,
            clock=clock,
            traceparent=traceparent,
            tokens=tokens,
        )
        self._repo = repo
        self._journal = journal or {}
        self._audit = audit
        self._approvals = approvals

    def recorded(self, step: int) -> bool:
        rec = self._journal.get(step) if self._journal else None
        return rec is not None and rec.state == "completed"

    async def decide(self, step: int, request: ApprovalRequest) -> ApprovalDecision:
        if self._approvals is None:
            return await super().decide(step, request)
        rec = self._replayed(step, "approval", request.tool)
        if rec is not None and rec.state == "completed":
            return ApprovalDecision.from_dict(rec.payload["decision"])
        if rec is not None:
            row = self._approvals.for_step(self._run_id, step)
            if row is None:
                raise NeedsReview(f"the approval of step {step} is missing from the store")
            decision = row.decision
            if decision is None:
                raise AwaitingApproval(row.id, request)
            payload = {"approval_id": row.id, "request": request.to_dict()}
            payload["decision"] = decision.to_dict()
            self._repo.complete_step(
                self._run_id, step, payload=json_text(payload), finished_at=self._clock()
            )
            return decision
        approval_id = new_id("apr")
        now = self._clock()
        # Secrets never reach a row people list, whatever the policy's mask_fields say.
        shown = dataclasses.replace(request, arguments=redact(dict(request.arguments)))
        self._approvals.insert(
            approval_id,
            run_id=self._run_id,
            step=step,
            agent=self._agent.name,
            tenant=self._tenant,
            request=shown,
            now=now,
        )
        self._repo.journal_step(
            self._run_id,
            step,
            kind="approval",
            state="started",
            name=request.tool,
            payload=json_text({"approval_id": approval_id, "request": shown.to_dict()}),
            started_at=now,
            finished_at=None,
        )
        raise AwaitingApproval(approval_id, shown)

    def _replayed(self, step: int, kind: str, name: str | None) -> StepRecord | None:
        rec = self._journal.get(step) if self._journal else None
        if rec is None:
            return None
        if rec.kind != kind or (name is not None and rec.name != name):
            # The loop is deterministic, so this only happens if the agent changed
            # under a run; replaying further would attribute results to wrong calls.
            raise NeedsReview(
                f"journal diverged at step {step}: recorded {rec.kind} {rec.name!r}, "
                f"now {kind} {name or ''!r}"
            )
        return rec

    async def model(self, step: int, request: ModelRequest) -> ModelResponse:
        rec = self._replayed(step, "model", None)
        if rec is not None:
            return ModelResponse.from_dict(rec.payload["response"])
        started = self._clock()
        response = await self._ask(step, request)
        finished = self._clock()
        self._repo.journal_step(
            self._run_id,
            step,
            kind="model",
            state="completed",
            name=response.model,
            payload=json_text({"response": response.to_dict()}),
            started_at=started,
            finished_at=finished,
        )
        if self._audit is not None:
            self._audit.model_call(step, response, latency_s=finished - started)
        return response

    async def tool(self, step: int, call: ToolCall) -> ToolResult:
        tool = self._agent.tools[call.name]
        info = tool.info
        rec = self._replayed(step, "tool", call.name)
        if rec is not None and rec.state == "completed":
            return ToolResult.from_dict(rec.payload["result"])
        if rec is not None and not info.idempotent:
            raise NeedsReview(
                f"tool {call.name!r} (step {step}) started before a crash and has no recorded "
                "result; it is not idempotent, so a person must check whether it took effect",
                details={"step": step, "tool": call.name, "arguments": call.arguments},
            )
        call_json = call.to_dict()
        started_at = self._clock()
        if rec is None and not info.idempotent:
            if self._audit is not None:
                self._audit.flush(wait=True)  # so the awaited commit below covers them too
            # The one write a run waits for: proof, before the side effect, that it may
            # have happened. An idempotent tool needs no such proof (it is re-run).
            started = self._repo.journal_step(
                self._run_id,
                step,
                kind="tool",
                state="started",
                name=call.name,
                payload=json_text({"call": call_json}),
                started_at=started_at,
                finished_at=None,
                wait=True,
            )
            if started is not None:
                await started
            if self._audit is not None:
                # Fail closed: no side effect whose decisions the audit log does not hold.
                try:
                    await self._audit.confirm()
                except AuditUnavailable as e:
                    # The cause (the database's words) goes to the log, not to the caller.
                    log.error("run %s: %s", self._run_id, e.message)
                    raise AuditUnavailable(
                        f"the run's audit records could not be stored, so tool {call.name!r} "
                        f"(step {step}) was not called; the server log says why"
                    ) from e
        context = self._context(step)
        result = await execute_tool(tool, self._arguments(call), context)
        gov = self._agent.governor
        if gov is not None:
            # The journal holds what the model may see: PII masked per the spec
            # ("journal" destination; tokens by default, so a replay reads the same).
            masked = gov.mask(result.content, "journal")
            if masked != result.content:
                result = dataclasses.replace(result, content=masked)
        payload = json_text({"call": call_json, "result": result.to_dict()})
        finished_at = self._clock()
        if rec is None and info.idempotent:
            self._repo.journal_step(
                self._run_id,
                step,
                kind="tool",
                state="completed",
                name=call.name,
                payload=payload,
                started_at=started_at,
                finished_at=finished_at,
            )
        else:
            self._repo.complete_step(self._run_id, step, payload=payload, finished_at=finished_at)
        if self._audit is not None:
            self._audit.tool_call(
                step,
                info,
                call,
                result,
                idempotency_key=context.idempotency_key,
                latency_s=finished_at - started_at,
            )
        return result
