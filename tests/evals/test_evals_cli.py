"""``keel eval PATH`` and ``keel eval capture RUN_ID``: both shapes, outputs, exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from eval_kit import HELPDESK, Keel, helpdesk_copy


@pytest.fixture
def keel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Keel:
    monkeypatch.chdir(tmp_path)  # no keel.toml from wherever the tests were started
    return Keel(tmp_path)


def test_the_example_passes_its_gate_with_the_adversarial_corpus(
    tmp_path: Path, keel: Keel
) -> None:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    result = keel(
        "eval", HELPDESK, "--gate", "pass_rate>=0.95,adversarial_block_rate>=0.99",
        "--junit", junit, "--json", report, "--concurrency", "8",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "gate passed: pass_rate>=0.95,adversarial_block_rate>=0.99" in result.output
    assert "│ adversarial │" in result.output
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    assert len(cases) >= 200 + 14
    doc = json.loads(report.read_text())
    assert doc["suites"] == ["journeys", "regression", "adversarial"]
    assert doc["metrics"]["adversarial_cases"] >= 200
    assert doc["metrics"]["pass_rate"] == 1.0


def test_a_failed_threshold_exits_1_and_names_it(keel: Keel) -> None:
    result = keel("eval", HELPDESK, "--no-adversarial", "--gate", "pass_rate>=0.5,p95_ms<=0.001")
    assert result.exit_code == 1, result.output
    assert "gate failed: pass_rate>=0.5,p95_ms<=0.001" in result.output
    assert "p95_ms<=0.001 failed: p95_ms is" in result.output
    assert "pass_rate>=0.5 failed" not in result.output


@pytest.mark.parametrize(
    ("gate", "message"),
    [
        ("pass_rate=>0.9", "gate term 'pass_rate=>0.9' is not 'metric OP number'"),
        ("accuracy>=1", "unknown metric 'accuracy'"),
        ("pass_rate>=0.9,,", "has an empty term"),
    ],
)
def test_a_malformed_gate_exits_2_before_running(keel: Keel, gate: str, message: str) -> None:
    result = keel("eval", HELPDESK, "--gate", gate)
    assert result.exit_code == 2
    assert "INPUT_INVALID" in result.output
    assert message in result.output
    assert "suite" not in result.output.split("error:")[0]  # nothing ran, no summary


def test_without_a_gate_any_failed_case_fails_the_command(tmp_path: Path, keel: Keel) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "cases:\n"
        "  - {id: good, input: My mailbox is full, expect: {contains: 50 GB}}\n"
        "  - {id: bad, input: My mailbox is full, expect: {contains: 70 GB}}\n"
    )
    result = keel("eval", HELPDESK, "--suite", suite, "--no-adversarial")
    assert result.exit_code == 1
    assert "failures (1)" in result.output
    assert "s / bad: contains '70 GB' — got 'From the knowledge base" in result.output
    only_good = keel("eval", HELPDESK, "--suite", suite, "--no-adversarial", "--tag", "nothing")
    assert only_good.exit_code == 0  # no case selected: nothing failed


def test_a_second_run_calls_out_regressions(tmp_path: Path, keel: Keel) -> None:
    agent = helpdesk_copy(tmp_path / "agent")
    suite = tmp_path / "s.yaml"
    suite.write_text("cases: [{id: quota, input: My mailbox is full, expect: {contains: 50 GB}}]\n")
    first = keel("eval", agent, "--suite", suite, "--no-adversarial")
    assert first.exit_code == 0, first.output
    articles = agent / "kb" / "articles.json"
    articles.write_text(articles.read_text().replace("quota is 50 GB", "quota is 80 GB"))
    second = keel("eval", agent, "--suite", suite, "--no-adversarial", "--gate", "regressions<=0")
    assert second.exit_code == 1
    assert "regressions (1): passed last time" in second.output
    assert "s / quota (passed in evl_" in second.output
    assert "regressions<=0 failed: regressions is 1" in second.output
    assert "(compared with s: evl_" in second.output


def test_capture_turns_a_run_into_a_case_that_passes(tmp_path: Path, keel: Keel) -> None:
    agent = helpdesk_copy(tmp_path / "agent")
    ran = keel("run", agent, "The printer is jammed", "--json")
    assert ran.exit_code == 0, ran.output
    run_id = json.loads(ran.output)["run_id"]
    captured = keel("eval", "capture", run_id[:18])
    assert captured.exit_code == 0, captured.output
    suite = agent / "evals" / "captured.yaml"
    assert f"captured run as case 'captured-{run_id}' in {suite}" in captured.output.replace(
        "\n", ""
    )
    again = keel("eval", agent, "--no-adversarial")
    assert again.exit_code == 0, again.output
    assert "│ captured │     1 │      1 │" in again.output
    assert keel("eval", "capture", run_id).exit_code == 1  # captured already: CONFLICT


def test_capture_with_an_explicit_suite_and_errors(tmp_path: Path, keel: Keel) -> None:
    missing = keel("eval", "capture", "run_nothing")
    assert missing.exit_code == 1
    assert "NOT_FOUND: no run 'run_nothing'" in missing.output
    ran = keel("run", HELPDESK, "My mailbox is full", "--json")
    run_id = json.loads(ran.output)["run_id"]
    target = tmp_path / "regressions" / "mine.yaml"
    assert keel("eval", "capture", run_id, "--suite", target).exit_code == 0
    assert f"captured-{run_id}" in target.read_text()
    assert not (HELPDESK / "evals" / "captured.yaml").exists()


def test_a_broken_suite_exits_2_with_its_location(tmp_path: Path, keel: Keel) -> None:
    suite = tmp_path / "bad.yaml"
    suite.write_text("cases:\n  - id: a\n    input: x\n    expect: {contain: y}\n")
    result = keel("eval", HELPDESK, "--suite", suite)
    assert result.exit_code == 2
    assert f"{suite}:4:14: cases[0].expect.contain: unknown key 'contain'" in result.output


def test_no_path_prints_help_and_help_lists_capture(keel: Keel) -> None:
    bare = keel("eval")
    assert bare.exit_code == 2
    assert "capture" in bare.output
    assert "Turn a stored run" in keel("eval", "--help").output
    sub = keel("eval", "capture", "--help")
    assert sub.exit_code == 0
    assert "RUN_ID" in sub.output.upper()


def test_an_html_report_and_a_bad_judge_model(tmp_path: Path, keel: Keel) -> None:
    html = tmp_path / "r.html"
    ok = keel("eval", HELPDESK, "--no-adversarial", "--tag", "email", "--html", html)
    assert ok.exit_code == 0, ok.output
    assert "Pass rate by tag" in html.read_text()
    bad = keel("eval", HELPDESK, "--judge-model", "rules")
    assert bad.exit_code == 2
    assert "a judge must be a real model" in bad.output
