"""Feedback on runs: what people say (explicit) and what they do (implicit).

Explicit: ``thumbs`` (up ``+1`` / down ``-1``), a ``score`` from 1 to 5, a
``correction`` (the answer the agent should have given). Implicit: the user
``rephrase``d the request, ``edit``ed the answer (the edited text), or ``abandon``ed
the conversation. Each row is linked to its run, and through it to the session,
agent and agent version; texts are stored masked with the agent's PII rules.

A run belongs to one tenant: feedback from another tenant finds no such run
(``NotFound``), exactly as reading it would.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from sqlalchemy import insert, select, update

from keel.errors import NotFound, UserError
from keel.store import Store
from keel.store.schema import feedback, runs

FeedbackKind = Literal["thumbs", "score", "correction", "rephrase", "edit", "abandon"]
FEEDBACK_KINDS: tuple[FeedbackKind, ...] = get_args(FeedbackKind)
MAX_TEXT_BYTES = 32_768

Masker = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    id: str
    run_id: str | None
    session_id: str | None
    agent: str
    agent_version: str
    tenant: str | None
    kind: FeedbackKind
    value: float | None
    text: str | None
    consent: bool
    validated_by: str | None
    actor: str | None
    created_at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _record(row: Any) -> FeedbackRecord:
    return FeedbackRecord(
        id=row["id"],
        run_id=row["run_id"],
        session_id=row["session_id"],
        agent=row["agent"],
        agent_version=row["agent_version"],
        tenant=row["tenant"],
        kind=row["kind"],
        value=row["value"],
        text=row["text"],
        consent=bool(row["consent"]),
        validated_by=row["validated_by"],
        actor=row["actor"],
        created_at=row["created_at"],
    )


def new_id(prefix: str) -> str:
    """Time-ordered, unique: ``prefix_`` + milliseconds and random bits in hex."""
    return f"{prefix}_{time.time_ns() // 1_000_000:011x}{os.urandom(8).hex()}"


def check_feedback(kind: str, value: float | None, text: str | None) -> None:
    """Raise ``UserError`` unless ``value`` and ``text`` fit ``kind``."""
    if kind not in FEEDBACK_KINDS:
        raise UserError(f"feedback kind {kind!r} is not one of {', '.join(FEEDBACK_KINDS)}")
    if kind == "thumbs" and value not in (1, -1):
        raise UserError("thumbs feedback needs value 1 (up) or -1 (down)")
    if kind == "score" and (value is None or value != int(value) or not 1 <= value <= 5):
        raise UserError("a score is a whole number from 1 to 5")
    if kind not in ("thumbs", "score") and value is not None:
        raise UserError(f"{kind} feedback takes no value")
    if kind in ("correction", "edit") and not (text and text.strip()):
        raise UserError(f"{kind} feedback needs the corrected text")
    if kind in ("thumbs", "score", "abandon") and text is not None:
        raise UserError(f"{kind} feedback takes no text")
    if text is not None and len(text.encode()) > MAX_TEXT_BYTES:
        raise UserError(f"feedback text is over {MAX_TEXT_BYTES} bytes")


class FeedbackRepository:
    """Feedback rows of one store. Writes commit before they return."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self._engine = store.engine
        self._clock = clock

    def record(
        self,
        *,
        tenant: str | None,
        run_id: str,
        kind: str,
        value: float | None = None,
        text: str | None = None,
        consent: bool = False,
        actor: str | None = None,
        validated_by: str | None = None,
        mask: Masker | None = None,
    ) -> FeedbackRecord:
        """Record one signal on ``run_id`` (a run of ``tenant``).

        ``text`` is stored as ``mask(text)``: pass the agent's PII masking (the
        ``journal`` destination); with none, Keel's default PII rules mask it.
        Raises ``NotFound`` for a run that does not exist or is another tenant's,
        ``UserError`` when the value or text does not fit the kind.
        """
        check_feedback(kind, value, text)
        with self._engine.connect() as conn:
            run = (
                conn.execute(
                    select(
                        runs.c.agent, runs.c.agent_version, runs.c.session_id, runs.c.tenant
                    ).where(runs.c.id == run_id)
                )
                .mappings()
                .first()
            )
        if run is None or run["tenant"] != tenant:
            raise NotFound(f"no run {run_id!r}")
        stored = None if text is None else (mask or default_masker())(text)
        row = {
            "id": new_id("fb"),
            "run_id": run_id,
            "session_id": run["session_id"],
            "agent": run["agent"],
            "agent_version": run["agent_version"],
            "tenant": tenant,
            "kind": kind,
            "value": None if value is None else float(value),
            "text": stored,
            "consent": 1 if consent else 0,
            "validated_by": validated_by,
            "actor": actor,
            "created_at": self._clock(),
        }
        with self._engine.begin() as conn:
            conn.execute(insert(feedback), row)
        return _record(row)

    def validate(self, feedback_id: str, *, tenant: str | None, validator: str) -> FeedbackRecord:
        """Mark a correction or edit as checked by ``validator`` (a person), which makes
        it eligible for fine-tuning export when its author consented. Raises ``NotFound``
        or ``UserError`` (not a correction or edit)."""
        found = self.get(feedback_id, tenant=tenant)
        if found.kind not in ("correction", "edit"):
            raise UserError(f"only corrections and edits are validated, not {found.kind}")
        if not validator.strip():
            raise UserError("name who validated the correction")
        with self._engine.begin() as conn:
            conn.execute(
                update(feedback).where(feedback.c.id == feedback_id).values(validated_by=validator)
            )
        return self.get(feedback_id, tenant=tenant)

    def get(self, feedback_id: str, *, tenant: str | None) -> FeedbackRecord:
        with self._engine.connect() as conn:
            row = (
                conn.execute(select(feedback).where(feedback.c.id == feedback_id))
                .mappings()
                .first()
            )
        if row is None or row["tenant"] != tenant:
            raise NotFound(f"no feedback {feedback_id!r}")
        return _record(row)

    def list(
        self,
        *,
        tenant: str | None,
        all_tenants: bool = False,
        run_id: str | None = None,
        agent: str | None = None,
        kinds: Sequence[str] | None = None,
        since: float | None = None,
        limit: int = 1000,
    ) -> list[FeedbackRecord]:
        """Newest first, of ``tenant`` (or every tenant with ``all_tenants``)."""
        q = select(feedback).order_by(feedback.c.created_at.desc()).limit(limit)
        if not all_tenants:
            q = q.where(
                feedback.c.tenant.is_(None) if tenant is None else feedback.c.tenant == tenant
            )
        if run_id is not None:
            q = q.where(feedback.c.run_id == run_id)
        if agent is not None:
            q = q.where(feedback.c.agent == agent)
        if kinds is not None:
            q = q.where(feedback.c.kind.in_(list(kinds)))
        if since is not None:
            q = q.where(feedback.c.created_at >= since)
        with self._engine.connect() as conn:
            return [_record(r) for r in conn.execute(q).mappings()]


_DEFAULT: list[Masker] = []


def default_masker() -> Masker:
    """Keel's default PII rules, ``journal`` destination (pseudonym keys per process)."""
    if not _DEFAULT:
        import secrets

        from keel.governance.pii import PiiGuard, PiiPolicy

        guard = PiiGuard(PiiPolicy(), hash_key=secrets.token_bytes(32))
        _DEFAULT.append(lambda text: guard.mask(text, "journal").text)
    return _DEFAULT[0]


def record_feedback(
    store: Store,
    *,
    tenant: str | None,
    run_id: str,
    kind: str,
    value: float | None = None,
    text: str | None = None,
    consent: bool = False,
    actor: str | None = None,
    mask: Masker | None = None,
) -> FeedbackRecord:
    """Record feedback on a run of ``tenant``: the function the HTTP API calls.

    Raises ``NotFound`` if the run does not exist or belongs to another tenant,
    ``UserError`` when ``value``/``text`` do not fit ``kind``.
    """
    return FeedbackRepository(store).record(
        tenant=tenant,
        run_id=run_id,
        kind=kind,
        value=value,
        text=text,
        consent=consent,
        actor=actor,
        mask=mask,
    )
