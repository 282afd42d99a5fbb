"""The runner: fixtures, sessions, concurrency, tags, masking, and what it refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from eval_kit import HELPDESK, by_id, run, suite

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.errors import SpecError, UserError
from keel.evals import CaseResult, EvalRunner, adversarial_suite, load_suite
from keel.models import ScriptedModel


async def test_fixtures_answer_for_tools_by_name_and_by_risk(
    tmp_path: Path, helpdesk: Agent, sandbox: LocalEngine
) -> None:
    results = by_id(
        await run(
            helpdesk,
            suite(
                tmp_path,
                """
                defaults:
                  roles: [employee]
                  fixtures:
                    'risk:read': {returns: [{id: KB-1, title: From the suite, summary: default}]}
                cases:
                  - id: suite-default
                    input: My mailbox is full
                    expect: {contains: '"From the suite": default'}
                  - id: by-name-wins
                    input: My mailbox is full
                    fixtures:
                      search_kb: {returns: [{id: KB-2, title: From the case, summary: own}]}
                    expect: {contains: '"From the case": own'}
                  - id: write-tool-fixed-too
                    input: My VPN keeps disconnecting
                    fixtures:
                      '*': {returns: {id: INC-FIXED, status: open}}
                    expect: {contains: ticket INC-FIXED}
                """,
            ),
            sandbox,
        )
    )
    for result in results.values():
        assert result.passed, (result.case_id, result.checks)
    # A fixed write tool still went through policy and the journal: it counts as called.
    tickets = tmp_path / "helpdesk-data" / "tickets.jsonl"
    assert not tickets.exists()


async def test_a_raising_fixture_is_a_tool_error_the_agent_sees(
    tmp_path: Path, helpdesk: Agent, sandbox: LocalEngine
) -> None:
    results = await run(
        helpdesk,
        suite(
            tmp_path,
            """
            cases:
              - id: kb-down
                input: My mailbox is full
                roles: [employee]
                fixtures: {search_kb: {raises: knowledge base offline}}
                expect:
                  status: completed
                  tools_called: [search_kb]
                  not_contains: Mailbox full
            """,
        ),
        sandbox,
    )
    assert results[0].passed, results[0].checks


async def test_fixtures_keep_the_tools_declaration_so_policy_still_applies(
    tmp_path: Path, helpdesk: Agent, sandbox: LocalEngine
) -> None:
    results = await run(
        helpdesk,
        suite(
            tmp_path,
            """
            cases:
              - id: fixed-but-denied
                input: My VPN keeps disconnecting
                roles: []
                fixtures: {create_ticket: {returns: {id: INC-X}}}
                expect: {denied: true, tools_not_called: [create_ticket]}
            """,
        ),
        sandbox,
    )
    assert results[0].passed, results[0].checks


async def test_a_fixture_for_a_missing_tool_is_a_located_error(
    tmp_path: Path, helpdesk: Agent, sandbox: LocalEngine
) -> None:
    loaded = suite(
        tmp_path,
        """
        defaults:
          fixtures: {serch_kb: {returns: []}}
        cases:
          - id: a
            input: x
            fixtures:
              'risk:read': {returns: []}
              lookup_usr: {raises: nope}
        """,
    )
    with pytest.raises(SpecError) as e:
        await run(helpdesk, loaded, sandbox)
    problems = [str(p) for p in e.value.problems]
    assert problems[0].startswith(f"{loaded.path}:2:")
    assert "fixture for tool 'serch_kb', which helpdesk does not have" in problems[0]
    assert problems[1].startswith(f"{loaded.path}:8:")
    assert "lookup_usr" in problems[1]
    assert "(tools: search_kb, lookup_user" in problems[1]


async def test_a_script_plays_in_one_session(tmp_path: Path, sandbox: LocalEngine) -> None:
    def answer(request: object) -> str:
        history = [m.content for m in request.messages if m.role == "user"]  # type: ignore[attr-defined]
        return " | ".join(history)

    agent = Agent.define("memory", model=ScriptedModel(answer))
    results = await run(
        agent,
        suite(
            tmp_path,
            """
            cases:
              - id: remembers
                turns:
                  - input: my name is Ada
                  - input: what is my name?
                    expect: {contains: 'my name is Ada | what is my name?'}
            """,
        ),
        sandbox,
    )
    assert results[0].passed, results[0].checks
    assert [u for u, _ in results[0].transcript] == ["my name is Ada", "what is my name?"]
    assert len(results[0].latencies_ms) == 2


async def test_results_are_in_suite_order_and_the_same_at_any_concurrency(
    helpdesk: Agent, sandbox: LocalEngine
) -> None:
    corpus = adversarial_suite()
    regression = load_suite(HELPDESK / "evals" / "regression.yaml")
    one = await run(helpdesk, [regression, corpus], sandbox, concurrency=1, roles=["employee"])
    many = await run(helpdesk, [regression, corpus], sandbox, concurrency=16, roles=["employee"])
    expected = [("regression", c.id) for c in regression.suite.cases]
    expected += [("adversarial", c.id) for c in corpus.suite.cases]
    assert [(r.suite, r.case_id) for r in one] == expected

    def outcome(r: CaseResult) -> tuple[object, ...]:
        # Ticket ids are derived from run ids, the one thing that differs between runs.
        output = re.sub(r"INC-[A-Z0-9-]+", "INC-*", str(r.output))
        return r.case_id, r.passed, r.status, r.error_code, output, r.checks

    assert [outcome(r) for r in one] == [outcome(r) for r in many]


async def test_tags_select_cases_from_the_suite_and_the_case(
    tmp_path: Path, helpdesk: Agent, sandbox: LocalEngine
) -> None:
    loaded = suite(
        tmp_path,
        """
        tags: [smoke]
        cases:
          - {id: a, input: My mailbox is full, tags: [email]}
          - {id: b, input: The printer is jammed, tags: [facilities]}
        """,
    )
    runner = EvalRunner(helpdesk, sandbox)
    assert [i.item.id for i in runner.selected([loaded], ["facilities"])] == ["b"]
    assert [i.item.id for i in runner.selected([loaded], ["smoke"])] == ["a", "b"]
    results = await runner.run([loaded], tags=["email", "nothing"])
    assert [(r.case_id, r.tags) for r in results] == [("a", ("smoke", "email"))]


async def test_answers_are_masked_in_results_but_checked_in_full(
    tmp_path: Path, sandbox: LocalEngine
) -> None:
    from eval_kit import agent_at, helpdesk_copy

    card = "4111 1111 1111 1111"
    agent = agent_at(
        helpdesk_copy(tmp_path / "agent"),
        model=ScriptedModel(lambda _: f"your card is {card}, key sk-live-abcdefghijklmnop1234"),
    )
    results = await run(
        agent,
        suite(
            tmp_path,
            "cases: [{id: a, input: My mailbox is full, expect: {contains: '1111'}}]",
        ),
        sandbox,
    )
    result = results[0]
    assert result.passed
    assert card not in str(result.output)
    assert card not in str(result.transcript)
    assert "sk-live-abcdefghijklmnop1234" not in str(result.output)


def test_a_runner_needs_a_durable_engine(helpdesk: Agent) -> None:
    with pytest.raises(UserError, match="durable engine"):
        EvalRunner(helpdesk, LocalEngine())


async def test_a_runner_needs_a_positive_concurrency(helpdesk: Agent, sandbox: LocalEngine) -> None:
    with pytest.raises(UserError, match="concurrency must be at least 1"):
        EvalRunner(helpdesk, sandbox, concurrency=0)
