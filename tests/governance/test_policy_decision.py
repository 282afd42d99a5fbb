"""Decision values, the input document builder, and what a bundle can read."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest

from keel.governance.policy import (
    INPUT_VERSION,
    AgentIdentity,
    ModelCandidate,
    OutputFacts,
    PolicyDecision,
    Principal,
    RequestFacts,
    RunCounters,
    ToolFacts,
    decision_rule,
    policy_input,
    read_decision,
)
from keel.governance.policy._memo import DecisionMemo, InputProjection


def test_read_decision_maps_a_full_decision() -> None:
    d = read_decision(
        {"result": "allow", "reasons": [], "mask_fields": ["card"], "allowed_models": ["a", "b"]},
        point="route",
        rule=decision_rule("route"),
        policy_hash="sha256:1",
    )
    assert d == PolicyDecision("route", "allow", (), ("card",), ("a", "b"), "sha256:1")
    assert (d.allowed, d.error_code) == (True, None)


def test_optional_fields_default_and_null_models_mean_unrestricted() -> None:
    d = read_decision(
        {"result": "escalate"}, point="input", rule="keel.on_input.decision", policy_hash="h"
    )
    assert (d.reasons, d.mask_fields, d.allowed_models) == ((), (), None)
    assert d.error_code == "ESCALATED"


def test_error_codes() -> None:
    codes = {
        r: PolicyDecision("tool", r).error_code
        for r in ("allow", "deny", "require_approval", "escalate")
    }
    assert codes == {
        "allow": None,
        "deny": "POLICY_DENIED",
        "require_approval": "APPROVAL_REQUIRED",
        "escalate": "ESCALATED",
    }


def test_decision_rule_path() -> None:
    assert decision_rule("tool") == "keel.on_tool.decision"
    assert decision_rule("input", "acme.gov") == "acme.gov.on_input.decision"


def test_policy_input_builds_each_point() -> None:
    common = {
        "principal": Principal("u-1", ("employee",), "acme"),
        "agent": AgentIdentity("helpdesk", "1.0.0", "sha256:9"),
        "request": RequestFacts("refund [CARD]", ("restricted",), ("card",)),
        "counters": RunCounters(steps=2, tokens=300, cost_usd=None),
    }
    tool = policy_input(
        "tool", tool=ToolFacts("refund", "financial", ("billing:refund",), {"amount": 5}), **common
    )
    assert tool == {
        "input_version": INPUT_VERSION,
        "point": "tool",
        "principal": {"id": "u-1", "roles": ["employee"], "tenant": "acme"},
        "agent": {"name": "helpdesk", "version": "1.0.0", "hash": "sha256:9"},
        "request": {"text": "refund [CARD]", "pii_classes": ["restricted"], "pii_types": ["card"]},
        "injection": {"score": 0.0, "categories": []},
        "counters": {"steps": 2, "tokens": 300, "cost_usd": None},
        "tool": {
            "name": "refund",
            "risk": "financial",
            "scopes": ["billing:refund"],
            "arguments": {"amount": 5},
        },
    }
    route = policy_input(
        "route", models=[ModelCandidate("rules:default", ("pii:restricted",))], **common
    )
    assert route["models"] == [{"id": "rules:default", "tags": ["pii:restricted"]}]
    assert policy_input("output", output=OutputFacts("ok"), **common)["output"] == {
        "text": "ok",
        "pii_classes": [],
        "pii_types": [],
    }
    with pytest.raises(ValueError, match="only at, the 'tool' point"):
        policy_input("tool", **common)
    with pytest.raises(ValueError, match="only at the 'route' point"):
        policy_input("input", models=[ModelCandidate("x")], **common)


def test_projection_reads_paths_off_the_source() -> None:
    p = InputProjection.of_sources(
        [
            'x if input.tool.name == "a" # input.counters in a comment',
            'y := concat(" ", ["input", "the input is # not code"])',
            "z if input.tool.arguments[k]",
            "w if { some r in input.principal.roles }\nv := data.keel.input.decision",
        ]
    )
    # a variable key ends the path where it starts: all of tool.arguments
    assert p.paths == (("principal", "roles"), ("tool", "arguments"), ("tool", "name"))
    assert p.pure
    doc = {
        "tool": {"name": "a", "risk": "read", "arguments": {"q": 1}},
        "principal": {"id": "u", "roles": ["r"]},
        "request": {"text": "t"},
    }
    assert p.project(doc) == {
        "tool": {"name": "a", "arguments": {"q": 1}},
        "principal": {"roles": ["r"]},
    }
    assert p.project({"principal": "not an object"}) == {}


def test_projection_of_the_whole_input_or_an_impure_policy() -> None:
    whole = InputProjection.of_sources(["d := f(input)"])
    assert whole.whole
    doc = {"a": 1}
    assert whole.project(doc) is doc
    assert not InputProjection.of_sources(["t := time.now_ns()"]).pure
    assert not InputProjection.of_sources(["r := http.send({})"]).pure


def test_memo_is_a_bounded_lru() -> None:
    memo: DecisionMemo[str] = DecisionMemo(2)
    keys = [DecisionMemo.key("tool", {"n": n}) for n in range(3)]
    for k, v in zip(keys, "abc", strict=True):
        memo.put(k, v)
    assert (memo.get(keys[0]), memo.get(keys[2]), len(memo)) == (None, "c", 2)
    assert DecisionMemo.key("tool", {"b": 1, "a": 2}) == DecisionMemo.key("tool", {"a": 2, "b": 1})
    with pytest.raises(ValueError, match="Out of range float"):
        DecisionMemo.key("tool", {"x": float("nan")})


def test_a_memo_key_tells_documents_apart_exactly_as_their_projections_do() -> None:
    p = InputProjection.of_sources(["x if input.tool.name", "y if input.principal.roles"])
    docs: list[dict[str, Any]] = [
        {},
        {"tool": {"name": "a"}},
        {"tool": {"name": "a", "risk": "read"}, "request": {"text": "other text"}},
        {"tool": {"name": "b"}},
        {"tool": {"name": None}},
        {"tool": "not an object"},
        {"tool": {}, "principal": {"roles": []}},
        {"principal": {"roles": []}},
        {"principal": {"roles": ["a"]}, "tool": {"name": "a"}},
        {"tool": {"name": ["a"]}},
        {"tool": {"name": []}},
    ]
    for a in docs:
        for b in docs:
            same = p.project(a) == p.project(b)
            assert (p.memo_key("tool", a) == p.memo_key("tool", b)) is same, (a, b)
    assert p.memo_key("tool", docs[1]) != p.memo_key("input", docs[1])
    whole = InputProjection.of_sources(["d := f(input)"])
    assert whole.memo_key("tool", {"b": 1, "a": 2}) == DecisionMemo.key("tool", {"a": 2, "b": 1})
    with pytest.raises(ValueError, match="Out of range float"):
        p.memo_key("tool", {"tool": {"name": float("inf")}})
    with pytest.raises(TypeError):
        p.memo_key("tool", {"tool": {"name": object()}})


def test_a_memo_key_reads_any_mapping_like_a_dict() -> None:
    # The key's fast path is for plain dicts; other mappings take the general one.
    p = InputProjection.of_sources(["x if input.tool.name", "y if input.principal.roles"])
    plain = {"tool": {"name": "a", "risk": "read"}, "principal": {"roles": ["r"]}}
    proxied = MappingProxyType(
        {"tool": MappingProxyType({"name": "a"}), "principal": {"roles": ["r"]}}
    )
    assert p.memo_key("tool", proxied) == p.memo_key("tool", plain)
    assert p.memo_key("tool", MappingProxyType({})) == p.memo_key("tool", {})
    assert p.memo_key("tool", {"tool": MappingProxyType({})}) == p.memo_key("tool", {"tool": {}})
    assert p.memo_key("tool", proxied) != p.memo_key("tool", {"tool": {"name": "b"}})
