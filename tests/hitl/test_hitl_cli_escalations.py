"""``keel escalations`` and ``keel webhooks`` as a user runs them: real ``keel``
processes on one SQLite file, a copy of the helpdesk example with an escalation
section, and a real local HTTP receiver for the webhook replay."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
KEEL = Path(sys.executable).parent / "keel"
ASK = "I want to talk to a human about my laptop"


class Cli:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("KEEL_", "OPENAI_", "ANTHROPIC_", "HELPDESK_"))
        }
        self.env.update(KEEL_DATA_DIR=str(root / "data"), HELPDESK_DATA_DIR=str(root / "hd"))
        self.spec = root / "helpdesk"
        shutil.copytree(REPO / "examples" / "helpdesk", self.spec)
        with (self.spec / "agent.yaml").open("a") as f:
            f.write("  escalation:\n    sla_seconds: 90\n    on_breach: notify_next_tier\n")

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KEEL), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def _escalated(cli: Cli) -> tuple[str, str]:
    r = cli("run", str(cli.spec), ASK, "--json", "--session", "s1")
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    assert doc["status"] == "escalated", doc
    listed = cli("escalations", "list")
    assert listed.returncode == 0, listed.stderr
    escalation_id = listed.stdout.split()[0]
    assert escalation_id.startswith("esc_")
    assert "user_request" in listed.stdout
    return doc["run_id"], escalation_id


def test_list_show_claim_and_reply(cli: Cli) -> None:
    run_id, escalation_id = _escalated(cli)
    shown = cli("escalations", "show", escalation_id)
    assert shown.returncode == 0, shown.stderr
    assert f"run: {run_id}" in shown.stdout
    assert "reasons: user_request" in shown.stdout
    assert "next: The user asked for a person" in shown.stdout
    as_json = json.loads(cli("escalations", "show", escalation_id[:10], "--json").stdout)
    assert as_json["bundle"]["reasons"] == ["user_request"]

    claimed = cli("escalations", "claim", escalation_id, "--as", "maria")
    assert claimed.returncode == 0, claimed.stderr
    token = claimed.stdout.strip()
    assert token.startswith("kct1.")
    assert cli("escalations", "claim", escalation_id, "--as", "bob").returncode == 2

    bad = cli("escalations", "resolve", token[:-3] + "abc", "--reply", "hi")
    assert bad.returncode == 2
    assert "FORBIDDEN" in bad.stderr
    done = cli("escalations", "resolve", token, "--reply", "A technician will call you.")
    assert done.returncode == 0, done.stderr
    assert f"{escalation_id} resolved" in done.stdout
    assert cli("escalations", "list").stdout == ""
    assert escalation_id in cli("escalations", "list", "--all").stdout


def test_hand_back_runs_the_agent_again(cli: Cli) -> None:
    _, escalation_id = _escalated(cli)
    token = cli("escalations", "claim", escalation_id).stdout.strip()
    done = cli("escalations", "resolve", token, "--hand-back", "--reply", "Answer from the KB.")
    assert done.returncode == 0, done.stderr
    assert "handed_back" in done.stdout
    assert "completed" in done.stdout


class Receiver:
    def __init__(self) -> None:
        self.got: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                receiver.got.append(self.rfile.read(int(self.headers["content-length"])))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_webhooks_dead_letters_list_and_replay(cli: Cli, receiver: Receiver) -> None:
    from keel import Store
    from keel.hitl import Oversight, WebhookEndpoint, WebhookOptions, WebhookSender

    (cli.root / "keel.toml").write_text(
        f'[[webhooks]]\nname = "crm"\nurl = "{receiver.url}"\nsecret = "s3"\n'
    )
    # A delivery that failed every retry against a receiver that was down.
    url = f"sqlite:///{cli.root / 'data' / 'keel.db'}"
    with Store.open(url) as store:
        outbox = Oversight.of(store).webhooks.configure(
            [WebhookEndpoint(name="crm", url="http://127.0.0.1:9/down")],
            WebhookOptions(max_attempts=1),
        )
        [delivery_id] = outbox.emit("run.failed", {"run_id": "r1"}, tenant=None)
        import asyncio

        asyncio.run(WebhookSender(outbox).drain(timeout_s=5))
    listed = cli("webhooks", "list", "--failed")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[0] == delivery_id
    replayed = cli("webhooks", "replay", delivery_id)
    assert replayed.returncode == 0, replayed.stderr + replayed.stdout
    assert f"{delivery_id} delivered to crm" in replayed.stdout
    assert json.loads(receiver.got[0])["delivery_id"] == delivery_id
    assert cli("webhooks", "list", "--failed").stdout == ""
    assert cli("webhooks", "replay", delivery_id).returncode == 2
