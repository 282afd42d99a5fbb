"""Runs, journal rows, approvals and feedback written straight into a store, with the
timestamps and outcomes a test needs to compute KPIs by hand."""

from __future__ import annotations

import itertools
import json
from typing import Any

from sqlalchemy import insert

from keel.store import Store
from keel.store.schema import approvals, feedback, run_steps, runs

_IDS = itertools.count(1)


def add_run(
    store: Store,
    run_id: str,
    *,
    created: float,
    finished: float | None,
    status: str = "completed",
    agent: str = "helpdesk",
    version: str = "1.0.0",
    error_code: str | None = None,
    cost: float | None = 0.0,
    session: str | None = None,
    tenant: str | None = None,
    fallbacks: list[dict[str, Any]] | None = None,
    tokens: tuple[int, int] = (10, 5),
    output: Any = "ok",
    spec_path: str | None = None,
) -> None:
    row = {
        "id": run_id,
        "agent": agent,
        "agent_version": version,
        "agent_hash": "sha256:0",
        "prompt_version": "1",
        "spec_path": spec_path,
        "tenant": tenant,
        "session_id": session,
        "status": status,
        "input": json.dumps("hello"),
        "output": None if output is None else json.dumps(output),
        "error_code": error_code,
        "fallbacks": json.dumps(fallbacks) if fallbacks else None,
        "steps": 1,
        "input_tokens": tokens[0],
        "output_tokens": tokens[1],
        "cost_usd": cost,
        "created_at": created,
        "updated_at": finished or created,
        "finished_at": finished,
    }
    with store.engine.begin() as conn:
        conn.execute(insert(runs), row)


def add_tool_step(
    store: Store, run_id: str, step: int, *, name: str = "search", error: bool = False,
    state: str = "completed",
) -> None:  # fmt: skip
    result: dict[str, Any] = {"content": "x", "attempts": 1}
    if error:
        result.update(error="boom", error_kind="fatal")
    with store.engine.begin() as conn:
        conn.execute(
            insert(run_steps),
            {
                "run_id": run_id,
                "step": step,
                "kind": "tool",
                "state": state,
                "name": name,
                "payload": json.dumps({"call": {}, "result": result}),
                "started_at": 0.0,
                "finished_at": 0.0,
            },
        )


def add_approval(
    store: Store, run_id: str, *, status: str, edited: dict[str, Any] | None = None
) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            insert(approvals),
            {
                "id": f"apr_{run_id}",
                "run_id": run_id,
                "step": 2,
                "agent": "helpdesk",
                "tenant": None,
                "tool": "reset_password",
                "arguments": "{}",
                "reasons": "[]",
                "risk": "irreversible",
                "policy_hash": "h",
                "roles": '["approver"]',
                "status": status,
                "edited_arguments": None if edited is None else json.dumps(edited),
                "created_at": 0.0,
                "decided_at": 1.0,
            },
        )


def add_feedback(
    store: Store,
    run_id: str,
    kind: str,
    *,
    value: float | None = None,
    text: str | None = None,
    created: float = 0.0,
    agent: str = "helpdesk",
    tenant: str | None = None,
) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            insert(feedback),
            {
                "id": f"fb_{next(_IDS)}",
                "run_id": run_id,
                "session_id": None,
                "agent": agent,
                "agent_version": "1.0.0",
                "tenant": tenant,
                "kind": kind,
                "value": value,
                "text": text,
                "consent": 0,
                "created_at": created,
            },
        )
