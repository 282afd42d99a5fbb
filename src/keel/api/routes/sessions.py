"""Sessions: the conversations runs continue (``session_id`` on run creation)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from keel.api.deps import Reader, Service
from keel.api.envelope import responses
from keel.api.schemas import SessionPage, SessionView
from keel.errors import NotFound

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


@router.get("", responses=responses("FORBIDDEN"))
def list_sessions(
    svc: Service,
    who: Reader,
    agent: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> SessionPage:
    """The tenant's sessions, most recently active first. Their runs:
    ``GET /v1/runs?session_id=…``."""
    page = svc.tenant(who).sessions(limit=limit, cursor=cursor, agent=agent)
    return SessionPage(data=[SessionView.of(s) for s in page.items], next_cursor=page.next_cursor)


@router.get("/{session_id}", responses=responses("FORBIDDEN", "NOT_FOUND"))
def get_session(session_id: str, svc: Service, who: Reader) -> SessionView:
    found = svc.tenant(who).session(session_id)
    if found is None:
        raise NotFound(f"no session {session_id!r}")
    return SessionView.of(found)
