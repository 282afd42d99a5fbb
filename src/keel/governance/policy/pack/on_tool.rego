# Decision point `tool`: before each tool call.
#
# * RBAC: a tool's required scopes must all be granted by the caller's roles
#   (data.keel.roles maps a role to scopes; "*" grants every scope).
# * Limits live in data, not code: a `financial` tool moving more than
#   data.keel.limits.auto_approve_max (or its own entry under
#   data.keel.limits.tools) needs approval, and so does one whose amount cannot be
#   read; an `irreversible` tool always does.
# * A high prompt-injection score stops tools that change things
#   (data.keel.injection.tool_threshold), per data.keel.injection.action.
# * Arguments named in data.keel.masking.tool_arguments come back as
#   `mask_fields`, so logs, spans and audit rows carry them masked.
package keel.on_tool

import rego.v1

import data.keel.lib

# The facts this point reads (see on_input.rego for why they are named).
decision := decide({
	"input_version": input.input_version,
	"principal": {"roles": input.principal.roles},
	"injection": input.injection,
	"tool": input.tool,
})

decide(doc) := lib.decision(
	denies(doc) | lib.injection_denies(flags),
	lib.injection_escalations(flags),
	approvals(tool),
	mask_fields(tool),
	null,
) if {
	tool := tool_of(doc)
	flags := risky_tool_flags(doc)
}

# A missing tool or principal reads as empty, so the checks below deny rather
# than go undefined.
tool_of(doc) := doc.tool if {
	is_object(doc.tool)
} else := {}

roles_of(doc) := doc.principal.roles if {
	is_array(doc.principal.roles)
} else := []

changes_things := {"write", "financial", "irreversible"}

granted(roles) := {scope |
	some role in roles
	some scope in data.keel.roles[role]
}

missing(doc) := {scope |
	held := granted(roles_of(doc))
	not "*" in held
	some scope in doc.tool.scopes
	not scope in held
}

denies(doc) := lib.version_denies(doc) | {"the policy input has no tool" |
	not is_object(doc.tool)
} | {msg |
	m := missing(doc)
	count(m) > 0
	msg := concat("", [
		sprintf("tool %s needs scopes ", [doc.tool.name]), concat(", ", lib.sorted(m)),
		" that roles [", concat(", ", lib.sorted(roles_of(doc))), "] do not grant",
	])
}

approvals(tool) := {msg |
	tool.risk == "irreversible"
	msg := sprintf("tool %s is irreversible and always needs approval", [tool.name])
} | {msg |
	tool.risk == "financial"
	a := amounts(tool)
	count(a) > 0
	amount := max(a)
	limit := auto_approve_max(tool.name)
	amount > limit
	msg := sprintf("tool %s moves %v, above the automatic limit of %v", [tool.name, amount, limit])
} | {msg |
	tool.risk == "financial"
	count(amounts(tool)) == 0
	msg := sprintf("tool %s is financial and no amount argument could be checked", [tool.name])
}

auto_approve_max(name) := data.keel.limits.tools[name].auto_approve_max if {
	is_number(data.keel.limits.tools[name].auto_approve_max)
} else := data.keel.limits.auto_approve_max

amounts(tool) := {amount |
	some name in data.keel.limits.amount_arguments
	amount := tool.arguments[name]
	is_number(amount)
}

risky_tool_flags(doc) := lib.injection_flags(doc, data.keel.injection.tool_threshold) if {
	doc.tool.risk in changes_things
} else := set()

mask_fields(tool) := {name |
	some name in data.keel.masking.tool_arguments
	name in object.keys(tool.arguments)
}
