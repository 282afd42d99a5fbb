"""Runs over HTTP: create and wait or 202, get, list with cursors, steps, cancel,
idempotency keys, server-sent events, and the headers every answer carries."""

from __future__ import annotations

import json
import time

from conftest import Api

VPN = {"input": "My VPN keeps disconnecting"}


def test_a_run_that_ends_within_the_wait_is_answered_with_its_result(api: Api) -> None:
    auth = api.headers()
    r = api.client.post("/v1/agents/helpdesk/runs", json=VPN, headers=auth)

    assert r.status_code == 200, r.text
    run = r.json()
    assert run["status"] == "completed"
    assert "ticket" in run["output"].lower()
    assert run["fallback_used"] is True  # no provider key here: the rules model answered
    assert run["tenant"] == "acme"
    assert r.headers["location"] == f"/v1/runs/{run['run_id']}"
    name, _, rest = r.headers["x-agent-version"].partition("@")
    assert name == "helpdesk"
    assert rest.startswith("1.0.0+")
    assert len(r.headers["x-trace-id"]) == 32
    assert r.headers["x-request-id"]

    got = api.client.get(f"/v1/runs/{run['run_id']}", headers=auth)
    assert got.status_code == 200
    assert got.json() == run
    steps = api.client.get(f"/v1/runs/{run['run_id']}/steps", headers=auth).json()
    assert [s["name"] for s in steps if s["kind"] == "tool"] == ["search_kb", "create_ticket"]


def test_a_run_still_running_at_the_deadline_answers_202_with_a_location(api: Api) -> None:
    auth = api.headers()
    r = api.client.post("/v1/agents/slow/runs", json={"input": "go", "wait_s": 0}, headers=auth)

    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    assert r.headers["location"] == f"/v1/runs/{run_id}"
    assert r.json()["status"] in ("queued", "running")

    cancelled = api.client.post(f"/v1/runs/{run_id}/cancel", headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    again = api.client.post(f"/v1/runs/{run_id}/cancel", headers=auth)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "CONFLICT"


def test_long_polling_a_run_returns_once_it_ends(api: Api) -> None:
    auth = api.headers()
    r = api.client.post("/v1/agents/echo/runs", json={"input": "hi", "wait_s": 0}, headers=auth)
    assert r.status_code in (200, 202)
    got = api.client.get(f"/v1/runs/{r.json()['run_id']}?wait_s=10", headers=auth)
    assert got.json()["status"] == "completed"
    assert got.json()["output"] == "echo: hi (after 0 messages)"


def test_runs_list_newest_first_with_filters_and_cursor_pages(api: Api) -> None:
    auth = api.headers()
    ids = []
    for i in range(5):
        r = api.client.post("/v1/agents/echo/runs", json={"input": f"m{i}"}, headers=auth)
        ids.append(r.json()["run_id"])
    api.client.post("/v1/agents/helpdesk/runs", json=VPN, headers=auth)

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"agent": "echo", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.client.get("/v1/runs", params=params, headers=auth).json()
        seen.extend(r["run_id"] for r in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    completed = api.client.get("/v1/runs?status=completed&limit=100", headers=auth).json()
    assert len(completed["data"]) == 6
    bad = api.client.get("/v1/runs?cursor=not-a-cursor", headers=auth)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "INPUT_INVALID"
    assert "cursor" in bad.json()["error"]["message"]


def test_the_same_idempotency_key_returns_the_same_run_never_a_second(api: Api) -> None:
    auth = {**api.headers(), "idempotency-key": "order-42"}
    first = api.client.post("/v1/agents/helpdesk/runs", json=VPN, headers=auth)
    second = api.client.post("/v1/agents/helpdesk/runs", json=VPN, headers=auth)

    assert first.status_code == second.status_code == 200
    assert first.json()["run_id"] == second.json()["run_id"]
    listed = api.client.get("/v1/runs?agent=helpdesk", headers=auth).json()["data"]
    assert len(listed) == 1
    # Two tickets would be two side effects: the tool ran once.
    steps = api.client.get(f"/v1/runs/{first.json()['run_id']}/steps", headers=auth).json()
    assert sum(s["name"] == "create_ticket" for s in steps) == 1

    other = api.client.post("/v1/agents/helpdesk/runs", json={"input": "printer jam"}, headers=auth)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "CONFLICT"
    assert other.json()["error"]["details"]["run_id"] == first.json()["run_id"]


def test_sessions_carry_the_conversation_and_are_listed(api: Api) -> None:
    auth = api.headers()
    for text in ("one", "two"):
        r = api.client.post(
            "/v1/agents/echo/runs", json={"input": text, "session_id": "s-1"}, headers=auth
        )
    assert r.json()["output"] == "echo: two (after 2 messages)"
    sessions = api.client.get("/v1/sessions", headers=auth).json()
    assert [s["session_id"] for s in sessions["data"]] == ["s-1"]
    assert api.client.get("/v1/sessions/s-1", headers=auth).json()["agent"] == "echo"
    runs = api.client.get("/v1/runs?session_id=s-1", headers=auth).json()["data"]
    assert len(runs) == 2


def test_the_event_stream_sends_steps_then_the_run(api: Api) -> None:
    auth = api.headers()
    run = api.client.post("/v1/agents/helpdesk/runs", json=VPN, headers=auth).json()

    with api.client.stream("GET", f"/v1/runs/{run['run_id']}/events", headers=auth) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    kinds = [e for e, _ in events]
    assert kinds[-1] == "run"
    assert events[-1][1]["run_id"] == run["run_id"]
    tools = [d["name"] for e, d in events if e == "step" and d["kind"] == "tool"]
    assert "create_ticket" in tools
    assert ("status", {"run_id": run["run_id"], "status": "completed"}) in events


def test_trace_context_is_honoured_and_echoed(api: Api) -> None:
    auth = api.headers()
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    r = api.client.post(
        "/v1/agents/echo/runs",
        json={"input": "x"},
        headers={**auth, "traceparent": f"00-{trace}-00f067aa0ba902b7-01"},
    )
    assert r.headers["x-trace-id"] == trace
    r = api.client.get("/v1/agents", headers={**auth, "x-trace-id": "case-1234"})
    assert r.headers["x-trace-id"] == "case-1234"
    # A malformed traceparent is ignored, not trusted: a fresh id is made.
    r = api.client.get("/v1/agents", headers={**auth, "traceparent": "00-zz-11-01"})
    assert len(r.headers["x-trace-id"]) == 32


def test_agents_and_versions_are_listed(api: Api) -> None:
    auth = api.headers("acme", "viewer")
    agents = api.client.get("/v1/agents", headers=auth).json()
    assert [a["name"] for a in agents] == ["echo", "helpdesk", "slow"]
    helpdesk = api.client.get("/v1/agents/helpdesk", headers=auth).json()
    assert helpdesk["latest"] == "1.0.0"
    assert "reset_password" in helpdesk["versions"][0]["tools"]
    missing = api.client.get("/v1/agents/nope", headers=auth)
    assert missing.status_code == 404
    assert "helpdesk" in missing.json()["error"]["message"]


def test_a_run_failure_is_data_not_an_http_error(api: Api) -> None:
    auth = api.headers()
    r = api.client.post("/v1/agents/helpdesk/runs", json={"input": ""}, headers=auth)
    assert r.status_code == 200
    assert r.json()["status"] == "failed"
    assert r.json()["error"]["code"] == "INPUT_INVALID"
    started = time.time()
    assert r.json()["created_at"] <= started
