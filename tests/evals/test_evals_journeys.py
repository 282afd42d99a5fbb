"""Simulated journeys: a scripted persona, its patience, and success over the conversation."""

from __future__ import annotations

from pathlib import Path

from eval_kit import HELPDESK, by_id, failed_names, run, suite

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.evals import load_suite
from keel.models import ModelRequest, ScriptedModel


async def test_the_example_journeys_pass(helpdesk: Agent, sandbox: LocalEngine) -> None:
    results = await run(helpdesk, load_suite(HELPDESK / "evals" / "journeys.yaml"), sandbox)
    assert [(r.case_id, r.passed, r.kind) for r in results] == [
        ("outlook-then-vpn", True, "journey"),
        ("mailbox-then-printer", True, "journey"),
    ], [r.checks for r in results]
    first = results[0]
    assert [u for u, _ in first.transcript] == [
        "Outlook will not open this morning",
        "Safe mode helped, thanks. But my VPN also keeps dropping every few minutes.",
    ]
    # The reply quoted a group of its pattern: "\1" became the quota from the answer.
    assert results[1].transcript[1][0].startswith("I archived old mail, I am well under 50 GB")


def _counter(request: ModelRequest) -> str:
    turns = sum(1 for m in request.messages if m.role == "user")
    return f"answer {turns}"


async def test_patience_runs_out_or_the_persona_gives_up(
    tmp_path: Path, sandbox: LocalEngine
) -> None:
    agent = Agent.define("counter", model=ScriptedModel(_counter))
    results = by_id(
        await run(
            agent,
            suite(
                tmp_path,
                """
                journeys:
                  - id: reached
                    persona:
                      goal: hear answer 3
                      opening: hi
                      replies: [{when: 'answer (\\d)', say: 'after \\1?'}]
                      satisfied_when: answer 3
                  - id: impatient
                    persona:
                      goal: hear answer 9
                      opening: hi
                      patience: 2
                      otherwise: again
                      satisfied_when: answer 9
                  - id: gives-up
                    persona:
                      goal: hear answer 9
                      opening: hi
                      replies: [{when: 'answer 1', say: next}]
                      satisfied_when: answer 9
                  - id: judged-by-success-only
                    persona: {goal: chat, opening: hi, otherwise: more, patience: 3}
                    success: {contains: answer 3, tools_not_called: [{risk: write}]}
                """,
            ),
            sandbox,
        )
    )
    assert results["reached"].passed
    assert len(results["reached"].transcript) == 3
    impatient = results["impatient"]
    assert failed_names(impatient) == ["goal reached: hear answer 9"]
    assert impatient.failed_checks[0].detail == "patience ran out after 2 turn(s)"
    gave_up = results["gives-up"].failed_checks[0].detail
    assert gave_up == "the persona gave up after turn 2: no reply fits 'answer 2'"
    assert results["judged-by-success-only"].passed
    assert len(results["judged-by-success-only"].transcript) == 3
