"""Observability over HTTP: /metrics after runs, trace context into the run, feedback,
KPIs and drift alerts."""

from __future__ import annotations

from conftest import Api
from keel.store.tenant import TenantStore

VPN = {"input": "My VPN keeps disconnecting"}


def test_metrics_expose_genai_client_metrics_after_a_run(api: Api) -> None:
    auth = api.headers()
    assert api.client.post("/v1/agents/helpdesk/runs", json=VPN, headers=auth).status_code == 200
    r = api.client.get("/metrics")  # scrapers need no credentials
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert "gen_ai_client_operation_duration" in text
    assert "gen_ai_client_token_usage" in text
    assert 'gen_ai_agent_name="helpdesk"' in text or 'agent="helpdesk"' in text
    assert "VPN" not in text  # labels, never content


def test_the_request_trace_becomes_the_runs_trace(api: Api) -> None:
    auth = api.headers()
    trace = "0af7651916cd43dd8448eb211c80319c"
    run = api.client.post(
        "/v1/agents/echo/runs",
        json={"input": "hi"},
        headers={**auth, "traceparent": f"00-{trace}-b7ad6b7169203331-01"},
    ).json()
    stored = TenantStore(api.svc.store.engine, "acme").run(run["run_id"])
    assert stored is not None
    assert stored.traceparent is not None
    assert stored.traceparent.split("-")[1] == trace


def test_feedback_on_a_run_and_the_kpis_that_count_it(api: Api) -> None:
    client = api.headers("acme", "client")
    viewer = api.headers("acme", "viewer")
    run = api.client.post("/v1/agents/helpdesk/runs", json=VPN, headers=client).json()

    r = api.client.post(
        f"/v1/runs/{run['run_id']}/feedback", json={"kind": "thumbs", "value": -1}, headers=client
    )
    assert r.status_code == 201, r.text
    assert r.json()["agent"] == "helpdesk"
    bad = api.client.post(
        f"/v1/runs/{run['run_id']}/feedback", json={"kind": "score", "value": 9}, headers=client
    )
    assert bad.status_code == 422
    assert "1 to 5" in bad.json()["error"]["message"]
    masked = api.client.post(
        f"/v1/runs/{run['run_id']}/feedback",
        json={"kind": "correction", "text": "mail me at jane.doe@example.com", "consent": True},
        headers=client,
    ).json()
    assert "jane.doe@example.com" not in masked["text"]

    report = api.client.get("/v1/kpis?agent=helpdesk", headers=viewer)
    assert report.status_code == 200, report.text
    assert "helpdesk" in report.text
    assert api.client.get("/v1/kpis", headers=client).status_code == 403


def test_feedback_on_another_tenants_run_is_not_found(api: Api) -> None:
    other = api.headers("globex", "client")
    run = api.client.post("/v1/agents/echo/runs", json={"input": "x"}, headers=other).json()
    mine = api.headers("acme", "client")
    r = api.client.post(
        f"/v1/runs/{run['run_id']}/feedback", json={"kind": "thumbs", "value": 1}, headers=mine
    )
    assert r.status_code == 404


def test_alerts_are_for_admins(api: Api) -> None:
    assert api.client.get("/v1/alerts", headers=api.headers()).json() == []
    assert api.client.get("/v1/alerts", headers=api.headers("acme", "operator")).status_code == 403
