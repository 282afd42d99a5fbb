"""Observability: Prometheus metrics, feedback on runs, KPI reports, drift alerts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from keel.api.deps import Runner, Service, role
from keel.api.envelope import responses
from keel.governance.policy import Principal
from keel.kpi import FeedbackKind, kpi_report, record_feedback
from keel.kpi.drift import AlertRepository

router = APIRouter(tags=["observability"])

Admin = Annotated[Principal, Depends(role())]
KpiReader = Annotated[Principal, Depends(role("operator", "viewer"))]


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus exposition"}},
)
def metrics(svc: Service) -> Response:
    """GenAI and Keel metrics in the Prometheus text format, for scrapers (no
    credentials: labels name agents, models, tools and statuses, never content)."""
    if svc.telemetry is None:
        return Response("", media_type="text/plain; version=0.0.4; charset=utf-8")
    body, content_type = svc.telemetry.prometheus()
    return Response(body, media_type=content_type)


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FeedbackKind = Field(
        description="thumbs (value 1 or -1), score (1-5), correction or edit (text); "
        "implicit signals rephrase, abandon"
    )
    value: float | None = None
    text: str | None = Field(default=None, description="Masked with the agent's PII rules")
    consent: bool = Field(default=False, description="May this run become a fine-tuning example")


class FeedbackView(BaseModel):
    id: str
    run_id: str | None
    session_id: str | None
    agent: str
    agent_version: str
    kind: str
    value: float | None
    text: str | None
    consent: bool
    validated_by: str | None
    actor: str | None
    created_at: float


@router.post(
    "/v1/runs/{run_id}/feedback",
    status_code=201,
    responses=responses("FORBIDDEN", "NOT_FOUND"),
)
def add_feedback(run_id: str, body: FeedbackCreate, svc: Service, who: Runner) -> FeedbackView:
    """Feedback on a run the caller may see, linked to its session and agent version."""
    rec = svc.run_or_404(who, run_id)
    governor = svc.load_for_run(rec).governor
    saved = record_feedback(
        svc.store,
        tenant=who.tenant,
        run_id=run_id,
        kind=body.kind,
        value=body.value,
        text=body.text,
        consent=body.consent,
        actor=who.id,
        mask=None if governor is None else (lambda text: governor.mask(text, "journal")),
    )
    doc = asdict(saved)
    doc.pop("tenant")
    return FeedbackView(**doc)


@router.get("/v1/kpis", responses=responses("FORBIDDEN"))
def kpis(
    svc: Service,
    who: KpiReader,
    agent: str | None = None,
    since: Annotated[float | None, Query(description="UNIX time; default: 7 days")] = None,
) -> dict[str, Any]:
    """The tenant's KPIs per agent and version, against the spec's targets
    (``keel kpi report --format json``)."""
    return kpi_report(svc.store, tenant=who.tenant, agent=agent, since=since).to_json()


class AlertView(BaseModel):
    id: str
    agent: str
    metric: str
    status: Literal["firing", "cleared"]
    value: float
    baseline_mean: float
    baseline_std: float
    sigmas: float
    fired_at: float
    cleared_at: float | None


@router.get("/v1/alerts", responses=responses("FORBIDDEN"))
def alerts(
    svc: Service,
    _who: Admin,
    status: Literal["firing", "cleared"] | None = None,
    agent: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AlertView]:
    """Drift alerts, newest first. Admin only: baselines span every tenant's runs."""
    found = AlertRepository(svc.store).list(status=status, agent=agent, limit=limit)
    return [AlertView(**asdict(a)) for a in found]
