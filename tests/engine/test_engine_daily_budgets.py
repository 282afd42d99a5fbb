"""Daily budgets per agent and per tenant (spec.limits.daily), checked before each model
call against what the store recorded earlier that UTC day."""

from __future__ import annotations

import pytest

from keel import Agent, LocalEngine, ModelResponse, ScriptedModel, Store
from keel.errors import UserError
from keel.models.base import Message, Usage
from keel.spec.model import DailyBudget, DailyBudgets, Limits


def answer(cost: float = 0.0) -> ModelResponse:
    return ModelResponse(
        Message("assistant", "done"), model="scripted:default", usage=Usage(60, 40), cost_usd=cost
    )


def agent(daily: DailyBudgets, *, cost: float = 0.0) -> Agent:
    model = ScriptedModel(lambda request: answer(cost))
    return Agent.define("budgeted", model=model, limits=Limits(daily=daily))


async def test_the_agent_budget_stops_runs_once_spent(store: Store) -> None:
    engine = LocalEngine(store)
    limited = agent(DailyBudgets(agent=DailyBudget(max_tokens=200)))

    first = await engine.run(limited, "one")
    second = await engine.run(limited, "two")
    third = await engine.run(limited, "three")

    assert [first.status, second.status] == ["completed", "completed"]
    assert third.status == "failed"
    assert third.error_code == "BUDGET_EXCEEDED"
    assert "daily token budget of 200" in (third.error_message or "")
    assert third.steps == 0  # refused before any model call


async def test_a_tenant_budget_stops_only_that_tenant(store: Store) -> None:
    engine = LocalEngine(store)
    limited = agent(DailyBudgets(tenant=DailyBudget(max_cost_usd=0.05)), cost=0.03)

    assert (await engine.run(limited, "a1", tenant="acme")).status == "completed"
    assert (await engine.run(limited, "a2", tenant="acme")).status == "completed"
    refused = await engine.run(limited, "a3", tenant="acme")
    other = await engine.run(limited, "b1", tenant="globex")

    assert refused.error_code == "BUDGET_EXCEEDED"
    assert "tenant's daily cost budget" in (refused.error_message or "")
    assert other.status == "completed"


async def test_yesterdays_usage_does_not_count(store: Store) -> None:
    day = 86_400.0
    now = [10 * day + 3600]
    engine = LocalEngine(store, clock=lambda: now[0])
    limited = agent(DailyBudgets(agent=DailyBudget(max_tokens=100)))

    assert (await engine.run(limited, "one")).status == "completed"
    assert (await engine.run(limited, "two")).error_code == "BUDGET_EXCEEDED"
    now[0] += day
    assert (await engine.run(limited, "three")).status == "completed"


async def test_daily_budgets_need_a_store() -> None:
    limited = agent(DailyBudgets(agent=DailyBudget(max_tokens=10)))
    with pytest.raises(UserError, match="need a store"):
        await LocalEngine().run(limited, "one")
