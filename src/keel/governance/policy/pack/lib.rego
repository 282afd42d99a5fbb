# Shared by every decision point of Keel's default policy pack.
#
# Each point binds `decision := decide(input)`; `decide` and everything under it
# are functions of the input document, so the Rego unit tests call them on
# literal documents instead of overriding `input` with `with`, which rego-cpp
# (regopy 1.5) cannot compile for rules that call built-ins.
#
# A point gathers reasons into three sets and `lib.decision` turns them into one
# decision object: the most severe non-empty set wins (deny > escalate >
# require_approval > allow) and its reasons, sorted, explain the result.
#
# Portability notes, each a difference between rego-cpp and OPA/regorus:
# * messages are assembled with concat, and sprintf only formats values taken from
#   the document or data: rego-cpp quotes a string another built-in produced when
#   sprintf formats it;
# * sets are sorted through an array (`sorted`): rego-cpp's sort of a set
#   returns a set, which never equals an array;
# * a function name has one arity across the bundle: rego-cpp mixes up
#   same-named functions of different arity in different packages;
# * no package is named `input`: inside it rego-cpp reads `input` as the package
#   itself, hence the `on_<point>` packages.
package keel.lib

import rego.v1

input_version := "keel.policy.input/v1"

sorted(s) := sort([x | some x in s])

# A document of another version is denied, never guessed at: a field that moved
# would otherwise read as absent and let a request through.
version_denies(doc) := {msg |
	not doc.input_version
	msg := sprintf("the policy input has no input_version (expected %s)", [input_version])
} | {msg |
	doc.input_version != input_version
	msg := sprintf("unsupported policy input version %v (expected %s)", [doc.input_version, input_version])
}

# Reasons for a prompt-injection score at or above `threshold`, split by the
# action data.keel.injection.action asks for: "deny", or "escalate" (also the
# answer to any other value, so a typo never lets a request through silently).
injection_flags(doc, threshold) := {msg |
	doc.injection.score >= threshold
	msg := concat("", [
		sprintf("prompt-injection score %v is at or above %v", [doc.injection.score, threshold]),
		categories_suffix(doc.injection.categories),
	])
}

categories_suffix(categories) := concat("", [" (", concat(", ", sorted(categories)), ")"]) if {
	count(categories) > 0
} else := ""

injection_denies(flags) := flags if {
	data.keel.injection.action == "deny"
} else := set()

injection_escalations(flags) := set() if {
	data.keel.injection.action == "deny"
} else := flags

outcome(denies, escalations, approvals) := "deny" if {
	count(denies) > 0
} else := "escalate" if {
	count(escalations) > 0
} else := "require_approval" if {
	count(approvals) > 0
} else := "allow"

reasons("deny", denies, _, _) := sorted(denies)

reasons("escalate", _, escalations, _) := sorted(escalations)

reasons("require_approval", _, _, approvals) := sorted(approvals)

reasons("allow", _, _, _) := []

decision(denies, escalations, approvals, mask_fields, allowed_models) := {
	"result": result,
	"reasons": reasons(result, denies, escalations, approvals),
	"mask_fields": sorted(mask_fields),
	"allowed_models": allowed_models,
} if {
	result := outcome(denies, escalations, approvals)
}
