package keel.on_route_test

import rego.v1

import data.keel.on_route

models := [
	{"id": "openai:gpt-4o-mini", "tags": ["region:us"]},
	{"id": "azure:gpt-4o", "tags": ["pii:restricted", "region:eu"]},
	{"id": "rules:default", "tags": ["pii:restricted"]},
]

route(pii_classes, candidates) := {
	"input_version": "keel.policy.input/v1",
	"principal": {"id": "u-1", "roles": ["employee"], "tenant": "acme"},
	"request": {"text": "refund order A-1 to [CARD]", "pii_classes": pii_classes, "pii_types": []},
	"injection": {"score": 0, "categories": []},
	"models": candidates,
}

test_request_without_pii_may_use_every_model_in_order if {
	d := on_route.decide(route([], models))
	d.result == "allow"
	d.allowed_models == ["openai:gpt-4o-mini", "azure:gpt-4o", "rules:default"]
}

test_restricted_pii_goes_only_to_models_tagged_for_it if {
	d := on_route.decide(route(["restricted", "confidential"], models))
	d.result == "allow"
	d.allowed_models == ["azure:gpt-4o", "rules:default"]
}

test_restricted_pii_with_no_tagged_model_is_denied if {
	d := on_route.decide(route(["restricted"], [models[0]]))
	d.result == "deny"
	d.allowed_models == []
	d.reasons == ["no candidate model carries the tags pii:restricted required for restricted PII"]
}

test_no_candidates_is_denied if {
	d := on_route.decide(route([], []))
	d.result == "deny"
	d.reasons == ["the policy input has no candidate models"]
}

test_missing_pii_classes_is_denied if {
	doc := {"input_version": "keel.policy.input/v1", "models": models}
	d := on_route.decide(doc)
	d.result == "deny"
	d.reasons == ["the policy input has no request PII classes"]
}
