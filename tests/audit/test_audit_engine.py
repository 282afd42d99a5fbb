"""What the local engine records: every run's start, model and tool calls, finish.

The events a run commits together are one ``run.events`` record; ``events`` reads the
stored records back as the events they hold.
"""

from __future__ import annotations

from pathlib import Path

from audit_db import events, open_store, rows

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, ToolCall, tool
from keel.audit import AuditLog, verify_log

SECRET = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"
SEEN: list[list[str]] = []


def _committed_kinds(db: Path) -> list[str]:
    return [kind for kind, *_ in events(db)]


def make_agent(db: Path) -> Agent:
    @tool(risk="write", idempotent=False)
    def deploy(service: str, api_key: str, password: str, note: str) -> str:
        """Deploy a service."""
        # What is already committed when the side effect happens.
        SEEN.append(_committed_kinds(db))
        return f"deployed {service}"

    def script(request: ModelRequest) -> str | ToolCall:
        if request.messages[-1].role == "tool":
            return "the deployment succeeded"
        return ToolCall(
            "c1",
            "deploy",
            {
                "service": "billing",
                "api_key": SECRET,
                "password": "hunter2-correct-horse",
                "note": f"use token Bearer {SECRET} if asked",
            },
        )

    return Agent.define("deployer", model=ScriptedModel(script), tools=[deploy])


async def test_a_run_is_recorded_without_secrets_or_content(data_dir: Path, db: Path) -> None:
    SEEN.clear()
    store = open_store(data_dir)
    engine = LocalEngine(store)
    rec = await engine.run(make_agent(db), "deploy billing", session_id="s1", tenant="acme")
    assert rec.status == "completed"
    await engine.close()
    assert engine.audit is AuditLog.of(store)
    store.close()

    # Two commits: before the non-idempotent tool ran, and the run's result.
    stored = rows(db, "select kind from audit_log where tenant = 'acme' order by id")
    assert stored == [("run.events",), ("run.events",)]
    audit = events(db, tenant="acme")
    assert [e[0] for e in audit] == [
        "run.started",
        "model.call",
        "tool.call",
        "model.call",
        "run.finished",
    ]
    assert all(actor == "agent:deployer" and run_id == rec.id for _, actor, run_id, _ in audit)
    started, model, tool_call, _, finished = (e[3] for e in audit)
    assert '"session_id":"s1"' in started
    assert '"agent_version":"0.0.0"' in started
    assert '"model":"scripted:default"' in model
    assert '"latency_us":' in model
    assert '"input_tokens":' in model
    assert '"fallback_attempts":[]' in model
    assert f'"idempotency_key":"{rec.id}:2"' in tool_call
    assert '"tool":"deploy","version":"1"' in tool_call
    assert '"outcome":"ok"' in tool_call
    assert '"api_key":"[REDACTED]"' in tool_call
    assert '"password":"[REDACTED]"' in tool_call
    assert '"note":"use token [REDACTED] if asked"' in tool_call
    assert '"status":"completed"' in finished
    assert '"error_code":null' in finished
    # Nothing secret and no content, anywhere in the audit table.
    dump = repr(rows(db, "select * from audit_log"))
    for forbidden in (SECRET, "hunter2", "deploy billing", "the deployment succeeded"):
        assert forbidden not in dump
    # Before the non-idempotent tool ran, the run's earlier records were committed.
    assert SEEN == [["run.started", "model.call"]]


async def test_engine_records_verify(data_dir: Path) -> None:
    store = open_store(data_dir)
    engine = LocalEngine(store)
    agent = make_agent(data_dir / "keel.db")
    for _ in range(5):
        await engine.run(agent, "deploy billing")
    await engine.close()
    log = AuditLog.of(store)
    log.checkpoint()
    report = verify_log(store.engine, public_key=log.public_key())
    store.close()
    assert report.ok, report.problems
    assert report.records == 5 * 2 + 1  # two records a run, and the key's creation


async def test_a_failed_run_records_its_error_code(data_dir: Path, db: Path) -> None:
    store = open_store(data_dir)
    engine = LocalEngine(store)
    agent = Agent.define("broken", model=ScriptedModel([RuntimeError("provider down")]))
    rec = await engine.run(agent, "hello")
    await engine.close()
    store.close()
    assert rec.status == "failed"
    [finished] = [payload for kind, _, _, payload in events(db) if kind == "run.finished"]
    assert f'"error_code":"{rec.error_code}"' in finished
    assert '"status":"failed"' in finished
