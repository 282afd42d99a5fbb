"""Results stored per agent version, and regressions against the previous run of a suite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eval_kit import agent_at, helpdesk_copy, suite

from keel.evals import EvalHistory, Gate, Regression, evaluate, suites_for
from keel.evals._gate import GateSyntaxError
from keel.spec.loader import load_spec
from keel.store import Store

_CHECKS = """
name: checks
defaults: {roles: [employee]}
cases:
  - {id: fifty, input: My mailbox is full, expect: {contains: quota is 50 GB}}
  - {id: hundred, input: My mailbox is full, expect: {contains: quota is 100 GB}}
  - {id: vpn, input: My VPN keeps disconnecting, expect: {contains: VPN drops}}
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'keel.db'}")
    yield s
    s.close()


def _version_2(folder: Path) -> Path:
    """The helpdesk at 1.1.0, whose mailbox article now says 100 GB."""
    helpdesk_copy(folder)
    spec = folder / "agent.yaml"
    spec.write_text(spec.read_text().replace("version: 1.0.0", "version: 1.1.0"))
    articles = folder / "kb" / "articles.json"
    articles.write_text(articles.read_text().replace("the quota is 50 GB", "the quota is 100 GB"))
    return folder


async def test_a_case_that_passed_last_time_and_fails_now_is_a_regression(
    tmp_path: Path, store: Store
) -> None:
    checks = suite(tmp_path, _CHECKS)
    history = EvalHistory(store)
    v1 = agent_at(helpdesk_copy(tmp_path / "v1"))
    first = await evaluate(v1, [checks], history=history)
    assert [r.passed for r in first.results] == [True, False, True]
    assert first.regressions == ()
    assert first.previous == {}

    v2 = agent_at(_version_2(tmp_path / "v2"))
    second = await evaluate(v2, [checks], history=history, gate=Gate.parse("regressions<=0"))
    assert second.previous == {"checks": first.id}
    assert second.regressions == (Regression("checks", "fifty", first.id),)
    assert second.fixed == (Regression("checks", "hundred", first.id),)
    assert [r.regression for r in second.results] == [True, False, False]
    assert second.metrics["regressions"] == 1
    assert not second.passed
    assert second.gates[0].failures == ("regressions<=0 failed: regressions is 1",)

    stored = history.recent(agent="helpdesk")
    assert [(s.id, s.agent_version) for s in stored] == [
        (second.id, "1.1.0"),
        (first.id, "1.0.0"),
    ]
    assert stored[0].agent_hash == v2.content_hash != stored[1].agent_hash
    assert (stored[0].cases, stored[0].passed, stored[0].gate_passed) == (3, 2, False)
    assert stored[1].gate_passed is None
    assert stored[0].metrics["pass_rate"] == pytest.approx(2 / 3)
    rows = {r.case_id: r for r in history.results(second.id)}
    assert rows["fifty"].regression
    assert not rows["fifty"].passed
    assert "quota is 100 GB" in json.dumps(rows["fifty"].output)
    assert rows["fifty"].failed_checks[0].name == "contains 'quota is 50 GB'"


async def test_comparison_is_per_suite_and_per_agent(tmp_path: Path, store: Store) -> None:
    history = EvalHistory(store)
    agent = agent_at(helpdesk_copy(tmp_path / "a"))
    one = suite(tmp_path, "name: one\ncases: [{id: a, input: My mailbox is full}]", "one.yaml")
    two = suite(tmp_path, "name: two\ncases: [{id: a, input: My mailbox is full}]", "two.yaml")
    first = await evaluate(agent, [one], history=history)
    second = await evaluate(agent, [two], history=history)
    assert second.previous == {}
    third = await evaluate(agent, [one, two], history=history)
    assert third.previous == {"one": first.id, "two": second.id}
    assert history.previous("another-agent", "one", before=third.finished_at + 1) is None


async def test_a_suite_gate_from_the_spec_applies_to_that_suite(tmp_path: Path) -> None:
    folder = helpdesk_copy(
        tmp_path / "agent",
        spec_extra="""
        evals:
          - {file: evals/checks.yaml, gate: "pass_rate>=0.9"}
        """,
    )
    (folder / "evals").mkdir()
    suite(folder / "evals", _CHECKS, "checks.yaml")
    loaded = load_spec(folder)
    report = await evaluate(agent_at(folder), suites_for(loaded, adversarial=False))
    assert [(g.text, g.passed) for g in report.gates] == [("checks: pass_rate>=0.9", False)]
    assert report.gates[0].failures == ("checks: pass_rate>=0.9 failed: pass_rate is 0.6667",)


async def test_a_malformed_suite_gate_is_refused_before_anything_runs(tmp_path: Path) -> None:
    folder = helpdesk_copy(
        tmp_path / "agent", spec_extra='evals: [{file: evals/checks.yaml, gate: "pass>0"}]'
    )
    (folder / "evals").mkdir()
    suite(folder / "evals", _CHECKS, "checks.yaml")
    suites = suites_for(load_spec(folder), adversarial=False)
    with pytest.raises(GateSyntaxError, match=r"the gate of suite checks \(spec.evals\)"):
        await evaluate(agent_at(folder), suites)
