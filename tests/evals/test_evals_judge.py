"""The LLM judge, driven by the library's ScriptedModel."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_kit import by_id, run, suite

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.errors import ModelUnavailable
from keel.evals import Judge, JudgeError
from keel.evals._judge import parse_verdict
from keel.models import ModelRequest, ScriptedModel

_SUITE = """
cases:
  - id: polite
    input: My mailbox is full
    reference: Archive old mail; the quota is 50 GB.
    expect:
      judge: {rubric: The answer tells the user how to free space, min_score: 0.8}
"""


async def test_a_judge_scores_against_the_rubric(
    tmp_path: Path, helpdesk: Agent, sandbox: LocalEngine
) -> None:
    seen: list[ModelRequest] = []

    def grade(request: ModelRequest) -> str:
        seen.append(request)
        return '```json\n{"score": 0.9, "reason": "explains archiving"}\n```'

    results = await run(
        helpdesk, suite(tmp_path, _SUITE), sandbox, judge=Judge(ScriptedModel(grade))
    )
    assert results[0].passed, results[0].checks
    assert results[0].checks[0].name.startswith("judge score >= 0.8: 'The answer tells")
    prompt = seen[0].messages[1].content
    assert "Rubric:\nThe answer tells the user how to free space" in prompt
    assert "User: My mailbox is full\nAgent: From the knowledge base" in prompt
    assert "A reference answer known to be good:\nArchive old mail" in prompt
    assert seen[0].messages[0].role == "system"


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        ('{"score": 0.4, "reason": "vague"}', "score 0.40 from scripted:judge: vague"),
        ("I'd say 9/10", 'scripted:judge answered "I\'d say 9/10", not {"score": 0..1'),
        ('{"score": 7}', 'not {"score": 0..1, "reason": "..."}'),
        (ModelUnavailable("down"), "judge scripted:judge did not answer: MODEL_UNAVAILABLE: down"),
    ],
)
async def test_a_low_or_unreadable_verdict_fails_the_check(
    tmp_path: Path, helpdesk: Agent, sandbox: LocalEngine, reply: object, detail: str
) -> None:
    judge = Judge(ScriptedModel([reply], name="judge"))  # type: ignore[list-item]
    results = await run(helpdesk, suite(tmp_path, _SUITE), sandbox, judge=judge)
    assert not results[0].passed
    assert detail in results[0].failed_checks[0].detail


async def test_without_a_judge_the_check_fails_and_says_how_to_configure_one(
    tmp_path: Path, helpdesk: Agent, sandbox: LocalEngine
) -> None:
    results = await run(helpdesk, suite(tmp_path, _SUITE), sandbox)
    assert "set 'judge_model' in the suite or pass --judge-model" in (
        results[0].failed_checks[0].detail
    )


async def test_a_suite_judge_wins_over_the_default(
    tmp_path: Path, helpdesk: Agent, sandbox: LocalEngine
) -> None:
    low = Judge(ScriptedModel(lambda _: '{"score": 0.1, "reason": "no"}', name="low"))
    high = Judge(ScriptedModel(lambda _: '{"score": 1, "reason": "yes"}', name="high"))
    loaded = suite(tmp_path, _SUITE)
    results = by_id(await run(helpdesk, loaded, sandbox, judge=low, judges={loaded.name: high}))
    assert results["polite"].passed


def test_parse_verdict_reads_plain_json() -> None:
    assert parse_verdict('{"score": 1, "reason": "ok"}').score == 1.0
    with pytest.raises(JudgeError):
        parse_verdict('{"score": true}')
