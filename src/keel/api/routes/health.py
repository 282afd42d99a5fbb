"""Probes: ``/healthz`` (the process answers) and ``/readyz`` (it can serve)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from keel.api.deps import Service

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, bool]
    agents: int


@router.get("/healthz")
def healthz() -> Health:
    """The process is up (no dependency is checked)."""
    return Health()


@router.get("/readyz", responses={503: {"model": Readiness, "description": "Not ready"}})
def readyz(svc: Service) -> JSONResponse:
    """Ready when the store answers, agents are loaded and the engine runs."""
    try:
        with svc.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        store_ok = True
    except Exception:  # any failure to reach the store means "not ready"
        store_ok = False
    checks = {"store": store_ok, "agents": len(svc.registry) > 0, "engine": not svc.closed}
    ok = all(checks.values())
    doc = Readiness(status="ready" if ok else "not_ready", checks=checks, agents=len(svc.registry))
    return JSONResponse(doc.model_dump(), status_code=200 if ok else 503)
