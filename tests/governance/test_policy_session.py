"""``PolicySession``: one run's decisions with its fixed input sections encoded once.

It must decide exactly as ``EmbeddedPolicyEngine.decide`` on the whole document, share
no memo entry with a document whose projection differs, and fail closed the same way.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import pytest

from keel.governance.governor import Governor, GuardedInput, RunGovernance
from keel.governance.policy import (
    AgentIdentity,
    DecisionPoint,
    EmbeddedPolicyEngine,
    InjectionFacts,
    ModelCandidate,
    OutputFacts,
    Principal,
    RequestFacts,
    RunCounters,
    ToolFacts,
    point_sections,
    policy_input,
    run_sections,
)
from keel.governance.policy._memo import InputProjection

AGENT = AgentIdentity("helpdesk", "1.0.0", "sha256:0f3c")
MODELS = (ModelCandidate("m-any"), ModelCandidate("m-safe", ("pii:restricted",)))

PRINCIPALS = [
    Principal("u-1", ("employee",), "acme"),
    Principal("u-2", (), None),
    Principal("u-3", ("employee", "finance"), "acme"),
]
REQUESTS = [
    RequestFacts("my VPN drops"),
    RequestFacts("refund ⟦card:tok_0123456789abcdef⟧", ("restricted",), ("card",)),
]
INJECTIONS = [InjectionFacts(), InjectionFacts(0.9, ("instruction_override",))]
TOOLS = [
    ToolFacts("lookup", "read", ("kb:read",), {"ticket_id": "T-1"}),
    ToolFacts("refund", "financial", ("billing",), {"amount": 20}),
    ToolFacts("refund", "financial", ("billing",), {"amount": 5000}),
    ToolFacts("wipe", "irreversible", ("admin",), {}),
]
OUTPUTS = [OutputFacts("done"), OutputFacts("card 4242", ("restricted",), ("card",))]


def cases() -> list[tuple[DecisionPoint, dict[str, Any]]]:
    """(point, keyword arguments of policy_input beyond the run's) for every point."""
    out: list[tuple[DecisionPoint, dict[str, Any]]] = [("input", {}), ("route", {"models": MODELS})]
    out += [("tool", {"tool": t}) for t in TOOLS]
    out += [("output", {"output": o}) for o in OUTPUTS]
    return out


def test_a_session_decides_as_the_engine_does_on_the_whole_document() -> None:
    reference = EmbeddedPolicyEngine(memo_size=0)  # evaluates every document
    engine = EmbeddedPolicyEngine()
    for principal, request, injection in itertools.product(PRINCIPALS, REQUESTS, INJECTIONS):
        fixed = run_sections(principal=principal, agent=AGENT, request=request, injection=injection)
        session = engine.session(fixed)
        for point, kw in cases():
            for counters in (RunCounters(), RunCounters(3, 900, None)):
                doc = policy_input(
                    point,
                    principal=principal,
                    agent=AGENT,
                    request=request,
                    injection=injection,
                    counters=counters,
                    **kw,
                )
                varying = point_sections(point, counters=counters, **kw)
                assert {**fixed, **varying} == doc
                expected = reference.decide(point, doc)
                # Twice: the first may evaluate, the second is a memo hit.
                assert session.decide(point, varying) == expected, (point, doc)
                assert session.decide(point, varying) == expected, (point, doc)
                assert engine.decide(point, doc) == expected, (point, doc)
    assert engine.memo.hits > engine.memo.misses > 0


def test_session_keys_never_meet_whole_document_keys_in_the_memo() -> None:
    engine = EmbeddedPolicyEngine()
    fixed = run_sections(principal=PRINCIPALS[0], agent=AGENT, request=REQUESTS[0])
    session = engine.session(fixed)
    varying = point_sections("tool", tool=TOOLS[0])
    session.decide("tool", varying)
    engine.decide("tool", {**fixed, **varying})
    keys = list(engine.memo._entries)
    assert len(keys) == 2
    assert [k[1] == "session" for k in keys] == [True, False]
    # memo_key's texts are JSON arrays, so "session" is never one of them.
    assert all(k[1].startswith("[") for k in keys if k[1] != "session")


def test_facts_the_policies_do_not_read_share_a_decision() -> None:
    engine = EmbeddedPolicyEngine()
    a = engine.session(run_sections(principal=PRINCIPALS[0], agent=AGENT, request=REQUESTS[0]))
    other_text = RequestFacts("a different question")
    b = engine.session(run_sections(principal=PRINCIPALS[0], agent=AGENT, request=other_text))
    first = a.decide("input", point_sections("input", counters=RunCounters(1)))
    misses = engine.memo.misses
    assert b.decide("input", point_sections("input", counters=RunCounters(7))) is first
    assert engine.memo.misses == misses


def test_a_varying_section_that_overrides_a_fixed_one_is_decided_whole() -> None:
    engine = EmbeddedPolicyEngine()
    session = engine.session(
        run_sections(principal=PRINCIPALS[0], agent=AGENT, request=REQUESTS[0])
    )
    anonymous = {"id": "x", "roles": [], "tenant": None}
    varying = {**point_sections("tool", tool=TOOLS[0]), "principal": anonymous}
    fixed = run_sections(principal=PRINCIPALS[0], agent=AGENT, request=REQUESTS[0])
    expected = EmbeddedPolicyEngine(memo_size=0).decide("tool", {**fixed, **varying})
    assert expected.result == "deny"  # no roles, so no kb:read scope
    assert session.decide("tool", varying) == expected


@pytest.mark.parametrize("where", ["fixed", "varying"])
@pytest.mark.parametrize("value", [math.nan, math.inf, object()])
def test_input_that_is_not_json_denies(where: str, value: Any) -> None:
    engine = EmbeddedPolicyEngine()
    injection = InjectionFacts(value if where == "fixed" else 0.0)
    fixed = run_sections(
        principal=PRINCIPALS[0], agent=AGENT, request=REQUESTS[0], injection=injection
    )
    tool = ToolFacts("lookup", "read", (), {"ticket_id": value if where == "varying" else "T"})
    decision = engine.session(fixed).decide("tool", point_sections("tool", tool=tool))
    assert decision.result == "deny"
    assert "not a JSON document" in decision.reasons[0]
    assert decision.policy_hash == engine.policy_hash


def test_unknown_point_and_unavailable_bundle_deny(tmp_path: Path) -> None:
    fixed = run_sections(principal=PRINCIPALS[0], agent=AGENT, request=REQUESTS[0])
    session = EmbeddedPolicyEngine().session(fixed)
    unknown = session.decide("exit", {"point": "exit"})  # type: ignore[arg-type]
    assert (unknown.result, unknown.reasons) == ("deny", ("unknown decision point 'exit'",))
    broken = EmbeddedPolicyEngine(tmp_path / "missing").session(fixed)
    decision = broken.decide("input", point_sections("input"))
    assert decision.result == "deny"
    assert "policy bundle unavailable" in decision.reasons[0]


def test_a_session_follows_a_reloaded_bundle(tmp_path: Path) -> None:
    rego = tmp_path / "policy.rego"
    rego.write_text(
        "package keel.on_tool\n\nimport rego.v1\n\n"
        'decision := {"result": "allow"} if input.tool.name == "lookup"\n'
        'else := {"result": "deny", "reasons": ["not lookup"]}\n'
    )
    engine = EmbeddedPolicyEngine(tmp_path)
    session = engine.session(
        run_sections(principal=PRINCIPALS[0], agent=AGENT, request=REQUESTS[0])
    )
    varying = point_sections("tool", tool=TOOLS[0])
    assert session.decide("tool", varying).result == "allow"
    # Now the policy reads the principal's roles, a section the session holds fixed.
    rego.write_text(
        "package keel.on_tool\n\nimport rego.v1\n\n"
        'decision := {"result": "allow"} if "admin" in input.principal.roles\n'
        'else := {"result": "deny", "reasons": ["admins only"]}\n'
    )
    assert engine.reload()
    after = session.decide("tool", varying)
    assert (after.result, after.reasons, after.policy_hash) == (
        "deny",
        ("admins only",),
        engine.policy_hash,
    )


def test_projection_sections_group_the_paths_by_their_first_name() -> None:
    p = InputProjection.of_sources(
        ["x if input.tool.name", "y if input.principal.roles", "z if input.tool.risk"]
    )
    assert p.sections == (("principal", (("roles",),)), ("tool", (("name",), ("risk",))))
    assert p.section_text("tool", {"name": "a"}) == '[["a"],[]]'
    assert p.section_text("request", {"text": "not read"}) == "[]"


async def test_the_governor_decides_through_a_session_only_for_the_run_it_admitted() -> None:
    gov = Governor.default(models=[ModelCandidate("m-any")], hash_key=b"k" * 32)
    employee = RunGovernance(PRINCIPALS[0], AGENT)
    decisions: list[dict[str, Any]] = []
    guarded = await gov.admit("my VPN drops", employee, RunCounters(), decisions)
    assert guarded.policy is not None
    assert guarded.policy.run is employee
    lookup = TOOLS[0]
    allowed = await gov.check_tool(employee, guarded, RunCounters(1), lookup, decisions)
    assert allowed.result == "allow"
    # Another principal with the same guarded input: decided on its own document.
    nobody = RunGovernance(Principal("u-9"), AGENT)
    denied = await gov.check_tool(nobody, guarded, RunCounters(1), lookup, decisions)
    assert denied.result == "deny"
    # A GuardedInput built by hand has no session and is decided the same way.
    by_hand = GuardedInput(guarded.text, guarded.request, guarded.injection)
    again = await gov.check_tool(employee, by_hand, RunCounters(1), lookup, decisions)
    assert again == allowed
    assert [d["point"] for d in decisions] == ["input", "tool", "tool", "tool"]
    assert all(d["policy_hash"] == gov.policy_hash for d in decisions)
