"""KPIs computed from seeded runs, checked against values worked out by hand."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from kpi_seed import add_approval, add_feedback, add_run, add_tool_step

from keel.errors import UserError
from keel.kpi import KpiReport, kpi_report, percentile, spec_kpis
from keel.store import Store

FALLBACK = [{"model": "openai:gpt-4o", "error_code": "MODEL_UNAVAILABLE", "message": "down"}]


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            apiVersion: keel/v1
            kind: Agent
            metadata: {name: helpdesk, version: 1.1.0}
            spec:
              instructions: {text: hi}
              model: {primary: rules, rules: {}}
              kpis:
                - {name: latency_p95_s, target: 5}
                - {name: availability, target: 0.8, window: 650s}
                - {name: thumbs_down_rate, target: 0.6, direction: at_least}
            """
        )
    )
    return path


@pytest.fixture
def seeded(tmp_path: Path, spec: Path) -> Iterator[Store]:
    """Runs of helpdesk between t=1000 and t=2000, one before, one of another tenant."""
    store = Store.open(f"sqlite:///{tmp_path / 'k.db'}")
    s = str(spec)
    add_run(store, "r1", created=1100, finished=1102, cost=0.01, session="s1", spec_path=s)
    add_run(store, "r2", created=1200, finished=1201, cost=0.02, session="s1", spec_path=s)
    add_run(store, "r3", created=1300, finished=1310, status="failed",
            error_code="MODEL_UNAVAILABLE", cost=None, spec_path=s)  # fmt: skip
    add_run(store, "r4", created=1400, finished=1400.5, status="failed",
            error_code="POLICY_DENIED", spec_path=s)  # fmt: skip
    add_run(store, "r5", created=1500, finished=1504, status="needs_review",
            error_code="NEEDS_REVIEW", version="1.1.0", cost=0.03, spec_path=s)  # fmt: skip
    add_run(store, "r6", created=1600, finished=1603, version="1.1.0", cost=0.04,
            fallbacks=FALLBACK, spec_path=s)  # fmt: skip
    add_run(store, "r7", created=1700, finished=None, status="running", spec_path=s)
    add_run(store, "r8", created=900, finished=901, spec_path=s)  # before the window
    add_run(store, "r9", created=1150, finished=1160, tenant="other", cost=1.0)
    add_tool_step(store, "r1", 2)
    add_tool_step(store, "r1", 4)
    add_tool_step(store, "r2", 2)
    add_tool_step(store, "r2", 4, error=True)
    add_tool_step(store, "r6", 3)
    add_tool_step(store, "r7", 2, state="started")  # no result yet: not counted
    add_approval(store, "r6", status="approved", edited={"username": "jsmith"})
    add_feedback(store, "r1", "thumbs", value=1)
    add_feedback(store, "r2", "thumbs", value=-1)
    add_feedback(store, "r3", "score", value=5)
    add_feedback(store, "r4", "score", value=2)
    add_feedback(store, "r1", "correction", text="better answer")
    yield store
    store.close()


def kpis(report: KpiReport, agent: str = "helpdesk", version: str | None = None) -> dict:
    (found,) = [a for a in report.agents if a.agent == agent]
    values = found.kpis
    if version is not None:
        (v,) = [v for v in found.versions if v.version == version]
        values = v.kpis
    return {k.name: k for k in values}


def test_every_kpi_matches_its_hand_computed_value(seeded: Store) -> None:
    report = kpi_report(seeded, tenant=None, since=1000, now=2000)
    assert (report.since, report.until) == (1000, 2000)
    (agent,) = report.agents
    assert agent.runs == 7  # r1–r7; r8 is older, r9 another tenant's
    k = kpis(report)
    expected = {
        "availability": (5 / 6, 6),  # r3 failed for want of a model
        "latency_p50_s": (2.0, 6),  # durations 0.5 1 2 3 4 10
        "latency_p95_s": (10.0, 6),
        "latency_p99_s": (10.0, 6),
        "tool_success_rate": (4 / 5, 5),
        "fallback_rate": (1 / 6, 6),
        "resolved_without_handoff": (2 / 6, 6),  # r1, r2; r6 needed an approval
        "time_to_resolution_s": (3.0, 2),  # tasks: session s1 (101 s) and r6 (3 s)
        "cost_per_task_usd": (0.10 / 2, 2),
        "acceptance_rate": (2 / 4, 4),  # thumbs up, a 5 / thumbs down, a 2
        "override_rate": (2 / 6, 6),  # r1 corrected, r6 approved with edits
        "thumbs_down_rate": (1 / 2, 2),
        # No evaluation stored: the evaluation KPIs are unknown, not zero.
        "eval_pass_rate": (None, 0),
        "adversarial_block_rate": (None, 0),
        "eval_p95_ms": (None, 0),
        "eval_cost_per_case_usd": (None, 0),
    }
    assert {n: (pytest.approx(v.value), v.samples) for n, v in k.items()} == expected
    assert [k.group for k in agent.kpis[:1]] == ["operational"]


def test_versions_are_reported_apart(seeded: Store) -> None:
    report = kpi_report(seeded, tenant=None, since=1000, now=2000)
    (agent,) = report.agents
    assert [(v.version, v.runs) for v in agent.versions] == [("1.0.0", 5), ("1.1.0", 2)]
    new = kpis(report, version="1.1.0")
    assert new["availability"].value == 1.0
    assert new["latency_p50_s"].value == 3.0  # durations 3 and 4
    assert new["resolved_without_handoff"].value == 0.0
    assert new["fallback_rate"].value == 0.5
    assert new["acceptance_rate"].value is None  # nobody rated 1.1.0: unknown, not zero
    old = kpis(report, version="1.0.0")
    assert old["availability"].value == pytest.approx(3 / 4)


def test_targets_come_from_the_spec_with_their_own_windows(seeded: Store, spec: Path) -> None:
    report = kpi_report(seeded, tenant=None, now=2000)  # no --since: 7 days, own windows
    (agent,) = report.agents
    assert agent.targets_from == str(spec)
    k = kpis(report)
    p95 = k["latency_p95_s"]
    assert (p95.value, p95.target, p95.direction, p95.met) == (10.0, 5.0, "at_most", False)
    # availability over its own 650 s: runs since t=1350 (r4–r6), none unavailable.
    avail = k["availability"]
    assert (avail.since, avail.value, avail.samples, avail.met) == (1350, 1.0, 3, True)
    thumbs = k["thumbs_down_rate"]
    assert (thumbs.direction, thumbs.met) == ("at_least", False)  # 0.5 < 0.6
    assert k["tool_success_rate"].target is None
    assert k["tool_success_rate"].met is None
    # The 7-day window reaches r8 too.
    assert agent.runs == 8


def test_tenants_see_only_their_own_runs(seeded: Store) -> None:
    other = kpi_report(seeded, tenant="other", since=1000, now=2000)
    (agent,) = other.agents
    assert agent.runs == 1
    assert kpis(other)["cost_per_task_usd"].value == 1.0
    everyone = kpi_report(seeded, tenant=None, all_tenants=True, since=1000, now=2000)
    assert everyone.agents[0].runs == 8
    nobody = kpi_report(seeded, tenant="nobody", since=1000, now=2000)
    assert nobody.agents == []


def test_an_agent_without_runs_reports_nulls(seeded: Store) -> None:
    report = kpi_report(seeded, tenant=None, agent="billing", since=1000, now=2000)
    (agent,) = report.agents
    assert agent.runs == 0
    assert agent.versions == []
    assert all(k.value is None and k.samples == 0 for k in agent.kpis)
    doc = report.to_json()
    assert doc["agents"][0]["kpis"][0] == {
        "name": "availability",
        "group": "operational",
        "unit": "ratio",
        "value": None,
        "samples": 0,
        "since": 1000.0,
        "target": None,
        "direction": "at_least",
        "met": None,
    }


def test_nearest_rank_percentiles() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.99) == 7.0
    values = [float(x) for x in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (
        50.0,
        95.0,
        99.0,
    )


def test_invalid_targets_are_user_errors(tmp_path: Path) -> None:
    bad = tmp_path / "agent.yaml"
    bad.write_text("spec:\n  kpis:\n    - {name: happiness, target: 1}\n")
    with pytest.raises(UserError, match=r"invalid spec\.kpis"):
        spec_kpis(bad)
    with pytest.raises(UserError, match="cannot read"):
        spec_kpis(tmp_path / "missing.yaml")
    plain = tmp_path / "plain.yaml"
    plain.write_text("spec: {instructions: {text: hi}}\n")
    assert spec_kpis(plain) == []
