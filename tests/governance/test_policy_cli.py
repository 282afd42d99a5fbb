"""``keel policy test`` and ``keel policy eval`` as a user runs them: a real process,
real exit codes (0 ok, 1 a failing test, 2 a bundle that does not compile)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keel.governance.policy import DEFAULT_PACK, PolicyBundle

REPO = Path(__file__).resolve().parents[2]


def keel(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from keel.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A copy of the shipped policy pack that a test may break."""
    return Path(shutil.copytree(DEFAULT_PACK, tmp_path / "pack"))


def test_the_shipped_pack_passes_its_rego_tests() -> None:
    done = keel("policy", "test", str(DEFAULT_PACK))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    n = sum(
        1
        for t in PolicyBundle.load().tests
        for line in t.source.splitlines()
        if line.startswith("test_")
    )
    assert lines[-1] == f"PASS: {n}/{n}"
    assert f"{DEFAULT_PACK / 'on_tool_test.rego'}:" in lines
    assert "  PASS  data.keel.on_tool_test.test_refund_over_the_limit_needs_approval" in lines


def test_the_governance_check_finds_a_pack_that_passes() -> None:
    # What shared/checks/governance does: the folder of the first policy under src/.
    first = sorted(p for p in (REPO / "src").rglob("*.rego") if "_test" not in p.name)[0]
    done = keel("policy", "test", str(first.parent))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_failing_rego_test_exits_1_and_names_it(pack: Path) -> None:
    test_file = pack / "on_tool_test.rego"
    test_file.write_text(
        test_file.read_text().replace(
            'd.reasons == ["tool refund moves 500.5, above the automatic limit of 500"]',
            'd.reasons == ["tool refund moves 500.5, above the automatic limit of 5000"]',
        )
    )
    done = keel("policy", "test", str(pack))
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "  FAIL  data.keel.on_tool_test.test_refund_over_the_limit_needs_approval: undefined"
        in done.stdout.splitlines()
    )
    assert "FAIL: 1/" in done.stdout


def test_a_test_that_errors_exits_1(pack: Path) -> None:
    (pack / "extra_test.rego").write_text(
        "package keel.extra_test\n\nimport rego.v1\n\n"
        'test_bad_number if {\n\tto_number("x") > 1\n}\n'
    )
    done = keel("policy", "test", str(pack))
    assert done.returncode == 1
    assert "ERROR data.keel.extra_test.test_bad_number" in done.stdout


def test_a_syntax_error_exits_2_with_file_line_and_column(pack: Path) -> None:
    policy = pack / "on_output.rego"
    policy.write_text(policy.read_text() + "\nbroken if {\n\tinput.a ==\n}\n")
    done = keel("policy", "test", str(pack))
    assert done.returncode == 2
    line = len(policy.read_text().splitlines()) - 1
    assert f"{policy}:{line}:" in done.stderr
    assert "Invalid boolean operator" in done.stderr


def test_an_engine_crash_is_reported_not_a_traceback(pack: Path) -> None:
    # rego-cpp aborts compiling `with input as` over a rule that calls a built-in.
    (pack / "crash_test.rego").write_text(
        "package keel.crash_test\n\nimport rego.v1\n\nr if input.n > 1\n\n"
        'test_with if {\n\tr with input as {"n": 2}\n}\n'
    )
    done = keel("policy", "test", str(pack))
    assert done.returncode == 2
    assert "the Rego engine (rego-cpp) crashed" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bundle_without_tests_or_policies_exits_2(tmp_path: Path) -> None:
    (tmp_path / "only.rego").write_text("package x\n\nimport rego.v1\n\nallow := true\n")
    assert keel("policy", "test", str(tmp_path)).returncode == 2
    assert keel("policy", "test", str(tmp_path / "missing")).returncode == 2


def test_eval_prints_the_decision_json(tmp_path: Path) -> None:
    doc = {
        "input_version": "keel.policy.input/v1",
        "point": "tool",
        "principal": {"id": "u-7", "roles": ["billing"], "tenant": "acme"},
        "injection": {"score": 0.02, "categories": []},
        "tool": {
            "name": "refund",
            "risk": "financial",
            "scopes": ["billing:refund"],
            "arguments": {"order_id": "A-1", "amount": 620, "card": "tok_9"},
        },
    }
    (tmp_path / "in.json").write_text(json.dumps(doc))
    done = keel("policy", "eval", "--point", "tool", "--input", str(tmp_path / "in.json"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "point": "tool",
        "result": "require_approval",
        "reasons": ["tool refund moves 620, above the automatic limit of 500"],
        "mask_fields": ["card"],
        "allowed_models": None,
        "policy_hash": PolicyBundle.load().hash,
    }
    from_stdin = keel("policy", "eval", "--point", "tool", "--input", "-", stdin=json.dumps(doc))
    assert json.loads(from_stdin.stdout) == json.loads(done.stdout)


def test_eval_with_a_broken_bundle_or_input_exits_2(pack: Path, tmp_path: Path) -> None:
    (tmp_path / "in.json").write_text("{}")
    (pack / "on_input.rego").write_text("package keel.on_input\n\ndecision := {\n")
    done = keel(
        "policy",
        "eval",
        "--point",
        "input",
        "--input",
        str(tmp_path / "in.json"),
        "--bundle",
        str(pack),
    )
    assert done.returncode == 2
    assert str(pack / "on_input.rego") in done.stderr
    (tmp_path / "bad.json").write_text("[1, 2]")
    assert (
        keel("policy", "eval", "--point", "input", "--input", str(tmp_path / "bad.json")).returncode
        == 2
    )
