"""The audit routes: a tenant's records, page by page, and a damaged record named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import Api


def _tamper(db: Path, sql: str) -> None:
    """Edit the database as an attacker would: the guard triggers dropped first."""
    conn = sqlite3.connect(db)
    try:
        for (name,) in conn.execute("select name from sqlite_master where type='trigger'"):
            conn.execute(f'drop trigger "{name}"')
        conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def test_records_are_listed_in_pages_with_their_events(api: Api) -> None:
    auditor = api.headers("acme", "admin")
    for text in ("one", "two", "three"):
        r = api.client.post("/v1/agents/echo/runs", json={"input": text}, headers=auditor)
        assert r.json()["status"] == "completed"
    every = api.client.get("/v1/audit/records?limit=1000", headers=auditor).json()
    assert every["next_after_id"] is None
    runs = [r for r in every["data"] if r["kind"] == "run.events"]
    assert len(runs) == 3
    for record in runs:
        kinds = [e["kind"] for e in record["payload"]["events"]]
        assert (kinds[0], kinds[-1]) == ("run.started", "run.finished")
        assert all(isinstance(e["time_us"], int) for e in record["payload"]["events"])
    ids = [r["id"] for r in every["data"]]
    assert ids == list(range(1, len(ids) + 1))

    first = api.client.get("/v1/audit/records?limit=2", headers=auditor).json()
    assert [r["id"] for r in first["data"]] == ids[:2]
    assert first["next_after_id"] == ids[1]
    rest = api.client.get(
        f"/v1/audit/records?limit=1000&after_id={first['next_after_id']}", headers=auditor
    ).json()
    assert [r["id"] for r in rest["data"]] == ids[2:]


def test_a_record_edited_in_the_database_is_named(api: Api, tmp_path: Path) -> None:
    auditor = api.headers("acme", "admin")
    for text in ("one", "two"):
        api.client.post("/v1/agents/echo/runs", json={"input": text}, headers=auditor)
    ids = [r["id"] for r in api.client.get("/v1/audit/records", headers=auditor).json()["data"]]
    damaged = ids[-1]
    _tamper(
        tmp_path / "data" / "keel.db",
        f"update audit_log set payload = '{{' where tenant = 'acme' and id = {damaged}",
    )
    r = api.client.get("/v1/audit/records", headers=auditor)
    assert r.status_code == 500
    error = r.json()["error"]
    assert error["code"] == "INTERNAL"
    assert f"audit record {damaged} cannot be read" in error["message"]
    assert error["details"] == {"record_id": damaged}
    # The records before it are still served, and verify names the damage.
    before = api.client.get(f"/v1/audit/records?limit={damaged - 1}", headers=auditor)
    assert [x["id"] for x in before.json()["data"]] == ids[:-1]
    verdict = api.client.get("/v1/audit/verify", headers=auditor).json()
    assert verdict["ok"] is False
    assert any(p["record_id"] == damaged for p in verdict["problems"])
