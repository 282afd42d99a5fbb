"""One tenant's view of the store: every query here filters on the tenant.

The HTTP API reads runs, steps and sessions only through ``TenantStore``, so tenant
isolation is a property of the queries, not of route code remembering to check: a
run of tenant B is simply not found by tenant A (``None``, never "forbidden", so
ids of other tenants cannot be probed).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, and_, or_, select

from keel.errors import UserError
from keel.store.runs import RunRecord, StepRecord, run_record, step_record
from keel.store.schema import run_steps, runs, sessions


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    agent: str
    tenant: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing and the cursor of the next (``None`` on the last)."""

    items: list[Any]
    next_cursor: str | None


def encode_cursor(created_at: float, item_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at!r}|{item_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    """Raises ``UserError`` for a cursor this module did not write."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, _, item_id = text.partition("|")
        if not item_id:
            raise ValueError(text)
        return float(created), item_id
    except ValueError as e:
        raise UserError(
            "invalid cursor: pass the next_cursor of a previous page unchanged",
            details={"cursor": cursor},
        ) from e


def _principal_prefix(principal_id: str) -> str:
    # How the engine stores a run's principal: {"id": ..., "roles": ..., "tenant": ...}
    # (json.dumps, "id" first), so runs started by one principal share this prefix.
    return json.dumps({"id": principal_id})[:-1] + ","


class TenantStore:
    """Reads of one tenant's runs, steps and sessions; with ``owner``, only of the
    runs that principal started (and the sessions holding them)."""

    def __init__(self, engine: Engine, tenant: str, *, owner: str | None = None) -> None:
        self._engine = engine
        self.tenant = tenant
        self.owner = owner

    def _scope(self) -> ColumnElement[bool]:
        cond = runs.c.tenant == self.tenant
        if self.owner is not None:
            cond = and_(cond, runs.c.principal.startswith(_principal_prefix(self.owner)))
        return cond

    def _session_scope(self) -> ColumnElement[bool]:
        cond = sessions.c.tenant == self.tenant
        if self.owner is not None:
            mine = select(runs.c.session_id).where(self._scope(), runs.c.session_id.is_not(None))
            cond = and_(cond, sessions.c.id.in_(mine))
        return cond

    def foreign_session(self, session_id: str) -> bool:
        """True if the session holds runs of other principals than ``owner`` (a client
        may not continue, and so read, another client's conversation)."""
        if self.owner is None:
            return False
        q = (
            select(runs.c.id)
            .where(
                runs.c.session_id == session_id,
                ~runs.c.principal.startswith(_principal_prefix(self.owner)),
            )
            .limit(1)
        )
        with self._engine.connect() as conn:
            return conn.execute(q).first() is not None

    def run(self, run_id: str) -> RunRecord | None:
        q = select(runs).where(runs.c.id == run_id, self._scope())
        with self._engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return None if row is None else run_record(row)

    def runs(
        self,
        *,
        limit: int = 50,
        cursor: str | None = None,
        agent: str | None = None,
        status: str | None = None,
        session_id: str | None = None,
    ) -> Page:
        """Newest first; ``cursor`` continues after the last run of a previous page."""
        q = select(runs).where(self._scope())
        if agent is not None:
            q = q.where(runs.c.agent == agent)
        if status is not None:
            q = q.where(runs.c.status == status)
        if session_id is not None:
            q = q.where(runs.c.session_id == session_id)
        return self._page(q, runs.c.created_at, runs.c.id, cursor, limit, run_record)

    def steps(self, run_id: str) -> list[StepRecord] | None:
        """The run's journal, or ``None`` if the run is not this tenant's."""
        q = (
            select(run_steps)
            .join(runs, runs.c.id == run_steps.c.run_id)
            .where(run_steps.c.run_id == run_id, self._scope())
            .order_by(run_steps.c.step)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        if not rows and self.run(run_id) is None:
            return None
        return [step_record(r) for r in rows]

    def session(self, session_id: str) -> SessionRecord | None:
        q = select(sessions).where(sessions.c.id == session_id, self._session_scope())
        with self._engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return None if row is None else _session(row)

    def sessions(
        self, *, limit: int = 50, cursor: str | None = None, agent: str | None = None
    ) -> Page:
        """Most recently active first."""
        q = select(sessions).where(self._session_scope())
        if agent is not None:
            q = q.where(sessions.c.agent == agent)
        return self._page(q, sessions.c.updated_at, sessions.c.id, cursor, limit, _session)

    def _page(
        self,
        q: Select[Any],
        time_col: ColumnElement[float],
        id_col: ColumnElement[str],
        cursor: str | None,
        limit: int,
        make: Callable[[Any], Any],
    ) -> Page:
        """Newest ``time_col`` first (``id_col`` breaks ties); ``cursor`` continues
        after the last item of a previous page."""
        q = q.order_by(time_col.desc(), id_col.desc()).limit(limit + 1)
        if cursor is not None:
            at, item_id = decode_cursor(cursor)
            q = q.where(or_(time_col < at, and_(time_col == at, id_col < item_id)))
        with self._engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        items = [make(r) for r in rows[:limit]]
        if len(rows) <= limit:
            return Page(items, None)
        last = rows[limit - 1]
        return Page(items, encode_cursor(last[time_col.name], last[id_col.name]))


def _session(row: Any) -> SessionRecord:
    return SessionRecord(
        id=row["id"],
        agent=row["agent"],
        tenant=row["tenant"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
