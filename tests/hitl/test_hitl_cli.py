"""``keel approvals`` as a user runs it: real ``keel`` processes on one SQLite file,
so every decision is taken in another process than the one that asked for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HELPDESK = REPO / "examples" / "helpdesk"
KEEL = Path(sys.executable).parent / "keel"
RESET = "Please reset the password for user jdoe"


class Cli:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("KEEL_", "OPENAI_", "ANTHROPIC_", "HELPDESK_"))
        }
        self.env.update(KEEL_DATA_DIR=str(root / "data"), HELPDESK_DATA_DIR=str(root / "hd"))

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KEEL), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def resets(self) -> list[dict[str, str]]:
        path = self.root / "hd" / "password_resets.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def waiting_run(self) -> tuple[str, str]:
        r = self("run", str(HELPDESK), RESET, "--json")
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert doc["status"] == "awaiting_approval"
        listed = self("approvals", "list")
        assert listed.returncode == 0
        approval_id = listed.stdout.split()[0]
        assert approval_id.startswith("apr_")
        assert approval_id in doc["error"]["message"]
        return doc["run_id"], approval_id

    def run_status(self, run_id: str) -> dict[str, object]:
        r = self("runs", "show", run_id, "--json")
        assert r.returncode == 0, r.stderr
        doc: dict[str, object] = json.loads(r.stdout)
        return doc


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_approve_completes_the_run_and_resets_once(cli: Cli) -> None:
    run_id, approval_id = cli.waiting_run()
    assert cli.resets() == []

    r = cli("approvals", "approve", approval_id, "--as", "alice", "--reason", "ticket 42")
    assert r.returncode == 0, r.stderr
    assert f"{approval_id} approved by alice" in r.stdout
    assert "status: completed" in r.stdout
    doc = cli.run_status(run_id)
    assert doc["status"] == "completed"
    assert "one-time sign-in link" in str(doc["output"])
    assert [x["idempotency_key"] for x in cli.resets()] == [f"{run_id}:4"]

    again = cli("approvals", "approve", approval_id)
    assert again.returncode == 2
    assert "CONFLICT" in again.stderr
    assert len(cli.resets()) == 1
    shown = json.loads(cli("approvals", "show", approval_id, "--json").stdout)
    assert (shown["status"], shown["decider"], shown["decision_reason"]) == (
        "approved",
        "alice",
        "ticket 42",
    )
    assert cli("approvals", "list").stdout == ""
    assert approval_id in cli("approvals", "list", "--all").stdout


def test_reject_tells_the_user_and_resets_nothing(cli: Cli) -> None:
    run_id, approval_id = cli.waiting_run()

    r = cli("approvals", "reject", approval_id, "--reason", "call the user first")
    assert r.returncode == 0, r.stderr
    doc = cli.run_status(run_id)
    assert doc["status"] == "completed"
    assert "call the user first" in str(doc["output"])
    assert "APPROVAL_REJECTED" in doc["flags"]  # type: ignore[operator]
    assert cli.resets() == []


def test_edited_arguments_are_checked_before_anything_is_recorded(cli: Cli) -> None:
    run_id, approval_id = cli.waiting_run()

    bad = cli("approvals", "approve", approval_id, "--args", '{"username": "no such!"}')
    assert bad.returncode == 2
    assert "schema" in bad.stderr
    assert cli("approvals", "approve", approval_id, "--args", "{nope").returncode == 2
    assert json.loads(cli("approvals", "show", approval_id, "--json").stdout)["status"] == (
        "pending"
    )

    ok = cli("approvals", "approve", approval_id, "--args", '{"username": "asmith"}')
    assert ok.returncode == 0, ok.stderr
    assert [x["username"] for x in cli.resets()] == ["asmith"]
    assert cli.run_status(run_id)["status"] == "completed"


def test_unknown_ids_and_waiting_runs_are_not_orphans(cli: Cli) -> None:
    run_id, approval_id = cli.waiting_run()

    assert cli("approvals", "approve", "apr_nothing").returncode == 2
    assert cli("approvals", "show", "apr_nothing").returncode == 2
    resumed = cli("runs", "resume")
    assert resumed.returncode == 0
    assert "no unfinished runs" in resumed.stdout
    assert cli.run_status(run_id)["status"] == "awaiting_approval"
    shown = cli("approvals", "show", approval_id)
    assert "tool: reset_password  risk: irreversible" in shown.stdout
    assert "roles approver, admin" in shown.stdout
