"""``keel validate`` and ``keel init``: specs checked with located errors; a scaffold that
validates and runs offline."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from cli_keel import HELPDESK, Keel

from keel.spec import load_spec


def test_validate_prints_name_version_and_hash(keel: Keel) -> None:
    result = keel("validate", HELPDESK)

    assert result.exit_code == 0, result.output
    first, second = result.stdout.splitlines()
    assert first == f"ok: helpdesk@1.0.0 {load_spec(HELPDESK).content_hash}"
    assert re.fullmatch(r"ok: helpdesk@1\.0\.0 sha256:[0-9a-f]{64}", first)
    assert second == (
        "model: openai:gpt-4o-mini  tools: search_kb, lookup_user, create_ticket, "
        "reset_password  prompt version: 3"
    )


def test_validate_a_broken_spec_exits_2_with_file_line_and_column(
    keel: Keel, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(HELPDESK, bad)
    spec = bad / "agent.yaml"
    with spec.open("a", encoding="utf-8") as f:
        f.write("bogus_key: 1\n")
    line = len(spec.read_text(encoding="utf-8").splitlines())

    result = keel("validate", bad)

    assert result.exit_code == 2
    assert result.stdout == ""
    # One problem per line, never wrapped, so editors and CI can parse it.
    assert result.stderr.splitlines() == [
        f"{spec}:{line}:1: unknown key 'bogus_key' at the top level; "
        "allowed keys: apiVersion, kind, metadata, spec"
    ]


def test_validate_a_missing_folder_exits_2(keel: Keel, tmp_path: Path) -> None:
    result = keel("validate", tmp_path / "nowhere")

    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr


def test_init_scaffolds_a_project_that_validates_and_runs_offline(
    keel: Keel, tmp_path: Path
) -> None:
    project = tmp_path / "My Agent"

    created = keel("init", project)

    assert created.exit_code == 0, created.output
    for rel in ["agent.yaml", "prompts/system.md", "tools.py"]:
        assert (project / rel).is_file()
        assert f"created {project / rel}" in created.stdout.splitlines()
    assert created.stdout.splitlines()[-1] == (
        f"next: keel validate '{project}' && keel run '{project}' \"hello\""
    )
    validated = keel("validate", project)
    assert validated.exit_code == 0, validated.output
    assert validated.stdout.startswith("ok: my-agent@0.1.0 sha256:")
    assert "tools: city_time" in validated.stdout

    hello = json.loads(keel("run", project, "hello there", "--json").stdout)
    assert hello["status"] == "completed"
    assert hello["output"] == "Hello! I am my-agent. Ask me what time it is in a city."
    assert hello["model_used"] == "rules:default"
    assert hello["fallback_used"] is True

    timed = keel("run", project, "what time is it in Oslo?", "--json")
    assert timed.exit_code == 0, timed.output
    doc = json.loads(timed.stdout)
    assert re.fullmatch(
        r"It is \d\d:\d\d UTC \(you asked: what time is it in Oslo\?\)\.", doc["output"]
    )
    assert [t["name"] for t in doc["trace"]] == ["rules:default", "city_time", "rules:default"]


def test_init_takes_an_explicit_name(keel: Keel, tmp_path: Path) -> None:
    result = keel("init", tmp_path / "x", "--name", "billing-bot")

    assert result.exit_code == 0
    assert "name: billing-bot" in (tmp_path / "x" / "agent.yaml").read_text()


def test_init_refuses_to_overwrite_a_spec(keel: Keel, tmp_path: Path) -> None:
    assert keel("init", tmp_path / "agent").exit_code == 0
    before = (tmp_path / "agent" / "agent.yaml").read_text()

    again = keel("init", tmp_path / "agent")

    assert again.exit_code == 2
    assert "already exists" in again.stderr
    assert (tmp_path / "agent" / "agent.yaml").read_text() == before


def test_init_without_a_usable_name_exits_2(keel: Keel, tmp_path: Path) -> None:
    result = keel("init", tmp_path / "___")

    assert result.exit_code == 2
    assert "pass --name" in result.stderr
    assert not (tmp_path / "___").exists()
