"""JSON, JUnit and HTML reports, written and parsed back."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from eval_kit import suite

from keel.agent import Agent
from keel.errors import UserError
from keel.evals import EvalReport, Gate, evaluate, write_html, write_json, write_junit

_SUITE = """
name: smoke
cases:
  - {id: ok, input: My mailbox is full, tags: [email], expect: {contains: 50 GB}}
  - id: broken
    input: My mailbox is full
    tags: [email]
    expect: {contains: 70 GB, status: failed}
journeys:
  - id: walk
    persona: {goal: mailbox, opening: My mailbox is full, satisfied_when: quota}
"""


@pytest.fixture
async def report(tmp_path: Path, helpdesk: Agent) -> EvalReport:
    return await evaluate(
        helpdesk, [suite(tmp_path, _SUITE)], gate=Gate.parse("pass_rate>=0.5,p95_ms<=60000")
    )


def test_json_report_round_trips(tmp_path: Path, report: EvalReport) -> None:
    path = tmp_path / "out" / "report.json"
    write_json(report, path)
    doc = json.loads(path.read_text())
    assert doc["id"] == report.id
    assert doc["agent"] == "helpdesk"
    assert doc["suites"] == ["smoke"]
    assert doc["passed"] is True
    assert doc["gates"] == [
        {
            "gate": "pass_rate>=0.5,p95_ms<=60000",
            "passed": True,
            "failures": [],
            "checked": [
                "pass_rate>=0.5 (pass_rate = 0.6667)",
                f"p95_ms<=60000 (p95_ms = {report.metrics['p95_ms']:.4g})",
            ],
        }
    ]
    assert doc["metrics"]["cases"] == 3
    results = {r["id"]: r for r in doc["results"]}
    assert results["ok"]["passed"]
    assert results["walk"]["kind"] == "journey"
    broken = results["broken"]
    assert [c["name"] for c in broken["checks"] if not c["passed"]] == [
        "contains '70 GB'",
        "status failed",
    ]
    assert broken["transcript"][0]["user"] == "My mailbox is full"


def test_junit_has_one_testcase_per_case(tmp_path: Path, report: EvalReport) -> None:
    path = tmp_path / "junit.xml"
    write_junit(report, path)
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("3", "1")
    (element,) = root.findall("testsuite")
    assert element.get("name") == "smoke"
    props = {p.get("name"): p.get("value") for p in element.iter("property")}
    assert props["agent_hash"] == report.agent_hash
    assert props["eval_run"] == report.id
    cases = {c.get("name"): c for c in element.findall("testcase")}
    assert set(cases) == {"ok", "broken", "walk"}
    assert cases["walk"].get("classname") == "smoke.journey"
    assert cases["ok"].find("failure") is None
    failure = cases["broken"].find("failure")
    assert failure is not None
    assert failure.get("message") == "2 of 2 checks failed"
    assert failure.get("type") == "failure"
    assert failure.text is not None
    assert "contains '70 GB': got 'From the knowledge" in failure.text
    assert float(cases["ok"].get("time") or "-1") >= 0


def test_html_report_is_self_contained_with_three_charts(
    tmp_path: Path, report: EvalReport
) -> None:
    path = tmp_path / "report.html"
    write_html(report, path)
    page = path.read_text()
    assert page.startswith("<!doctype html>")
    # plotly.js is embedded from the installed package: no script is fetched, it opens offline.
    assert "<script src=" not in page
    assert "<script>/**\n* plotly.js v" in page
    assert len(page) > 1_000_000
    assert page.count('class="plotly-graph-div"') == 3
    for title in ("Pass rate by tag", "Turn latency", "Cost per case"):
        assert title in page
    assert "gate pass_rate&gt;=0.5,p95_ms&lt;=60000: passed" in page
    assert re.search(r"<h2>Failures \(1\)</h2>.*broken", page, re.S)


def test_reports_escape_what_cases_say(tmp_path: Path, report: EvalReport) -> None:
    from dataclasses import replace

    evil = replace(report.results[1], case_id="<script>alert(1)</script>")
    doc = replace(report, results=(report.results[0], evil, report.results[2]))
    write_html(doc, tmp_path / "r.html")
    assert "<script>alert(1)</script>" not in (tmp_path / "r.html").read_text()
    write_junit(doc, tmp_path / "j.xml")
    names = [c.get("name") for c in ET.parse(tmp_path / "j.xml").getroot().iter("testcase")]
    assert "<script>alert(1)</script>" in names


def test_an_unwritable_report_is_a_user_error(tmp_path: Path, report: EvalReport) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot write"):
        write_json(report, blocker / "report.json")
