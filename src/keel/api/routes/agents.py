"""Agents and their served versions."""

from __future__ import annotations

from fastapi import APIRouter

from keel.api.deps import Reader, Service
from keel.api.envelope import responses
from keel.api.schemas import AgentVersionView, AgentView

router = APIRouter(prefix="/v1/agents", tags=["agents"])


def _view(svc: Service, name: str) -> AgentView:
    versions = svc.registry.versions(name)
    return AgentView(
        name=name,
        latest=svc.registry.get(name).version,
        versions=[AgentVersionView.of(a) for a in versions],
    )


@router.get("", responses=responses("FORBIDDEN"))
def list_agents(svc: Service, _who: Reader) -> list[AgentView]:
    """Every agent this server serves, with its versions (newest first)."""
    return [_view(svc, name) for name in svc.registry.names()]


@router.get("/{name}", responses=responses("FORBIDDEN", "NOT_FOUND"))
def get_agent(name: str, svc: Service, _who: Reader) -> AgentView:
    svc.registry.get(name)  # NOT_FOUND naming what is served
    return _view(svc, name)


@router.get("/{name}/versions/{version}", responses=responses("FORBIDDEN", "NOT_FOUND"))
def get_agent_version(name: str, version: str, svc: Service, _who: Reader) -> AgentVersionView:
    return AgentVersionView.of(svc.registry.get(name, version))
