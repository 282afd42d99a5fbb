"""A governed run end to end: every PII class fed in, none of it reaching the model, the
journal, the audit log or the logs; a tokenized card restored only for the tool that is
allowed to see it; policy decisions recorded with the bundle hash."""

from __future__ import annotations

import json
import logging
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, Store, ToolCall, load_spec
from keel.audit import AuditRecord
from keel.governance.policy import Principal

CARD = "4111 1111 1111 1111"
VALUES = {
    "email": "jane.doe@example.com",
    "phone": "+1 415 555 2671",
    "card": CARD,
    "iban": "DE89370400440532013000",
    "ssn": "123-45-6789",
    "secret": "sk-proj-Abc123Def456Ghi789Jkl012Mno345Pqr678",
}
REQUEST = (
    f"Refund my order. Card {CARD}, mail {VALUES['email']}, phone {VALUES['phone']}, "
    f"IBAN {VALUES['iban']}, SSN {VALUES['ssn']}, and my key {VALUES['secret']}."
)
TOKEN = re.compile(r"⟦card:tok_[0-9a-f]+⟧")

SPEC = """\
apiVersion: keel/v1
kind: Agent
metadata: {name: payments, version: 1.0.0}
spec:
  instructions: {text: "Refund orders."}
  model:
    primary: {provider: scripted, name: test, tags: ["pii:restricted"]}
  tools:
    - ref: "tools:refund"
      settings: {pii_access: [card]}
    - ref: "tools:note"
"""

TOOLS = '''\
from keel.tools import tool

SEEN = {}


@tool(risk="write", idempotent=True, blocking=False)
def refund(card: str, amount: float) -> dict:
    """Refund an amount to a card."""
    SEEN["refund"] = card
    return {"refunded": amount, "card": card}


@tool(risk="read", idempotent=True, blocking=False)
def note(text: str) -> str:
    """Keep a note."""
    SEEN["note"] = text
    return "noted: " + text
'''


def script(request: ModelRequest) -> Any:
    last = request.messages[-1]
    if last.role == "user":
        token = TOKEN.search(last.content)
        assert token is not None, last.content
        return [
            ToolCall("c1", "refund", {"card": token.group(0), "amount": 25.0}),
            ToolCall("c2", "note", {"text": token.group(0)}),
        ]
    return "Refund of 25.00 sent to the card on file."


@pytest.fixture
def agent(tmp_path: Path) -> tuple[Agent, ScriptedModel, dict[str, str]]:
    folder = tmp_path / "payments"
    folder.mkdir()
    (folder / "agent.yaml").write_text(SPEC)
    (folder / "tools.py").write_text(textwrap.dedent(TOOLS))
    loaded = load_spec(folder)
    model = ScriptedModel(script)
    built = Agent.from_spec(loaded, model=model, pii_hash_key=b"k" * 32)
    seen = loaded.tool_objects["refund"].__wrapped__.__globals__["SEEN"]  # type: ignore[attr-defined]
    return built, model, seen


def _raw_values_in(text: str) -> list[str]:
    digits = re.sub(r"\D", "", text)
    found = [name for name, value in VALUES.items() if value in text]
    if re.sub(r"\D", "", CARD) in digits:
        found.append("card (digits)")
    return found


async def test_no_pii_reaches_model_journal_audit_or_logs(
    tmp_path: Path, agent: tuple[Agent, ScriptedModel, dict[str, str]], caplog: Any
) -> None:
    built, model, seen = agent
    caplog.set_level(logging.DEBUG)
    store = Store.open(f"sqlite:///{tmp_path / 'keel.db'}")
    try:
        engine = LocalEngine(store)
        rec = await engine.run(built, REQUEST, principal=Principal("u1", ("admin",)))
        await engine.close()
        assert rec.status == "completed", (rec.error_code, rec.error_message)

        prompts = json.dumps([[m.to_dict() for m in r.messages] for r in model.requests])
        assert _raw_values_in(prompts) == []

        # The allowed tool got the real card back; the other one only the token.
        assert seen["refund"] == CARD
        assert TOKEN.fullmatch(seen["note"])

        with store.engine.connect() as conn:
            rows = []
            for table in ("runs", "run_steps", "sessions", "audit_log"):
                rows += [
                    json.dumps([str(v) for v in row])
                    for row in conn.exec_driver_sql(f"SELECT * FROM {table}")
                ]
        stored = "\n".join(rows)
        assert "refund" in stored  # the rows are there, only without the values
        assert _raw_values_in(stored) == []
        assert _raw_values_in(caplog.text) == []

        points = [(d["point"], d["result"]) for d in rec.decisions]
        assert points == [
            ("input", "allow"),
            ("route", "allow"),
            ("tool", "allow"),
            ("tool", "allow"),
            ("output", "allow"),
        ]
        assert {d["policy_hash"] for d in rec.decisions} == {built.governor.policy_hash}  # type: ignore[union-attr]

        # The audit log has every decision, in order, in the run's run.finished event.
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT tenant, id, time, kind, actor, run_id, payload, prev_hash, hash "
                "FROM audit_log WHERE run_id = ? ORDER BY id",
                (rec.id,),
            ).all()
        audited = [e for r in map(AuditRecord.from_row, rows) for e in r.events()]
        assert [e.kind for e in audited if e.kind.startswith("policy")] == []
        finished = next(e.payload for e in audited if e.kind == "run.finished")
        assert [(d["point"], d["result"]) for d in finished["decisions"]] == points
        assert [d["policy_hash"] for d in finished["decisions"]] == [
            d["policy_hash"] for d in rec.decisions
        ]
    finally:
        store.close()


async def test_the_answer_leaves_with_restricted_values_only_partly_shown(
    agent: tuple[Agent, ScriptedModel, dict[str, str]],
) -> None:
    built, _, _ = agent
    echo = ScriptedModel(lambda r: f"Your card {CARD} and mail {VALUES['email']}.")
    talker = Agent.from_spec(load_spec(Path(built.spec_path or "")), model=echo)
    rec = await LocalEngine().run(talker, "hello", principal=Principal("u1", ("admin",)))

    assert rec.status == "completed"
    assert CARD not in rec.output
    assert "1111" in rec.output
    assert VALUES["email"] in rec.output  # confidential values are kept for the user
