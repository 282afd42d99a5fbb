package keel.on_output_test

import rego.v1

import data.keel.on_output

answer(pii_classes) := {
	"input_version": "keel.policy.input/v1",
	"principal": {"id": "u-1", "roles": ["employee"], "tenant": "acme"},
	"output": {"text": "Your refund is on its way.", "pii_classes": pii_classes, "pii_types": []},
}

test_answer_without_pii_is_allowed if {
	d := on_output.decide(answer([]))
	d.result == "allow"
	d.reasons == []
}

test_answer_with_confidential_pii_is_allowed if {
	on_output.decide(answer(["confidential"])).result == "allow"
}

test_answer_with_unmasked_restricted_pii_is_denied if {
	d := on_output.decide(answer(["confidential", "restricted"]))
	d.result == "deny"
	d.reasons == ["the answer carries unmasked restricted PII"]
}

test_missing_output_is_denied if {
	d := on_output.decide({"input_version": "keel.policy.input/v1"})
	d.reasons == ["the policy input has no output PII classes"]
}
