"""``keel runs show`` and ``keel runs list --json`` print a run's output as ``keel run``
did: vault tokens restored and masked for ``output`` by the agent its spec defines, or,
where the spec now holds another definition, as the journal keeps it (labelled)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_keel import Keel, write_agent

from keel import host

EMAIL = "jane.doe@example.com"
CARD = "4242 4242 4242 4242"
SPEC = """\
apiVersion: keel/v1
kind: Agent
metadata: {name: noted, version: 1.0.0}
spec:
  instructions: {text: "Take notes."}
  model:
    primary: {provider: rules, name: test, tags: ["pii:restricted"]}
    rules: {intents: [], default: "Noted: {input}"}
"""


@pytest.fixture(autouse=True)
def _fresh_process_vaults() -> Iterator[None]:
    # keel.host keeps one vault per store in a process; each test starts as a new one.
    host._VAULTS.clear()
    yield
    host._VAULTS.clear()


def test_runs_show_and_list_print_the_output_as_keel_run_did(keel: Keel, tmp_path: Path) -> None:
    agent = write_agent(tmp_path / "noted", SPEC)
    ran = keel("run", agent, f"Refund card {CARD}, then write to {EMAIL}.", "--json")
    assert ran.exit_code == 0, ran.output
    run = json.loads(ran.stdout)
    assert EMAIL in run["output"]
    assert CARD not in run["output"]
    host._VAULTS.clear()  # each command is a new process

    shown = json.loads(keel("runs", "show", run["run_id"], "--json").stdout)
    listed = json.loads(keel("runs", "list", "--json").stdout)
    plain = keel("runs", "show", run["run_id"]).stdout.splitlines()

    assert shown["output"] == run["output"]
    assert [r["output"] for r in listed] == [run["output"]]
    assert f"output: {json.dumps(run['output'])}" in plain
    # The journal itself keeps the address as a token.
    steps = json.dumps(shown["journal"], ensure_ascii=False)
    assert EMAIL not in steps
    assert "\u27e6email:tok_" in steps


def test_a_spec_that_changed_since_the_run_prints_the_journal_form(
    keel: Keel, tmp_path: Path
) -> None:
    agent = write_agent(tmp_path / "noted", SPEC)
    run = json.loads(keel("run", agent, f"Write to {EMAIL}.", "--json").stdout)
    write_agent(agent, SPEC.replace("Take notes.", "Take short notes."))
    host._VAULTS.clear()

    shown = json.loads(keel("runs", "show", run["run_id"], "--json").stdout)
    plain = keel("runs", "show", run["run_id"]).stdout

    assert EMAIL not in shown["output"]
    assert shown["output"].startswith("Noted: Write to \u27e6email:tok_")
    assert "output (as journaled): " in plain
    assert EMAIL not in plain
