"""The ``Effects`` seam: the only way the loop touches the world.

The loop (``keel.loop.run``) is a deterministic function of the agent, the run's
input and the values these effects return. An engine decides what an effect
means:

* the local engine (``keel.engine.local``) journals each result in the store under
  ``(run_id, step)`` and, when a run resumes after a crash, returns the journaled
  value instead of calling the model or tool again;
* the in-memory mode calls through with no journal;
* the Temporal engine (fleet mode) maps them without changing the loop:

  ==================  ====================================================================
  effect              Temporal mapping
  ==================  ====================================================================
  ``model(step, r)``  an activity ``keel.model`` (retry policy = the model chain's; the
                      request and response travel as store references when large, so
                      histories stay small)
  ``tool(step, c)``   an activity ``keel.tool`` with the tool's timeout as its
                      start-to-close timeout and ``maximum_attempts=1`` unless the tool
                      is idempotent; the idempotency key is ``run_id:step``
  ``decide(step, r)`` a signal ``keel.decide`` (carrying the ``ApprovalDecision``) awaited
                      with ``workflow.wait_condition``; the pending request is written to
                      the store's ``approvals`` table by an activity first, so people
                      list and decide it the same way as on the local engine. The SLA
                      timer (escalation issue) will be the wait's timeout
  ``now()``           ``workflow.now()`` — replay-safe time
  ==================  ====================================================================

  The local engine has no process to keep waiting: ``decide`` records the request
  and raises ``AwaitingApproval``, which ends the attempt with the run in
  ``awaiting_approval``; once a person decides, the run is resumed, earlier steps
  replay from the journal and ``decide`` returns the recorded decision.

  Because Temporal replays workflow code from its history, the loop must stay
  deterministic: no clocks, randomness or I/O except through these methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from keel.models.base import ModelRequest, ModelResponse, ToolCall
from keel.tools.base import ToolResult

# Who may decide an approval when policy data names nobody.
DEFAULT_APPROVER_ROLES: tuple[str, ...] = ("approver", "admin")


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A tool call waiting for a person: what they see to decide it.

    ``arguments`` are masked (PII per the spec's ``journal`` destination, and the
    fields policy marks with ``mask_fields``); the call itself stays in the loop.
    """

    tool: str
    arguments: Mapping[str, Any]
    reasons: tuple[str, ...]
    risk: str
    policy_hash: str = ""
    roles: tuple[str, ...] = DEFAULT_APPROVER_ROLES

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "arguments": dict(self.arguments),
            "reasons": list(self.reasons),
            "risk": self.risk,
            "policy_hash": self.policy_hash,
            "roles": list(self.roles),
        }


@dataclass(frozen=True, slots=True)
class ApprovalDecision:
    """A person's decision. ``arguments`` replaces the call's arguments when set
    (approved with edits); ``reason`` of a rejection goes back to the model."""

    approval_id: str
    outcome: Literal["approved", "rejected"]
    decider: str
    reason: str | None = None
    arguments: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "approval_id": self.approval_id,
            "outcome": self.outcome,
            "decider": self.decider,
            "reason": self.reason,
            "arguments": self.arguments,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ApprovalDecision:
        outcome = d["outcome"]
        if outcome not in ("approved", "rejected"):
            raise ValueError(f"unknown approval outcome {outcome!r}")
        args = d.get("arguments")
        return cls(
            approval_id=d["approval_id"],
            outcome=outcome,
            decider=d["decider"],
            reason=d.get("reason"),
            arguments=None if args is None else dict(args),
        )


class AwaitingApproval(Exception):
    """Control flow: the run cannot go on until a person decides ``approval_id``.

    Raised by ``Effects.decide`` of engines that do not keep a run waiting in memory;
    ``run_agent`` turns it into a run in ``awaiting_approval``.
    """

    def __init__(self, approval_id: str, request: ApprovalRequest) -> None:
        reasons = "; ".join(request.reasons) or "no reason given"
        super().__init__(f"approval {approval_id} pending for tool {request.tool!r}: {reasons}")
        self.approval_id = approval_id
        self.request = request


class Effects(Protocol):
    """Effects of one run. ``step`` numbers are assigned by the loop, from 1."""

    async def model(self, step: int, request: ModelRequest) -> ModelResponse:
        """Call the agent's model chain. Raises ``ModelUnavailable`` when none answers."""
        ...

    async def tool(self, step: int, call: ToolCall) -> ToolResult:
        """Execute one call of a tool the agent declares; tool failures are results.

        Raises ``NeedsReview`` when a resumed run finds a non-idempotent call that
        started and has no recorded result.
        """
        ...

    async def decide(self, step: int, request: ApprovalRequest) -> ApprovalDecision:
        """A person's decision on a tool call that needs approval.

        Journaled like any step: a resumed run gets the recorded decision back. Raises
        ``AwaitingApproval`` while no decision exists (the local engine), or
        ``ApprovalRequired`` where approvals cannot be kept (no store).
        """
        ...

    def now(self) -> float:
        """Wall-clock seconds (UNIX time)."""
        ...
