"""``keel run``: the offline example, its JSON document, and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_keel import HELPDESK, Keel, write_agent

from keel.store import Store

# JSON input, and a rule that calls a tool on its only allowed turn.
STEPPER = """\
apiVersion: keel/v1
kind: Agent
metadata:
  name: stepper
  version: 0.3.0
spec:
  instructions:
    text: Look things up.
  model:
    primary: rules
    rules:
      intents:
        - intent: lookup
          patterns: ['go']
          calls:
            - tool: lookup
          answer: "{results.lookup}"
  input:
    schema: {type: object}
  tools:
    - tools:lookup
  limits:
    max_steps: 1
"""

LOOKUP_PY = '''\
from keel.tools import tool


@tool(idempotent=True, blocking=False)
def lookup() -> str:
    """Look something up."""
    return "found it"
'''


@pytest.fixture
def stepper(tmp_path: Path) -> Path:
    return write_agent(tmp_path / "stepper", STEPPER, LOOKUP_PY)


def test_offline_run_of_the_example_falls_back_to_rules(keel: Keel) -> None:
    result = keel("run", HELPDESK, "My VPN keeps disconnecting", "--json")

    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "completed"
    assert doc["error"] is None
    assert doc["model_used"] == "rules:default"
    assert doc["fallback_used"] is True
    assert doc["fallbacks"] == [
        {
            "model": "openai:gpt-4o-mini",
            "error_code": "MODEL_UNAVAILABLE",
            "message": "openai:gpt-4o-mini has no API key (set OPENAI_API_KEY)",
        }
    ]
    assert doc["run_id"].startswith("run_")
    assert doc["agent"]["name"] == "helpdesk"
    assert doc["agent"]["version"] == "1.0.0"
    assert doc["agent"]["hash"].startswith("sha256:")
    assert "VPN" in doc["output"]
    assert "I opened ticket INC-" in doc["output"]
    assert [(t["step"], t["kind"], t["name"], t["state"]) for t in doc["trace"]] == [
        (1, "model", "rules:default", "completed"),
        (2, "tool", "search_kb", "completed"),
        (3, "tool", "create_ticket", "completed"),
        (4, "model", "rules:default", "completed"),
    ]
    assert all(t["ms"] >= 0 for t in doc["trace"])
    assert (
        doc["usage"]["total_tokens"] == doc["usage"]["input_tokens"] + doc["usage"]["output_tokens"]
    )
    assert doc["data"] == str((keel.data / "keel.db").resolve())
    with Store.open(f"sqlite:///{keel.data / 'keel.db'}") as store:
        rec = store.runs.get(doc["run_id"])
        assert rec is not None
        assert rec.status == "completed"
    tickets = (keel.root / "helpdesk" / "tickets.jsonl").read_text().splitlines()
    assert len(tickets) == 1
    assert json.loads(tickets[0])["idempotency_key"] == f"{doc['run_id']}:3"


def test_plain_output_shows_answer_fallback_steps_and_where_the_data_is(keel: Keel) -> None:
    result = keel("run", HELPDESK, "My VPN keeps disconnecting")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert 'From the knowledge base, "VPN drops every few minutes"' in out
    assert "answered by fallback model rules:default" in out
    for name in ["search_kb", "create_ticket"]:
        assert name in out
    assert "status: completed  agent: helpdesk@1.0.0  model: rules:default" in out
    assert f"data: {(keel.data / 'keel.db').resolve()}" in out


def test_a_risky_tool_waits_for_approval_under_the_default_policy(keel: Keel) -> None:
    result = keel("run", HELPDESK, "reset password for jdoe", "--json")

    assert result.exit_code == 0  # waiting is not failing (docs/hitl.md)
    doc = json.loads(result.stdout)
    assert doc["status"] == "awaiting_approval"
    assert doc["error"]["code"] == "APPROVAL_REQUIRED"
    assert "apr_" in doc["error"]["message"]
    assert [(d["point"], d["result"]) for d in doc["decisions"]] == [
        ("input", "allow"),
        ("route", "allow"),
        ("tool", "allow"),
        ("tool", "require_approval"),
    ]
    assert all(d["policy_hash"].startswith("sha256:") for d in doc["decisions"])
    assert [(t["name"], t["state"]) for t in doc["trace"]] == [
        ("rules:default", "completed"),
        ("lookup_user", "completed"),
        ("reset_password", "started"),
    ]


def test_an_employee_role_may_not_reset_passwords(keel: Keel) -> None:
    doc = json.loads(
        keel("run", HELPDESK, "reset password for jdoe", "--json", "--role", "employee").stdout
    )
    tool_decisions = [d for d in doc["decisions"] if d["point"] == "tool"]
    assert tool_decisions[-1]["result"] == "deny"
    assert "accounts:reset" in tool_decisions[-1]["reasons"][0]
    assert "POLICY_DENIED" in doc["flags"]


def test_a_session_continues_across_runs(keel: Keel) -> None:
    first = json.loads(
        keel("run", HELPDESK, "Outlook crashes", "--session", "s-1", "--json").stdout
    )
    second = json.loads(keel("run", HELPDESK, "printer jams", "--session", "s-1", "--json").stdout)

    assert first["session_id"] == second["session_id"] == "s-1"
    listed = json.loads(keel("runs", "list", "--session", "s-1", "--json").stdout)
    assert [r["run_id"] for r in listed] == [second["run_id"], first["run_id"]]


def test_a_failed_run_exits_1_and_is_recorded(keel: Keel, stepper: Path) -> None:
    result = keel("run", stepper, '{"q": "go"}', "--json")

    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["status"] == "failed"
    assert doc["error"]["code"] == "BUDGET_EXCEEDED"
    assert "max_steps" in doc["error"]["message"]
    assert [t["kind"] for t in doc["trace"]] == ["model", "tool"]


def test_a_failed_run_shows_its_error_code(keel: Keel, stepper: Path) -> None:
    result = keel("run", stepper, '{"q": "go"}')

    assert result.exit_code == 1
    assert "run failed" in result.stdout
    assert "BUDGET_EXCEEDED" in result.stdout


def test_non_json_input_to_a_json_agent_exits_2(keel: Keel, stepper: Path) -> None:
    result = keel("run", stepper, "go now")

    assert result.exit_code == 2
    assert "INPUT_INVALID: this agent takes JSON input" in result.stderr
    assert not (keel.data / "keel.db").exists()  # refused before anything was stored


def test_a_broken_spec_exits_2_without_running(keel: Keel, tmp_path: Path) -> None:
    broken = write_agent(tmp_path / "broken", STEPPER + "bogus_key: 1\n", LOOKUP_PY)

    result = keel("run", broken, '{"q": "go"}')

    assert result.exit_code == 2
    assert "unknown key 'bogus_key'" in result.stderr
