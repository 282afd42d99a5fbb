"""Checks of everything a valid spec points at: prompt file, tools, schemas, bundles, evals.

Each check reports on the line of the key that holds the reference and keeps
going, so one load lists every broken reference. The bytes read here are the
bytes that go into the content hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema.validators
from jsonschema.protocols import Validator

from keel.errors import SpecProblem
from keel.spec._tool_modules import ToolModuleError, ToolModules
from keel.spec._validation import did_you_mean, render_path
from keel.spec._yaml import DataPath, YamlDocument
from keel.spec.model import AgentSpec

# The tool-name rule of keel.tools (and of the model providers' function calling).
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class References:
    """What the references resolved to, and the problems found on the way."""

    instructions: str = ""
    tool_objects: dict[str, object] = field(default_factory=dict)
    files: dict[Path, bytes] = field(default_factory=dict)  # in the order first referenced
    problems: list[SpecProblem] = field(default_factory=list)


def resolve_references(spec: AgentSpec, doc: YamlDocument, base_dir: Path) -> References:
    """Resolve and check every reference of ``spec``; never raises for a broken one.

    ``base_dir`` must be resolved (absolute, no symlinks): containment checks
    compare resolved paths.
    """
    refs = References()
    _instructions(spec, doc, base_dir, refs)
    _tools(spec, doc, base_dir, refs)
    _rule_calls(spec, doc, refs)
    for section in ("input", "output"):
        _json_schema(
            getattr(spec.spec, section).json_schema, ("spec", section, "schema"), doc, refs
        )
    _policy_bundle(spec, doc, base_dir, refs)
    for i, suite in enumerate(spec.spec.evals):
        path = (base_dir / suite.file).resolve()
        where: DataPath = ("spec", "evals", i, "file")
        if not path.exists():
            refs.problems.append(doc.problem(where, f"eval suite {suite.file!r} does not exist"))
        elif not path.is_file():
            refs.problems.append(doc.problem(where, f"eval suite {suite.file!r} is not a file"))
        else:
            _read(path, doc, where, f"eval suite {suite.file!r}", refs)
    return refs


def tool_name(ref: str, name: str | None) -> str:
    """The name a tool is exposed under: its ``name``, else the attribute in ``ref``."""
    return name or ref.partition(":")[2]


def _instructions(spec: AgentSpec, doc: YamlDocument, base_dir: Path, refs: References) -> None:
    instructions = spec.spec.instructions
    if instructions.file is None:
        refs.instructions = instructions.text or ""
        return
    where: DataPath = ("spec", "instructions", "file")
    what = f"instructions file {instructions.file!r}"
    path = (base_dir / instructions.file).resolve()
    # Resolved paths, so neither '..' nor a symlink can reach outside the folder.
    if not path.is_relative_to(base_dir):
        refs.problems.append(
            doc.problem(where, f"{what} is outside the spec's folder; keep prompts in or below it")
        )
    elif not path.exists():
        refs.problems.append(
            doc.problem(where, f"{what} does not exist (paths are relative to the spec's folder)")
        )
    elif not path.is_file():
        refs.problems.append(doc.problem(where, f"{what} is not a file"))
    else:
        data = _read(path, doc, where, what, refs)
        if data is not None:
            try:
                refs.instructions = data.decode("utf-8")
            except UnicodeDecodeError as e:
                refs.problems.append(
                    doc.problem(where, f"{what} is not UTF-8 text (bad byte at offset {e.start})")
                )


def _tools(spec: AgentSpec, doc: YamlDocument, base_dir: Path, refs: References) -> None:
    modules = ToolModules(base_dir)
    first_use: dict[str, int] = {}
    for i, tool in enumerate(spec.spec.tools):
        where: DataPath = ("spec", "tools", i, "ref")
        exposed = tool_name(tool.ref, tool.name)
        module_name, _, attr = tool.ref.partition(":")
        if not attr.isidentifier():
            refs.problems.append(
                doc.problem(where, f"{attr!r} in {tool.ref!r} is not a Python attribute name")
            )
            continue
        if not _TOOL_NAME.match(exposed):
            refs.problems.append(
                doc.problem(
                    ("spec", "tools", i, "name"),
                    f"tool name {exposed!r} must be 1-64 letters, digits, '_' or '-' "
                    "(what model providers accept)",
                )
            )
        if exposed in first_use:
            key = "name" if tool.name is not None else "ref"
            refs.problems.append(
                doc.problem(
                    ("spec", "tools", i, key),
                    f"tool name {exposed!r} is already used by spec.tools[{first_use[exposed]}]; "
                    "set 'name' to expose one of them under another name",
                )
            )
        else:
            first_use[exposed] = i
        try:
            loaded = modules.load(module_name)
        except ToolModuleError as e:
            refs.problems.append(doc.problem(where, str(e)))
            continue
        refs.files.setdefault(loaded.file, loaded.source)
        obj = getattr(loaded.module, attr, _MISSING)
        if obj is _MISSING:
            names = [n for n in vars(loaded.module) if not n.startswith("_")]
            hint = did_you_mean(attr, names)
            refs.problems.append(
                doc.problem(where, f"tool module {module_name!r} has no attribute {attr!r}{hint}")
            )
        elif not _is_tool(obj):
            refs.problems.append(
                doc.problem(
                    where,
                    f"{tool.ref!r} is a {type(obj).__name__}, not a function or a tool object",
                )
            )
        elif exposed not in refs.tool_objects:
            refs.tool_objects[exposed] = obj


_MISSING = object()


def _is_tool(obj: object) -> bool:
    # A tool object follows keel.tools.Tool (``info`` and ``call``); spec imports
    # nothing above it, so the check is structural.
    return callable(obj) or (hasattr(obj, "info") and callable(getattr(obj, "call", None)))


def _rule_calls(spec: AgentSpec, doc: YamlDocument, refs: References) -> None:
    rules = spec.spec.model.rules
    if rules is None:
        return
    declared = [tool_name(t.ref, t.name) for t in spec.spec.tools]
    for i, rule in enumerate(rules.intents):
        for j, call in enumerate(rule.calls):
            if call.tool in declared:
                continue
            hint = did_you_mean(call.tool, declared) or (
                "" if declared else " (no tools are declared)"
            )
            refs.problems.append(
                doc.problem(
                    ("spec", "model", "rules", "intents", i, "calls", j, "tool"),
                    f"rule {rule.intent!r} calls tool {call.tool!r}, "
                    f"which is not declared in spec.tools{hint}",
                )
            )


def _json_schema(
    schema: dict[str, Any] | None, where: DataPath, doc: YamlDocument, refs: References
) -> None:
    if schema is None:
        return
    label = render_path(where)
    dialect = schema.get("$schema")
    validator: type[Validator] | None
    if dialect is None:
        validator = jsonschema.validators.validator_for(schema)
    else:
        # Passing a default turns jsonschema's "unknown $schema" warning into a None.
        validator = (
            jsonschema.validators.validator_for(schema, default=None)  # type: ignore[arg-type]
            if isinstance(dialect, str)
            else None
        )
        if validator is None:
            refs.problems.append(
                doc.problem(
                    (*where, "$schema"),
                    f"{label} names an unknown JSON Schema dialect {dialect!r}; "
                    "use e.g. 'https://json-schema.org/draft/2020-12/schema'",
                )
            )
            return
    try:
        validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        refs.problems.append(
            doc.problem(
                (*where, *e.absolute_path),
                f"{label} is not a valid JSON Schema: {e.message}",
            )
        )


def _policy_bundle(spec: AgentSpec, doc: YamlDocument, base_dir: Path, refs: References) -> None:
    policies = spec.spec.policies
    if policies is None or policies.bundle is None:
        return
    where: DataPath = ("spec", "policies", "bundle")
    bundle = (base_dir / policies.bundle).resolve()
    if not bundle.is_dir():
        state = "is not a folder" if bundle.exists() else "does not exist"
        refs.problems.append(doc.problem(where, f"policy bundle {policies.bundle!r} {state}"))
        return
    # Hidden entries and caches are tooling state, not policy.
    for path in sorted(bundle.rglob("*")):
        rel = path.relative_to(bundle).parts
        if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel):
            _read(path, doc, where, f"policy file {path.name!r}", refs)


def _read(
    path: Path, doc: YamlDocument, where: DataPath, what: str, refs: References
) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError as e:
        refs.problems.append(doc.problem(where, f"cannot read {what}: {e.strerror}"))
        return None
    refs.files.setdefault(path, data)
    return data
