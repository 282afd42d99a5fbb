"""A run's output reads the same from every place the API shows it: the ``POST`` answer,
``GET /v1/runs/{id}``, the list, the ``run`` event of its stream, a repeated
idempotent request. The journal keeps PII as vault tokens; each of those restores the
run tenant's tokens and masks for ``output`` with the governor that ran it, or, where
that cannot be done safely, shows the journal form flagged ``output_form: "journal"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from conftest import Api, make_settings
from default_governor import default_governor
from keel import host
from keel.agent import Agent
from keel.api.app import create_app, service_for
from keel.api.registry import AgentRegistry
from keel.config import Settings
from keel.governance.pii import PiiPolicy
from keel.governance.policy import PolicyDecision
from keel.models import ModelRequest, ScriptedModel, ToolCall
from keel.spec.model import EscalationSpec

CARD = "4242 4242 4242 4242"
EMAIL = "jane.doe@example.com"
PHONE = "+1 415 555 0100"
IBAN = "DE89 3704 0044 0532 0130 00"
SSN = "123-45-6789"
SECRET = "password=hunter2xyz"
IP = "203.0.113.7"
# One of every PII class the default policy knows (restricted, confidential, internal).
EVERY_CLASS = (
    f"Refund card {CARD} to IBAN {IBAN}; SSN {SSN}. Write to {EMAIL} or call {PHONE}. "
    f"The login from {IP} used {SECRET} before the reset."
)
OBJECT = {
    "type": "object",
    "properties": {"reply": {"type": "string"}, "contact": {"type": "string"}},
    "required": ["reply", "contact"],
}


def _echo(request: ModelRequest) -> str:
    # The model sees the request masked for it: PII as vault tokens, which it echoes.
    return f"Noted: {request.messages[-1].content}"


def _echo_json(request: ModelRequest) -> str:
    text = request.messages[-1].content
    return json.dumps({"reply": f"Noted: {text}", "contact": text.split()[-1]}, ensure_ascii=False)


def agents(settings: Settings) -> list[Agent]:
    """Governed echo agents whose tokens live in the store's vault, as ``keel serve``'s."""

    def governor(policy: PiiPolicy | None = None) -> Any:
        return default_governor(
            policy,
            hash_key=host.pii_key(settings),
            tokenizer=host.pii_tokenizer(settings),
            model_tags=("pii:restricted",),
        )

    return [
        Agent.define("echo_pii", model=ScriptedModel(_echo), governor=governor()),
        Agent.define(
            "echo_json",
            model=ScriptedModel(_echo_json),
            governor=governor(),
            output_schema=OBJECT,
        ),
        Agent.define(
            "echo_tok",
            model=ScriptedModel(_echo),
            governor=governor(PiiPolicy(operators={"output": {"confidential": "tokenize"}})),
        ),
        Agent.define("plain", model=ScriptedModel(_echo)),
    ]


class WiresNeedAPerson:
    """The policy: wiring money escalates to a person; everything else is allowed."""

    policy_hash = "sha256:wires"

    async def evaluate(self, point: Any, input: Any) -> PolicyDecision:
        if point == "tool" and input["tool"]["name"] == "wire":
            return PolicyDecision(point, "escalate", ("wires need a person",), "h")
        return PolicyDecision(point=point, result="allow", policy_hash="h")


def wire_desk() -> Agent:
    async def wire(amount: float) -> str:
        """Wire money."""
        return "sent"

    gov = default_governor(model_tags=("pii:restricted",))
    gov.policy = WiresNeedAPerson()
    return Agent.define(
        "desk",
        model=ScriptedModel(lambda _r: ToolCall("c1", "wire", {"amount": 10})),
        tools=[wire],
        governor=gov,
        escalation=EscalationSpec(),
    )


def serve(settings: Settings, served: list[Agent]) -> Iterator[Api]:
    with TestClient(create_app(service_for(settings, AgentRegistry(served)))) as client:
        yield Api(client, client.app.state.keel)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_process_vaults() -> Iterator[None]:
    # keel.host keeps one vault per store in a process; each test starts as a new one.
    host._VAULTS.clear()
    yield
    host._VAULTS.clear()


@pytest.fixture
def settings(tmp_path: Path, offline: None) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from serve(settings, agents(settings))


def run_event(api: Api, run_id: str, auth: dict[str, str]) -> dict[str, Any]:
    with api.client.stream("GET", f"/v1/runs/{run_id}/events", headers=auth) as r:
        text = "".join(r.iter_text())
    last = text.strip().split("\n\n")[-1]
    lines = dict(line.split(": ", 1) for line in last.splitlines())
    assert lines["event"] == "run"
    data: dict[str, Any] = json.loads(lines["data"])
    return data


def every_view(api: Api, run_id: str, auth: dict[str, str]) -> list[Any]:
    """The run's output from GET, the list and the event stream."""
    got = api.client.get(f"/v1/runs/{run_id}", headers=auth).json()
    listed = api.client.get("/v1/runs?limit=500", headers=auth).json()["data"]
    item = next(r for r in listed if r["run_id"] == run_id)
    event = run_event(api, run_id, auth)
    for doc in (got, item, event):
        assert doc["output_form"] == "output"
    return [got["output"], item["output"], event["output"]]


def vault_reads(api: Api) -> list[str]:
    """The statements that read the vault table from now on."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "pii_vault" in statement:
            seen.append(statement)

    event.listen(api.svc.store.engine, "before_cursor_execute", record)
    return seen


def stored_output(api: Api, run_id: str) -> Any:
    rec = api.svc.store.runs.get(run_id)
    assert rec is not None
    return rec.output


def test_get_list_and_events_answer_the_output_exactly_as_post_did(api: Api) -> None:
    auth = api.headers("acme")
    posted = api.client.post("/v1/agents/echo_pii/runs", json={"input": EVERY_CLASS}, headers=auth)
    assert posted.status_code == 200, posted.text
    run = posted.json()
    assert run["status"] == "completed", run
    answer = run["output"]
    # Masked for output: restricted values show their tail, confidential ones stay.
    assert "4242" in answer
    for hidden in (CARD, IBAN, SSN, "hunter2xyz", "\u27e6"):
        assert hidden not in answer
    for shown in (EMAIL, PHONE, IP):
        assert shown in answer
    # The journal keeps the confidential values as tokens, not as they left.
    stored = stored_output(api, run["run_id"])
    assert EMAIL not in stored
    assert "\u27e6email:tok_" in stored

    assert every_view(api, run["run_id"], auth) == [answer] * 3
    assert run["output_form"] == "output"


def test_a_structured_answer_reads_the_same_from_every_view(api: Api) -> None:
    auth = api.headers("acme")
    posted = api.client.post(
        "/v1/agents/echo_json/runs", json={"input": f"call {PHONE} or {EMAIL}"}, headers=auth
    )
    run = posted.json()
    assert run["status"] == "completed", run
    assert run["output"]["contact"] == EMAIL
    assert stored_output(api, run["run_id"])["contact"].startswith("\u27e6email:tok_")

    assert every_view(api, run["run_id"], auth) == [run["output"]] * 3


def test_a_repeated_idempotent_request_answers_as_the_first(api: Api) -> None:
    auth = {**api.headers("acme"), "idempotency-key": "refund-7"}
    body = {"input": EVERY_CLASS}
    first = api.client.post("/v1/agents/echo_pii/runs", json=body, headers=auth).json()
    again = api.client.post("/v1/agents/echo_pii/runs", json=body, headers=auth).json()

    assert again["run_id"] == first["run_id"]
    assert again["output"] == first["output"]


def test_an_output_policy_that_tokenizes_reads_the_same_from_every_view(api: Api) -> None:
    auth = api.headers("acme")
    run = api.client.post("/v1/agents/echo_tok/runs", json={"input": EVERY_CLASS}, headers=auth)
    answer = run.json()["output"]
    assert "\u27e6email:tok_" in answer  # the output destination tokenizes on purpose
    assert EMAIL not in answer

    assert every_view(api, run.json()["run_id"], auth) == [answer] * 3


def test_a_token_whose_value_is_gone_from_the_vault_shows_the_journal_form(
    settings: Settings,
) -> None:
    for api in serve(settings, agents(settings)):
        auth = api.headers("acme")
        run = api.client.post("/v1/agents/echo_pii/runs", json={"input": EMAIL}, headers=auth)
        run_id = run.json()["run_id"]
        assert run.json()["output"] == f"Noted: {EMAIL}"
        with api.svc.store.engine.begin() as conn:  # e.g. purged past pii_vault_ttl_s
            conn.exec_driver_sql("DELETE FROM pii_vault")
    host._VAULTS.clear()  # a new process: no token value cached
    for api in serve(settings, agents(settings)):
        got = api.client.get(f"/v1/runs/{run_id}", headers=api.headers("acme")).json()
        assert got["output_form"] == "journal"
        assert got["output"] == stored_output(api, run_id)
        assert got["output"].startswith("Noted: \u27e6email:tok_")


def test_an_ungoverned_agent_answers_its_output_unchanged(api: Api) -> None:
    auth = api.headers("acme")
    run = api.client.post("/v1/agents/plain/runs", json={"input": EMAIL}, headers=auth).json()

    assert run["output"] == f"Noted: {EMAIL}"
    assert every_view(api, run["run_id"], auth) == [run["output"]] * 3


def test_tenant_b_cannot_restore_tenant_a_tokens(api: Api) -> None:
    a, b = api.headers("acme"), api.headers("globex")
    run_a = api.client.post("/v1/agents/echo_pii/runs", json={"input": EMAIL}, headers=a).json()
    token = stored_output(api, run_a["run_id"]).split()[-1]
    assert token.startswith("\u27e6email:tok_")

    # B's run carries A's token: B's vault scope does not know it, so it stays a token.
    posted = api.client.post("/v1/agents/echo_pii/runs", json={"input": token}, headers=b)
    run_b = posted.json()
    assert EMAIL not in run_b["output"]
    got = api.client.get(f"/v1/runs/{run_b['run_id']}", headers=b).json()
    assert EMAIL not in json.dumps(got)
    assert got["output_form"] == "journal"
    assert got["output"] == stored_output(api, run_b["run_id"])
    # A still reads its own run restored.
    assert api.client.get(f"/v1/runs/{run_a['run_id']}", headers=a).json()["output"] == (
        f"Noted: {EMAIL}"
    )


def test_a_run_whose_agent_version_is_not_served_shows_the_journal_form(
    settings: Settings,
) -> None:
    with TestClient(create_app(service_for(settings, AgentRegistry(agents(settings))))) as c:
        svc = c.app.state.keel  # type: ignore[attr-defined]
        api = Api(c, svc)
        auth = api.headers("acme")
        run = c.post("/v1/agents/echo_pii/runs", json={"input": EVERY_CLASS}, headers=auth).json()
        assert EMAIL in run["output"]
    # Another server over the same store serves a changed definition of the agent.
    changed = Agent.define(
        "echo_pii",
        model=ScriptedModel(_echo),
        instructions="a different prompt",
        governor=default_governor(hash_key=host.pii_key(settings), model_tags=("pii:restricted",)),
    )
    for later in serve(settings, [changed]):
        auth = later.headers("acme")
        got = later.client.get(f"/v1/runs/{run['run_id']}", headers=auth).json()
        assert got["output_form"] == "journal"
        assert got["output"] == stored_output(later, run["run_id"])
        for hidden in (EMAIL, CARD):
            assert hidden not in got["output"]
        listed = later.client.get("/v1/runs", headers=auth).json()["data"]
        assert [r["output_form"] for r in listed] == ["journal"]


def test_a_page_of_runs_reads_its_tokens_from_the_vault_in_one_query(settings: Settings) -> None:
    answers = {}
    for api in serve(settings, agents(settings)):
        auth = api.headers("acme")
        for i in range(30):
            text = f"Write to user{i}@example.com or call +1 415 555 {1000 + i}."
            run = api.client.post("/v1/agents/echo_pii/runs", json={"input": text}, headers=auth)
            answers[run.json()["run_id"]] = run.json()["output"]
    host._VAULTS.clear()  # a new process: no token value cached
    for api in serve(settings, agents(settings)):
        reads = vault_reads(api)
        listed = api.client.get("/v1/runs?limit=500", headers=api.headers("acme")).json()["data"]
        assert {r["run_id"]: r["output"] for r in listed} == answers
        assert len(reads) == 1  # 60 tokens of 30 runs, one query


def test_a_persons_reply_reads_the_same_from_the_resolution_and_from_get(
    settings: Settings,
) -> None:
    for api in serve(settings, [wire_desk()]):
        body = {"input": "wire 10 EUR", "session_id": "s-1"}
        run = api.client.post("/v1/agents/desk/runs", json=body, headers=api.headers()).json()
        assert run["status"] == "escalated", run
        maria = api.headers("acme", "operator")
        [e] = api.client.get("/v1/escalations", headers=maria).json()
        url = f"/v1/escalations/{e['escalation_id']}"
        token = api.client.post(f"{url}/claim", headers=maria).json()["continuity_token"]
        reply = {"continuity_token": token, "reply": f"Sent it to card {CARD}."}
        done = api.client.post(f"{url}/resolve", json=reply, headers=maria).json()

        answer = done["run"]["output"]
        assert CARD not in answer  # masked for output, as any answer that leaves
        assert "4242" in answer
        got = api.client.get(f"/v1/runs/{done['run']['run_id']}", headers=maria).json()
        assert got["output"] == answer
