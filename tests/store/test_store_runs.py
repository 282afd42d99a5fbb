"""The run repository's reads and retention: lookups by prefix, sessions, purge."""

from __future__ import annotations

import json
from typing import Any

import pytest

from keel.store import Store
from keel.store.runs import json_text


def add_run(store: Store, run_id: str, status: str, finished_at: float | None, **kw: Any) -> None:
    created = kw.pop("created_at", 100.0)
    store.runs.insert_run(
        {
            "id": run_id,
            "agent": kw.pop("agent", "desk"),
            "agent_version": "1.0.0",
            "agent_hash": "sha256:0",
            "prompt_version": "1",
            "spec_path": None,
            "tenant": None,
            "session_id": kw.pop("session_id", None),
            "status": status,
            "input": kw.pop("input", '"hi"'),
            "output": kw.pop("output", None),
            "steps": 1,
            "input_tokens": 0,
            "output_tokens": 0,
            "cost_usd": 0.0,
            "owner": None,
            "created_at": created,
            "updated_at": created,
            "finished_at": finished_at,
        }
    )
    store.runs.journal_step(
        run_id,
        1,
        kind="model",
        state="completed",
        name="rules:default",
        payload="{}",
        started_at=created,
        finished_at=created,
    )


async def test_purge_deletes_only_finished_runs_older_than_the_cutoff(store: Store) -> None:
    add_run(store, "old-completed", "completed", 110.0)
    add_run(store, "old-failed", "failed", 120.0)
    add_run(store, "old-review", "needs_review", 130.0)
    add_run(store, "new-completed", "completed", 900.0)
    add_run(store, "old-running", "running", None)
    add_run(store, "old-queued", "queued", None)
    # A run resumed after it was (wrongly) marked finished is still in flight.
    add_run(store, "running-stale", "running", 110.0)
    await store.writer.flush()

    purged = store.runs.purge(finished_before=500.0)

    assert purged == 3
    kept = {r.id for r in store.runs.recent()}
    assert kept == {"new-completed", "old-running", "old-queued", "running-stale"}
    for run_id in ["old-completed", "old-failed", "old-review"]:
        assert store.runs.get(run_id) is None
        assert store.runs.steps(run_id) == []
    for run_id in kept:
        assert len(store.runs.steps(run_id)) == 1
    assert store.runs.purge(finished_before=500.0) == 0


async def test_purge_can_be_limited_to_some_statuses(store: Store) -> None:
    add_run(store, "ok", "completed", 110.0)
    add_run(store, "bad", "failed", 110.0)
    await store.writer.flush()

    assert store.runs.purge(finished_before=500.0, statuses=["failed"]) == 1

    assert [r.id for r in store.runs.recent()] == ["ok"]


async def test_find_by_prefix_and_recent_filters(store: Store) -> None:
    add_run(store, "run_aaa1", "completed", 1.0, created_at=1.0, agent="desk")
    add_run(store, "run_aab2", "failed", 2.0, created_at=2.0, agent="billing")
    add_run(store, "run_b%_3", "running", None, created_at=3.0, session_id="s-1")
    await store.writer.flush()

    assert [r.id for r in store.runs.find("run_aaa")] == ["run_aaa1"]
    assert len(store.runs.find("run_aa")) == 2
    assert store.runs.find("nope") == []
    assert [r.id for r in store.runs.find("run_b%")] == ["run_b%_3"]  # % is literal
    assert store.runs.find("run_%") == []
    assert [r.id for r in store.runs.recent()] == ["run_b%_3", "run_aab2", "run_aaa1"]
    assert [r.id for r in store.runs.recent(limit=1)] == ["run_b%_3"]
    assert [r.id for r in store.runs.recent(status="failed")] == ["run_aab2"]
    assert [r.id for r in store.runs.recent(agent="billing")] == ["run_aab2"]
    assert [r.id for r in store.runs.recent(session_id="s-1")] == ["run_b%_3"]
    assert store.runs.count_by_status() == {"completed": 1, "failed": 1, "running": 1}
    assert [r.id for r in store.runs.unfinished()] == ["run_b%_3"]


async def test_session_turns_are_completed_runs_oldest_first(store: Store) -> None:
    add_run(store, "r1", "completed", 1.0, created_at=1.0, session_id="s", output='"a1"')
    add_run(store, "r2", "failed", 2.0, created_at=2.0, session_id="s")
    add_run(store, "r3", "completed", 3.0, created_at=3.0, session_id="s", input='{"q": 3}')
    add_run(store, "r4", "completed", 4.0, created_at=4.0, session_id="s", output='"a4"')
    add_run(store, "x", "completed", 5.0, created_at=5.0, session_id="other")
    await store.writer.flush()

    assert store.runs.session_turns("s", limit=10) == [("hi", "a1"), ({"q": 3}, None), ("hi", "a4")]
    assert store.runs.session_turns("s", limit=2) == [({"q": 3}, None), ("hi", "a4")]
    assert store.runs.session_turns("s", limit=10, before=4.0) == [("hi", "a1"), ({"q": 3}, None)]
    assert store.runs.session_turns("none", limit=10) == []


@pytest.mark.parametrize(
    "value",
    [
        "hi",
        'ünï "q" \\ \n',
        {"b": [1, 2.5, None, True], "a": {"z": "é"}},
        [],
        0.1,
        float("nan"),
        {1: "int key"},
    ],
)
def test_json_columns_are_compact_json(value: Any) -> None:
    assert json_text(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_a_json_column_refuses_what_is_not_json() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        json_text({"a": object()})
