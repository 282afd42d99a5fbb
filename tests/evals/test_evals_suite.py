"""Suite files: what loads, and every mistake reported at its file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_kit import HELPDESK, helpdesk_copy, suite

from keel.errors import SpecError
from keel.evals import adversarial_suite, load_suite, suites_for
from keel.spec.loader import load_spec


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SpecError) as e:
        suite(tmp_path, text)
    return [str(p) for p in e.value.problems]


def test_a_full_suite_loads_with_shorthands(tmp_path: Path) -> None:
    loaded = suite(
        tmp_path,
        """
        name: smoke
        tags: regression
        defaults: {roles: [employee]}
        cases:
          - id: one
            input: hello
            expect:
              contains: hi                      # a string stands for a list of one
              tools_called: [search_kb]         # a string is {name: ...}
              tools_not_called: [{risk: irreversible}]
          - id: two
            turns:
              - input: first
              - input: second
                expect: {status: completed}
        journeys:
          - id: j
            persona: {goal: g, opening: hi, replies: [{when: '(\\w+)', say: 'you said \\1'}]}
        """,
    )
    assert loaded.name == "smoke"
    assert loaded.suite.tags == ["regression"]
    case = loaded.suite.cases[0]
    assert case.expect.contains == ["hi"]
    assert case.expect.tools_called[0].name == "search_kb"
    assert [t.input for t in loaded.suite.cases[1].script()] == ["first", "second"]
    assert [kind for kind, _, _ in loaded.items()] == ["case", "case", "journey"]


def test_the_name_defaults_to_the_file_name(tmp_path: Path) -> None:
    loaded = suite(tmp_path, "cases: [{id: a, input: x}]", name="nightly.yaml")
    assert loaded.name == "nightly"


def test_an_unknown_key_is_located_with_the_allowed_keys(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """
        cases:
          - id: a
            input: x
            expect:
              contians: hello
        """,
    )
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'suite.yaml'}:5:7: cases[0].expect.contians:")
    assert "unknown key 'contians'" in problems[0]
    assert "allowed keys: equals, contains, not_contains" in problems[0]


def test_unknown_keys_inside_fixtures_name_the_fixture_keys(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """
        cases:
          - id: a
            input: x
            fixtures: {search_kb: {return: []}}
        """,
    )
    assert any("unknown key 'return'; allowed keys: returns, raises" in p for p in problems)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """
        cases:
          - id: bad id!
            input: x
          - id: b
            input: x
            turns: [{input: y}]
          - id: c
            input: x
            expect: {matches: '([unclosed', max_latency_ms: 0}
          - id: d
            input: x
            fixtures: {'risk:dangerous': {returns: 1}}
        """,
    )
    text = "\n".join(problems)
    assert ":2:" in text
    assert "id 'bad id!' must start with a letter or digit" in text
    assert "give exactly one of 'input' or 'turns'" in text
    assert "'([unclosed' is not a valid regular expression" in text
    assert "max_latency_ms" in text
    assert "greater than 0" in text
    assert "after 'risk:' comes read, write, financial or irreversible" in text
    assert len(problems) == 5


def test_values_are_checked_where_they_are_written(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """
        cases:
          - id: a
            input: x
            expect:
              json_schema: {type: nonsense}
              json_path: [{path: 'items[0]'}]
              tools_called: [{args: {a: 1}}]
        """,
    )
    text = "\n".join(problems)
    assert "not a valid JSON Schema" in text
    assert "JSONPath 'items[0]' must start with '$'" in text
    assert "a tool matcher needs 'name' or 'risk'" in text


def test_a_reply_may_only_quote_groups_its_pattern_has(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """
        journeys:
          - id: j
            persona:
              goal: g
              opening: hi
              replies: [{when: 'ticket (?P<id>\\S+)', say: 'thanks for \\g<ticket>'}]
        """,
    )
    assert "'say' refers to group 'ticket', which 'when' does not have" in problems[0]


def test_fixtures_need_exactly_one_of_returns_or_raises(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "cases: [{id: a, input: x, fixtures: {t: {returns: 1, raises: boom}}}]",
    )
    assert "give exactly one of 'returns' or 'raises'" in problems[0]


def test_duplicate_ids_and_empty_suites_are_refused(tmp_path: Path) -> None:
    dup = _problems(tmp_path, "cases: [{id: a, input: x}, {id: a, input: y}]")
    assert "two cases or journeys have the id 'a'" in dup[0]
    empty = _problems(tmp_path, "name: nothing\n")
    assert "a suite needs at least one case or journey" in empty[0]


def test_yaml_errors_and_non_mappings_are_located(tmp_path: Path) -> None:
    syntax = _problems(tmp_path, "cases: [{id: a, input: x}\n")
    assert "YAML syntax error" in syntax[0]
    listed = _problems(tmp_path, "- a\n- b\n")
    assert "a suite is a mapping" in listed[0]
    dupkey = _problems(tmp_path, "name: a\nname: b\ncases: [{id: a, input: x}]\n")
    assert ":2:1: duplicate key 'name'" in dupkey[0]


def test_suites_for_prefers_the_spec_list_then_the_evals_folder(tmp_path: Path) -> None:
    agent_dir = helpdesk_copy(tmp_path / "agent")
    (agent_dir / "evals").mkdir()
    suite(agent_dir / "evals", "cases: [{id: a, input: x}]", name="b.yaml")
    suite(agent_dir / "evals", "cases: [{id: a, input: x}]", name="a.yml")
    found = suites_for(load_spec(agent_dir))
    assert [s.name for s in found] == ["a", "b", "adversarial"]
    assert [s.name for s in suites_for(load_spec(agent_dir), adversarial=False)] == ["a", "b"]

    listed = helpdesk_copy(
        tmp_path / "listed",
        spec_extra="""
        evals:
          - file: checks/only.yaml
            gate: pass_rate>=1
        """,
    )
    (listed / "checks").mkdir()
    suite(listed / "checks", "cases: [{id: a, input: x}]", name="only.yaml")
    chosen = suites_for(load_spec(listed), adversarial=False)
    assert [(s.name, s.gate) for s in chosen] == [("only", "pass_rate>=1")]

    picked = suites_for(load_spec(listed), picks=[agent_dir / "evals" / "b.yaml"])
    assert [s.name for s in picked] == ["b", "adversarial"]


def test_two_suites_with_one_name_are_refused(tmp_path: Path) -> None:
    one = suite(tmp_path, "name: same\ncases: [{id: a, input: x}]", name="one.yaml")
    suite(tmp_path, "name: same\ncases: [{id: a, input: x}]", name="two.yaml")
    with pytest.raises(SpecError) as e:
        suites_for(load_spec(HELPDESK), picks=[one.path, tmp_path / "two.yaml"])
    assert "suite name 'same' is also the name of" in str(e.value)


def test_the_helpdesk_example_suites_load() -> None:
    names = [s.name for s in suites_for(load_spec(HELPDESK))]
    assert names == ["journeys", "regression", "adversarial"]
    assert adversarial_suite().builtin
    assert load_suite(HELPDESK / "evals" / "journeys.yaml").suite.journeys
