"""Sessions: later turns see earlier ones; a session belongs to one agent and one tenant."""

from __future__ import annotations

import pytest

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.errors import Conflict, NotFound
from keel.models import Message, ScriptedModel
from keel.spec.model import Limits
from keel.store import Store


def chat_agent(model: ScriptedModel, name: str = "chat") -> Agent:
    return Agent.define(name, model=model, instructions="Help.")


async def test_second_turn_sees_the_first(engine: LocalEngine) -> None:
    model = ScriptedModel(["Hi Ada!", "Your name is Ada."])
    agent = chat_agent(model)

    first = await engine.run(agent, "I am Ada", session_id="s-1")
    second = await engine.run(agent, "What is my name?", session_id="s-1")

    assert (first.session_id, second.session_id) == ("s-1", "s-1")
    assert second.output == "Your name is Ada."
    assert model.requests[1].messages == (
        Message("system", "Help."),
        Message("user", "I am Ada"),
        Message("assistant", "Hi Ada!"),
        Message("user", "What is my name?"),
    )


async def test_runs_without_a_session_share_nothing(engine: LocalEngine) -> None:
    model = ScriptedModel(["one", "two"])
    agent = chat_agent(model)

    await engine.run(agent, "first")
    await engine.run(agent, "second")

    assert [m.content for m in model.requests[1].messages] == ["Help.", "second"]


async def test_failed_turns_are_not_part_of_the_history(engine: LocalEngine) -> None:
    model = ScriptedModel(["ok", "too long for the budget", "fine"])
    agent = Agent.define("chat", model=model, limits=Limits(max_tokens=40))

    await engine.run(agent, "a", session_id="s-1")
    failed = await engine.run(agent, "b" * 200, session_id="s-1")
    await engine.run(agent, "c", session_id="s-1")

    assert failed.error_code == "BUDGET_EXCEEDED"
    assert [m.content for m in model.requests[2].messages[1:]] == ["a", "ok", "c"]


async def test_json_turns_come_back_as_json_text(engine: LocalEngine) -> None:
    model = ScriptedModel(['{"priority": "high"}', "noted"])
    agent = Agent.define(
        "triage", model=model, input_schema={"type": "object"}, output_schema={"type": "object"}
    )

    await engine.run(agent, {"ticket": "T-1"}, session_id="s-1")
    await engine.run(agent, {"ticket": "T-2"}, session_id="s-1")

    history = model.requests[1].messages[1:3]
    assert history == (
        Message("user", '{"ticket": "T-1"}'),
        Message("assistant", '{"priority": "high"}'),
    )


@pytest.mark.parametrize("durable", [False, True])
async def test_history_keeps_the_last_session_turns(durable: bool, store: Store) -> None:
    engine = LocalEngine(store if durable else None, session_turns=2)
    model = ScriptedModel(["1", "2", "3", "4"])
    agent = chat_agent(model)

    for text in ["a", "b", "c", "d"]:
        await engine.run(agent, text, session_id="s-1")

    assert [m.content for m in model.requests[3].messages] == ["Help.", "b", "2", "c", "3", "d"]


async def test_a_session_of_another_agent_is_a_conflict(store: Store) -> None:
    engine = LocalEngine(store)
    await engine.run(chat_agent(ScriptedModel(["hi"]), "chat"), "hello", session_id="s-1")
    other = ScriptedModel(["unused"])

    with pytest.raises(Conflict, match="belongs to agent 'chat'"):
        await engine.run(chat_agent(other, "billing"), "hello", session_id="s-1")

    assert other.requests == []
    assert len(store.runs.recent()) == 1


async def test_a_session_of_another_tenant_is_not_found(store: Store) -> None:
    engine = LocalEngine(store)
    await engine.run(chat_agent(ScriptedModel(["hi"])), "secret", session_id="s-1", tenant="acme")
    intruder = ScriptedModel(["unused"])

    with pytest.raises(NotFound, match="no session 's-1'"):
        await engine.run(chat_agent(intruder), "hello", session_id="s-1", tenant="globex")
    with pytest.raises(NotFound):
        await engine.run(chat_agent(intruder), "hello", session_id="s-1")

    assert intruder.requests == []
    # The owner still continues its session.
    model = ScriptedModel(["welcome back"])
    await engine.run(chat_agent(model), "again", session_id="s-1", tenant="acme")
    assert [m.content for m in model.requests[0].messages] == ["Help.", "secret", "hi", "again"]


# In memory mode a session belongs to one tenant and one agent too: another tenant
# (or agent) naming the same id must not get the first one's history.


async def test_memory_session_of_another_tenant_is_not_found() -> None:
    engine = LocalEngine()
    await engine.run(chat_agent(ScriptedModel(["hi"])), "secret", session_id="s-1", tenant="acme")
    intruder = ScriptedModel(["unused"])

    with pytest.raises(NotFound):
        await engine.run(chat_agent(intruder), "hello", session_id="s-1", tenant="globex")


async def test_memory_session_of_another_agent_is_a_conflict() -> None:
    engine = LocalEngine()
    await engine.run(chat_agent(ScriptedModel(["hi"]), "chat"), "hello", session_id="s-1")

    with pytest.raises(Conflict):
        await engine.run(chat_agent(ScriptedModel(["x"]), "billing"), "hello", session_id="s-1")
