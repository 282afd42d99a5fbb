"""``keel run`` reports spans when telemetry is configured, and only then."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keel.cli.app import app

HELPDESK = Path(__file__).resolve().parents[2] / "examples" / "helpdesk"


def keel_env(tmp_path: Path, **extra: str) -> dict[str, str | None]:
    env: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith(("KEEL_", "OPENAI_", "ANTHROPIC_"))
    }
    env.update(KEEL_DATA_DIR=str(tmp_path / "data"), HELPDESK_DATA_DIR=str(tmp_path / "hd"))
    env.update(extra)
    return env


def test_keel_run_prints_spans_with_the_console_exporter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = keel_env(tmp_path, KEEL_TELEMETRY_EXPORTER="console")
    done = CliRunner().invoke(
        app, ["run", str(HELPDESK), "My VPN keeps disconnecting", "--json"], env=env
    )
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)  # the spans stay off stdout
    names = [
        line.split('"', 4)[3]
        for line in done.stderr.splitlines()
        if line.startswith('    "name": "')
    ]
    assert "invoke_agent helpdesk" in names
    assert "execute_tool search_kb" in names
    assert f'"keel.run.id": "{doc["run_id"]}"' in done.stderr

    quiet = CliRunner().invoke(
        app, ["run", str(HELPDESK), "printer jam", "--json"], env=keel_env(tmp_path)
    )
    assert quiet.exit_code == 0
    assert "invoke_agent" not in quiet.stderr
