"""Approvals over HTTP: the helpdesk's reset_password waits for an approver; deciding
continues the run in the server; rejecting needs a reason the model sees."""

from __future__ import annotations

from conftest import Api

RESET = {"input": "Please reset the password for user jdoe"}


def test_approving_continues_the_run_to_completion(api: Api) -> None:
    client = api.headers("acme", "client")
    approver = api.headers("acme", "approver")
    run = api.client.post("/v1/agents/helpdesk/runs", json=RESET, headers=client).json()
    assert run["status"] == "awaiting_approval"
    assert run["error"]["code"] == "APPROVAL_REQUIRED"

    [pending] = api.client.get("/v1/approvals", headers=approver).json()
    assert pending["tool"] == "reset_password"
    assert pending["run_id"] == run["run_id"]
    assert pending["status"] == "pending"
    assert pending["reasons"]
    assert api.client.get(f"/v1/approvals/{pending['approval_id']}", headers=approver).json() == (
        pending
    )

    # A client may not decide.
    r = api.client.post(
        f"/v1/approvals/{pending['approval_id']}/decision",
        json={"decision": "approve"},
        headers=client,
    )
    assert r.status_code == 403

    r = api.client.post(
        f"/v1/approvals/{pending['approval_id']}/decision",
        json={"decision": "approve", "reason": "verified by phone"},
        headers=approver,
    )
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["approval"]["status"] == "approved"
    assert decided["approval"]["decider"].startswith("key:")
    assert decided["run"]["status"] == "completed"
    assert "Password reset for" in decided["run"]["output"]
    again = api.client.post(
        f"/v1/approvals/{pending['approval_id']}/decision",
        json={"decision": "approve"},
        headers=approver,
    )
    assert again.status_code == 409
    assert api.client.get("/v1/approvals", headers=approver).json() == []


def test_rejecting_needs_a_reason_and_the_run_goes_on_without_the_tool(api: Api) -> None:
    approver = api.headers("acme", "approver", "client")
    run = api.client.post("/v1/agents/helpdesk/runs", json=RESET, headers=approver).json()
    [pending] = api.client.get("/v1/approvals", headers=approver).json()
    url = f"/v1/approvals/{pending['approval_id']}/decision"

    r = api.client.post(url, json={"decision": "reject"}, headers=approver)
    assert r.status_code == 422
    assert "reason" in r.json()["error"]["message"]

    r = api.client.post(
        url, json={"decision": "reject", "reason": "not the account owner"}, headers=approver
    )
    assert r.status_code == 200, r.text
    assert r.json()["approval"]["status"] == "rejected"
    assert r.json()["run"]["run_id"] == run["run_id"]
    assert r.json()["run"]["status"] in ("completed", "failed")


def test_cancelling_a_waiting_run_rejects_its_approval(api: Api) -> None:
    admin = api.headers()
    run = api.client.post("/v1/agents/helpdesk/runs", json=RESET, headers=admin).json()
    r = api.client.post(f"/v1/runs/{run['run_id']}/cancel", headers=admin)
    assert r.json()["status"] == "cancelled"
    [decided] = api.client.get("/v1/approvals?status=all", headers=admin).json()
    assert decided["status"] == "rejected"
    assert decided["decision_reason"] == "run cancelled"
