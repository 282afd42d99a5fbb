"""Problems with what a spec references, and how tool modules are imported."""

from __future__ import annotations

import sys
import textwrap

from spec_folders import PROMPT, TOOLS_PY, VALID_SPEC, MakeAgent, problems

from keel.spec import load_spec
from keel.spec._tool_modules import package_name

# Line numbers below refer to VALID_SPEC: instructions.file is on line 8, the
# rule's call on line 17, tools[0] on 21, tools[1].ref on 22, limits on 24.


def with_tools(*entries: str) -> str:
    """VALID_SPEC with its tools list replaced (and no rule calls, which need tools)."""
    spec = VALID_SPEC.replace(
        "          calls:\n"
        "            - tool: lookup_order\n"
        '              args: {order_id: "{input}"}\n',
        "",
    )
    listed = "".join(f"    - {e}\n" for e in entries)
    return spec.replace(
        "    - tools:lookup_order\n    - ref: tools:search_kb\n      name: search\n", listed
    )


# The prompt file -----------------------------------------------------------------


def test_missing_prompt_file(make_agent: MakeAgent) -> None:
    path = make_agent(files={"tools.py": TOOLS_PY})
    assert problems(path) == [
        "agent.yaml:8:11: instructions file 'prompt.md' does not exist "
        "(paths are relative to the spec's folder)"
    ]


def test_prompt_file_in_a_subfolder(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC.replace("file: prompt.md", "file: prompts/system.md")
    loaded = load_spec(make_agent(spec, extra={"prompts/system.md": "Hello.\n"}))
    assert loaded.instructions == "Hello.\n"


def test_prompt_file_outside_the_spec_folder(make_agent: MakeAgent) -> None:
    make_agent(folder="other", files={"secret.md": "not yours\n"}, spec="kind: Other\n")
    spec = VALID_SPEC.replace("file: prompt.md", "file: ../other/secret.md")
    assert problems(make_agent(spec)) == [
        "agent.yaml:8:11: instructions file '../other/secret.md' is outside the spec's folder; "
        "keep prompts in or below it"
    ]


def test_prompt_symlink_leading_outside_is_rejected(make_agent: MakeAgent) -> None:
    outside = make_agent(folder="other", files={"secret.md": "x\n"}, spec="kind: Other\n")
    path = make_agent(files={"tools.py": TOOLS_PY})
    (path.parent / "prompt.md").symlink_to(outside.parent / "secret.md")
    assert problems(path) == [
        "agent.yaml:8:11: instructions file 'prompt.md' is outside the spec's folder; "
        "keep prompts in or below it"
    ]


def test_prompt_path_that_is_a_folder(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC.replace("file: prompt.md", "file: prompts")
    path = make_agent(spec, extra={"prompts/a.md": "x"})
    assert problems(path) == ["agent.yaml:8:11: instructions file 'prompts' is not a file"]


def test_prompt_file_that_is_not_utf8(make_agent: MakeAgent) -> None:
    path = make_agent(extra={"prompt.md": b"caf\xe9\n"})
    assert problems(path) == [
        "agent.yaml:8:11: instructions file 'prompt.md' is not UTF-8 text (bad byte at offset 3)"
    ]


# Tool references -----------------------------------------------------------------


def test_missing_tool_module(make_agent: MakeAgent) -> None:
    path = make_agent(with_tools("tool:lookup_order"))
    assert problems(path) == [
        "agent.yaml:18:7: tool module 'tool' not found: no tool.py or tool/__init__.py "
        "in the spec's folder"
    ]


def test_missing_tool_attribute_suggests_the_closest(make_agent: MakeAgent) -> None:
    path = make_agent(with_tools("tools:lookup_ordr"))
    assert problems(path) == [
        "agent.yaml:18:7: tool module 'tools' has no attribute 'lookup_ordr' "
        "(did you mean 'lookup_order'?)"
    ]


def test_tool_module_raising_on_import(make_agent: MakeAgent) -> None:
    broken = "import os\n\nLIMIT = 1 / 0\n"
    path = make_agent(with_tools("broken:run"), extra={"broken.py": broken})
    assert problems(path) == [
        "agent.yaml:18:7: importing tool module 'broken' failed at broken.py:3: "
        "ZeroDivisionError: division by zero"
    ]
    assert f"{package_name(path.parent)}.broken" not in sys.modules


def test_tool_module_with_a_syntax_error(make_agent: MakeAgent) -> None:
    path = make_agent(with_tools("broken:run"), extra={"broken.py": "def run(:\n    pass\n"})
    assert problems(path) == [
        "agent.yaml:18:7: importing tool module 'broken' failed at broken.py:1: "
        "SyntaxError: invalid syntax"
    ]


def test_tool_module_importing_a_missing_package(make_agent: MakeAgent) -> None:
    source = "import keel_no_such_package\n"
    path = make_agent(with_tools("broken:run"), extra={"broken.py": source})
    assert problems(path) == [
        "agent.yaml:18:7: importing tool module 'broken' failed at broken.py:1: "
        "ModuleNotFoundError: No module named 'keel_no_such_package'"
    ]


def test_tool_attribute_that_is_not_callable(make_agent: MakeAgent) -> None:
    path = make_agent(with_tools("tools:LIMIT"), extra={"tools.py": TOOLS_PY + "LIMIT = 3\n"})
    assert problems(path) == [
        "agent.yaml:18:7: 'tools:LIMIT' is a int, not a function or a tool object"
    ]


def test_tool_module_name_that_is_not_python(make_agent: MakeAgent) -> None:
    path = make_agent(with_tools("my-tools:run"))
    assert problems(path) == ["agent.yaml:18:7: 'my-tools' is not a Python module name"]


def test_one_broken_module_is_reported_for_each_tool_using_it(make_agent: MakeAgent) -> None:
    path = make_agent(with_tools("broken:a", "broken:b"), extra={"broken.py": "1 / 0\n"})
    message = (
        "importing tool module 'broken' failed at broken.py:1: ZeroDivisionError: division by zero"
    )
    assert problems(path) == [f"agent.yaml:18:7: {message}", f"agent.yaml:19:7: {message}"]


def test_duplicate_exposed_tool_names(make_agent: MakeAgent) -> None:
    extra = {"more.py": "def lookup_order() -> None:\n    pass_through = None\n"}
    spec = with_tools(
        "tools:lookup_order", "more:lookup_order", "{ref: 'tools:search_kb', name: lookup_order}"
    )
    assert problems(make_agent(spec, extra=extra)) == [
        "agent.yaml:19:7: tool name 'lookup_order' is already used by spec.tools[0]; "
        "set 'name' to expose one of them under another name",
        "agent.yaml:20:38: tool name 'lookup_order' is already used by spec.tools[0]; "
        "set 'name' to expose one of them under another name",
    ]


def test_exposed_name_must_suit_model_providers(make_agent: MakeAgent) -> None:
    path = make_agent(with_tools("{ref: 'tools:search_kb', name: 'search the kb'}"))
    assert problems(path) == [
        "agent.yaml:18:38: tool name 'search the kb' must be 1-64 letters, digits, '_' or '-' "
        "(what model providers accept)"
    ]


def test_tool_object_with_info_and_call_is_accepted(make_agent: MakeAgent) -> None:
    source = textwrap.dedent(
        """\
        class KbTool:
            info = {"name": "kb"}

            async def call(self, arguments, context):
                return "ok"


        kb = KbTool()
        """
    )
    loaded = load_spec(make_agent(with_tools("objects:kb"), extra={"objects.py": source}))
    assert type(loaded.tool_objects["kb"]).__name__ == "KbTool"


def test_dotted_module_paths(make_agent: MakeAgent) -> None:
    extra = {
        "pkg/__init__.py": "",
        "pkg/billing.py": "def refund() -> str:\n    return 'refunded'\n",
        "shop/__init__.py": "def order() -> str:\n    return 'ordered'\n",
    }
    loaded = load_spec(make_agent(with_tools("pkg.billing:refund", "shop:order"), extra=extra))
    assert {n: f() for n, f in loaded.tool_objects.items()} == {  # type: ignore[operator]
        "refund": "refunded",
        "order": "ordered",
    }


def test_two_spec_folders_with_their_own_tools_py_do_not_collide(make_agent: MakeAgent) -> None:
    first = make_agent(
        with_tools("tools:answer"),
        folder="a",
        extra={"tools.py": "def answer():\n    return 'a'\n"},
    )
    second = make_agent(
        with_tools("tools:answer"),
        folder="b",
        extra={"tools.py": "def answer():\n    return 'b'\n"},
    )
    a, b = load_spec(first), load_spec(second)
    assert a.tool_objects["answer"]() == "a"  # type: ignore[operator]
    assert b.tool_objects["answer"]() == "b"  # type: ignore[operator]
    assert "tools" not in sys.modules


def test_tool_modules_import_siblings_without_colliding(make_agent: MakeAgent) -> None:
    def folder(name: str) -> dict[str, str]:
        return {
            "tools.py": "import helpers\nfrom . import shared\nfrom lib import extra\n\n"
            "def answer():\n    return helpers.WHO + shared.WHO + extra.WHO\n",
            "helpers.py": f"WHO = {name!r}\n",
            "shared.py": f"WHO = {name.upper()!r}\n",
            "lib/extra.py": f"WHO = {name * 2!r}\n",
        }

    a = load_spec(make_agent(with_tools("tools:answer"), folder="a", extra=folder("a")))
    b = load_spec(make_agent(with_tools("tools:answer"), folder="b", extra=folder("b")))
    assert a.tool_objects["answer"]() == "aAaa"  # type: ignore[operator]
    assert b.tool_objects["answer"]() == "bBbb"  # type: ignore[operator]
    assert not {"helpers", "lib", "lib.extra"} & set(sys.modules)
    assert str(a.base_dir) not in sys.path


# Rule calls, schemas, bundles and suites -------------------------------------------


def test_rule_calling_an_undeclared_tool(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC.replace("- tool: lookup_order", "- tool: lookup_ordr")
    assert problems(make_agent(spec)) == [
        "agent.yaml:17:21: rule 'lookup' calls tool 'lookup_ordr', which is not declared "
        "in spec.tools (did you mean 'lookup_order'?)"
    ]


def test_rule_calling_a_tool_when_none_are_declared(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC.replace(
        "  tools:\n    - tools:lookup_order\n    - ref: tools:search_kb\n      name: search\n", ""
    )
    assert problems(make_agent(spec, files={"prompt.md": PROMPT})) == [
        "agent.yaml:17:21: rule 'lookup' calls tool 'lookup_order', which is not declared "
        "in spec.tools (no tools are declared)"
    ]


def test_invalid_json_schema_points_into_the_schema(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC + textwrap.indent(
        "input:\n  schema:\n    type: object\n    properties:\n      q: {type: strin}\n", "  "
    )
    assert problems(make_agent(spec)) == [
        "agent.yaml:30:19: spec.input.schema is not a valid JSON Schema: "
        "'strin' is not valid under any of the given schemas"
    ]


def test_unknown_json_schema_dialect(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC + textwrap.indent(
        "output:\n  schema:\n    $schema: https://example.com/my-schema\n", "  "
    )
    assert problems(make_agent(spec)) == [
        "agent.yaml:28:16: spec.output.schema names an unknown JSON Schema dialect "
        "'https://example.com/my-schema'; use e.g. "
        "'https://json-schema.org/draft/2020-12/schema'"
    ]


def test_valid_json_schemas_pass(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC + textwrap.indent(
        "input:\n  schema: {type: object, required: [q], properties: {q: {type: string}}}\n"
        "output:\n  schema:\n    $schema: http://json-schema.org/draft-07/schema#\n"
        "    type: string\n",
        "  ",
    )
    loaded = load_spec(make_agent(spec))
    assert loaded.spec.spec.output.json_schema == {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "string",
    }


def test_missing_policy_bundle_and_eval_suite(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC + textwrap.indent(
        "policies: {bundle: policies}\nevals:\n  - file: evals/smoke.yaml\n", "  "
    )
    assert problems(make_agent(spec)) == [
        "agent.yaml:26:22: policy bundle 'policies' does not exist",
        "agent.yaml:28:13: eval suite 'evals/smoke.yaml' does not exist",
    ]


def test_policy_bundle_that_is_a_file(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC + "  policies: {bundle: policy.rego}\n"
    path = make_agent(spec, extra={"policy.rego": "package keel\n"})
    assert problems(path) == ["agent.yaml:26:22: policy bundle 'policy.rego' is not a folder"]


def test_all_broken_references_are_reported_together(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC.replace("- tool: lookup_order", "- tool: nope").replace(
        "ref: tools:search_kb", "ref: tools:serch_kb"
    )
    path = make_agent(spec, files={"tools.py": TOOLS_PY})
    assert problems(path) == [
        "agent.yaml:8:11: instructions file 'prompt.md' does not exist "
        "(paths are relative to the spec's folder)",
        "agent.yaml:17:21: rule 'lookup' calls tool 'nope', which is not declared in spec.tools",
        "agent.yaml:22:12: tool module 'tools' has no attribute 'serch_kb' "
        "(did you mean 'search_kb'?)",
    ]
