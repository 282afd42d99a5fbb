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
  ``now()``           ``workflow.now()`` — replay-safe time
  approvals           (humans-in-the-loop issue) a signal ``keel.decide`` awaited with
                      ``workflow.wait_condition`` and the SLA as its timeout
  ==================  ====================================================================

  Because Temporal replays workflow code from its history, the loop must stay
  deterministic: no clocks, randomness or I/O except through these methods.
"""

from __future__ import annotations

from typing import Protocol

from keel.models.base import ModelRequest, ModelResponse, ToolCall
from keel.tools.base import ToolResult


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

    def now(self) -> float:
        """Wall-clock seconds (UNIX time)."""
        ...
