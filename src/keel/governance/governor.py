"""The ``Governor``: Keel's guards and policies applied at the loop's decision points.

One governor per agent version, built from its spec. The loop calls it at:

* ``admit``      the user's request, before any model sees it: content rules, the
                 injection policy (block / escalate / sanitize), PII masking for the
                 model, then ``policy(input)``;
* ``route``      each model turn: ``policy(route)`` names the models allowed to serve;
* ``check_tool`` each tool call: ``policy(tool)`` (roles and scopes, decision limits,
                 approval for risky tools); a denial goes back to the model;
* ``guard_tool_result`` each tool result: injection check (source ``tool``), PII
                 masking, spotlighting fence — before the model reads it;
* ``release``    the answer: content rules, canary leak, ``policy(output)``.

Everything fails closed: the policy engines turn their own errors into denials, and
an exception raised here ends the run (the loop records it), never lets it through.
Every decision is appended to the caller's ``decisions`` list with the policy
bundle's hash, for the run record and the audit log.

Within ``masking_scope()`` (an engine enters one per run) a text is scanned for PII
once: the request masked for the journal and then for the model, the tool result
for the journal and then for the model, the answer for the user and then for the
journal. A text's masked form is reused when nothing was found in it (it is the same
text for every destination), or when the two destinations apply the same operator
to every PII type (the default policy's ``model`` and ``journal``; tokens are the
same within the run's vault scope). Anything else is scanned again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from keel.errors import ApprovalRequired, Escalated, PolicyDenied
from keel.governance.content import ContentRules
from keel.governance.injection import Canary, InjectionPolicy, fence
from keel.governance.pii import BUILTIN_TYPES, MaskResult, PiiGuard, PiiPolicy
from keel.governance.pii._policy import DESTINATIONS, Destination
from keel.governance.policy import (
    AgentIdentity,
    DecisionPoint,
    EmbeddedPolicyEngine,
    InjectionFacts,
    ModelCandidate,
    OutputFacts,
    PolicyDecision,
    PolicyEngine,
    PolicySession,
    Principal,
    RequestFacts,
    RunCounters,
    ToolFacts,
    point_sections,
    policy_input,
    run_sections,
)

WITHHELD = "[tool result withheld: it looked like a prompt-injection attempt]"

# The texts masked so far in this run (``masking_scope``): text -> (the governor, the
# operator profile of the destination it was masked for, the result).
_Masked = dict[str, tuple["Governor", int, MaskResult]]
_MASKED: ContextVar[_Masked | None] = ContextVar("keel_governor_masked", default=None)
# Texts remembered per run, at most (a run's texts are few; this only bounds a long one).
_MASKED_PER_RUN = 64


@dataclass(frozen=True, slots=True)
class RunGovernance:
    """Who is asking which agent: the per-run part of every policy input."""

    principal: Principal
    agent: AgentIdentity


@dataclass(frozen=True, slots=True)
class _RunPolicy:
    """The embedded engine's session for the policy input sections that ``admit`` fixed
    for ``run`` (see ``Governor._decide``)."""

    run: RunGovernance
    session: PolicySession


@dataclass(frozen=True, slots=True)
class GuardedInput:
    """The request as the model may see it, and the facts policies decide on."""

    text: str
    request: RequestFacts
    injection: InjectionFacts
    # Set by ``admit``: lets the later decisions of the same run encode its fixed
    # policy input sections once.
    policy: _RunPolicy | None = field(default=None, compare=False, repr=False)


class Governor:
    """Applies one agent's governance. Stateless per run; safe to share across runs."""

    def __init__(
        self,
        *,
        policy: PolicyEngine,
        pii: PiiGuard,
        injection: InjectionPolicy,
        content: ContentRules,
        models: Sequence[ModelCandidate],
        canary: Canary | None = None,
        fence_tool_results: bool = True,
        tool_pii_access: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.policy = policy
        self.pii = pii
        self.injection = injection
        self.content = content
        self.models = tuple(models)
        self.canary = canary
        self.fence_tool_results = fence_tool_results
        self._pii_access = dict(tool_pii_access or {})
        self._all_types = frozenset(BUILTIN_TYPES) | frozenset(pii.policy.classes)
        self._profiles = _operator_profiles(pii.policy, self._all_types)

    @classmethod
    def default(
        cls, *, models: Sequence[ModelCandidate], hash_key: bytes, canary_seed: str = ""
    ) -> Governor:
        """Keel's defaults: the shipped policy pack, PII classes and operators, the
        injection policy, the default content rules, fenced tool results, a canary."""
        return cls(
            policy=EmbeddedPolicyEngine(),
            pii=PiiGuard(PiiPolicy(), hash_key=hash_key),
            injection=InjectionPolicy(),
            content=ContentRules.default(),
            models=models,
            canary=Canary.new(canary_seed) if canary_seed else None,
        )

    @property
    def policy_hash(self) -> str:
        return self.policy.policy_hash

    def system_prompt(self, instructions: str) -> str:
        """The instructions with the canary line that detects prompt leaks."""
        if self.canary is None:
            return instructions
        return f"{instructions}\n\n{self.canary.instruction()}"

    # -- decision points -------------------------------------------------------------

    async def admit(
        self,
        text: str,
        run: RunGovernance,
        counters: RunCounters,
        decisions: list[dict[str, Any]],
    ) -> GuardedInput:
        """Check and mask the request. Raises ``PolicyDenied`` or ``Escalated``."""
        verdict = self.content.check(text, stage="input")
        if verdict.outcome != "allow":
            _content_outcome(verdict.outcome, verdict.categories, "request")
        check = self.injection.check(text, source="user")
        facts = InjectionFacts(check.verdict.score, tuple(check.verdict.categories))
        if check.outcome == "block":
            raise PolicyDenied(
                f"the request looks like a prompt-injection attempt (score "
                f"{check.verdict.score:.2f}: {', '.join(check.verdict.categories)})",
                details={"injection": check.verdict.to_dict()},
            )
        if check.outcome == "escalate":
            raise Escalated(
                f"suspected prompt injection (score {check.verdict.score:.2f}); "
                "a person will review the request",
                details={"injection": check.verdict.to_dict()},
            )
        masked = self._mask(check.text, "model")
        if masked.findings:
            classes = self.pii.classes(masked.findings)
            request = RequestFacts(masked.text, tuple(sorted(classes)), tuple(sorted(masked.types)))
        else:
            request = RequestFacts(masked.text)
        bound = None
        if isinstance(self.policy, EmbeddedPolicyEngine):
            fixed = run_sections(
                principal=run.principal, agent=run.agent, request=request, injection=facts
            )
            bound = _RunPolicy(run, self.policy.session(fixed))
        guarded = GuardedInput(masked.text, request, facts, bound)
        decision = await self._decide("input", run, guarded, counters, decisions)
        _enforce(decision)
        return guarded

    async def route(
        self,
        run: RunGovernance,
        guarded: GuardedInput,
        counters: RunCounters,
        decisions: list[dict[str, Any]],
    ) -> tuple[str, ...] | None:
        """The models allowed for this turn (``None``: all). Raises ``PolicyDenied``."""
        decision = await self._decide("route", run, guarded, counters, decisions)
        _enforce(decision)
        if decision.allowed_models is not None and not decision.allowed_models:
            raise PolicyDenied("the route policy allows none of this agent's models")
        return decision.allowed_models

    async def check_tool(
        self,
        run: RunGovernance,
        guarded: GuardedInput,
        counters: RunCounters,
        tool: ToolFacts,
        decisions: list[dict[str, Any]],
    ) -> PolicyDecision:
        """The decision for one tool call. ``deny`` is returned (the model is told);
        ``require_approval`` raises ``ApprovalRequired``, ``escalate`` ``Escalated``."""
        masked_args = self.pii.mask_json(dict(tool.arguments), "model").value
        facts = ToolFacts(tool.name, tool.risk, tool.scopes, masked_args)
        decision = await self._decide("tool", run, guarded, counters, decisions, tool=facts)
        if decision.result in ("require_approval", "escalate"):
            _enforce(decision)
        return decision

    def guard_tool_result(self, tool: str, content: str, *, seed: str) -> str:
        """What the model may read of a tool's result. Raises ``Escalated``."""
        check = self.injection.check(content, source="tool")
        if check.outcome == "escalate":
            raise Escalated(
                f"tool {tool!r} returned text that looks like a prompt-injection attempt "
                f"(score {check.verdict.score:.2f})",
                details={"tool": tool, "injection": check.verdict.to_dict()},
            )
        text = WITHHELD if check.outcome == "block" else check.text
        text = self._mask(text, "model").text
        return fence(tool, text, seed=seed) if self.fence_tool_results else text

    async def release(
        self,
        text: str,
        run: RunGovernance,
        guarded: GuardedInput,
        counters: RunCounters,
        decisions: list[dict[str, Any]],
    ) -> str:
        """The answer as it may leave: vault tokens restored, then masked for the
        ``output`` destination and checked. Raises ``PolicyDenied`` or ``Escalated``."""
        verdict = self.content.check(text, stage="output")
        if verdict.outcome != "allow":
            _content_outcome(verdict.outcome, verdict.categories, "answer")
        if self.canary is not None and self.canary.leaked(text):
            raise PolicyDenied("the answer reveals the agent's instructions (canary leaked)")
        masked = self._mask(self.pii.detokenize(text, self._all_types), "output")
        # What stays unmasked is what the output operators keep: no second scan needed.
        kept = [
            f for f in masked.findings if self.pii.policy.operator_for(f.type, "output") == "keep"
        ]
        output = (
            OutputFacts(
                masked.text,
                tuple(sorted(self.pii.classes(kept))),
                tuple(sorted({f.type for f in kept})),
            )
            if kept
            else OutputFacts(masked.text)
        )
        decision = await self._decide("output", run, guarded, counters, decisions, output=output)
        _enforce(decision)
        return masked.text

    def released(self, stored: Any) -> Any:
        """A stored answer (masked for the ``journal``) as :meth:`release` let it leave:
        vault tokens of the current vault scope restored, then masked for ``output``.
        A JSON answer is treated leaf by leaf. Tokens the vault does not know stay
        tokens; no check is repeated (the answer passed them when it was released)."""
        if isinstance(stored, str):
            return self._mask(self.pii.detokenize(stored, self._all_types), "output").text
        restored = self.pii.detokenize_json(stored, self._all_types)
        return self.pii.mask_json(restored, "output").value

    # -- masking for the tools and for storage -------------------------------------------

    def reveal(self, tool: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Arguments with the vault tokens of the PII types ``tool`` may see restored."""
        allowed = self._pii_access.get(tool)
        if not allowed:
            return dict(arguments)
        value = self.pii.detokenize_json(dict(arguments), allowed)
        return dict(value) if isinstance(value, Mapping) else dict(arguments)

    def mask(self, text: str, destination: Destination) -> str:
        return self._mask(text, destination).text

    def mask_json(self, value: Any, destination: Destination) -> Any:
        if isinstance(value, str):
            # A string on its own is masked as text (what ``PiiGuard.mask_json`` does).
            return self._mask(value, destination).text
        return self.pii.mask_json(value, destination).value

    # -- internals ---------------------------------------------------------------------

    def _mask(self, text: str, destination: Destination) -> MaskResult:
        """``self.pii.mask(text, destination)``, reusing this run's earlier scan of
        ``text`` where that cannot change the result (see the module doc)."""
        masked = _MASKED.get()
        profile = self._profiles.get(destination)
        if masked is None or profile is None:
            return self.pii.mask(text, destination)
        known = masked.get(text)
        if (
            known is not None
            and known[0] is self
            and (not known[2].findings or known[1] == profile)
        ):
            return known[2]
        result = self.pii.mask(text, destination)
        if len(masked) < _MASKED_PER_RUN:
            masked[text] = (self, profile, result)
        return result

    async def _decide(
        self,
        point: DecisionPoint,
        run: RunGovernance,
        guarded: GuardedInput,
        counters: RunCounters,
        decisions: list[dict[str, Any]],
        *,
        tool: ToolFacts | None = None,
        output: OutputFacts | None = None,
    ) -> PolicyDecision:
        models = self.models if point == "route" else ()
        bound = guarded.policy
        if bound is not None and bound.run is run:
            # The embedded engine, for the run ``admit`` bound: the same document as
            # below, its fixed sections encoded for the memo key once per run.
            varying = point_sections(
                point, counters=counters, models=models, tool=tool, output=output
            )
            decision = bound.session.decide(point, varying)
        else:
            doc = policy_input(
                point,
                principal=run.principal,
                agent=run.agent,
                request=guarded.request,
                injection=guarded.injection,
                counters=counters,
                models=models,
                tool=tool,
                output=output,
            )
            decision = await self.policy.evaluate(point, doc)
        record = decision.to_dict()
        if tool is not None:
            record["tool"] = tool.name
        decisions.append(record)
        return decision


def masking_scope() -> MaskingScope:
    """The scope of one run, within which governors do not scan a text twice (see the
    module doc). Enter it inside the run's vault scope, with ``with`` or ``async with``."""
    return MaskingScope()


class MaskingScope:
    """One run's memory of masked texts (``masking_scope``)."""

    __slots__ = ("_token",)

    def __init__(self) -> None:
        self._token: Token[_Masked | None] | None = None

    def __enter__(self) -> None:
        self._token = _MASKED.set({})

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _MASKED.reset(self._token)
            self._token = None

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__()


def _operator_profiles(policy: PiiPolicy, types: frozenset[str]) -> dict[str, int]:
    """Destination -> a number shared by the destinations that mask every PII type alike
    (types the policy does not name, e.g. a plug-in's, fall in its default class)."""
    unnamed = "\0 a type no policy names"
    known = sorted(types | frozenset(policy.overrides))
    tables: dict[tuple[str, ...], int] = {}
    profiles: dict[str, int] = {}
    for destination in DESTINATIONS:
        table = tuple(policy.operator_for(t, destination) for t in (*known, unnamed))
        profiles[destination] = tables.setdefault(table, len(tables))
    return profiles


def _enforce(decision: PolicyDecision) -> None:
    if decision.result == "allow":
        return
    reasons = "; ".join(decision.reasons) or "no reason given"
    details = {"decision": decision.to_dict()}
    if decision.result == "deny":
        raise PolicyDenied(f"denied by policy at {decision.point}: {reasons}", details=details)
    if decision.result == "escalate":
        raise Escalated(f"escalated by policy at {decision.point}: {reasons}", details=details)
    if decision.result == "require_approval":
        raise ApprovalRequired(f"approval required at {decision.point}: {reasons}", details=details)


def _content_outcome(outcome: str, categories: Sequence[str], what: str) -> None:
    if outcome == "block":
        raise PolicyDenied(f"the {what} breaks content rules: {', '.join(categories)}")
    if outcome == "escalate":
        raise Escalated(
            f"the {what} matches content rules that need a person: {', '.join(categories)}"
        )
