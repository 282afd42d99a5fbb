package keel.on_tool_test

import rego.v1

import data.keel.on_tool

call(roles, tool) := {
	"input_version": "keel.policy.input/v1",
	"principal": {"id": "u-1", "roles": roles, "tenant": "acme"},
	"injection": {"score": 0.1, "categories": []},
	"tool": tool,
}

refund(amount) := {
	"name": "refund", "risk": "financial", "scopes": ["billing:refund"],
	"arguments": {"order_id": "A-1", "amount": amount, "card": "tok_4242"},
}

reset := {"name": "reset_password", "risk": "irreversible", "scopes": ["accounts:reset"], "arguments": {"username": "jdoe"}}

ticket := {"name": "create_ticket", "risk": "write", "scopes": ["tickets:write"], "arguments": {"summary": "VPN down"}}

test_refund_within_limit_is_allowed_with_card_masked if {
	d := on_tool.decide(call(["billing"], refund(120)))
	d.result == "allow"
	d.reasons == []
	d.mask_fields == ["card"]
}

test_refund_at_the_limit_is_allowed if {
	on_tool.decide(call(["billing"], refund(500))).result == "allow"
}

test_refund_over_the_limit_needs_approval if {
	d := on_tool.decide(call(["billing"], refund(500.5)))
	d.result == "require_approval"
	d.reasons == ["tool refund moves 500.5, above the automatic limit of 500"]
}

test_refund_without_a_numeric_amount_needs_approval if {
	t := {"name": "refund", "risk": "financial", "scopes": ["billing:refund"], "arguments": {"amount": "600"}}
	d := on_tool.decide(call(["billing"], t))
	d.result == "require_approval"
	d.reasons == ["tool refund is financial and no amount argument could be checked"]
}

test_financial_tool_without_its_own_limit_uses_the_default if {
	t := {"name": "payout", "risk": "financial", "scopes": [], "arguments": {"total": 501}}
	d := on_tool.decide(call(["billing"], t))
	d.reasons == ["tool payout moves 501, above the automatic limit of 500"]
}

test_irreversible_tool_always_needs_approval if {
	d := on_tool.decide(call(["helpdesk"], reset))
	d.result == "require_approval"
	d.reasons == ["tool reset_password is irreversible and always needs approval"]
}

test_tool_outside_the_callers_roles_is_denied if {
	d := on_tool.decide(call(["employee"], reset))
	d.result == "deny"
	d.reasons == ["tool reset_password needs scopes accounts:reset that roles [employee] do not grant"]
}

test_caller_without_roles_is_denied_a_scoped_tool if {
	on_tool.decide(call([], ticket)).result == "deny"
}

test_wildcard_role_grants_every_scope if {
	on_tool.decide(call(["admin"], ticket)).result == "allow"
}

test_deny_outranks_approval if {
	d := on_tool.decide(call(["employee"], refund(900)))
	d.result == "deny"
	count(d.reasons) == 1
}

test_injection_on_a_tool_that_changes_things_escalates if {
	doc := object.union(call(["employee"], ticket), {"injection": {"score": 0.6, "categories": ["instruction_override"]}})
	d := on_tool.decide(doc)
	d.result == "escalate"
	d.reasons == ["prompt-injection score 0.6 is at or above 0.5 (instruction_override)"]
}

test_injection_does_not_stop_a_read_tool if {
	t := {"name": "search_kb", "risk": "read", "scopes": [], "arguments": {"query": "vpn"}}
	doc := object.union(call(["employee"], t), {"injection": {"score": 0.6, "categories": []}})
	on_tool.decide(doc).result == "allow"
}

test_unknown_input_version_is_denied if {
	doc := object.union(call(["admin"], ticket), {"input_version": "keel.policy.input/v0"})
	d := on_tool.decide(doc)
	d.result == "deny"
	d.reasons == ["unsupported policy input version keel.policy.input/v0 (expected keel.policy.input/v1)"]
}

test_missing_tool_is_denied if {
	doc := {"input_version": "keel.policy.input/v1", "principal": {"id": "u-1", "roles": ["admin"], "tenant": "acme"}}
	on_tool.decide(doc).reasons == ["the policy input has no tool"]
}

test_missing_principal_is_denied_a_scoped_tool if {
	doc := {"input_version": "keel.policy.input/v1", "tool": ticket}
	d := on_tool.decide(doc)
	d.result == "deny"
	d.reasons == ["tool create_ticket needs scopes tickets:write that roles [] do not grant"]
}
