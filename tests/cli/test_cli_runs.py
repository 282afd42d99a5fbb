"""``keel runs list|show|resume`` and ``keel purge``."""

from __future__ import annotations

import json

import pytest
from cli_keel import HELPDESK, Keel

from keel.cli.app import parse_duration
from keel.errors import UserError


def run(keel: Keel, text: str) -> str:
    result = keel("run", HELPDESK, text, "--json")
    assert result.exit_code == 0, result.output
    run_id: str = json.loads(result.stdout)["run_id"]
    return run_id


def test_runs_list_shows_runs_newest_first(keel: Keel) -> None:
    first = run(keel, "My VPN keeps disconnecting")
    second = run(keel, "Outlook will not open")

    plain = keel("runs", "list")
    listed = json.loads(keel("runs", "list", "--json").stdout)

    assert plain.exit_code == 0
    assert first in plain.stdout
    assert second in plain.stdout
    assert [r["run_id"] for r in listed] == [second, first]
    assert {r["status"] for r in listed} == {"completed"}
    assert json.loads(keel("runs", "list", "--status", "failed", "--json").stdout) == []
    assert len(json.loads(keel("runs", "list", "--limit", "1", "--json").stdout)) == 1


def test_runs_list_on_an_empty_store(keel: Keel) -> None:
    result = keel("runs", "list", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_runs_show_by_prefix_prints_the_step_timeline(keel: Keel) -> None:
    run_id = run(keel, "My VPN keeps disconnecting")

    result = keel("runs", "show", run_id[:-3])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"run {run_id}  status: completed  agent: helpdesk@1.0.0")
    assert lines[1] == 'input: "My VPN keeps disconnecting"'
    assert lines[2].startswith('output: "From the knowledge base')
    assert "steps" in lines[3]
    timeline = "\n".join(lines[3:])
    for name in ["rules:default", "search_kb", "create_ticket"]:
        assert name in timeline
    assert "calls search_kb" in timeline


def test_runs_show_json_has_the_journal(keel: Keel) -> None:
    run_id = run(keel, "Outlook will not open")

    doc = json.loads(keel("runs", "show", run_id, "--json").stdout)

    assert doc["run_id"] == run_id
    assert [(j["step"], j["kind"], j["state"]) for j in doc["journal"]] == [
        (1, "model", "completed"),
        (2, "tool", "completed"),
        (3, "model", "completed"),
    ]
    assert doc["journal"][1]["payload"]["call"]["name"] == "search_kb"


def test_runs_show_prints_user_text_as_it_is(keel: Keel) -> None:
    # Rich markup in user input must not be interpreted (``[/]`` used to crash the command).
    run_id = run(keel, "printer [/] on floor [bold]3[/bold] jams")

    result = keel("runs", "show", run_id)

    assert result.exit_code == 0, result.output
    assert 'input: "printer [/] on floor [bold]3[/bold] jams"' in result.stdout.splitlines()


def test_runs_show_of_an_unknown_run_exits_1(keel: Keel) -> None:
    run(keel, "Outlook will not open")

    result = keel("runs", "show", "nope")

    assert result.exit_code == 1
    assert "NOT_FOUND: no run 'nope'" in result.stderr
    odd = keel("runs", "show", "run_[/]")
    assert odd.exit_code == 1
    assert "no run 'run_[/]'" in odd.stderr


def test_runs_show_of_an_ambiguous_prefix_exits_2(keel: Keel) -> None:
    run(keel, "Outlook will not open")
    run(keel, "printer jams")

    result = keel("runs", "show", "run_")

    assert result.exit_code == 2
    assert "matches several runs" in result.stderr


def test_runs_resume_with_nothing_to_resume(keel: Keel) -> None:
    result = keel("runs", "resume")

    assert result.exit_code == 0
    assert result.stdout == "no unfinished runs\n"


def test_purge_deletes_finished_runs(keel: Keel) -> None:
    run(keel, "My VPN keeps disconnecting")
    run(keel, "Outlook will not open")

    kept = keel("purge", "--older-than", "1d")
    assert kept.exit_code == 0
    assert kept.stdout.startswith("purged 0 run(s)")
    assert len(json.loads(keel("runs", "list", "--json").stdout)) == 2

    purged = keel("purge", "--older-than", "0s")

    assert purged.exit_code == 0
    assert purged.stdout == "purged 2 run(s) finished more than 0s ago\n"
    assert json.loads(keel("runs", "list", "--json").stdout) == []


@pytest.mark.parametrize("bad", ["3x", "ten days", "", "-1d"])
def test_purge_with_a_bad_age_exits_2(keel: Keel, bad: str) -> None:
    result = keel("purge", "--older-than", bad)

    assert result.exit_code == 2
    assert "must look like 30d, 12h, 90m, 45s or 2w" in result.stderr


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45s", 45), ("90m", 5400), ("12h", 43200), ("30d", 2592000), ("2w", 1209600), ("1.5h", 5400)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_parse_duration_rejects_other_units() -> None:
    with pytest.raises(UserError):
        parse_duration("3y")
