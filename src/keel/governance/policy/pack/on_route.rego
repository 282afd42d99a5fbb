# Decision point `route`: which of the candidate models may serve the request.
#
# For every PII class found in the request, data.keel.routing.required_tags names
# the tags a model must carry (restricted PII only goes to models tagged
# `pii:restricted`). `allowed_models` keeps the candidates' order, so the fallback
# chain keeps the order the spec declared; no allowed candidate is a deny.
package keel.on_route

import rego.v1

import data.keel.lib

# The facts this point reads (see on_input.rego for why they are named).
decision := decide({
	"input_version": input.input_version,
	"request": {"pii_classes": input.request.pii_classes},
	"models": input.models,
})

decide(doc) := lib.decision(route_denies(doc, allowed), set(), set(), set(), allowed) if {
	allowed := allowed_models(doc)
}

required_tags(doc) := {tag |
	some class in doc.request.pii_classes
	some tag in data.keel.routing.required_tags[class]
}

allowed_models(doc) := [model.id |
	required := required_tags(doc)
	some model in candidates(doc)
	count(required - {tag | some tag in model.tags}) == 0
]

candidates(doc) := doc.models if {
	is_array(doc.models)
} else := []

route_denies(doc, allowed) := lib.version_denies(doc) | {"the policy input has no request PII classes" |
	not is_array(doc.request.pii_classes)
} | {"the policy input has no candidate models" |
	count(candidates(doc)) == 0
} | {msg |
	count(candidates(doc)) > 0
	count(allowed) == 0
	msg := concat("", [
		"no candidate model carries the tags ", concat(", ", lib.sorted(required_tags(doc))),
		" required for ", concat(", ", lib.sorted(doc.request.pii_classes)), " PII",
	])
}
