"""A run whose audit records cannot be stored fails closed: no answer, no side effect,
no pending approval. The database refuses the rows with a SQLite trigger, as a full
disk, a guard or a role without INSERT on ``audit_log`` would."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, Store, ToolCall
from keel.audit import AuditLog, reader, verify_log
from keel.errors import ModelUnavailable
from keel.governance.governor import Governor
from keel.governance.policy import ModelCandidate, PolicyDecision
from keel.hitl import Approvals, Escalations
from keel.hitl._oversight import Oversight
from keel.hitl._webhooks import WebhookEndpoint, WebhookOptions
from keel.spec.model import EscalationSpec
from keel.store.runs import RunRecord
from keel.tools import tool

REFUSED = "(sqlite3.IntegrityError) refused by the test"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "keel.db")
    yield conn
    conn.close()


def refuse(db: sqlite3.Connection, when: str = "1") -> None:
    db.execute(
        f"create trigger refuse before insert on audit_log when {when} "
        "begin select raise(abort, 'refused by the test'); end"
    )
    db.commit()


def allow(db: sqlite3.Connection) -> None:
    db.execute("drop trigger refuse")
    db.commit()


def announce_runs(store: Store) -> None:
    Oversight.of(store).webhooks.configure(
        [
            WebhookEndpoint(
                name="crm",
                url="http://127.0.0.1:9/",
                secret="s" * 32,
                events=("run.completed", "run.failed", "approval.requested"),
            )
        ],
        WebhookOptions(max_attempts=1, backoff_s=0.05),
    )


async def announced(store: Store) -> list[str]:
    await store.writer.flush()  # the outbox rows are queued, not waited for
    return [d.event for d in Oversight.of(store).webhooks.pending()]


def assert_verifies(store: Store) -> None:
    report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
    assert report.ok, report.problems


def refunds_into(calls: list[float]) -> Any:
    """A ``refund`` tool (not idempotent: it moves money) that notes each call."""

    @tool
    def refund(amount: float) -> str:
        """Refund an amount."""
        calls.append(amount)
        return "refunded"

    return refund


def stored(store: Store, rec: RunRecord) -> RunRecord:
    got = store.runs.get(rec.id)
    assert got is not None
    return got


async def test_a_completed_run_whose_records_are_refused_ends_failed_without_its_answer(
    store: Store, db: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    announce_runs(store)
    agent = Agent.define("desk", model=ScriptedModel(lambda r: "the answer"))
    engine = LocalEngine(store)
    refuse(db)

    rec = await engine.run(agent, "hello")

    why = (
        "the run's audit records could not be stored, so its answer is withheld; the server "
        "log says why"
    )
    for got in (rec, stored(store, rec)):
        assert (got.status, got.error_code, got.error_message) == ("failed", "INTERNAL", why)
        assert got.output is None
        assert got.finished_at is not None
    # The database's words are in the log, not in the run that its caller reads.
    assert f"run {rec.id}: the audit record could not be stored ({REFUSED})" in caplog.text
    # The webhook announces the outcome that stands, not the answer that was withheld.
    assert await announced(store) == ["run.failed"]

    allow(db)
    again = await engine.run(agent, "hello")
    assert (again.status, again.output) == ("completed", "the answer")
    await engine.close()
    # The refused record came off the chain's head: the next run's is record 1 (the
    # signing key's creation was refused too), and the chain verifies.
    last = reader.last_record(store.engine, "default")
    assert last is not None
    assert (last.id, last.run_id) == (1, again.id)
    assert_verifies(store)


async def test_a_non_idempotent_tool_is_not_called_when_the_records_before_it_are_refused(
    store: Store, db: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[float] = []
    refund = refunds_into(calls)
    agent = Agent.define(
        "desk",
        model=ScriptedModel([ToolCall("c1", "refund", {"amount": 40}), "done"]),
        tools=[refund],
    )
    refuse(db)

    rec = await LocalEngine(store).run(agent, "refund me")

    assert calls == []
    assert (rec.status, rec.error_code) == ("failed", "INTERNAL")
    assert rec.error_message == (
        "the run's audit records could not be stored, so tool 'refund' (step 2) was not "
        "called; the server log says why"
    )
    assert stored(store, rec).error_message == rec.error_message
    assert f"run {rec.id}: the audit record could not be stored ({REFUSED})" in caplog.text
    allow(db)
    assert_verifies(store)


async def test_an_idempotent_tool_run_is_withheld_at_its_end(
    store: Store, db: sqlite3.Connection
) -> None:
    """A read runs (it may run again), but the answer built on it is not handed out."""

    @tool(idempotent=True)
    def lookup(ticket_id: str) -> str:
        """Look up a ticket."""
        return "open"

    agent = Agent.define(
        "desk",
        model=ScriptedModel([ToolCall("c1", "lookup", {"ticket_id": "T-1"}), "it is open"]),
        tools=[lookup],
    )
    refuse(db)
    rec = await LocalEngine(store).run(agent, "status of T-1?")
    assert (rec.status, rec.error_code, rec.output) == ("failed", "INTERNAL", None)


async def test_a_failed_run_stands_with_its_own_code(store: Store, db: sqlite3.Connection) -> None:
    """A failure hands out nothing: it is not rewritten, and is announced as it is."""
    announce_runs(store)

    def down(request: ModelRequest) -> Any:
        raise ModelUnavailable("the provider is down")

    agent = Agent.define("desk", model=ScriptedModel(down))
    refuse(db)
    rec = await LocalEngine(store).run(agent, "hello")
    assert (rec.status, rec.error_code) == ("failed", "MODEL_UNAVAILABLE")
    assert stored(store, rec).error_code == "MODEL_UNAVAILABLE"
    assert await announced(store) == ["run.failed"]


class AtTools:
    """A policy that gives every tool call ``result`` (and allows everything else)."""

    policy_hash = "sha256:test"

    def __init__(self, result: Any) -> None:
        self.result = result

    async def evaluate(self, point: Any, input: Mapping[str, Any]) -> PolicyDecision:
        if point == "tool":
            return PolicyDecision(point, self.result, ("this needs a person",))
        return PolicyDecision(point=point, result="allow", policy_hash=self.policy_hash)


def governed(result: Any, tool_fn: Any, call: ToolCall, **spec: Any) -> Agent:
    """An agent that calls ``tool_fn`` once, under ``AtTools(result)``."""
    gov = Governor.default(models=[ModelCandidate("scripted:default", ())], hash_key=b"k" * 32)
    gov.policy = AtTools(result)
    gov.fence_tool_results = False
    return Agent.define(
        "desk", model=ScriptedModel([call, "done"]), tools=[tool_fn], governor=gov, **spec
    )


async def test_an_approval_request_that_is_refused_is_withdrawn(
    store: Store, db: sqlite3.Connection
) -> None:
    calls: list[float] = []
    refund = refunds_into(calls)
    agent = governed("require_approval", refund, ToolCall("c1", "refund", {"amount": 800}))
    announce_runs(store)
    # Only the request: the run's own records (started, the model call) are stored.
    refuse(db, "new.kind = 'approval'")

    rec = await LocalEngine(store).run(agent, "refund me")

    assert (rec.status, rec.error_code) == ("failed", "INTERNAL")
    assert rec.error_message == (
        "the run's audit records could not be stored, so its approval request was withdrawn; "
        "the server log says why"
    )
    assert stored(store, rec).status == "failed"
    [approval] = Approvals(store).repo.for_run(rec.id)
    assert (approval.status, approval.decider) == ("rejected", "keel")
    assert calls == []
    # No approval.requested for a request that was withdrawn: the failure is announced.
    assert await announced(store) == ["run.failed"]
    allow(db)
    assert_verifies(store)


async def test_an_escalation_stands_when_its_record_is_refused(
    store: Store, db: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    """An escalated run hands out no answer (a person will): it stays escalated, the
    escalation stays open, and the missing record is logged."""

    async def wire(amount: float) -> str:
        """Wire money."""
        return "sent"

    call = ToolCall("c1", "wire", {"amount": 10})
    agent = governed("escalate", wire, call, escalation=EscalationSpec())
    refuse(db, "new.kind = 'escalation'")

    rec = await LocalEngine(store).run(agent, "wire 10 EUR")

    assert (rec.status, rec.error_code) == ("escalated", "ESCALATED")
    [escalation] = Escalations(store).list()
    assert (escalation.run_id, escalation.status) == (rec.id, "open")
    assert f"run {rec.id}: the audit record could not be stored ({REFUSED})" in caplog.text
    allow(db)
    assert_verifies(store)


async def test_a_streamed_answer_whose_records_are_refused_ends_its_stream_failed(
    store: Store, db: sqlite3.Connection
) -> None:
    """The tokens went out as they were written: the stream retracts them, saying why,
    and ends ``failed``."""
    answer = "Your order shipped on Monday and should arrive by Thursday. " * 3
    agent = Agent.define("streamer", model=ScriptedModel([answer]), stream="tokens")
    engine = LocalEngine(store)
    listener = engine.tokens.subscribe("run_streamed")
    refuse(db)

    rec = await engine.run(agent, "where is my order?", run_id="run_streamed")

    events = listener.drain()
    assert "".join(e.text for e in events if e.kind == "token") == answer
    retract, end = events[-2:]
    assert (retract.kind, retract.reason, retract.code) == ("retract", "run_ended", "INTERNAL")
    assert retract.message == rec.error_message
    assert (end.kind, end.status) == ("end", "failed")
    assert (rec.status, rec.output) == ("failed", None)
