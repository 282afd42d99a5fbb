"""A server records every agent version it serves: ``spec.serving`` at start and stop."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from conftest import EXAMPLE, echo_agent, make_settings, slow_agent
from keel import host
from keel.agent import Agent
from keel.api.app import create_app, service_for
from keel.api.registry import AgentRegistry
from keel.audit import AuditLog, verify_log
from keel.errors import KeelError
from keel.models import ScriptedModel
from keel.store.schema import audit_log


def _serving(db: Path) -> list[tuple[int, str, dict[str, object]]]:
    conn = sqlite3.connect(db)
    try:
        got = conn.execute(
            "select id, actor, payload from audit_log "
            "where tenant = 'default' and kind = 'spec.serving' order by id"
        ).fetchall()
    finally:
        conn.close()
    return [(i, actor, json.loads(payload)) for i, actor, payload in got]


def _refuse(db: Path, when: str) -> None:
    """Have the database refuse the audit rows that match ``when`` (as a full disk
    or a guard would)."""
    conn = sqlite3.connect(db)
    conn.execute(
        f"create trigger refuse before insert on audit_log when {when} "
        "begin select raise(abort, 'disk says no'); end"
    )
    conn.commit()
    conn.close()


def test_each_served_version_is_recorded_when_serving_starts_and_stops(
    tmp_path: Path, offline: None
) -> None:
    settings = make_settings(tmp_path)
    helpdesk = host.load_agent(EXAMPLE, settings, credentials={})
    older_echo = Agent.define("echo", model=ScriptedModel(lambda _r: "old"), version="1.0.0")
    agents = [helpdesk, slow_agent(), echo_agent(), older_echo]
    svc = service_for(settings, AgentRegistry(agents))
    db = tmp_path / "data" / "keel.db"
    with TestClient(create_app(svc)) as client:
        # Committed before the first request is served.
        started = _serving(db)
        assert client.get("/healthz").status_code == 200
    stopped = _serving(db)[len(started) :]

    where = {"host": socket.gethostname(), "pid": os.getpid()}
    expected = [
        {
            "agent": "echo",
            "version": "2.0.0",
            "agent_hash": echo_agent().content_hash,
            "prompt_version": "1",
            "models": ["scripted:default"],
            "policy_hash": None,
        },
        {
            "agent": "echo",
            "version": "1.0.0",
            "agent_hash": older_echo.content_hash,
            "prompt_version": "1",
            "models": ["scripted:default"],
            "policy_hash": None,
        },
        {
            "agent": "helpdesk",
            "version": "1.0.0",
            "agent_hash": helpdesk.content_hash,
            "prompt_version": "3",
            "models": ["openai:gpt-4o-mini", "rules:default"],
            "policy_hash": helpdesk.governor.policy_hash if helpdesk.governor else "?",
        },
        {
            "agent": "slow",
            "version": slow_agent().version,
            "agent_hash": slow_agent().content_hash,
            "prompt_version": "1",
            "models": ["scripted:default"],
            "policy_hash": None,
        },
    ]
    assert [p for _, _, p in started] == [{"event": "started"} | e | where for e in expected]
    assert [p for _, _, p in stopped] == [{"event": "stopped"} | e | where for e in expected]
    assert {actor for _, actor, _ in started + stopped} == {"keel:serve"}
    assert str(expected[2]["policy_hash"]).startswith("sha256:")

    with host.open_store(settings) as store:
        report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
    assert report.ok, report.problems


def test_a_server_whose_serving_record_cannot_be_written_does_not_start(
    tmp_path: Path, offline: None
) -> None:
    settings = make_settings(tmp_path)
    svc = service_for(settings, AgentRegistry([echo_agent()]))
    db = tmp_path / "data" / "keel.db"
    _refuse(db, "new.kind = 'spec.serving'")

    with (
        pytest.raises(KeelError, match=r"audit record could not be stored .*disk says no"),
        TestClient(create_app(svc)),
    ):
        pytest.fail("the server must not serve an unrecorded version")
    # It shut down behind itself: the service and its store are closed, and nothing
    # was recorded.
    assert svc.closed
    with pytest.raises(RuntimeError, match="closed"):
        svc.store.writer.submit_many(insert(audit_log), [])
    assert _serving(db) == []


def test_versions_recorded_as_started_before_a_refused_one_are_recorded_stopped(
    tmp_path: Path, offline: None
) -> None:
    settings = make_settings(tmp_path)
    svc = service_for(settings, AgentRegistry([echo_agent(), slow_agent()]))
    db = tmp_path / "data" / "keel.db"
    # The first start record is stored; the second is refused.
    _refuse(
        db,
        "new.kind = 'spec.serving' and new.payload like '%\"started\"%' "
        "and exists (select 1 from audit_log where kind = 'spec.serving')",
    )

    with (
        pytest.raises(KeelError, match=r"audit record could not be stored .*disk says no"),
        TestClient(create_app(svc)),
    ):
        pytest.fail("the server must not serve an unrecorded version")
    recorded = [(p["agent"], p["event"]) for _, _, p in _serving(db)]
    [(first, _)] = recorded[:1]
    assert recorded == [(first, "started"), (first, "stopped")]
