"""The tenant's audit log: read records, verify the chain and checkpoints."""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from keel.api.deps import Auditor, Service
from keel.api.envelope import responses
from keel.audit import reader
from keel.audit.log import AuditLog
from keel.audit.record import AuditRecord
from keel.audit.verify import verify_log
from keel.errors import KeelError

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditRecordView(BaseModel):
    id: int
    time: float
    kind: str
    actor: str
    run_id: str | None
    payload: Any
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    data: list[AuditRecordView]
    next_after_id: int | None


class VerifyProblem(BaseModel):
    kind: str
    record_id: int | None
    message: str


class VerifyResult(BaseModel):
    ok: bool
    records: int
    checkpoints: int
    problems: list[VerifyProblem]
    seconds: float


@router.get("/records", responses=responses("FORBIDDEN"))
def list_records(
    svc: Service,
    who: Auditor,
    after_id: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    since: Annotated[float | None, Query(description="UNIX time")] = None,
) -> AuditPage:
    """The tenant's records in order, from ``after_id`` (payloads are masked).

    A record that cannot be read (a row edited in the database) is an ``INTERNAL``
    error that names it: the page is not cut short there in silence.
    """
    assert who.tenant is not None
    rows = reader.iter_rows(
        svc.store.engine, who.tenant, after_id=after_id, since_time=since, batch=limit
    )
    data = []
    for row in islice(rows, limit):
        try:
            r = AuditRecord.from_row(row)
            payload = r.payload
        except reader.UNREADABLE:
            raise KeelError(
                f"audit record {row[1]!r} cannot be read (edited in the database?); "
                "run keel audit verify",
                details={"record_id": row[1]},
            ) from None
        data.append(
            AuditRecordView(
                id=r.id,
                time=r.time,
                kind=r.kind,
                actor=r.actor,
                run_id=r.run_id,
                payload=payload,
                prev_hash=r.prev_hash,
                hash=r.hash,
            )
        )
    return AuditPage(data=data, next_after_id=data[-1].id if len(data) == limit else None)


@router.get("/verify", responses=responses("FORBIDDEN"))
def verify(svc: Service, who: Auditor) -> VerifyResult:
    """Check the tenant's hash chain and every signed checkpoint (``keel audit verify``)."""
    assert who.tenant is not None
    report = verify_log(
        svc.store.engine, tenant=who.tenant, public_key=AuditLog.of(svc.store).public_key()
    )
    return VerifyResult(
        ok=report.ok,
        records=report.records,
        checkpoints=sum(t.checkpoints for t in report.tenants),
        problems=[
            VerifyProblem(kind=p.kind, record_id=p.record_id, message=p.message)
            for p in report.problems
        ],
        seconds=round(report.seconds, 6),
    )
