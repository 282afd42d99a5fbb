"""The local engine: runs agents in this process on asyncio, durably when given a store.

``LocalEngine(store)`` journals every step in the store and resumes unfinished runs
with ``resume``; ``LocalEngine()`` (no store) is the in-memory mode with no journal,
for tests and latency-critical embedding.

Admission control (``_admission``): at most ``max_concurrency`` runs execute at once
(and at most ``max_concurrency_per_agent`` of one agent); up to ``max_queue`` more
wait their turn; beyond that ``run`` raises ``RateLimited`` at once instead of
queueing without bound.

A run whose tool call needs a person's approval returns in ``awaiting_approval``:
its approval is a row (``keel.hitl``), nothing waits in this process. Once the
approval is decided, ``continue_run`` resumes it (in any process).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keel.agent import Agent
from keel.audit.log import AuditLog
from keel.audit.redact import redact
from keel.audit.run_events import RunAudit
from keel.engine.ids import new_run_id
from keel.errors import AuditUnavailable, Conflict, ErrorCode, KeelError, NotFound, UserError
from keel.governance.governor import masking_scope
from keel.governance.pii import vault_scope
from keel.governance.policy import Principal
from keel.hitl._oversight import Oversight
from keel.hitl._records import ApprovalRepository
from keel.loop import RunInput, RunOutcome, UsedToday, run_agent
from keel.loop.stream import RunTokens, TokenHub
from keel.models.base import Message, Usage
from keel.store import Store
from keel.store.runs import RunRecord, RunStatus, json_text
from keel.store.writer import QueuedWrite
from keel.telemetry.traceparent import valid_traceparent

from ._admission import Admission
from ._closing import close_tokens, closing
from ._unrecorded import unrecorded
from .effects import DirectEffects, JournaledEffects

if TYPE_CHECKING:
    from keel.telemetry import Telemetry

    from ._instrumented import RunTrace

log = logging.getLogger(__name__)

AgentLoader = Callable[[RunRecord], Agent]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class LocalEngine:
    """Runs agents in-process. Create one per process; ``close`` when done."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        max_concurrency: int = 256,
        max_concurrency_per_agent: int | None = None,
        max_queue: int = 10_000,
        session_turns: int = 20,
        clock: Callable[[], float] = time.time,
        telemetry: Telemetry | None = None,
    ) -> None:
        if max_concurrency < 1 or max_queue < 0:
            raise UserError("max_concurrency must be >= 1 and max_queue >= 0")
        self.store = store
        # Spans and metrics of every run (keel.telemetry); None records nothing.
        self.telemetry = telemetry
        # Durable runs are audited: the store's one audit log (keel.audit).
        self.audit = None if store is None else AuditLog.of(store)
        self.approvals = None if store is None else ApprovalRepository(store.engine, store.writer)
        # Listeners to the answers of runs of agents that stream tokens (keel.loop.stream).
        self.tokens = TokenHub()
        self._clock = clock
        self._admission = Admission(max_concurrency, max_concurrency_per_agent, max_queue)
        self._session_turns = session_turns
        # In-memory mode keeps recent session turns here (bounded, least recent out).
        self._memory_sessions: OrderedDict[str, _MemorySession] = OrderedDict()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        _LIVE_OWNERS.add(self.owner)
        # The task executing each run started by ``run`` in this engine (for ``cancel``).
        self._live: dict[str, asyncio.Task[Any]] = {}
        self._cancelling: dict[str, str] = {}
        if telemetry is not None and store is not None and self.approvals is not None:
            approvals = self.approvals
            telemetry.metrics.count_pending_approvals(
                store.location, lambda: approvals.count(status="pending")
            )

    @property
    def durable(self) -> bool:
        return self.store is not None

    @property
    def waiting(self) -> int:
        """Runs admitted but waiting for a concurrency slot."""
        return self._admission.waiting

    async def run(
        self,
        agent: Agent,
        input: Any,
        *,
        session_id: str | None = None,
        tenant: str | None = None,
        principal: Principal | None = None,
        run_id: str | None = None,
        minted: bool = False,
        history: Sequence[Message] | None = None,
        traceparent: str | None = None,
        human_note: str | None = None,
    ) -> RunRecord:
        """Run one turn of ``agent`` and return its record once it is durable.

        ``principal`` is who the run acts for (its roles decide which tools policy
        allows); with none, the run has no roles at all. ``run_id`` lets the caller
        name the run before it starts (the HTTP API answers ``202`` with it);
        ``minted`` says it is a ``new_run_id()`` the caller just made, which no run
        can hold, so it is not looked up (a store read per API run);
        ``history`` gives the conversation so far explicitly (the OpenAI-compatible
        endpoint, where the client holds the conversation) instead of a session's.
        ``traceparent`` (W3C) is the caller's trace: the run's spans are its children,
        it is stored with the run so a resumed run continues it, and tools receive it.

        ``cancel(run_id)`` ends the run ``cancelled``; any other cancellation of the
        task running this call leaves the run unfinished, to be resumed.
        Raises ``RateLimited`` when the queue is full, ``NotFound``/``Conflict`` for a
        session of another tenant or agent or a ``run_id`` that already exists,
        ``UserError`` for both a session and a history. Run failures are not raised:
        they are in the returned record's ``status`` and ``error_code``.
        """
        if history is not None and session_id is not None:
            raise UserError("give a session_id or an explicit history, not both")
        if (
            run_id is not None
            and not minted
            and (
                run_id in self._live or (self.store is not None and self.store.runs.exists(run_id))
            )
        ):
            raise Conflict(f"run {run_id} already exists: name a new run with a new id")
        # PII tokens are issued and revealed for this run's tenant only.
        # Within a run, a text is scanned for PII once (keel.governance.governor).
        async with self._admission.admit(agent.name), vault_scope(tenant), masking_scope():
            run_id = run_id or new_run_id()
            now = self._clock()
            if history is None:
                history = self._history(agent, session_id, tenant)
            else:
                history = tuple(history)
            audit: RunAudit | None = None
            inserted: QueuedWrite | None = None
            trace = self._trace(agent, run_id, input, session_id, tenant, traceparent)
            traceparent = valid_traceparent(traceparent) if trace is None else trace.traceparent
            if self.store is None:
                effects: DirectEffects = DirectEffects(
                    agent,
                    run_id,
                    session_id=session_id,
                    tenant=tenant,
                    clock=self._clock,
                    traceparent=traceparent,
                    tokens=self._token_channel(agent, run_id),
                )
            else:
                row = self._new_row(agent, run_id, input, session_id, tenant, now)
                # json.dumps, not json_text: TenantStore matches its text's prefix.
                row["principal"] = None if principal is None else json.dumps(_who(principal))
                row["traceparent"] = traceparent
                inserted = self.store.runs.insert_run(row)
                if session_id is not None:
                    self.store.runs.touch_session(session_id, agent.name, tenant, now)
                if self.audit is not None:
                    audit = RunAudit.for_agent(self.audit, agent, run_id=run_id, tenant=tenant)
                    audit.started(agent, session_id=session_id)
                effects = JournaledEffects(
                    agent,
                    run_id,
                    self.store.runs,
                    session_id=session_id,
                    tenant=tenant,
                    clock=self._clock,
                    audit=audit,
                    approvals=self.approvals,
                    traceparent=traceparent,
                    tokens=self._token_channel(agent, run_id),
                )
            task = asyncio.current_task()
            if task is not None:
                self._live[run_id] = task
            try:
                outcome = await run_agent(
                    agent,
                    RunInput(
                        input,
                        history,
                        now,
                        run_id,
                        principal,
                        self._used_today(agent, tenant),
                        human_note=human_note,
                    ),
                    effects if trace is None else trace.wrap(effects),
                )
            except asyncio.CancelledError:
                if trace is not None:
                    trace.abandoned("cancelled")
                # Only ``cancel`` ends the run; any other cancellation (shutdown, a crash
                # in tests) leaves it unfinished in the journal, to resume later.
                reason = self._cancelling.pop(run_id, None)
                close_tokens(effects, "cancelled", reason or "the run was interrupted")
                if reason is not None and self.store is not None:
                    await self._end_cancelled(run_id, reason)
                raise
            finally:
                self._live.pop(run_id, None)
            return await closing(
                effects,
                self._finish(
                    agent,
                    run_id,
                    input,
                    session_id,
                    tenant,
                    now,
                    outcome,
                    audit=audit,
                    trace=trace,
                    inserted=inserted,
                ),
            )

    async def resume(self, load_agent: AgentLoader) -> list[RunRecord]:
        """Resume every unfinished run whose process is gone; return their new records.

        Completed steps are replayed from the journal, never re-executed. A run whose
        agent can no longer be loaded, or whose spec changed since it started (hash
        mismatch), is put in ``needs_review`` rather than replayed against another
        definition.
        """
        if self.store is None:
            return []
        results = []
        for rec in self.store.runs.unfinished():
            if not self._orphaned(rec):
                continue
            results.append(await self._resume_one(rec, load_agent))
        return results

    async def continue_run(self, run_id: str, load_agent: AgentLoader) -> RunRecord:
        """Continue a run in ``awaiting_approval`` whose approval has been decided.

        The run replays from its journal (no completed step runs again), gets the
        decision from ``Effects.decide`` and goes on; it may stop again at another
        approval. Raises ``NotFound`` for an unknown run, ``Conflict`` if it is not
        awaiting approval, its approval is still pending, or another process took it
        first (the claim is atomic, so a run is never continued twice).
        """
        if self.store is None or self.approvals is None:
            raise UserError("continuing a run needs a durable engine (LocalEngine(store))")
        await self.store.writer.flush()
        rec = self.store.runs.get(run_id)
        if rec is None:
            raise NotFound(f"no run {run_id!r}")
        if rec.status != "awaiting_approval":
            raise Conflict(f"run {run_id} is {rec.status}, not awaiting approval")
        pending = [a.id for a in self.approvals.for_run(run_id) if a.status == "pending"]
        if pending:
            raise Conflict(f"run {run_id} still waits for approval {pending[0]}")
        now = self._clock()
        if not self.store.runs.claim(run_id, status="awaiting_approval", owner=self.owner, now=now):
            raise Conflict(f"run {run_id} was continued by another process")
        async with self._admission.admit(rec.agent):
            return await self._resume_one(rec, load_agent)

    def is_live(self, run_id: str) -> bool:
        """True while ``run_id`` executes in this engine."""
        return run_id in self._live

    async def cancel(self, run_id: str, *, actor: str) -> RunRecord:
        """Cancel a run executing in this engine or waiting for an approval.

        A live run's task is cancelled and the run ends ``cancelled``; a run in
        ``awaiting_approval`` ends ``cancelled`` and its pending approvals are
        rejected on behalf of ``actor``. Raises ``NotFound`` for an unknown run,
        ``Conflict`` for a finished run or one executing in another process.
        """
        if self.store is None:
            raise UserError("cancelling a run needs a durable engine (LocalEngine(store))")
        task = self._live.get(run_id)
        if task is not None:
            self._cancelling[run_id] = f"cancelled by {actor} while running"
            task.cancel()
            # The task records the cancellation itself before it ends.
            await asyncio.gather(task, return_exceptions=True)
            await self.store.writer.flush()
            rec = self.store.runs.get(run_id)
            if rec is None:
                raise NotFound(f"no run {run_id!r}")
            return rec
        await self.store.writer.flush()
        rec = self.store.runs.get(run_id)
        if rec is None:
            raise NotFound(f"no run {run_id!r}")
        if rec.status == "awaiting_approval":
            now = self._clock()
            if not self.store.runs.claim(
                run_id, status="awaiting_approval", owner=self.owner, now=now
            ):
                raise Conflict(f"run {run_id} was continued by another process")
            if self.approvals is not None:
                self.approvals.reject_pending(
                    run_id, decider=actor, reason="run cancelled", now=now
                )
            return await self._end_cancelled(run_id, f"cancelled by {actor}")
        if rec.status == "running":
            raise Conflict(f"run {run_id} is running in another process ({rec.owner})")
        raise Conflict(f"run {run_id} is {rec.status}; only a running or waiting run cancels")

    async def close(self) -> None:
        """Flush pending writes; afterwards this engine's unfinished runs are resumable
        by another engine, in this process too."""
        _LIVE_OWNERS.discard(self.owner)
        if self.store is not None:
            await self.store.writer.flush()

    # -- internals ---------------------------------------------------------------------

    def _used_today(self, agent: Agent, tenant: str | None) -> UsedToday | None:
        """Today's usage for the daily budgets; ``None`` when the spec sets none.

        Read once per run: runs executing at the same time can together overshoot a
        daily budget by at most what they spend meanwhile.
        """
        daily = agent.limits.daily
        if all(
            b.max_tokens is None and b.max_cost_usd is None for b in (daily.agent, daily.tenant)
        ):
            return None
        if self.store is None:
            raise UserError("daily budgets (spec.limits.daily) need a store to count usage")
        since = _midnight_utc(self._clock())
        return UsedToday(*self.store.runs.usage_since(since, agent=agent.name, tenant=tenant))

    def _history(
        self,
        agent: Agent,
        session_id: str | None,
        tenant: str | None,
        *,
        before: float | None = None,
    ) -> tuple[Message, ...]:
        if session_id is None:
            return ()
        owner: tuple[str, str | None] | None
        if self.store is None:
            session = self._memory_sessions.get(session_id)
            owner = None if session is None else (session.agent, session.tenant)
        else:
            owner = self.store.runs.session_agent(session_id)
        # A session belongs to one tenant and one agent, in memory as in the store.
        if owner is not None:
            if owner[1] != tenant:
                raise NotFound(f"no session {session_id!r}")
            if owner[0] != agent.name:
                raise Conflict(
                    f"session {session_id!r} belongs to agent {owner[0]!r}, not {agent.name!r}"
                )
        if self.store is None:
            turns = [] if session is None else list(session.turns)
        else:
            turns = self.store.runs.session_turns(
                session_id, limit=self._session_turns, before=before
            )
        history: list[Message] = []
        for user, answer in turns:
            history.append(Message("user", _text(user)))
            history.append(Message("assistant", _text(answer)))
        return tuple(history)

    def _new_row(
        self,
        agent: Agent,
        run_id: str,
        input: Any,
        session_id: str | None,
        tenant: str | None,
        now: float,
    ) -> dict[str, Any]:
        return {
            "id": run_id,
            "agent": agent.name,
            "agent_version": agent.version,
            "agent_hash": agent.content_hash,
            "prompt_version": agent.prompt_version,
            "spec_path": agent.spec_path,
            "tenant": tenant,
            "session_id": session_id,
            "status": "running",
            "input": json_text(_stored(agent, input)),
            "steps": 0,
            "input_tokens": 0,
            "output_tokens": 0,
            "cost_usd": 0.0,
            "owner": self.owner,
            "created_at": now,
            "updated_at": now,
            # Set when the run ends; here so that its end can be folded into this
            # insert while it is still queued (RunRepository.finish_run).
            "output": None,
            "error_code": None,
            "error_message": None,
            "model_used": None,
            "fallbacks": None,
            "flags": None,
            "decisions": None,
            "finished_at": None,
        }

    async def _finish(
        self,
        agent: Agent,
        run_id: str,
        input: Any,
        session_id: str | None,
        tenant: str | None,
        created_at: float,
        outcome: RunOutcome,
        *,
        audit: RunAudit | None,
        trace: RunTrace | None = None,
        inserted: QueuedWrite | None = None,
    ) -> RunRecord:
        oversight = None if self.store is None else Oversight.of(self.store)
        if oversight is not None:
            # Escalation triggers and SLA timers (keel.hitl).
            outcome = await oversight.after_run(
                agent, run_id, outcome, tenant=tenant, audit=audit, clock=self._clock
            )
        now = self._clock()
        waiting = outcome.status == "awaiting_approval"
        if audit is not None and waiting:
            # Not finished: its policy decisions are recorded when it is (a resumed
            # run takes them again, in order); the approval request is recorded now.
            audit.flush(wait=True)
            if outcome.approval is not None:
                audit.record(
                    "approval",
                    {
                        "approval_id": outcome.approval_id,
                        "event": "requested",
                        "tool": outcome.approval.tool,
                        "arguments": redact(dict(outcome.approval.arguments)),
                        "reasons": list(outcome.approval.reasons),
                        "risk": outcome.approval.risk,
                        "policy_hash": outcome.approval.policy_hash,
                        "roles": list(outcome.approval.roles),
                    },
                )
        elif audit is not None:
            # Queued before the run's final awaited commit, which therefore covers it.
            audit.finished(
                outcome.status,
                error_code=outcome.error_code,
                steps=outcome.steps,
                usage=outcome.usage,
                cost_usd=outcome.cost_usd,
                model_used=outcome.model_used,
                decisions=outcome.decisions,
                wait=True,
            )
        if self.store is not None:
            # Only a stored run needs its row (and its output masked for the journal).
            values = {
                "status": outcome.status,
                "output": None
                if outcome.output is None
                else json_text(_stored(agent, outcome.output)),
                "error_code": outcome.error_code,
                "error_message": outcome.error_message,
                "model_used": outcome.model_used,
                "fallbacks": json_text(outcome.fallbacks) if outcome.fallbacks else None,
                "flags": json_text(outcome.flags) if outcome.flags else None,
                "steps": outcome.steps,
                "input_tokens": outcome.usage.input_tokens,
                "output_tokens": outcome.usage.output_tokens,
                "cost_usd": outcome.cost_usd,
                "decisions": json_text(outcome.decisions) if outcome.decisions else None,
                "updated_at": now,
                "finished_at": None if waiting else now,
            }
            done = self.store.runs.finish_run(run_id, values, inserted=inserted)
            if done is not None:
                await done
            if audit is not None:
                try:
                    await audit.confirm()  # committed with the run's row
                except AuditUnavailable as e:
                    outcome = await unrecorded(
                        self.store, self.approvals, run_id, outcome, e, values
                    )
                    waiting = outcome.status == "awaiting_approval"
            assert oversight is not None
            # The webhook event of the outcome that stood (keel.hitl).
            oversight.announce(
                agent, run_id, outcome, tenant=tenant, session_id=session_id, clock=self._clock
            )
        elif session_id is not None and outcome.status == "completed":
            self._remember(agent, session_id, tenant, input, outcome.output)
        if trace is not None:
            trace.finished(outcome)
        return RunRecord(
            id=run_id,
            agent=agent.name,
            agent_version=agent.version,
            agent_hash=agent.content_hash,
            prompt_version=agent.prompt_version,
            spec_path=agent.spec_path,
            tenant=tenant,
            session_id=session_id,
            status=outcome.status,
            input=input,
            output=outcome.output,
            error_code=outcome.error_code,
            error_message=outcome.error_message,
            model_used=outcome.model_used,
            fallbacks=outcome.fallbacks,
            flags=outcome.flags,
            steps=outcome.steps,
            input_tokens=outcome.usage.input_tokens,
            output_tokens=outcome.usage.output_tokens,
            cost_usd=outcome.cost_usd,
            owner=self.owner,
            created_at=created_at,
            updated_at=now,
            finished_at=None if waiting else now,
            decisions=outcome.decisions,
        )

    def _remember(
        self, agent: Agent, session_id: str, tenant: str | None, user: Any, answer: Any
    ) -> None:
        session = self._memory_sessions.get(session_id)
        if session is None:
            session = _MemorySession(agent.name, tenant, deque(maxlen=self._session_turns))
            self._memory_sessions[session_id] = session
            while len(self._memory_sessions) > 10_000:
                self._memory_sessions.popitem(last=False)
        else:
            self._memory_sessions.move_to_end(session_id)
        session.turns.append((user, answer))

    def _orphaned(self, rec: RunRecord) -> bool:
        """True if the process that owned ``rec`` is gone (so resuming cannot double-run)."""
        if rec.owner is None or rec.owner == self.owner:
            return rec.owner is None
        host, _, rest = rec.owner.partition(":")
        pid_text, _, _instance = rest.partition(":")
        if host != socket.gethostname():
            # Another machine's run: the local engine cannot know whether it lives.
            return False
        try:
            pid = int(pid_text)
        except ValueError:
            return True
        if pid == os.getpid():
            # Another engine of this same process: orphaned only once it is closed.
            return rec.owner not in _LIVE_OWNERS
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    async def _resume_one(self, rec: RunRecord, load_agent: AgentLoader) -> RunRecord:
        async with vault_scope(rec.tenant), masking_scope():
            return await self._resume_in_scope(rec, load_agent)

    async def _resume_in_scope(self, rec: RunRecord, load_agent: AgentLoader) -> RunRecord:
        assert self.store is not None
        repo = self.store.runs
        try:
            agent = load_agent(rec)
        except KeelError as e:
            return await self._needs_review(
                rec, f"agent {rec.agent!r} could not be loaded: {e.message}"
            )
        if agent.content_hash != rec.agent_hash:
            return await self._needs_review(
                rec,
                f"agent {rec.agent!r} changed since this run started "
                f"({rec.agent_hash[:19]} → {agent.content_hash[:19]}); replaying it against "
                "another definition could repeat or skip side effects",
            )
        now = self._clock()
        repo.set_status(rec.id, "running", owner=self.owner, now=now)
        journal = {s.step: s for s in repo.steps(rec.id)}
        # Only turns before this run: the session may have moved on while it was down.
        history = self._history(agent, rec.session_id, rec.tenant, before=rec.created_at)
        audit = None
        if self.audit is not None:
            audit = RunAudit.for_agent(self.audit, agent, run_id=rec.id, tenant=rec.tenant)
            audit.started(agent, session_id=rec.session_id, resumed=True)
        trace = self._trace(
            agent, rec.id, rec.input, rec.session_id, rec.tenant, rec.traceparent, resumed=True
        )
        effects = JournaledEffects(
            agent,
            rec.id,
            repo,
            session_id=rec.session_id,
            tenant=rec.tenant,
            journal=journal,
            clock=self._clock,
            audit=audit,
            approvals=self.approvals,
            traceparent=rec.traceparent,
            tokens=self._token_channel(agent, rec.id),
        )
        log.info("resuming run %s from step %d", rec.id, max(journal, default=0))
        # A resumed run gets a fresh time budget: timeout_s bounds one execution attempt.
        principal = None
        if rec.principal is not None:
            p = rec.principal
            principal = Principal(p["id"], tuple(p.get("roles", ())), p.get("tenant"))
        run_input = RunInput(
            rec.input, history, now, rec.id, principal, self._used_today(agent, rec.tenant)
        )
        try:
            outcome = await run_agent(
                agent, run_input, effects if trace is None else trace.wrap(effects)
            )
        except asyncio.CancelledError:
            if trace is not None:
                trace.abandoned("cancelled")
            close_tokens(effects, "cancelled", "the run was interrupted")
            raise
        return await closing(
            effects,
            self._finish(
                agent,
                rec.id,
                rec.input,
                rec.session_id,
                rec.tenant,
                rec.created_at,
                outcome,
                audit=audit,
                trace=trace,
            ),
        )

    def _token_channel(self, agent: Agent, run_id: str) -> RunTokens | None:
        """The run's token channel, for an agent that streams its answer as written."""
        if agent.stream != "tokens":
            return None
        return self.tokens.open(run_id, agent.governor)

    def _trace(
        self,
        agent: Agent,
        run_id: str,
        input: Any,
        session_id: str | None,
        tenant: str | None,
        traceparent: str | None,
        *,
        resumed: bool = False,
    ) -> RunTrace | None:
        """The run's span and metrics, when this engine has telemetry."""
        if self.telemetry is None:
            return None
        from ._instrumented import RunTrace

        return RunTrace(
            self.telemetry,
            agent,
            run_id,
            input=input,
            session_id=session_id,
            tenant=tenant,
            traceparent=traceparent,
            resumed=resumed,
            approvals=self.approvals,
        )

    async def _end_cancelled(self, run_id: str, message: str) -> RunRecord:
        assert self.store is not None
        await self.store.writer.flush()
        rec = self.store.runs.get(run_id)
        if rec is None:
            raise NotFound(f"no run {run_id!r}")
        return await self._end_stored(rec, "cancelled", None, message)

    async def _needs_review(self, rec: RunRecord, message: str) -> RunRecord:
        return await self._end_stored(rec, "needs_review", "NEEDS_REVIEW", message)

    async def _end_stored(
        self, rec: RunRecord, status: RunStatus, code: ErrorCode | None, message: str
    ) -> RunRecord:
        """End a stored run that did not finish through the loop, from its row's figures."""
        assert self.store is not None
        now = self._clock()
        values = {
            "status": status,
            "output": None,
            "error_code": code,
            "error_message": message,
            "model_used": rec.model_used,
            "fallbacks": json_text(rec.fallbacks) if rec.fallbacks else None,
            "flags": json_text(rec.flags) if rec.flags else None,
            "steps": rec.steps,
            "input_tokens": rec.input_tokens,
            "output_tokens": rec.output_tokens,
            "cost_usd": rec.cost_usd,
            "decisions": json_text(rec.decisions) if rec.decisions else None,
            "updated_at": now,
            "finished_at": now,
        }
        if self.audit is not None:
            RunAudit(
                self.audit,
                agent_name=rec.agent,
                prompt_version=rec.prompt_version,
                run_id=rec.id,
                tenant=rec.tenant,
            ).finished(
                status,
                error_code=code,
                steps=rec.steps,
                usage=Usage(rec.input_tokens, rec.output_tokens),
                cost_usd=rec.cost_usd,
                model_used=rec.model_used,
                # Those it took before it stopped (e.g. the approval it waited for).
                decisions=rec.decisions,
            )
        done = self.store.runs.finish_run(rec.id, values)
        if done is not None:
            await done
        got = self.store.runs.get(rec.id)
        assert got is not None
        return got


def _midnight_utc(now: float) -> float:
    return now - now % 86_400


def _stored(agent: Agent, value: Any) -> Any:
    """A run's input or output as the store keeps it: PII masked for the journal."""
    gov = agent.governor
    return value if gov is None else gov.mask_json(value, "journal")


def _who(principal: Principal) -> dict[str, Any]:
    return {"id": principal.id, "roles": list(principal.roles), "tenant": principal.tenant}


# Owners of the engines open in this process (see ``_orphaned``).
_LIVE_OWNERS: set[str] = set()


@dataclass(slots=True)
class _MemorySession:
    """An in-memory session: whose it is, and its last turns."""

    agent: str
    tenant: str | None
    turns: deque[tuple[Any, Any]]
