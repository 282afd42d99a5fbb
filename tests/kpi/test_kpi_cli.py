"""``keel kpi report``, ``keel feedback …`` and ``keel alerts`` on the example agent."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from keel.cli.app import app

HELPDESK = Path(__file__).resolve().parents[2] / "examples" / "helpdesk"


class Keel:
    def __init__(self, root: Path) -> None:
        self.env: dict[str, str | None] = {
            k: None for k in os.environ if k.startswith(("KEEL_", "OPENAI_", "ANTHROPIC_"))
        }
        self.env.update(KEEL_DATA_DIR=str(root / "data"), HELPDESK_DATA_DIR=str(root / "hd"))

    def __call__(self, *args: Any) -> Result:
        result = CliRunner().invoke(app, [str(a) for a in args], env=self.env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result


@pytest.fixture
def keel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Keel:
    monkeypatch.chdir(tmp_path)
    return Keel(tmp_path)


def run_once(keel: Keel, text: str = "My VPN keeps disconnecting") -> str:
    done = keel("run", HELPDESK, text, "--json")
    assert done.exit_code == 0, done.output
    return str(json.loads(done.stdout)["run_id"])


def test_kpi_report_as_json_table_and_html(keel: Keel, tmp_path: Path) -> None:
    run_once(keel)
    doc = json.loads(keel("kpi", "report", "--format", "json").stdout)
    (agent,) = doc["agents"]
    assert agent["agent"] == "helpdesk"
    assert agent["runs"] == 1
    assert [v["version"] for v in agent["versions"]] == ["1.0.0"]
    k = {x["name"]: x for x in agent["kpis"]}
    assert k["availability"]["value"] == 1.0
    assert k["tool_success_rate"]["samples"] == 2  # search_kb and create_ticket
    table = keel("kpi", "report", "helpdesk", "--since", "1h")
    assert table.exit_code == 0
    assert "availability" in table.stdout
    assert "100.0%" in table.stdout
    out = tmp_path / "kpi.html"
    html = keel("kpi", "report", "--format", "html", "--out", out)
    assert html.exit_code == 0, html.output
    page = out.read_text()
    assert "Plotly.newPlot" in page
    assert "helpdesk" in page
    # plotly.js is inline: nothing to fetch (it only names a CDN for map data, unused here).
    assert "<script src=" not in page
    assert "Plotly.newPlot" in page.split("</script>", 1)[1]
    assert keel("kpi", "report", "--since", "soon").exit_code == 2
    assert keel("kpi", "report", "--format", "pdf").exit_code == 2
    empty = json.loads(keel("kpi", "report", "billing", "--format", "json").stdout)
    assert empty["agents"][0]["runs"] == 0


def test_feedback_add_list_and_export(keel: Keel, tmp_path: Path) -> None:
    run_id = run_once(keel)
    assert keel("feedback", "add", run_id[:12], "--thumbs", "down").exit_code == 0
    added = keel(
        "feedback", "add", run_id, "--correction",
        "Write to jane.doe@example.com; reinstall the VPN client.",
        "--consent", "--validated-by", "lead",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    fb_id = added.stdout.split()[1].rstrip(":")
    listed = json.loads(keel("feedback", "list", "--json").stdout)
    assert sorted(f["kind"] for f in listed) == ["correction", "thumbs"]
    stored = next(f for f in listed if f["kind"] == "correction")
    assert stored["id"] == fb_id
    assert "jane.doe@example.com" not in stored["text"]

    out = tmp_path / "train.jsonl"
    exported = keel("feedback", "export", "--format", "openai-jsonl", "--out", out)
    assert exported.exit_code == 0, exported.output
    (line,) = out.read_text().splitlines()
    messages = json.loads(line)["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]
    assert messages[1]["content"] == "My VPN keeps disconnecting"
    assert "reinstall the VPN client" in messages[2]["content"]
    assert "jane.doe@example.com" not in line

    for bad in (
        ["feedback", "add", run_id],
        ["feedback", "add", run_id, "--thumbs", "up", "--score", "4"],
        ["feedback", "add", run_id, "--score", "9"],
        ["feedback", "add", run_id, "--text", "x"],
        ["feedback", "add", "run_nope", "--thumbs", "up"],
        ["feedback", "add", run_id, "--thumbs", "up", "--tenant", "acme"],
        ["feedback", "validate", "fb_nope", "--by", "x"],
    ):
        assert keel(*bad).exit_code == 2, bad
    kpis = json.loads(keel("kpi", "report", "--format", "json").stdout)["agents"][0]["kpis"]
    k = {x["name"]: x["value"] for x in kpis}
    assert (k["thumbs_down_rate"], k["override_rate"]) == (1.0, 1.0)


def test_alerts_list_and_check(keel: Keel) -> None:
    run_once(keel)
    assert keel("alerts").stdout.strip() == "no alerts"
    assert json.loads(keel("alerts", "--json", "--status", "firing").stdout) == []
    checked = keel("alerts", "check")
    assert checked.exit_code == 0
    assert "no alert fired or cleared" in checked.stdout
    assert json.loads(keel("alerts", "check", "--json").stdout) == []


def test_a_cli_evaluation_feeds_the_kpi_report(keel: Keel, tmp_path: Path) -> None:
    run_once(keel)
    suite = tmp_path / "vpn.yaml"
    suite.write_text(
        "name: vpn\ncases:\n"
        "  - {id: drops, input: My VPN keeps disconnecting, expect: {contains: VPN}}\n"
        "  - {id: never, input: My VPN keeps disconnecting, expect: {contains: no such text}}\n"
    )
    evaluated = keel("eval", HELPDESK, "--suite", suite, "--no-adversarial")
    assert evaluated.exit_code == 1, evaluated.output  # a case failed; still stored
    doc = json.loads(keel("kpi", "report", "--format", "json").stdout)
    (agent,) = doc["agents"]
    assert agent["evaluation"]["trigger"] == "cli"
    assert (agent["evaluation"]["cases"], agent["evaluation"]["passed"]) == (2, 1)
    k = {x["name"]: x for x in agent["kpis"]}
    assert (k["eval_pass_rate"]["value"], k["eval_pass_rate"]["samples"]) == (0.5, 2)
    assert k["adversarial_block_rate"]["value"] is None  # no adversarial case ran
    assert agent["versions"][0]["evaluation"]["id"] == agent["evaluation"]["id"]
    table = keel("kpi", "report", "helpdesk")
    assert table.exit_code == 0, table.output
    assert "eval_pass_rate" in table.stdout
    assert "50.0%" in table.stdout
