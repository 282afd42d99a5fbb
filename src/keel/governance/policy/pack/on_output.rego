# Decision point `output`: before the answer leaves.
#
# An answer that still carries PII of a class listed in
# data.keel.output.blocked_pii_classes (by default `restricted`: card numbers,
# SSNs, secrets) after masking is denied.
package keel.on_output

import rego.v1

import data.keel.lib

# The facts this point reads (see on_input.rego for why they are named).
decision := decide({
	"input_version": input.input_version,
	"output": {"pii_classes": input.output.pii_classes},
})

decide(doc) := lib.decision(denies(doc), set(), set(), set(), null)

denies(doc) := lib.version_denies(doc) | {"the policy input has no output PII classes" |
	not is_array(doc.output.pii_classes)
} | {msg |
	some class in doc.output.pii_classes
	class in data.keel.output.blocked_pii_classes
	msg := sprintf("the answer carries unmasked %s PII", [class])
}
