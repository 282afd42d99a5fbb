"""Runs: create (wait or 202), get, list, steps, cancel, and a server-sent-events stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse, StreamingResponse

from keel.api import context, run_output
from keel.api.context import agent_version_header
from keel.api.deps import Operator, Reader, Runner, Service
from keel.api.envelope import responses
from keel.api.schemas import RunCreate, RunPage, RunState, RunView, StepView
from keel.api.service import ApiService, RunStart
from keel.errors import NotFound
from keel.governance.policy import Principal
from keel.loop.stream import TokenEvent
from keel.store import TERMINAL, RunRecord
from keel.store.tenant import TenantStore

router = APIRouter(tags=["runs"])

# A stream ends once its run no longer executes (terminal, or waiting for a person).
_STREAM_ENDS = (*TERMINAL, "awaiting_approval")
_KEEPALIVE_S = 15.0
# How long a stream that saw its run end waits for the run's last token events.
_TAIL_WAIT_S = 5.0


def _headers(rec: RunRecord) -> dict[str, str]:
    return agent_version_header(rec.agent, rec.agent_version, rec.agent_hash)


@router.post(
    "/v1/agents/{name}/runs",
    status_code=200,
    responses={
        202: {"model": RunView, "description": "Still running: poll the Location"},
        **responses("FORBIDDEN", "NOT_FOUND", "CONFLICT"),
    },
)
async def create_run(
    name: str,
    body: RunCreate,
    svc: Service,
    who: Runner,
    idempotency_key: Annotated[
        str | None,
        Header(description="The same key (per tenant) always names the same run"),
    ] = None,
) -> Response:
    """Run the agent on ``input``; answer with the run when it ends within ``wait_s``
    (200, whatever its status), else 202 with a ``Location`` to poll or stream."""
    # keel.api.run_creation answers well-formed requests itself, with ``create``.
    return await create(svc, who, name, body, idempotency_key)


async def create(
    svc: ApiService, who: Principal, name: str, body: RunCreate, idempotency_key: str | None
) -> Response:
    """``create_run``'s answer, once the caller is authenticated and may run agents."""
    agent = svc.registry.get(name, body.version)
    rec, run_id = await svc.start(
        RunStart(
            agent,
            body.input,
            who,
            session_id=body.session_id,
            traceparent=context.current().traceparent,
            idempotency_key=idempotency_key,
            request={"agent": name, **body.model_dump(exclude={"wait_s"})},
        ),
        wait_s=body.wait_s,
    )
    headers = agent_version_header(agent.name, agent.version, agent.content_hash)
    headers["location"] = f"/v1/runs/{run_id}"
    if rec is not None:
        return _run_document(rec, 200, headers)
    await svc.store.writer.flush()
    current = svc.tenant(who).run(run_id)
    if current is None:
        return JSONResponse({"run_id": run_id, "status": "queued"}, 202, headers)
    return _run_document(current, 202, headers)


def _run_document(rec: RunRecord, status: int, headers: dict[str, str]) -> Response:
    # Serialised by pydantic in one step: half the time of model_dump + json.dumps.
    body = RunView.of(rec).model_dump_json()
    return Response(body, status, headers, media_type="application/json")


@router.get("/v1/runs", responses=responses("FORBIDDEN"))
def list_runs(
    svc: Service,
    who: Reader,
    agent: str | None = None,
    status: RunState | None = None,
    session_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> RunPage:
    """The tenant's runs, newest first; follow ``next_cursor`` for older ones."""
    page = svc.tenant(who).runs(
        limit=limit, cursor=cursor, agent=agent, status=status, session_id=session_id
    )
    return RunPage(data=run_output.views(svc.registry, page.items), next_cursor=page.next_cursor)


@router.get("/v1/runs/{run_id}", responses=responses("FORBIDDEN", "NOT_FOUND"))
async def get_run(
    run_id: str,
    svc: Service,
    who: Reader,
    response: Response,
    wait_s: Annotated[float, Query(ge=0, le=60)] = 0,
) -> RunView:
    """One run; with ``wait_s``, wait that long for a run in flight to end (long poll)."""
    svc.run_or_404(who, run_id)
    await svc.wait(run_id, wait_s)
    await svc.store.writer.flush()
    rec = svc.run_or_404(who, run_id)
    response.headers.update(_headers(rec))
    return run_output.view(svc.registry, rec)


@router.get("/v1/runs/{run_id}/steps", responses=responses("FORBIDDEN", "NOT_FOUND"))
def get_steps(run_id: str, svc: Service, who: Reader) -> list[StepView]:
    """The run's journal: one entry per model or tool call, in order."""
    steps = svc.tenant(who).steps(run_id)
    if steps is None:
        raise NotFound(f"no run {run_id!r}")
    return [StepView.of(s) for s in steps]


@router.post("/v1/runs/{run_id}/cancel", responses=responses("FORBIDDEN", "NOT_FOUND", "CONFLICT"))
async def cancel_run(run_id: str, svc: Service, who: Operator, response: Response) -> RunView:
    """Cancel a run executing in this server or waiting for an approval."""
    svc.run_or_404(who, run_id)
    rec = await svc.engine.cancel(run_id, actor=who.id)
    response.headers.update(_headers(rec))
    return run_output.view(svc.registry, rec)


@router.get(
    "/v1/runs/{run_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-sent events: `step` (a journal entry, as it starts and "
            "as it completes), `status` (the run's status changed), for an agent with "
            "`output.stream: tokens` `token` (governed text of a model step as it is "
            "released) and `retract` (a step's released text is not the answer), and, "
            "last, `run` (the run document) once it ends or waits for a person.",
        },
        **responses("FORBIDDEN", "NOT_FOUND"),
    },
)
async def stream_events(run_id: str, svc: Service, who: Reader) -> StreamingResponse:
    rec = svc.run_or_404(who, run_id)
    return StreamingResponse(
        _events(svc, svc.tenant(who), run_id),
        media_type="text/event-stream",
        headers={**_headers(rec), "cache-control": "no-cache", "x-accel-buffering": "no"},
    )


def _sse(event: str, data: object) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _token_sse(events: list[TokenEvent]) -> bytes:
    return b"".join(_sse(e.kind, e.to_dict()) for e in events if e.kind != "end")


async def _events(svc: Service, view: TenantStore, run_id: str) -> AsyncIterator[bytes]:
    # Subscribed before the first read, so no token released meanwhile is missed.
    tokens = svc.engine.tokens.subscribe(run_id)
    try:
        sent: set[tuple[int, str]] = set()
        status = None
        idle = 0.0
        loop = asyncio.get_running_loop()
        while True:
            for step in view.steps(run_id) or []:
                if (step.step, step.state) not in sent:
                    sent.add((step.step, step.state))
                    yield _sse("step", StepView.of(step).model_dump(mode="json"))
                    idle = 0.0
            if released := tokens.drain():
                yield _token_sse(released)
                idle = 0.0
            rec = view.run(run_id)
            if rec is None:
                return
            if rec.status != status:
                status = rec.status
                yield _sse("status", {"run_id": run_id, "status": status})
            if rec.status in _STREAM_ENDS:
                # An answer's tail leaves only once its run is recorded: wait for it.
                deadline = loop.time() + _TAIL_WAIT_S
                while tokens.live and not tokens.ended and loop.time() < deadline:
                    await tokens.wait(deadline - loop.time())
                    if released := tokens.drain():
                        yield _token_sse(released)
                if released := tokens.drain():
                    yield _token_sse(released)
                yield _sse("run", run_output.view(svc.registry, rec).model_dump(mode="json"))
                return
            started = loop.time()
            live = svc.engine.is_live(run_id)
            await tokens.wait(0.05 if live else 0.25)
            idle += loop.time() - started
            if idle >= _KEEPALIVE_S:
                idle = 0.0
                yield b": keepalive\n\n"
    finally:
        tokens.close()
