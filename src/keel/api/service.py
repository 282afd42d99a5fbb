"""What the routes share: agents, store, engine, auth, and the runs in flight.

One ``ApiService`` per server process, built by ``keel.api.app.create_app`` at
start-up. It starts runs as tasks it holds (so a run outlives the request that
waited for it when the answer is ``202``), and it is the only place that turns a
run request into an ``engine.run`` call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from keel.agent import Agent
from keel.api.auth import Authenticator
from keel.api.ratelimit import RateLimiter
from keel.api.registry import AgentRegistry
from keel.api.run_output import present
from keel.config import Settings
from keel.engine.ids import new_run_id
from keel.engine.local.engine import AgentLoader, LocalEngine
from keel.errors import Conflict, NotFound
from keel.governance.policy import Principal
from keel.hitl import Approvals
from keel.models.base import Message
from keel.store import RunRecord, Store
from keel.store.idempotency import IdempotencyKeys, request_hash
from keel.store.tenant import TenantStore

if TYPE_CHECKING:
    from keel.telemetry import Telemetry

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunStart:
    """One request to run an agent, as the routes hand it over."""

    agent: Agent
    input: Any
    principal: Principal
    session_id: str | None = None
    history: Sequence[Message] | None = None
    traceparent: str | None = None
    idempotency_key: str | None = None
    request: Any = None  # the body the idempotency key is bound to
    run_id: str | None = None  # chosen by the caller (to listen to its tokens first)


@dataclass
class ApiService:
    settings: Settings
    registry: AgentRegistry
    store: Store
    engine: LocalEngine
    auth: Authenticator
    limiter: RateLimiter
    approvals: Approvals
    idempotency: IdempotencyKeys
    # Loads the agent a stored run started with (resume, continue after approval).
    load_for_run: AgentLoader
    # Traces and metrics (also what /metrics serves); None records nothing.
    telemetry: Telemetry | None = None
    _tasks: dict[str, asyncio.Task[RunRecord]] = field(default_factory=dict)
    closed: bool = False

    def tenant(self, principal: Principal) -> TenantStore:
        """The store as ``principal`` may see it: its tenant's, and for a key that is
        only a ``client``, only the runs (and sessions) it started."""
        assert principal.tenant is not None, "API principals always have a tenant"
        return TenantStore(
            self.store.engine,
            principal.tenant,
            owner=principal.id if _client_only(principal) else None,
        )

    async def start(self, req: RunStart, *, wait_s: float) -> tuple[RunRecord | None, str]:
        """Start (or, for a repeated idempotency key, find) a run; wait up to ``wait_s``.

        Returns the run's record if it ended within the wait, else ``None``, and its id.
        """
        tenant = req.principal.tenant
        assert tenant is not None
        if req.session_id is not None and self.tenant(req.principal).foreign_session(
            req.session_id
        ):
            raise NotFound(f"no session {req.session_id!r}")
        run_id = req.run_id or new_run_id()
        if req.idempotency_key is not None:
            claimed = self.idempotency.claim(
                tenant,
                req.idempotency_key,
                request=request_hash(req.request),
                run_id=run_id,
                now=time.time(),
            )
            if claimed != run_id:
                return await self._existing(claimed, tenant, wait_s), claimed
        task = asyncio.create_task(self._run(req, run_id), name=f"keel-run-{run_id}")
        self._tasks[run_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(run_id, None))
        if wait_s > 0:
            done, _ = await asyncio.wait({task}, timeout=wait_s)
            if done:
                return task.result(), run_id
        return None, run_id

    async def _run(self, req: RunStart, run_id: str) -> RunRecord:
        return await self.engine.run(
            req.agent,
            req.input,
            session_id=req.session_id,
            tenant=req.principal.tenant,
            principal=req.principal,
            run_id=run_id,
            minted=req.run_id is None,  # start() made it with new_run_id()
            history=req.history,
            traceparent=req.traceparent,
        )

    async def _existing(self, run_id: str, tenant: str, wait_s: float) -> RunRecord | None:
        task = self._tasks.get(run_id)
        if task is not None:
            done, _ = await asyncio.wait({task}, timeout=wait_s)
            return task.result() if done else None
        await self.store.writer.flush()
        rec = TenantStore(self.store.engine, tenant).run(run_id)  # same key: same tenant
        if rec is None:
            raise Conflict(
                "a request with this Idempotency-Key is still starting its run; retry shortly",
                details={"run_id": run_id},
            )
        if rec.status in ("queued", "running"):
            return None
        # Answered as the first request was: the output as it left, not as journaled.
        return present(self.registry, rec).record

    async def wait(self, run_id: str, wait_s: float) -> None:
        """Wait up to ``wait_s`` for a run in flight in this process to end."""
        task = self._tasks.get(run_id)
        if task is not None and wait_s > 0:
            await asyncio.wait({task}, timeout=wait_s)

    def run_or_404(self, principal: Principal, run_id: str) -> RunRecord:
        rec = self.tenant(principal).run(run_id)
        if rec is None:
            raise NotFound(f"no run {run_id!r}")
        return rec

    async def resume_orphans(self) -> None:
        """Resume runs whose process died, with the agents served here (start-up)."""
        try:
            resumed = await self.engine.resume(self.load_for_run)
        except Exception:  # start-up must not fail on one bad run; it is logged
            log.exception("resuming unfinished runs failed")
            return
        if resumed:
            log.info("resumed %d unfinished run(s)", len(resumed))

    async def close(self) -> None:
        """Stop accepting work; in-flight runs stay resumable by the next start."""
        self.closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.engine.close()


def _client_only(principal: Principal) -> bool:
    return "client" in principal.roles and not any(
        r in principal.roles for r in ("admin", "operator", "approver", "viewer")
    )
