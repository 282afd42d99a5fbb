package keel.on_input_test

import rego.v1

import data.keel.on_input

request(score, categories) := {
	"input_version": "keel.policy.input/v1",
	"principal": {"id": "u-1", "roles": ["employee"], "tenant": "acme"},
	"request": {"text": "my VPN drops every hour", "pii_classes": [], "pii_types": []},
	"injection": {"score": score, "categories": categories},
}

test_benign_request_is_allowed if {
	d := on_input.decide(request(0.05, []))
	d.result == "allow"
	d.reasons == []
	d.allowed_models == null
}

test_injection_at_the_threshold_escalates if {
	d := on_input.decide(request(0.7, ["system_prompt_extraction", "instruction_override"]))
	d.result == "escalate"
	d.reasons == ["prompt-injection score 0.7 is at or above 0.7 (instruction_override, system_prompt_extraction)"]
}

test_injection_below_the_threshold_is_allowed if {
	on_input.decide(request(0.69, ["role_play"])).result == "allow"
}

test_missing_injection_score_is_denied if {
	doc := {"input_version": "keel.policy.input/v1", "request": {"text": "hi"}}
	d := on_input.decide(doc)
	d.result == "deny"
	d.reasons == ["the policy input has no injection score"]
}

test_missing_input_version_is_denied if {
	d := on_input.decide({"injection": {"score": 0, "categories": []}})
	d.reasons == ["the policy input has no input_version (expected keel.policy.input/v1)"]
}
