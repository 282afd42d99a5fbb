"""Problems with a spec's shape, rendered as ``file:line:col: message`` and compared exactly."""

from __future__ import annotations

from spec_folders import VALID_SPEC, MakeAgent, problems

LIMITS_KEYS = (
    "max_steps, max_tokens, max_cost_usd, timeout_s, max_tool_result_bytes, "
    "context_budget_tokens, truncation, daily"
)


def test_unknown_key_at_top_level(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC + "specs: {}\n")
    assert problems(path) == [
        "agent.yaml:26:1: unknown key 'specs' at the top level; "
        "allowed keys: apiVersion, kind, metadata, spec (did you mean 'spec'?)"
    ]


def test_unknown_nested_key_without_a_close_match(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC + "    bogus_key_for_check: 1\n")
    assert problems(path) == [
        f"agent.yaml:26:5: unknown key 'bogus_key_for_check' in spec.limits; "
        f"allowed keys: {LIMITS_KEYS}"
    ]


def test_unknown_nested_key_suggests_the_closest(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("max_steps: 8", "max_step: 8"))
    assert problems(path) == [
        f"agent.yaml:25:5: unknown key 'max_step' in spec.limits; "
        f"allowed keys: {LIMITS_KEYS} (did you mean 'max_steps'?)"
    ]


def test_unknown_key_inside_a_list_item(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("      name: search", "      nmae: search"))
    assert problems(path) == [
        "agent.yaml:23:7: unknown key 'nmae' in spec.tools[1]; "
        "allowed keys: ref, name, settings (did you mean 'name'?)"
    ]


def test_missing_required_key(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC.replace('  instructions:\n    file: prompt.md\n    version: "3"\n', "")
    assert problems(make_agent(spec)) == [
        "agent.yaml:6:1: missing required key 'instructions' in spec"
    ]


def test_missing_top_level_key(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("kind: Agent\n", ""))
    assert problems(path) == ["agent.yaml:1:1: missing required key 'kind' at the top level"]


def test_wrong_type(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC + "    timeout_s: abc\n")
    assert problems(path) == ["agent.yaml:26:16: expected a number, got 'abc'"]


def test_number_where_text_is_expected_suggests_quotes(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace('version: "3"', "version: 1.10"))
    assert problems(path) == [
        "agent.yaml:9:14: expected a string, got 1.10 (to write text, quote it: '1.10')"
    ]


def test_mapping_expected(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("  limits:\n    max_steps: 8\n", "  limits: 8\n"))
    assert problems(path) == ["agent.yaml:24:11: expected a mapping, got 8"]


def test_bad_semver(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("version: 1.2.0", "version: 1.2.x"))
    assert problems(path) == [
        "agent.yaml:5:12: version '1.2.x' is not a semantic version such as 1.2.0"
    ]


def test_enum_lists_the_allowed_values(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("primary: rules", "primary: {provider: opneai}"))
    assert problems(path) == [
        "agent.yaml:11:25: expected one of 'openai', 'anthropic', 'rules', 'scripted'; "
        "got 'opneai' (did you mean 'openai'?)"
    ]


def test_bound_violations(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("max_steps: 8", "max_steps: 0"))
    assert problems(path) == ["agent.yaml:25:16: must be at least 1, got 0"]


def test_union_errors_merge_into_one(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC.replace('answer: "Order status: {lookup_order}"', "answer: [1]")
    assert problems(make_agent(spec)) == [
        "agent.yaml:19:11: expected a string or a mapping, got a list"
    ]


def test_shorthand_model_gets_a_helpful_type_message(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("primary: rules", "primary: 5"))
    assert problems(path) == [
        "agent.yaml:11:14: expected a mapping or a 'provider:name' string, got 5"
    ]


def test_model_level_rule_points_at_the_section_key(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC.replace('    version: "3"\n', '    version: "3"\n    text: inline\n')
    assert problems(make_agent(spec)) == ["agent.yaml:7:3: give exactly one of 'text' or 'file'"]


def test_several_problems_are_reported_at_once_in_line_order(make_agent: MakeAgent) -> None:
    spec = (
        VALID_SPEC.replace("name: support", "name: Support")
        .replace("version: 1.2.0", "version: latest")
        .replace("max_steps: 8", "max_steps: many")
        + "    colour: blue\n"
    )
    assert problems(make_agent(spec)) == [
        "agent.yaml:4:9: name 'Support' must be lowercase letters, digits and '-', "
        "start and end with a letter or digit, at most 63 characters",
        "agent.yaml:5:12: version 'latest' is not a semantic version such as 1.2.0",
        "agent.yaml:25:16: expected an integer, got 'many'",
        f"agent.yaml:26:5: unknown key 'colour' in spec.limits; allowed keys: {LIMITS_KEYS}",
    ]


# YAML-level problems -----------------------------------------------------------


def test_yaml_syntax_error_has_the_parser_mark(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("max_steps: 8", "max_steps: [8"))
    assert problems(path) == [
        "agent.yaml:26:1: YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence at line 25, column 16)"
    ]


def test_bad_indentation(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("  version: 1.2.0", "   version: 1.2.0"))
    assert problems(path) == [
        "agent.yaml:5:11: YAML syntax error: mapping values are not allowed here"
    ]


def test_duplicate_keys_are_an_error(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC + "    max_steps: 9\n")
    assert problems(path) == [
        "agent.yaml:26:5: duplicate key 'max_steps'; it is already set at line 25, column 5"
    ]


def test_empty_file(make_agent: MakeAgent) -> None:
    path = make_agent("")
    assert problems(path) == [
        "agent.yaml: the file is empty; an agent spec starts with 'apiVersion: keel/v1'"
    ]


def test_comments_only_file_is_empty(make_agent: MakeAgent) -> None:
    path = make_agent("# nothing yet\n")
    assert problems(path) == [
        "agent.yaml: the file is empty; an agent spec starts with 'apiVersion: keel/v1'"
    ]


def test_document_that_is_not_a_mapping(make_agent: MakeAgent) -> None:
    path = make_agent("- apiVersion: keel/v1\n")
    assert problems(path) == [
        "agent.yaml:1:1: the document is a list; an agent spec is a mapping with the keys "
        "apiVersion, kind, metadata and spec"
    ]


def test_multi_document_file(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC + "---\nkind: Agent\n")
    assert problems(path) == [
        "agent.yaml:26:1: a second YAML document starts here; a spec file holds exactly one"
    ]


def test_unsafe_tags_are_rejected(make_agent: MakeAgent) -> None:
    path = make_agent(
        VALID_SPEC + "    timeout_s: !!python/object/apply:os.system ['touch pwned']\n"
    )
    assert problems(path) == [
        "agent.yaml:26:16: unsupported YAML tag '!!python/object/apply:os.system'; a spec "
        "holds plain mappings, lists, strings, numbers, booleans and null"
    ]
    assert not (path.parent / "pwned").exists()


def test_spec_that_is_not_utf8(make_agent: MakeAgent) -> None:
    path = make_agent()
    path.write_bytes(path.read_bytes().replace(b"support", b"supp\xffrt"))
    assert problems(path) == ["agent.yaml:4: not UTF-8 text (bad byte at offset 54)"]
