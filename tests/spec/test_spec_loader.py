"""Loading a valid spec: what ``LoadedSpec`` holds, folder discovery, the content hash."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from spec_folders import PROMPT, TOOLS_PY, VALID_SPEC, MakeAgent, problems

from keel.errors import SpecError
from keel.spec import AgentSpec, LoadedSpec, load_spec
from keel.spec.loader import content_hash


def test_valid_spec_loads_with_prompt_and_tools(make_agent: MakeAgent) -> None:
    path = make_agent()

    loaded = load_spec(path)

    assert isinstance(loaded, LoadedSpec)
    assert isinstance(loaded.spec, AgentSpec)
    assert (loaded.name, loaded.version) == ("support", "1.2.0")
    assert loaded.path == path.resolve()
    assert loaded.base_dir == path.parent.resolve()
    assert loaded.instructions == PROMPT
    assert loaded.prompt_version == "3"
    assert list(loaded.tool_objects) == ["lookup_order", "search"]
    lookup = loaded.tool_objects["lookup_order"]
    assert callable(lookup)
    assert lookup("42") == "shipped"
    assert loaded.referenced_files == (
        path.parent.resolve() / "prompt.md",
        path.parent.resolve() / "tools.py",
    )
    assert loaded.content_hash.startswith("sha256:")
    assert len(loaded.content_hash) == len("sha256:") + 64


def test_inline_instructions_need_no_prompt_file(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC.replace("    file: prompt.md\n", "    text: Be brief.\n")
    loaded = load_spec(make_agent(spec, files={"tools.py": TOOLS_PY}))
    assert loaded.instructions == "Be brief."
    assert loaded.referenced_files == (loaded.base_dir / "tools.py",)


def test_loaded_spec_is_frozen(make_agent: MakeAgent) -> None:
    loaded = load_spec(make_agent())
    with pytest.raises(AttributeError):
        loaded.instructions = "changed"  # type: ignore[misc]


def test_folder_with_agent_yaml(make_agent: MakeAgent) -> None:
    path = make_agent()
    assert load_spec(path.parent).path == path.resolve()


def test_folder_with_agent_yml(make_agent: MakeAgent) -> None:
    path = make_agent(name="agent.yml")
    assert load_spec(str(path.parent)).path == path.resolve()


def test_folder_finds_the_single_file_of_kind_agent(make_agent: MakeAgent) -> None:
    path = make_agent(name="support.yaml", extra={"suite.yaml": "kind: EvalSuite\n"})
    assert load_spec(path.parent).path == path.resolve()


def test_folder_with_two_agent_files_is_an_error(make_agent: MakeAgent) -> None:
    path = make_agent(name="a.yaml", extra={"b.yml": "kind: Agent\n"})
    with pytest.raises(SpecError) as info:
        load_spec(path.parent)
    assert [str(p) for p in info.value.problems] == [
        f"{path.parent}: several files have 'kind: Agent' (a.yaml, b.yml); load one of them "
        "by its path, or name the one to use agent.yaml"
    ]


def test_folder_with_agent_yaml_and_agent_yml_is_an_error(make_agent: MakeAgent) -> None:
    path = make_agent(extra={"agent.yml": "kind: Agent\n"})
    with pytest.raises(SpecError) as info:
        load_spec(path.parent)
    assert str(info.value) == (
        f"{path.parent}: both agent.yaml and agent.yml exist; keep one of them"
    )


def test_folder_without_agent_spec_names_unparseable_files(tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text("kind: Notes\n")
    (tmp_path / "broken.yaml").write_text("kind: [Agent\n")
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path)
    assert str(info.value) == (
        f"{tmp_path}: no agent spec here: no agent.yaml or agent.yml, and no *.yaml or *.yml "
        "file with 'kind: Agent' (could not parse broken.yaml)"
    )


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: no such file or folder"


def test_error_carries_problems_as_details(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("kind: Agent", "kind: Agnet"))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.code == "INPUT_INVALID"
    assert info.value.details == {
        "problems": [
            {"file": str(path), "line": 2, "column": 7, "message": "expected 'Agent', got 'Agnet'"}
        ]
    }


# The content hash ------------------------------------------------------------

REFORMATTED_SPEC = """\
# The same agent, written differently: comments, flow style, other key order,
# quoting, and defaults spelled out.
kind: "Agent"
apiVersion: 'keel/v1'
metadata: {version: "1.2.0", name: support, labels: {}}
spec:
  limits: {max_steps: 8, max_tokens: 100000}   # the default, spelled out
  tools:
    - {ref: "tools:lookup_order"}
    - name: search
      ref: tools:search_kb
  model:
    rules:
      intents:
        - intent: lookup
          patterns:
            - "order (\\\\d+)"
          answer: "Order status: {lookup_order}"
          calls: [{tool: lookup_order, args: {order_id: "{input}"}}]
    primary: {provider: rules}
  instructions: {version: "3", file: prompt.md}
"""


def test_hash_ignores_comments_formatting_and_spelled_out_defaults(
    make_agent: MakeAgent,
) -> None:
    first = load_spec(make_agent(folder="a"))
    second = load_spec(make_agent(REFORMATTED_SPEC, folder="b"))
    assert second.spec == first.spec
    assert second.content_hash == first.content_hash


def test_hash_is_stable_across_loads(make_agent: MakeAgent) -> None:
    path = make_agent()
    assert load_spec(path).content_hash == load_spec(path).content_hash


def test_hash_changes_when_the_prompt_file_changes(make_agent: MakeAgent) -> None:
    path = make_agent()
    before = load_spec(path).content_hash
    (path.parent / "prompt.md").write_text(PROMPT + "Be brief.\n")
    assert load_spec(path).content_hash != before


def test_hash_changes_when_a_tool_module_changes(make_agent: MakeAgent) -> None:
    path = make_agent()
    before = load_spec(path).content_hash
    (path.parent / "tools.py").write_text(TOOLS_PY + "\n# a comment counts: it is the source\n")
    assert load_spec(path).content_hash != before


def test_hash_changes_when_the_spec_changes(make_agent: MakeAgent) -> None:
    before = load_spec(make_agent(folder="a")).content_hash
    after = load_spec(make_agent(VALID_SPEC.replace("max_steps: 8", "max_steps: 9"), folder="b"))
    assert after.content_hash != before


def test_hash_tags_each_file_with_its_relative_path(tmp_path: Path, make_agent: MakeAgent) -> None:
    spec = load_spec(make_agent()).spec
    same_bytes = b"You are the support agent.\n"
    as_prompt = content_hash(spec, tmp_path, [(tmp_path / "prompt.md", same_bytes)])
    renamed = content_hash(spec, tmp_path, [(tmp_path / "prompts/p.md", same_bytes)])
    assert as_prompt != renamed


def test_a_changed_tool_module_is_executed_again(make_agent: MakeAgent) -> None:
    # Same size, same second: a __pycache__ entry would look fresh to the import system.
    path = make_agent()
    assert load_spec(path).tool_objects["lookup_order"]("1") == "shipped"  # type: ignore[operator]
    (path.parent / "tools.py").write_text(TOOLS_PY.replace('"shipped"', '"pending"'))
    assert load_spec(path).tool_objects["lookup_order"]("1") == "pending"  # type: ignore[operator]


def test_policy_bundle_and_eval_files_are_hashed(make_agent: MakeAgent) -> None:
    spec = VALID_SPEC + textwrap.indent(
        "policies:\n  bundle: policies\nevals:\n  - file: evals/smoke.yaml\n", "  "
    )
    path = make_agent(
        spec,
        extra={
            "policies/main.rego": "package keel\n",
            "policies/.git/HEAD": "ignored\n",
            "evals/smoke.yaml": "cases: []\n",
        },
    )
    loaded = load_spec(path)
    base = loaded.base_dir
    assert loaded.referenced_files == (
        base / "prompt.md",
        base / "tools.py",
        base / "policies/main.rego",
        base / "evals/smoke.yaml",
    )
    before = loaded.content_hash
    (base / "policies/main.rego").write_text("package keel\n\ndefault allow := false\n")
    changed = load_spec(path).content_hash
    assert changed != before
    # Hidden tooling state in the bundle folder is not policy.
    (base / "policies/.git/HEAD").write_text("changed\n")
    assert load_spec(path).content_hash == changed
    (base / "evals/smoke.yaml").write_text("cases: [{input: hi}]\n")
    assert load_spec(path).content_hash != changed


def test_problems_helper_renders_relative_paths(make_agent: MakeAgent) -> None:
    path = make_agent(VALID_SPEC.replace("version: 1.2.0", "version: one"))
    assert problems(path) == [
        "agent.yaml:5:12: version 'one' is not a semantic version such as 1.2.0"
    ]
