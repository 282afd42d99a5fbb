"""THE crash test: a real ``keel run`` process is SIGKILLed mid-run, ``keel runs resume``
finishes the run, and no side effect happens twice.

The agent (written to ``tmp_path``) runs offline on its ``rules`` model. Its tools:

* ``record`` — not idempotent: appends a line to ``side_effects.txt`` (optionally then
  blocks, so a crash can land inside it);
* ``wait`` — idempotent: writes a marker, then blocks until a ``release`` file appears.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from keel.store import Store

KEEL = Path(sys.executable).with_name("keel")
# Generous: a loaded CI machine can take seconds to start a keel process.
DEADLINE_S = 60.0

AGENT_YAML = r"""
apiVersion: keel/v1
kind: Agent
metadata:
  name: courier
  version: 1.0.0
spec:
  instructions:
    text: Record deliveries.
  model:
    primary: rules
    rules:
      intents:
        - intent: deliver
          patterns: ['^deliver (?P<parcel>\w+)']
          calls:
            - tool: record
              args: {note: "delivered {match.parcel}"}
            - tool: wait
          answer: "{results.record}; {results.wait}"
        - intent: hold
          patterns: ['^hold (?P<parcel>\w+)']
          calls:
            - tool: record
              args: {note: "held {match.parcel}", hold: true}
          answer: "{results.record}"
  tools:
    - tools:record
    - tools:wait
  limits:
    timeout_s: 60
"""

TOOLS_PY = '''
import os
import time
from pathlib import Path

from keel.tools import tool


def _dir() -> Path:
    return Path(os.environ["CRASH_TEST_DIR"])


def _until_released(marker: str) -> None:
    (_dir() / marker).write_text("started")
    while not (_dir() / "release").exists():
        time.sleep(0.01)


@tool(idempotent=False, timeout_s=60)
def record(note: str, hold: bool = False) -> str:
    """Record a delivery: a side effect, one line per call."""
    with (_dir() / "side_effects.txt").open("a") as f:
        f.write(note + "\\n")
    if hold:
        _until_released("record.started")
    return f"recorded {note}"


@tool(idempotent=True, timeout_s=60)
def wait() -> str:
    """Block until released; safe to run again."""
    _until_released("wait.started")
    return "released"
'''


class Crash:
    """One agent folder, data dir and side-effect folder under ``tmp_path``."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path
        self.spec = tmp_path / "courier"
        self.work = tmp_path / "work"
        self.db = tmp_path / "data" / "keel.db"
        self.spec.mkdir()
        self.work.mkdir()
        (self.spec / "agent.yaml").write_text(textwrap.dedent(AGENT_YAML))
        (self.spec / "tools.py").write_text(textwrap.dedent(TOOLS_PY))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("KEEL_", "OPENAI_"))}
        self.env.update(KEEL_DATA_DIR=str(tmp_path / "data"), CRASH_TEST_DIR=str(self.work))

    def start_run(self, text: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(KEEL), "run", str(self.spec), text, "--json"],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def resume(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KEEL), "runs", "resume"],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def step_states(self) -> list[tuple[int, str, str]]:
        if not self.db.exists():
            return []
        with closing(sqlite3.connect(self.db)) as conn:
            try:
                return conn.execute(
                    "SELECT step, name, state FROM run_steps ORDER BY step"
                ).fetchall()
            except sqlite3.OperationalError:  # tables not created yet
                return []

    def side_effects(self) -> list[str]:
        return (self.work / "side_effects.txt").read_text().splitlines()


def wait_until(proc: subprocess.Popen[str], what: str, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not ready():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"keel run exited ({proc.returncode}) before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()  # reap it, so its PID reads as gone (a zombie would still answer kill 0)
    assert proc.returncode == -signal.SIGKILL
    for stream in (proc.stdout, proc.stderr):
        assert stream is not None
        stream.close()


@pytest.fixture
def crash(tmp_path: Path) -> Crash:
    assert KEEL.exists(), f"{KEEL} is missing; install the project into its venv"
    return Crash(tmp_path)


def test_kill_in_an_idempotent_tool_then_resume_completes_without_repeating(
    crash: Crash,
) -> None:
    proc = crash.start_run("deliver p1")
    wait_until(proc, "the wait tool started", (crash.work / "wait.started").exists)
    # ``record``'s result goes to the writer thread the moment it returns; let it land
    # so the kill falls strictly inside ``wait``, the case under test.
    wait_until(
        proc,
        "record's result is journaled",
        lambda: (2, "record", "completed") in crash.step_states(),
    )
    kill(proc)

    with Store.open(f"sqlite:///{crash.db}") as store:
        (run,) = store.runs.unfinished()
        assert run.status == "running"
        assert run.agent == "courier"
    assert crash.side_effects() == ["delivered p1"]
    (crash.work / "release").touch()

    resumed = crash.resume()

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"run {run.id}  status: completed" in resumed.stdout
    with Store.open(f"sqlite:///{crash.db}") as store:
        done = store.runs.get(run.id)
        assert done is not None
        assert done.status == "completed"
        assert done.output == "recorded delivered p1; released"
        assert done.model_used == "rules:default"
        assert [(s.step, s.kind, s.name, s.state) for s in store.runs.steps(run.id)] == [
            (1, "model", "rules:default", "completed"),
            (2, "tool", "record", "completed"),
            (3, "tool", "wait", "completed"),
            (4, "model", "rules:default", "completed"),
        ]
        assert store.runs.unfinished() == []
    assert crash.side_effects() == ["delivered p1"]  # exactly once


def test_kill_in_a_non_idempotent_tool_then_resume_needs_review(crash: Crash) -> None:
    proc = crash.start_run("hold p2")
    wait_until(proc, "the record tool started", (crash.work / "record.started").exists)
    kill(proc)

    with Store.open(f"sqlite:///{crash.db}") as store:
        (run,) = store.runs.unfinished()
        assert [(s.step, s.state) for s in store.runs.steps(run.id)] == [
            (1, "completed"),
            (2, "started"),
        ]
    (crash.work / "release").touch()

    resumed = crash.resume()

    assert resumed.returncode == 1, resumed.stdout + resumed.stderr
    assert f"run {run.id}  status: needs_review" in resumed.stdout
    with Store.open(f"sqlite:///{crash.db}") as store:
        done = store.runs.get(run.id)
        assert done is not None
        assert done.status == "needs_review"
        assert done.error_code == "NEEDS_REVIEW"
        assert done.error_message is not None
        assert "'record' (step 2) started before a crash" in done.error_message
    assert crash.side_effects() == ["held p2"]  # not repeated
    assert crash.resume().stdout.strip() == "no unfinished runs"
