"""Tenant isolation: a key of tenant A cannot read, list, decide, cancel or stream
anything of tenant B — and cannot tell whether it exists (404, never 403)."""

from __future__ import annotations

from conftest import Api
from keel.store.tenant import TenantStore

RESET = {"input": "Please reset the password for user jdoe"}


def test_a_key_of_one_tenant_sees_nothing_of_another(api: Api) -> None:
    a = api.headers("tenant-a", "admin")
    b = api.headers("tenant-b", "admin")
    run_b = api.client.post(
        "/v1/agents/echo/runs", json={"input": "secret plan", "session_id": "sb"}, headers=b
    ).json()
    waiting_b = api.client.post("/v1/agents/helpdesk/runs", json=RESET, headers=b).json()
    assert waiting_b["status"] == "awaiting_approval"
    [approval_b] = api.client.get("/v1/approvals", headers=b).json()
    slow_b = api.client.post(
        "/v1/agents/slow/runs", json={"input": "x", "wait_s": 0}, headers=b
    ).json()

    for path in (
        f"/v1/runs/{run_b['run_id']}",
        f"/v1/runs/{run_b['run_id']}/steps",
        f"/v1/runs/{run_b['run_id']}/events",
        f"/v1/approvals/{approval_b['approval_id']}",
        "/v1/sessions/sb",
    ):
        r = api.client.get(path, headers=a)
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == "NOT_FOUND"
        assert "secret plan" not in r.text

    assert api.client.get("/v1/runs", headers=a).json()["data"] == []
    assert api.client.get("/v1/sessions", headers=a).json()["data"] == []
    assert api.client.get("/v1/approvals?status=all", headers=a).json() == []
    own_records = api.client.get("/v1/audit/records?limit=1000", headers=a).json()["data"]
    assert [r["kind"] for r in own_records] == ["key.change"]  # creating A's own key

    decide = api.client.post(
        f"/v1/approvals/{approval_b['approval_id']}/decision",
        json={"decision": "approve"},
        headers=a,
    )
    assert decide.status_code == 404
    for run_id in (slow_b["run_id"], waiting_b["run_id"]):
        assert api.client.post(f"/v1/runs/{run_id}/cancel", headers=a).status_code == 404
    # A session id of tenant B cannot be continued by tenant A either.
    r = api.client.post("/v1/agents/echo/runs", json={"input": "hi", "session_id": "sb"}, headers=a)
    assert r.status_code == 404

    # Tenant B still sees all of it, untouched.
    assert api.client.get(f"/v1/runs/{run_b['run_id']}", headers=b).status_code == 200
    assert api.client.get("/v1/approvals", headers=b).json()[0]["status"] == "pending"
    records = api.client.get("/v1/audit/records?limit=1000", headers=b).json()["data"]
    kinds = {r["kind"] for r in records}
    grouped = [r["payload"]["events"] for r in records if r["kind"] == "run.events"]
    kinds |= {e["kind"] for events in grouped for e in events}
    assert kinds >= {"run.started", "approval"}
    api.client.post(f"/v1/runs/{slow_b['run_id']}/cancel", headers=b)


def test_isolation_is_in_the_store_queries(api: Api) -> None:
    b = api.headers("tenant-b", "admin")
    run_b = api.client.post("/v1/agents/echo/runs", json={"input": "x"}, headers=b).json()
    other = TenantStore(api.svc.store.engine, "tenant-a")
    assert other.run(run_b["run_id"]) is None
    assert other.steps(run_b["run_id"]) is None
    assert other.runs().items == []
    own = TenantStore(api.svc.store.engine, "tenant-b")
    assert own.run(run_b["run_id"]) is not None


def test_a_client_key_reads_only_the_runs_it_started(api: Api) -> None:
    shop = api.headers("acme", "client")
    kiosk = api.headers("acme", "client")
    operator = api.headers("acme", "operator")
    mine = api.client.post(
        "/v1/agents/echo/runs", json={"input": "shop order", "session_id": "shop-1"}, headers=shop
    ).json()
    theirs = api.client.post("/v1/agents/echo/runs", json={"input": "kiosk"}, headers=kiosk).json()

    assert [r["run_id"] for r in api.client.get("/v1/runs", headers=shop).json()["data"]] == [
        mine["run_id"]
    ]
    assert api.client.get(f"/v1/runs/{theirs['run_id']}", headers=shop).status_code == 404
    assert api.client.get(f"/v1/runs/{theirs['run_id']}/steps", headers=shop).status_code == 404
    assert api.client.get("/v1/sessions/shop-1", headers=kiosk).status_code == 404
    assert api.client.get("/v1/sessions", headers=kiosk).json()["data"] == []
    # Nor can another client continue (and so read) its conversation.
    r = api.client.post(
        "/v1/agents/echo/runs",
        json={"input": "what did I order?", "session_id": "shop-1"},
        headers=kiosk,
    )
    assert r.status_code == 404
    # An operator of the tenant sees both.
    assert len(api.client.get("/v1/runs", headers=operator).json()["data"]) == 2
