"""How runs look on a terminal, rendered to a fixed-width console and compared exactly."""

from __future__ import annotations

import io
import textwrap
from dataclasses import replace
from typing import Any

from rich.console import Console

from keel.cli import render
from keel.store import RunRecord, StepRecord

RUN = RunRecord(
    id="run_01",
    agent="helpdesk",
    agent_version="1.0.0",
    agent_hash="sha256:ab",
    prompt_version="3",
    spec_path=None,
    tenant=None,
    session_id=None,
    status="failed",
    input="hi",
    output=None,
    error_code="TOOL_ERROR",
    error_message="tool 'x' failed [3 times]",
    model_used="rules:default",
    fallbacks=[
        {"model": "openai:gpt-4o-mini", "error_code": "MODEL_UNAVAILABLE", "message": "no key"}
    ],
    flags=["CONTEXT_TRUNCATED"],
    steps=3,
    input_tokens=100,
    output_tokens=20,
    cost_usd=None,
    owner=None,
    created_at=0.0,
    updated_at=1.0,
    finished_at=1.0,
)


def model_step(n: int, message: dict[str, Any], ms: float) -> StepRecord:
    payload = {"response": {"message": message}}
    return StepRecord("run_01", n, "model", "completed", "rules:default", payload, 0.0, ms / 1e3)


def tool_step(n: int, name: str, result: dict[str, Any] | None, ms: float | None) -> StepRecord:
    payload: dict[str, Any] = {"call": {}} if result is None else {"call": {}, "result": result}
    state, finished = ("started", None) if ms is None else ("completed", ms / 1e3)
    return StepRecord("run_01", n, "tool", state, name, payload, 0.0, finished)


SEARCH = {"id": "c1", "name": "search_kb", "arguments": {"query": "vpn"}}
STEPS = [
    model_step(1, {"tool_calls": [SEARCH]}, 1.2),
    tool_step(2, "search_kb", {"content": "[1,2]"}, 0.5),
    tool_step(3, "x", {"content": "boom", "error": "RuntimeError: boom", "error_kind": "fatal"}, 1),
    tool_step(4, "charge", None, None),
    model_step(5, {"content": "All   done\nnow"}, 2.0),
]


def rendered(draw: Any, *args: Any, width: int = 100, **kwargs: Any) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, legacy_windows=False)
    draw(console, *args, **kwargs)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


def test_summary_line() -> None:
    assert render.summary_line(RUN) == (
        "run run_01  status: failed  agent: helpdesk@1.0.0  model: rules:default  steps: 3  "
        "tokens: 120  cost: unknown  flags: CONTEXT_TRUNCATED"
    )
    ok = replace(RUN, status="completed", flags=[], cost_usd=0.0012345)
    assert render.summary_line(ok).endswith("tokens: 120  cost: $0.001234")


def test_a_failed_run_with_its_fallback_and_timeline() -> None:
    box = textwrap.dedent(
        """\
        ╭─ run failed ─────────────────────────────────────────────────────────────────────────╮
        │ TOOL_ERROR: tool 'x' failed [3 times]                                                │
        ╰──────────────────────────────────────────────────────────────────────────────────────╯
        answered by fallback model rules:default after: openai:gpt-4o-mini (MODEL_UNAVAILABLE:
        no key)
        steps
        ┏━━━┳━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
        ┃ # ┃ kind  ┃ name          ┃ state     ┃  ms ┃ detail                            ┃
        ┡━━━╇━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
        │ 1 │ model │ rules:default │ completed │ 1.2 │ calls search_kb({"query": "vpn"}) │
        │ 2 │ tool  │ search_kb     │ completed │ 0.5 │ → [1,2]                           │
        │ 3 │ tool  │ x             │ completed │ 1.0 │ error (fatal): RuntimeError: boom │
        │ 4 │ tool  │ charge        │ started   │   - │ started, no result recorded       │
        │ 5 │ model │ rules:default │ completed │ 2.0 │ answers: All done now             │
        └───┴───────┴───────────────┴───────────┴─────┴───────────────────────────────────┘"""
    )
    # The summary and data lines stay whole however narrow the console (grep-able).
    summary = render.summary_line(RUN)
    assert len(summary) > 88
    expected = [*box.splitlines(), summary, "data: /data/keel.db  (keel runs show run_01)"]

    text = rendered(render.print_run, RUN, STEPS, data="/data/keel.db", width=88)

    assert text.splitlines() == expected


def test_a_completed_run_shows_its_answer_as_text() -> None:
    done = replace(
        RUN, status="completed", output={"team": "[network]"}, fallbacks=[], error_code=None
    )

    text = rendered(render.print_run, done, [], data="/d")

    assert text.splitlines()[:5] == [
        "╭─ answer " + "─" * 89 + "╮",
        "│ {" + " " * 96 + "│",
        '│   "team": "[network]"' + " " * 76 + "│",
        "│ }" + " " * 96 + "│",
        "╰" + "─" * 98 + "╯",
    ]
    assert "fallback" not in text


def test_run_json_has_stable_keys() -> None:
    doc = render.run_json(RUN, data="/d")

    assert list(doc) == [
        "run_id",
        "status",
        "output",
        "error",
        "agent",
        "model_used",
        "fallback_used",
        "fallbacks",
        "flags",
        "decisions",
        "steps",
        "usage",
        "cost_usd",
        "session_id",
        "tenant",
        "created_at",
        "finished_at",
        "data",
    ]
    assert doc["error"] == {"code": "TOOL_ERROR", "message": "tool 'x' failed [3 times]"}
    assert doc["fallback_used"] is True
    assert doc["usage"] == {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}
    assert render.run_json(replace(RUN, fallbacks=[]))["fallback_used"] is False
