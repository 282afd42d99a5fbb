"""``Idempotency-Key`` on run creation: one (tenant, key) names one run, never two.

The first request with a key claims it in a committed row before its run starts;
a repeat finds the row and gets that run. Two requests racing with one key both try
the insert; the primary key lets one win and the other reads the winner's run. A
repeat with a different request body is a ``CONFLICT``: the key was already used
for something else. Keys are kept for ``ttl_s`` (24 h by default), then may be reused.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from keel.errors import Conflict, UserError
from keel.store.schema import idempotency_keys as keys

MAX_KEY_LENGTH = 200


def request_hash(document: Any) -> str:
    """A stable hash of a request body (canonical JSON)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class IdempotencyKeys:
    def __init__(self, engine: Engine, *, ttl_s: float = 86_400.0) -> None:
        self._engine = engine
        self.ttl_s = ttl_s

    def claim(self, tenant: str, key: str, *, request: str, run_id: str, now: float) -> str:
        """The run id this key names: ``run_id`` if this call claimed the key, else the
        run of the earlier request. Raises ``Conflict`` when the earlier request had a
        different body, ``UserError`` for an empty or over-long key."""
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise UserError(
                f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters",
                details={"header": "Idempotency-Key"},
            )
        for _ in range(3):
            try:
                return self._claim_once(tenant, key, request, run_id, now)
            except IntegrityError:
                continue  # another request claimed it meanwhile: read its run
        raise Conflict("this Idempotency-Key is being claimed by another request; retry")

    def _claim_once(self, tenant: str, key: str, request: str, run_id: str, now: float) -> str:
        with self._engine.begin() as conn:
            row = conn.execute(
                select(keys.c.request_hash, keys.c.run_id, keys.c.created_at).where(
                    keys.c.tenant == tenant, keys.c.key == key
                )
            ).first()
            if row is not None and row.created_at >= now - self.ttl_s:
                if row.request_hash != request:
                    raise Conflict(
                        "this Idempotency-Key was used with a different request; "
                        "use a new key for a new request",
                        details={"run_id": row.run_id},
                    )
                return str(row.run_id)
            values = {"request_hash": request, "run_id": run_id, "created_at": now}
            if row is None:
                conn.execute(insert(keys).values(tenant=tenant, key=key, **values))
            else:  # expired: the key may name a new run
                conn.execute(
                    update(keys).where(keys.c.tenant == tenant, keys.c.key == key).values(**values)
                )
            return run_id

    def purge(self, *, before: float) -> int:
        with self._engine.begin() as conn:
            return int(conn.execute(delete(keys).where(keys.c.created_at < before)).rowcount)
