"""The embedded engine: the shipped pack's decisions, compile-once, and fail closed."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from keel.governance.policy import (
    AgentIdentity,
    EmbeddedPolicyEngine,
    InjectionFacts,
    ModelCandidate,
    OutputFacts,
    PolicyBundle,
    PolicyDecision,
    PolicyEngine,
    Principal,
    RequestFacts,
    ToolFacts,
    compilations,
    policy_input,
)

AGENT = AgentIdentity("helpdesk", "1.0.0", "sha256:0f3c")


def doc(
    point: Any, *, roles: tuple[str, ...] = ("employee",), text: str = "my VPN drops", **kw: Any
) -> dict[str, Any]:
    return policy_input(
        point,
        principal=Principal("u-1", roles, "acme"),
        agent=AGENT,
        request=RequestFacts(text),
        **kw,
    )


def bundle(tmp_path: Path, decision: str, *, extra: str = "") -> Path:
    """A one-module bundle whose tool decision is the Rego expression ``decision``."""
    (tmp_path / "policy.rego").write_text(
        f"package keel.on_tool\n\nimport rego.v1\n\n{extra}\ndecision := {decision}\n"
    )
    return tmp_path


@pytest.fixture(scope="module")
def engine() -> EmbeddedPolicyEngine:
    return EmbeddedPolicyEngine()


def test_it_is_a_policy_engine(engine: EmbeddedPolicyEngine) -> None:
    assert isinstance(engine, PolicyEngine)
    assert engine.problems == ()
    assert engine.policy_hash == PolicyBundle.load().hash


async def test_each_point_of_the_shipped_pack(engine: EmbeddedPolicyEngine) -> None:
    inj = await engine.evaluate(
        "input", doc("input", injection=InjectionFacts(0.93, ("instruction_override",)))
    )
    assert inj.result == "escalate"
    assert inj.error_code == "ESCALATED"
    assert inj.reasons == ("prompt-injection score 0.93 is at or above 0.7 (instruction_override)",)

    models = (
        ModelCandidate("openai:gpt-4o-mini"),
        ModelCandidate("rules:default", ("pii:restricted",)),
    )
    card = RequestFacts("refund to [CARD]", pii_classes=("restricted",), pii_types=("card",))
    route = engine.decide(
        "route",
        policy_input("route", principal=Principal("u-1"), agent=AGENT, request=card, models=models),
    )
    assert (route.result, route.allowed_models) == ("allow", ("rules:default",))
    assert engine.decide("route", doc("route", models=models)).allowed_models == (
        "openai:gpt-4o-mini",
        "rules:default",
    )

    reset = ToolFacts("reset_password", "irreversible", ("accounts:reset",), {"username": "jdoe"})
    denied = engine.decide("tool", doc("tool", tool=reset))
    assert (denied.result, denied.error_code) == ("deny", "POLICY_DENIED")
    assert (
        engine.decide("tool", doc("tool", roles=("helpdesk",), tool=reset)).error_code
        == "APPROVAL_REQUIRED"
    )

    leak = engine.decide("output", doc("output", output=OutputFacts("card 4242…", ("restricted",))))
    assert leak.reasons == ("the answer carries unmasked restricted PII",)
    assert engine.decide("output", doc("output", output=OutputFacts("done"))).allowed


def test_the_bundle_is_compiled_once_for_many_evaluations() -> None:
    before = compilations()
    first = EmbeddedPolicyEngine(memo_size=0)  # the shipped pack: compiled at most once
    after_first = compilations()
    assert after_first - before <= 1
    for amount in range(300):
        refund = ToolFacts("refund", "financial", ("billing:refund",), {"amount": amount})
        assert first.decide("tool", doc("tool", roles=("billing",), tool=refund)).allowed
    second = EmbeddedPolicyEngine(memo_size=0)  # same bundle version: shares the compiled form
    assert second.decide("tool", doc("tool", roles=("billing",), tool=refund)).allowed
    assert compilations() == after_first


def test_reload_compiles_only_a_new_version(tmp_path: Path) -> None:
    folder = bundle(tmp_path, '{"result": "allow"}')
    engine = EmbeddedPolicyEngine(folder)
    old_hash, count = engine.policy_hash, compilations()
    assert engine.reload() is False
    assert compilations() == count
    (folder / "policy.rego").write_text(
        (folder / "policy.rego").read_text().replace('"allow"', '"deny"')
    )
    assert engine.reload() is True
    assert compilations() == count + 1
    assert engine.policy_hash != old_hash
    decision = engine.decide("tool", doc("tool", tool=ToolFacts("x")))
    assert (decision.result, decision.policy_hash) == ("deny", engine.policy_hash)


def test_decisions_are_remembered_across_facts_the_policies_do_not_read() -> None:
    engine = EmbeddedPolicyEngine()
    tool = ToolFacts("search_kb", "read", (), {"query": "vpn"})
    first = engine.decide("tool", doc("tool", text="my VPN drops", tool=tool))
    again = engine.decide(
        "tool",
        policy_input(
            "tool",
            principal=Principal("u-2", ("employee",), "globex"),
            agent=AGENT,
            request=RequestFacts("other words"),
            tool=tool,
        ),
    )
    assert again is first
    assert (engine.memo.hits, engine.memo.misses) == (1, 1)
    other = engine.decide("tool", doc("tool", roles=("admin",), tool=tool))  # roles are read
    assert engine.memo.misses == 2
    assert other.allowed


def test_an_impure_bundle_is_never_remembered(tmp_path: Path) -> None:
    engine = EmbeddedPolicyEngine(bundle(tmp_path, '{"result": "allow"} if time.now_ns() > 0'))
    engine.decide("tool", {"a": 1})
    engine.decide("tool", {"a": 1})
    assert len(engine.memo) == 0


# --- fail closed: every way of not getting a decision is a deny with its cause ---


def deny_reason(engine: EmbeddedPolicyEngine, document: Any = None, point: Any = "tool") -> str:
    decision = engine.decide(
        point, {"input_version": "keel.policy.input/v1"} if document is None else document
    )
    assert decision.result == "deny", decision
    assert len(decision.reasons) == 1
    return decision.reasons[0]


def test_syntax_error_denies_and_says_where(tmp_path: Path) -> None:
    (tmp_path / "policy.rego").write_text("package keel.on_tool\n\ndecision := {\n")
    engine = EmbeddedPolicyEngine(tmp_path)
    assert engine.problems
    assert engine.problems[0].file == str(tmp_path / "policy.rego")
    assert engine.problems[0].line is not None
    assert deny_reason(engine).startswith(f"policy bundle unavailable: {tmp_path / 'policy.rego'}:")
    assert engine.policy_hash == PolicyBundle.load(tmp_path).hash  # the version that failed


def test_missing_bundle_denies(tmp_path: Path) -> None:
    engine = EmbeddedPolicyEngine(tmp_path / "nowhere")
    assert "is not a folder of Rego policies" in deny_reason(engine)
    assert engine.policy_hash == "unavailable"


def test_runtime_error_denies(tmp_path: Path) -> None:
    # A built-in that fails inside a deny rule must not leave the default allow.
    engine = EmbeddedPolicyEngine(
        bundle(
            tmp_path,
            "d",
            extra='default d := {"result": "allow"}\n\n'
            'd := {"result": "deny"} if to_number(input.amount) > 10\n',
        )
    )
    assert deny_reason(engine, {"amount": "a lot"}).startswith(
        "policy evaluation failed at data.keel.on_tool.decision"
    )
    assert engine.decide("tool", {"amount": "5"}).allowed


def test_conflicting_rule_values_deny(tmp_path: Path) -> None:
    engine = EmbeddedPolicyEngine(
        bundle(
            tmp_path,
            "d",
            extra='d := {"result": "allow"} if input.a\n\nd := {"result": "deny"} if input.b\n',
        )
    )
    assert "policy evaluation failed" in deny_reason(engine, {"a": True, "b": True})


def test_undefined_decision_denies(tmp_path: Path) -> None:
    engine = EmbeddedPolicyEngine(bundle(tmp_path, '{"result": "allow"} if input.ok'))
    assert (
        deny_reason(engine, {"ok": False})
        == "policy decision data.keel.on_tool.decision is undefined"
    )
    assert (
        deny_reason(engine, {}, point="route")
        == "policy decision data.keel.on_route.decision is undefined"
    )


@pytest.mark.parametrize(
    ("decision", "cause"),
    [
        ('"allow"', "it is a string, not an object"),
        ("true", "it is a boolean, not an object"),
        (
            '{"result": "maybe"}',
            "result 'maybe' is not one of allow, deny, require_approval, escalate",
        ),
        ('{"reasons": []}', "it has no result"),
        ('{"result": "allow", "alowed_models": []}', "unknown field(s) alowed_models"),
        (
            '{"result": "allow", "reasons": "fine"}',
            "reasons must be an array of strings, not a string",
        ),
        (
            '{"result": "allow", "mask_fields": [1]}',
            "mask_fields must be an array of strings; it holds a number",
        ),
        (
            '{"result": "allow", "allowed_models": {}}',
            "allowed_models must be an array of strings, not dict",
        ),
    ],
)
def test_malformed_decision_denies(tmp_path: Path, decision: str, cause: str) -> None:
    engine = EmbeddedPolicyEngine(bundle(tmp_path, decision))
    assert (
        deny_reason(engine) == f"malformed policy decision at data.keel.on_tool.decision: {cause}"
    )


@pytest.mark.parametrize(
    "value",
    [{1, 2}, math.nan, 2**70, "nul\0byte", object()],
    ids=["set", "nan", "bigint", "nul", "object"],
)
def test_input_that_is_not_json_denies(value: Any) -> None:
    reason = deny_reason(EmbeddedPolicyEngine(), {"tool": {"arguments": {"x": value}}})
    assert reason.startswith("policy input is not a JSON document")


def test_circular_input_denies() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    reason = deny_reason(EmbeddedPolicyEngine(), {"tool": {"arguments": loop}})
    assert reason.startswith("policy input is not a JSON document")


def test_slow_evaluation_denies(tmp_path: Path) -> None:
    engine = EmbeddedPolicyEngine(
        bundle(
            tmp_path, '{"result": "allow"} if count([x | some x in numbers.range(1, 20000)]) > 0'
        ),
        timeout_s=0.0005,
    )
    reason = deny_reason(engine)
    assert reason.startswith("policy evaluation at data.keel.on_tool.decision took ")
    assert reason.endswith("over its 0.5 ms limit")
    assert EmbeddedPolicyEngine(tmp_path, timeout_s=30).decide("tool", {}).allowed


def test_unknown_point_denies(engine: EmbeddedPolicyEngine) -> None:
    assert deny_reason(engine, point="answer") == "unknown decision point 'answer'"


def test_deny_is_a_value_with_the_hash() -> None:
    d = PolicyDecision.deny("tool", "why", policy_hash="sha256:1")
    assert d.to_dict() == {
        "point": "tool",
        "result": "deny",
        "reasons": ["why"],
        "mask_fields": [],
        "allowed_models": None,
        "policy_hash": "sha256:1",
    }
