"""What an evaluation saw and concluded: turns, checks, case results, the report.

All frozen values that serialise with ``to_dict``: the JSON report, the store and the
JUnit and HTML outputs are written from them. Outputs kept here are masked (PII per
the agent's journal rules, secrets redacted); checks ran on the real answers first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

ItemKind = Literal["case", "journey"]


@dataclass(frozen=True, slots=True)
class ToolUse:
    """A tool call that executed in a turn (as the journal recorded it)."""

    name: str
    risk: str
    arguments: dict[str, Any]
    ok: bool


@dataclass(frozen=True, slots=True)
class TurnObservation:
    """One engine run of a case: what went in, what came out, and what happened."""

    run_id: str
    input: Any
    output: Any
    status: str
    error_code: str | None
    error_message: str | None
    flags: tuple[str, ...]
    tools: tuple[ToolUse, ...]
    approvals: tuple[str, ...]
    denied_tools: tuple[str, ...]
    latency_ms: float
    cost_usd: float | None

    @property
    def answer(self) -> str:
        return answer_text(self.output)

    @property
    def denied(self) -> bool:
        return self.error_code == "POLICY_DENIED" or "POLICY_DENIED" in self.flags

    @property
    def escalated(self) -> bool:
        return self.error_code == "ESCALATED"

    @property
    def approval_requested(self) -> bool:
        return self.status == "awaiting_approval" or bool(self.approvals)


def answer_text(output: Any) -> str:
    """An answer as text: itself if text, JSON otherwise, empty for no answer."""
    if output is None:
        return ""
    return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One expectation, met or not; ``detail`` says what was seen when it was not."""

    name: str
    passed: bool
    detail: str = ""
    turn: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "passed": self.passed}
        if self.detail:
            d["detail"] = self.detail
        if self.turn is not None:
            d["turn"] = self.turn
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CheckResult:
        return cls(d["name"], d["passed"], d.get("detail", ""), d.get("turn"))


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The outcome of one case or journey. ``transcript`` is (user, agent) per turn,
    masked; ``output`` is the last answer, masked."""

    suite: str
    case_id: str
    kind: ItemKind
    tags: tuple[str, ...]
    passed: bool
    checks: tuple[CheckResult, ...]
    latencies_ms: tuple[float, ...]
    cost_usd: float | None
    status: str
    error_code: str | None
    output: Any
    transcript: tuple[tuple[str, str], ...] = ()
    regression: bool = False

    @property
    def latency_ms(self) -> float:
        return sum(self.latencies_ms)

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "id": self.case_id,
            "kind": self.kind,
            "tags": list(self.tags),
            "passed": self.passed,
            "regression": self.regression,
            "status": self.status,
            "error_code": self.error_code,
            "latency_ms": round(self.latency_ms, 3),
            "turn_latencies_ms": [round(x, 3) for x in self.latencies_ms],
            "cost_usd": self.cost_usd,
            "output": self.output,
            "transcript": [{"user": u, "agent": a} for u, a in self.transcript],
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True, slots=True)
class Regression:
    """A case that passed in the previous run of its suite and fails now."""

    suite: str
    case_id: str
    previous_run: str

    def to_dict(self) -> dict[str, Any]:
        return {"suite": self.suite, "id": self.case_id, "previous_run": self.previous_run}


@dataclass(frozen=True, slots=True)
class GateOutcome:
    """A gate's verdict: the thresholds it checked and those that failed, in words."""

    text: str
    passed: bool
    failures: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "gate": self.text,
            "passed": self.passed,
            "failures": list(self.failures),
            "checked": list(self.checked),
        }


@dataclass(frozen=True, slots=True)
class EvalReport:
    """One evaluation of one agent version over some suites."""

    id: str
    agent: str
    agent_version: str
    agent_hash: str
    trigger: str
    suites: tuple[str, ...]
    results: tuple[CaseResult, ...]
    metrics: dict[str, float | None]
    started_at: float
    finished_at: float
    regressions: tuple[Regression, ...] = ()
    fixed: tuple[Regression, ...] = ()
    previous: dict[str, str] = field(default_factory=dict)
    gates: tuple[GateOutcome, ...] = ()

    @property
    def passed(self) -> bool:
        """The gates' verdict when there are gates; else whether every case passed."""
        if self.gates:
            return all(g.passed for g in self.gates)
        return all(r.passed for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agent": self.agent,
            "agent_version": self.agent_version,
            "agent_hash": self.agent_hash,
            "trigger": self.trigger,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "suites": list(self.suites),
            "passed": self.passed,
            "metrics": self.metrics,
            "gates": [g.to_dict() for g in self.gates],
            "previous": self.previous,
            "regressions": [r.to_dict() for r in self.regressions],
            "fixed": [r.to_dict() for r in self.fixed],
            "results": [r.to_dict() for r in self.results],
        }
