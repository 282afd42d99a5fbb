"""Escalations over HTTP: list, get, claim (token), resolve (reply or hand back),
scoped to the caller's tenant; the SLA timers and webhook sender run in the server."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keel.agent import Agent
from keel.api.app import create_app, service_for
from keel.api.registry import AgentRegistry
from keel.config import Settings
from keel.governance.governor import Governor
from keel.governance.policy import ModelCandidate, PolicyDecision
from keel.models import ModelRequest, ScriptedModel, ToolCall
from keel.spec.model import EscalationSpec


class WirePolicy:
    policy_hash = "sha256:t"

    async def evaluate(self, point: Any, input: Mapping[str, Any]) -> PolicyDecision:
        if point == "tool" and input["tool"]["name"] == "wire":
            return PolicyDecision(point, "escalate", ("wires need a person",), "h")
        return PolicyDecision(point=point, result="allow", policy_hash="h")


def desk() -> Agent:
    async def wire(amount: float) -> str:
        """Wire money."""
        return "sent"

    def script(req: ModelRequest) -> Any:
        last = req.messages[-1]
        noted = any(m.role == "system" and "person reviewed" in m.content for m in req.messages)
        if last.role == "user" and "wire" in last.content and not noted:
            return ToolCall("c1", "wire", {"amount": 10})
        return "handled: " + ("with a note" if noted else last.content)

    gov = Governor.default(models=[ModelCandidate("scripted:default", ())], hash_key=b"k" * 32)
    gov.policy = WirePolicy()
    return Agent.define(
        "desk",
        model=ScriptedModel(script),
        tools=[wire],
        version="1.0.0",
        governor=gov,
        escalation=EscalationSpec(),
    )


class Api:
    def __init__(self, client: TestClient, svc: Any) -> None:
        self.client = client
        self.svc = svc

    def headers(self, tenant: str, *roles: str) -> dict[str, str]:
        _record, key = self.svc.auth.keys.create(tenant, list(roles), actor="test")
        return {"authorization": f"Bearer {key}"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    settings = Settings(data_dir=tmp_path / "data", api_rate_limit_per_s=0)
    svc = service_for(settings, AgentRegistry([desk()]))
    with TestClient(create_app(svc)) as client:
        yield Api(client, svc)


def _escalate(api: Api, tenant: str = "acme") -> dict[str, Any]:
    client = api.headers(tenant, "client")
    body = {"input": "wire 10 EUR", "session_id": f"s-{tenant}"}
    run = api.client.post("/v1/agents/desk/runs", json=body, headers=client).json()
    assert run["status"] == "escalated", run
    assert run["error"]["code"] == "ESCALATED"
    return run


def test_claim_and_reply_over_http(api: Api) -> None:
    run = _escalate(api)
    maria = api.headers("acme", "operator")
    [e] = api.client.get("/v1/escalations", headers=maria).json()
    assert (e["run_id"], e["status"], e["reasons"]) == (run["run_id"], "open", ["policy"])
    assert e["bundle"]["reasons"] == ["policy"]
    got = api.client.get(f"/v1/escalations/{e['escalation_id']}", headers=maria).json()
    assert got["escalation_id"] == e["escalation_id"]

    claimed = api.client.post(f"/v1/escalations/{e['escalation_id']}/claim", headers=maria)
    assert claimed.status_code == 200
    token = claimed.json()["continuity_token"]
    assert claimed.json()["escalation"]["status"] == "claimed"

    url = f"/v1/escalations/{e['escalation_id']}/resolve"
    forged = api.client.post(
        url, json={"continuity_token": token[:-2] + "xx", "reply": "hi"}, headers=maria
    )
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "FORBIDDEN"
    done = api.client.post(
        url, json={"continuity_token": token, "reply": "Sent it."}, headers=maria
    )
    assert done.status_code == 200, done.text
    assert done.json()["escalation"]["status"] == "resolved"
    assert done.json()["run"]["output"] == "Sent it."
    again = api.client.post(url, json={"continuity_token": token, "reply": "x"}, headers=maria)
    assert again.status_code == 409


def test_hand_back_over_http_runs_the_agent_with_the_note(api: Api) -> None:
    _escalate(api)
    maria = api.headers("acme", "approver")
    [e] = api.client.get("/v1/escalations", headers=maria).json()
    token = api.client.post(f"/v1/escalations/{e['escalation_id']}/claim", headers=maria).json()[
        "continuity_token"
    ]
    done = api.client.post(
        f"/v1/escalations/{e['escalation_id']}/resolve",
        json={"continuity_token": token, "reply": "Approved by phone.", "hand_back": True},
        headers=maria,
    ).json()
    assert done["escalation"]["status"] == "handed_back"
    assert done["run"]["status"] == "completed"
    assert done["run"]["output"] == "handled: with a note"


def test_escalations_are_tenant_scoped(api: Api) -> None:
    _escalate(api, "acme")
    _escalate(api, "globex")
    acme = api.headers("acme", "operator")
    globex = api.headers("globex", "operator")
    [mine] = api.client.get("/v1/escalations", headers=acme).json()
    [theirs] = api.client.get("/v1/escalations", headers=globex).json()
    assert mine["escalation_id"] != theirs["escalation_id"]
    other = f"/v1/escalations/{theirs['escalation_id']}"
    assert api.client.get(other, headers=acme).status_code == 404
    assert api.client.post(other + "/claim", headers=acme).status_code == 404
    # A token of globex's escalation does not resolve it as acme either.
    token = api.client.post(other + "/claim", headers=globex).json()["continuity_token"]
    r = api.client.post(
        other + "/resolve", json={"continuity_token": token, "reply": "x"}, headers=acme
    )
    assert r.status_code == 404


def test_roles(api: Api) -> None:
    _escalate(api)
    viewer = api.headers("acme", "viewer")
    client = api.headers("acme", "client")
    [e] = api.client.get("/v1/escalations", headers=viewer).json()
    assert api.client.get("/v1/escalations", headers=client).status_code == 403
    claim = api.client.post(f"/v1/escalations/{e['escalation_id']}/claim", headers=viewer)
    assert claim.status_code == 403
