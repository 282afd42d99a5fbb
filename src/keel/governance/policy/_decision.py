"""What a policy engine answers, the seam every engine implements, and how a raw
decision document becomes a ``PolicyDecision``.

Every engine — embedded Rego, a remote OPA server — evaluates the rule at
``data.keel.on_<point>.decision`` and hands the value it got to
``read_decision``, so the same document means the same decision wherever it was
computed. Anything that is not a well-formed decision becomes a deny that says
why: fail closed, never allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from keel.errors import ErrorCode

DecisionPoint = Literal["input", "route", "tool", "output"]
DecisionResult = Literal["allow", "deny", "require_approval", "escalate"]

DECISION_POINTS: tuple[DecisionPoint, ...] = ("input", "route", "tool", "output")
DECISION_RESULTS: tuple[DecisionResult, ...] = ("allow", "deny", "require_approval", "escalate")

# A package may not be named `input` under rego-cpp (inside it, `input` reads as
# the package itself), so each point's rules live in `<package>.on_<point>`.
DEFAULT_PACKAGE = "keel"

_ERROR_CODES: dict[DecisionResult, ErrorCode | None] = {
    "allow": None,
    "deny": "POLICY_DENIED",
    "require_approval": "APPROVAL_REQUIRED",
    "escalate": "ESCALATED",
}
_FIELDS = frozenset({"result", "reasons", "mask_fields", "allowed_models"})


def decision_rule(point: DecisionPoint, package: str = DEFAULT_PACKAGE) -> str:
    """The dotted path of a point's decision rule, e.g. ``keel.on_tool.decision``."""
    return f"{package}.on_{point}.decision"


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    """One decision at one point, with the hash of the bundle that made it.

    ``allowed_models`` is ``None`` when the policy does not restrict models, and a
    tuple (possibly empty) of model ids, in the candidates' order, when it does.
    ``mask_fields`` names fields (e.g. tool arguments) that logs, spans and audit
    rows must carry masked.
    """

    point: DecisionPoint
    result: DecisionResult
    reasons: tuple[str, ...] = ()
    mask_fields: tuple[str, ...] = ()
    allowed_models: tuple[str, ...] | None = None
    policy_hash: str = ""

    @property
    def allowed(self) -> bool:
        return self.result == "allow"

    @property
    def error_code(self) -> ErrorCode | None:
        """The stable code a run stops with on this decision; ``None`` for allow."""
        return _ERROR_CODES[self.result]

    @classmethod
    def deny(cls, point: DecisionPoint, reason: str, *, policy_hash: str) -> PolicyDecision:
        """A fail-closed deny: the policy could not decide, and ``reason`` says why."""
        return cls(point=point, result="deny", reasons=(reason,), policy_hash=policy_hash)

    def to_dict(self) -> dict[str, Any]:
        return {
            "point": self.point,
            "result": self.result,
            "reasons": list(self.reasons),
            "mask_fields": list(self.mask_fields),
            "allowed_models": None if self.allowed_models is None else list(self.allowed_models),
            "policy_hash": self.policy_hash,
        }


@runtime_checkable
class PolicyEngine(Protocol):
    """Evaluates one decision point; the loop calls it once per point per step.

    The protocol is async so that a remote engine never blocks the event loop; the
    embedded engine answers without awaiting anything (and offers ``decide`` for
    synchronous callers). Implementations never raise for a policy problem: an
    error, a timeout, an undefined or malformed decision is a deny with a reason.
    """

    @property
    def policy_hash(self) -> str:
        """The content hash of the bundle every decision records."""
        ...

    async def evaluate(self, point: DecisionPoint, input: Mapping[str, Any]) -> PolicyDecision:
        """Decide ``point`` for the ``keel.policy.input/v1`` document ``input``."""
        ...


class _Malformed(ValueError):
    """A decision document that does not have the documented shape."""


def read_decision(
    value: Any, *, point: DecisionPoint, rule: str, policy_hash: str
) -> PolicyDecision:
    """Map a decision document to a ``PolicyDecision``; anything malformed is a deny.

    A decision is an object with a ``result`` (one of ``DECISION_RESULTS``) and
    optionally ``reasons`` and ``mask_fields`` (arrays of strings) and
    ``allowed_models`` (null or an array of strings). Unknown fields are malformed
    too: a misspelt ``allowed_models`` must not read as "no restriction".
    """
    try:
        if not isinstance(value, Mapping):
            raise _Malformed(f"it is {_kind(value)}, not an object")
        unknown = sorted(str(k) for k in value if k not in _FIELDS)
        if unknown:
            raise _Malformed(f"unknown field(s) {', '.join(unknown)}")
        result = value.get("result")
        if result not in DECISION_RESULTS:
            raise _Malformed(
                f"result {result!r} is not one of {', '.join(DECISION_RESULTS)}"
                if "result" in value
                else "it has no result"
            )
        models = value.get("allowed_models")
        return PolicyDecision(
            point=point,
            result=result,
            reasons=_strings(value.get("reasons", []), "reasons"),
            mask_fields=_strings(value.get("mask_fields", []), "mask_fields"),
            allowed_models=None if models is None else _strings(models, "allowed_models"),
            policy_hash=policy_hash,
        )
    except _Malformed as e:
        return PolicyDecision.deny(
            point, f"malformed policy decision at data.{rule}: {e}", policy_hash=policy_hash
        )


def _strings(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise _Malformed(f"{field} must be an array of strings, not {_kind(value)}")
    for item in value:
        if not isinstance(item, str):
            raise _Malformed(f"{field} must be an array of strings; it holds {_kind(item)}")
    return tuple(value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__
