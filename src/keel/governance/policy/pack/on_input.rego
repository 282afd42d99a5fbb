# Decision point `input`: before the model sees the request.
#
# A request whose prompt-injection score reaches data.keel.injection.threshold is
# escalated to a human, or denied when data.keel.injection.action is "deny".
package keel.on_input

import rego.v1

import data.keel.lib

# The facts this point reads, and nothing else: the engine remembers decisions
# by the input paths a bundle mentions, so naming them here lets requests that
# differ only in facts this point ignores share one decision.
decision := decide({
	"input_version": input.input_version,
	"injection": input.injection,
})

decide(doc) := lib.decision(
	denies(doc) | lib.injection_denies(flags),
	lib.injection_escalations(flags),
	set(),
	set(),
	null,
) if {
	flags := lib.injection_flags(doc, data.keel.injection.threshold)
}

denies(doc) := lib.version_denies(doc) | {"the policy input has no injection score" |
	not is_number(doc.injection.score)
}
