"""The FastAPI application: service wiring, middleware, error handlers, routes.

``build_service(settings, paths)`` loads and validates every spec (a broken one
raises ``SpecError`` before anything listens) and opens the store and engine;
``create_app(service)`` wraps it in the HTTP application. ``keel serve`` does both.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from keel import host
from keel.agent import Agent
from keel.api.auth import Authenticator
from keel.api.context import BodyTooLarge, RequestContextMiddleware, current
from keel.api.error_responses import error_response, keel_error_response
from keel.api.jwt import JwtVerifier
from keel.api.keys import ApiKeys
from keel.api.ratelimit import RateLimiter
from keel.api.registry import AgentRegistry
from keel.api.routes import (
    agents,
    approvals,
    audit,
    escalations,
    health,
    observability,
    openai_compat,
    runs,
    sessions,
)
from keel.api.run_creation import RunCreation
from keel.api.service import ApiService
from keel.api.serving import record_serving, record_stopped
from keel.audit.log import AuditLog
from keel.config import Settings
from keel.errors import KeelError, NotFound
from keel.hitl import Approvals
from keel.kpi.drift import DriftMonitor, DriftSettings
from keel.store import RunRecord
from keel.store.idempotency import IdempotencyKeys
from keel.telemetry import AlertNotifier, TelemetryConfig

if TYPE_CHECKING:
    from keel.evals import EvalScheduler
    from keel.hitl import SlaTimers, WebhookSender

log = logging.getLogger(__name__)

API_VERSION = "1"
# Set by ``keel serve --workers N`` for the worker processes uvicorn starts.
SERVE_PATHS_ENV = "KEEL_SERVE_PATHS"


def app_from_environment() -> FastAPI:
    """The application of one ``keel serve --workers N`` worker process."""
    paths = os.environ.get(SERVE_PATHS_ENV, ".").split(os.pathsep)
    return create_app(build_service(host.settings(os.environ), paths))


def build_service(settings: Settings, paths: Sequence[str | Path]) -> ApiService:
    """Everything a server needs, validated. Raises ``SpecError``/``UserError``."""
    registry = AgentRegistry.from_paths(
        paths, lambda p: host.load_agent(p, settings, credentials=os.environ)
    )
    return service_for(settings, registry)


def service_for(settings: Settings, registry: AgentRegistry) -> ApiService:
    """The service over already loaded agents (``build_service``; tests, embedding)."""
    store = host.open_store(settings)
    try:
        # A server always keeps metrics (for /metrics); spans only if an exporter is set.
        telemetry = TelemetryConfig.from_settings(settings, prometheus=True).start()
        if telemetry is not None:
            store.on_close(telemetry.shutdown)
        by_spec = host.agent_for_run(settings, credentials=os.environ)

        def load_for_run(rec: RunRecord) -> Any:
            # The served definition when it is the one the run started with; else
            # the spec the run recorded (a run of an agent this server does not serve).
            try:
                return registry.for_run(rec)
            except NotFound:
                return by_spec(rec)

        return ApiService(
            settings=settings,
            registry=registry,
            store=store,
            engine=host.engine(store, settings, telemetry=telemetry),
            auth=Authenticator(
                ApiKeys(store, audit=AuditLog.of(store)), jwt=JwtVerifier.from_settings(settings)
            ),
            limiter=RateLimiter.from_settings(settings),
            approvals=Approvals(store),
            idempotency=IdempotencyKeys(store.engine),
            load_for_run=load_for_run,
            telemetry=telemetry,
        )
    except BaseException:
        store.close()
        raise


def create_app(svc: ApiService, *, owns_service: bool = True) -> FastAPI:
    """The application over ``svc``. With ``owns_service`` (``keel serve``), its
    lifespan resumes orphaned runs at start-up and closes the service at shutdown;
    without, the caller does both (embedding several apps, test harnesses)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not owns_service:
            yield
            return
        # The audit log has every version this process serves before it serves it.
        served = svc.registry.agents()
        try:
            await record_serving(svc.store, served, "started")
        except BaseException:
            await svc.close()
            svc.store.close()
            raise
        resuming = asyncio.create_task(svc.resume_orphans())
        scheduler = eval_scheduler(svc)
        if scheduler is not None:
            scheduler.start()
            log.info("scheduled evaluations: %s", svc.settings.eval_schedule)
        drift = asyncio.create_task(drift_monitor(svc).watch())
        hitl = hitl_services(svc)
        for service in hitl:
            service.start()
        _freeze_startup_objects()
        try:
            yield
        finally:
            gc.unfreeze()  # what start-up built may be collected again once it is closed
            for service in hitl:
                await service.stop()
            drift.cancel()
            await asyncio.gather(drift, return_exceptions=True)
            if scheduler is not None:
                await scheduler.stop()
            resuming.cancel()
            await asyncio.gather(resuming, return_exceptions=True)
            await svc.close()
            await record_stopped(svc.store, served)
            svc.store.close()

    app = FastAPI(
        title="Keel",
        version=API_VERSION,
        summary="Governed, durable AI agents behind a standard API",
        description="Error codes: docs/errors.md. Every error is "
        '`{"error": {"code", "message", "trace_id", "details"}}`.',
        lifespan=lifespan,
    )
    app.state.keel = svc
    # Inside the request context (added first: each one added wraps the ones before).
    app.add_middleware(RunCreation, svc=svc)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=svc.settings.api_max_request_bytes)
    if svc.settings.api_cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(svc.settings.api_cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "x-api-key", "content-type", "idempotency-key"],
            expose_headers=["x-trace-id", "x-request-id", "x-agent-version", "location"],
        )
    _install_error_handlers(app)
    for module in (
        health,
        agents,
        runs,
        sessions,
        approvals,
        escalations,
        audit,
        observability,
        openai_compat,
    ):
        app.include_router(module.router)
    _document_security(app)
    return app


def _freeze_startup_objects() -> None:
    """Move everything start-up built (modules, the app, agents, compiled policies) into
    the collector's permanent generation. A full collection otherwise walks those
    ~150,000 objects: a 50-60 ms pause (measured) on whichever requests are in flight,
    which is the p99 of a few thousand requests (benchmarks/http_api.py). ``gc.unfreeze``
    at shutdown hands them back."""
    gc.collect()
    gc.freeze()


# Routes that need no credentials; every other route requires one (deps.caller).
_OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _document_security(app: FastAPI) -> None:
    """Declare the credentials in OpenAPI (deps.caller reads them itself, for speed)."""
    make_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = make_schema()
        doc.setdefault("components", {})["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key (keel_…) or, when configured, an OIDC/JWT token",
            },
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
        for path, item in doc["paths"].items():
            if path in _OPEN_PATHS:
                continue
            for operation in item.values():
                operation["security"] = [{"bearer": []}, {"apiKey": []}]
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def drift_monitor(svc: ApiService) -> DriftMonitor:
    """Drift detection over the served runs: alerts stored, counted in /metrics and
    POSTed (signed) to ``alert_webhooks`` when set."""
    s = svc.settings
    notifier = None
    if s.alert_webhooks:
        secret = None if s.alert_webhook_secret is None else s.alert_webhook_secret
        notifier = AlertNotifier(
            s.alert_webhooks, secret=None if secret is None else secret.get_secret_value()
        )
    return DriftMonitor(
        svc.store, DriftSettings.from_settings(s), telemetry=svc.telemetry, notifier=notifier
    )


def hitl_services(svc: ApiService) -> list[SlaTimers | WebhookSender]:
    """The SLA timers (breach actions continue runs in this server) and the webhook
    sender of the store's outbox (keel.hitl)."""
    from keel.hitl import Oversight, SlaTimers, WebhookSender

    timers = SlaTimers(svc.store, engine=svc.engine, load_agent=svc.load_for_run)
    return [timers, WebhookSender(Oversight.of(svc.store).webhooks)]


def eval_scheduler(svc: ApiService, **timing: Any) -> EvalScheduler | None:
    """The served agents' suites on the ``eval_schedule`` cron, if one is set: results
    go to the store's eval tables, compared with each suite's previous run."""
    if not svc.settings.eval_schedule:
        return None
    from keel.evals import CronSchedule, EvalHistory, EvalScheduler, evaluate_agents

    def served() -> list[Agent]:
        return [svc.registry.get(name) for name in svc.registry.names()]

    job = evaluate_agents(
        served,
        EvalHistory(svc.store),
        credentials=dict(os.environ),
        prices=host.prices(svc.settings),
        session_turns=svc.settings.session_turns,
    )
    # ``timing``: the scheduler's clock and sleep, for tests.
    return EvalScheduler(CronSchedule.parse(svc.settings.eval_schedule), job, **timing)


def _install_error_handlers(app: FastAPI) -> None:
    async def keel_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, KeelError)
        return keel_error_response(exc)

    async def invalid(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {
                "location": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"location": "request", "message": "invalid"}
        return error_response(
            "INPUT_INVALID",
            f"{first['location']}: {first['message']}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            {"problems": problems},
        )

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return error_response("NOT_FOUND", "no such route: see /openapi.json")
        if exc.status_code == 405:
            return error_response("NOT_FOUND", "this route does not take that method")
        return error_response("INPUT_INVALID", str(exc.detail))

    async def too_large(_request: Request, exc: Exception) -> JSONResponse:
        limit = app.state.keel.settings.api_max_request_bytes
        return error_response(
            "INPUT_INVALID",
            f"the request body is over {limit} bytes (setting api_max_request_bytes)",
            {"max_bytes": limit},
        )

    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error (trace %s)", current().trace_id, exc_info=exc)
        return error_response(
            "INTERNAL", "internal error; the trace id finds it in the server's log"
        )

    app.add_exception_handler(KeelError, keel_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(BodyTooLarge, too_large)
    app.add_exception_handler(Exception, unexpected)
