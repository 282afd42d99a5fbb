"""``capture_run``: a stored run becomes a regression case that passes on the same agent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from eval_kit import agent_at, helpdesk_copy, run

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.errors import Conflict, NotFound, UserError
from keel.evals import capture_run, load_suite
from keel.governance.policy import Principal
from keel.models import ModelResponse, ScriptedModel
from keel.models.base import Message
from keel.store import Store

ADMIN = Principal("cli:test", ("admin",))


@pytest.fixture
def agent_dir(tmp_path: Path) -> Path:
    return helpdesk_copy(tmp_path / "helpdesk")


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[LocalEngine]:
    """The real store the runs go to (not a sandbox): capture reads from it."""
    store = Store.open(f"sqlite:///{tmp_path / 'keel.db'}")
    engine = LocalEngine(store)
    yield engine
    await engine.close()
    store.close()


async def test_a_captured_run_passes_when_evaluated_again(
    agent_dir: Path, engine: LocalEngine, sandbox: LocalEngine
) -> None:
    agent = agent_at(agent_dir)
    rec = await engine.run(agent, "My VPN keeps disconnecting", principal=ADMIN)
    assert engine.store is not None
    captured = capture_run(engine.store, rec.id[:20])
    assert captured.path == agent_dir / "evals" / "captured.yaml"
    assert captured.case_id == f"captured-{rec.id}"
    case = captured.case
    assert case["input"] == "My VPN keeps disconnecting"
    assert case["roles"] == ["admin"]
    assert case["expect"]["status"] == "completed"
    assert case["expect"]["tools_called"] == ["search_kb", "create_ticket"]
    assert case["expect"]["matches"].startswith('^From the knowledge base, "VPN drops')
    assert case["reference"] == rec.output

    loaded = load_suite(captured.path)
    assert loaded.name == "captured"
    assert loaded.suite.tags == ["captured"]
    results = await run(agent, loaded, sandbox)
    assert results[0].passed, results[0].checks  # the new ticket id differs: it is allowed to


async def test_an_approval_and_a_session_are_captured(
    agent_dir: Path, engine: LocalEngine, sandbox: LocalEngine
) -> None:
    agent = agent_at(agent_dir)
    await engine.run(agent, "My mailbox is full", principal=ADMIN, session_id="s1")
    rec = await engine.run(agent, "reset the password for jdoe", principal=ADMIN, session_id="s1")
    assert engine.store is not None
    assert rec.status == "awaiting_approval"
    case = capture_run(engine.store, rec.id).case
    assert [t["input"] for t in case["turns"]] == [
        "My mailbox is full",
        "reset the password for jdoe",
    ]
    assert case["turns"][1]["expect"] == {
        "status": "awaiting_approval",
        "approval_requested": True,
        "tools_called": ["lookup_user"],
    }
    results = await run(agent, load_suite(agent_dir / "evals" / "captured.yaml"), sandbox)
    assert results[0].passed, results[0].checks


async def test_captured_inputs_are_masked(agent_dir: Path, engine: LocalEngine) -> None:
    agent = agent_at(agent_dir)
    card, key = "4111 1111 1111 1111", "sk-live-abcdefghijklmnop1234"
    rec = await engine.run(agent, f"My mailbox is full, card {card}, key {key}", principal=ADMIN)
    assert engine.store is not None
    captured = capture_run(engine.store, rec.id)
    text = captured.path.read_text()
    assert card not in text
    assert key not in text
    assert "My mailbox is full, card" in text


async def test_an_answer_from_a_provider_model_is_a_reference_only(
    agent_dir: Path, engine: LocalEngine
) -> None:
    reply = ModelResponse(Message("assistant", "Try turning it off and on."), "openai:gpt-4o")
    agent = agent_at(agent_dir, model=ScriptedModel([reply]))
    rec = await engine.run(agent, "My mailbox is full", principal=ADMIN)
    assert engine.store is not None
    case = capture_run(engine.store, rec.id).case
    assert "matches" not in case["expect"]
    assert case["reference"] == "Try turning it off and on."


async def test_appending_keeps_the_file_as_written(
    tmp_path: Path, agent_dir: Path, engine: LocalEngine
) -> None:
    agent = agent_at(agent_dir)
    path = tmp_path / "mine.yaml"
    path.write_text(
        "# my suite\n"
        "name: mine\n"
        "cases:\n"
        "    - id: first   # hand-written\n"
        "      input: My mailbox is full\n"
        "# journeys follow\n"
        "journeys:\n"
        "  - id: j\n"
        "    persona: {goal: g, opening: hi}\n"
    )
    one = await engine.run(agent, "My mailbox is full", principal=ADMIN)
    two = await engine.run(agent, "The printer is jammed", principal=ADMIN)
    assert engine.store is not None
    capture_run(engine.store, one.id, suite=path)
    capture_run(engine.store, two.id, suite=path)
    text = path.read_text()
    assert text.startswith("# my suite\nname: mine\ncases:\n    - id: first   # hand-written\n")
    assert "# journeys follow\njourneys:\n  - id: j\n" in text
    assert f"    - id: captured-{one.id}\n" in text
    loaded = load_suite(path)
    assert [c.id for c in loaded.suite.cases] == [
        "first",
        f"captured-{one.id}",
        f"captured-{two.id}",
    ]
    assert [j.id for j in loaded.suite.journeys] == ["j"]


async def test_what_capture_refuses(tmp_path: Path, agent_dir: Path, engine: LocalEngine) -> None:
    agent = agent_at(agent_dir)
    rec = await engine.run(agent, "My mailbox is full", principal=ADMIN)
    store = engine.store
    assert store is not None
    with pytest.raises(NotFound):
        capture_run(store, "run_nothing")
    await engine.run(agent, "My mailbox is full", principal=ADMIN)
    with pytest.raises(UserError, match="several runs"):
        capture_run(store, "run_")
    capture_run(store, rec.id)
    with pytest.raises(Conflict, match="already captured"):
        capture_run(store, rec.id)
    flow = tmp_path / "flow.yaml"
    flow.write_text("cases: [{id: a, input: x}]\n")
    with pytest.raises(UserError, match="'cases' must be a block list"):
        capture_run(store, rec.id, suite=flow)
    assert flow.read_text() == "cases: [{id: a, input: x}]\n"  # untouched
    broken = tmp_path / "broken.yaml"
    broken.write_text("cases:\n  - id: a\n    inptu: x\n")
    with pytest.raises(Exception, match="unknown key 'inptu'"):
        capture_run(store, rec.id, suite=broken)


async def test_a_run_without_a_spec_needs_a_suite_path(tmp_path: Path, engine: LocalEngine) -> None:
    agent = Agent.define("inline", model=ScriptedModel(["hello"]))
    rec = await engine.run(agent, "hi")
    assert engine.store is not None
    with pytest.raises(UserError, match="name the suite file with --suite"):
        capture_run(engine.store, rec.id)
    captured = capture_run(engine.store, rec.id, suite=tmp_path / "new" / "inline.yaml")
    assert load_suite(captured.path).suite.cases[0].expect.matches == ["^hello$"]
