"""The position-keeping YAML layer: YAML 1.2 core scalars, merges, aliases, positions."""

from __future__ import annotations

import pytest

from keel.errors import SpecError
from keel.spec._yaml import MAX_NODES, NodeInfo, Position, parse_yaml


def parse(text: str) -> object:
    doc = parse_yaml(text, file="f.yaml")
    assert doc is not None
    return doc.data


def errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_yaml(text, file="f.yaml")
    return [str(p) for p in info.value.problems]


def test_scalars_follow_the_yaml_1_2_core_schema() -> None:
    text = (
        "a: no\nb: on\nc: 010\nd: 0o10\ne: 0x1f\nf: 1:30\ng: 2024-01-01\nh: 1.10\n"
        "i: True\nj: ~\nk:\nl: .inf\nm: 1e3\nn: 1_000\no: 1.2.0\n"
    )
    assert parse(text) == {
        "a": "no",
        "b": "on",
        "c": 10,
        "d": 8,
        "e": 31,
        "f": "1:30",
        "g": "2024-01-01",
        "h": 1.1,
        "i": True,
        "j": None,
        "k": None,
        "l": float("inf"),
        "m": 1000.0,
        "n": "1_000",
        "o": "1.2.0",
    }


def test_positions_of_keys_and_values() -> None:
    doc = parse_yaml("top:\n  items:\n    - a\n    - {b: 1.10}\n", file="f.yaml")
    assert doc is not None
    assert doc.nodes[()] == NodeInfo("mapping", Position(1, 1), None, None)
    assert doc.nodes[("top", "items")] == NodeInfo("sequence", Position(3, 5), Position(2, 3), None)
    assert doc.nodes[("top", "items", 0)] == NodeInfo("scalar", Position(3, 7), None, "a")
    assert doc.nodes[("top", "items", 1, "b")] == NodeInfo(
        "scalar", Position(4, 11), Position(4, 8), "1.10"
    )
    assert doc.nearest(("top", "items", 5, "x")) == (("top", "items"), doc.nodes[("top", "items")])


def test_merge_keys_with_overrides() -> None:
    text = "base: &b {x: 1, y: 2}\nmore: &m {z: 3}\nuse:\n  <<: [*b, *m]\n  y: 9\n"
    doc = parse_yaml(text, file="f.yaml")
    assert doc is not None
    assert doc.data["use"] == {"x": 1, "y": 9, "z": 3}
    # The overriding key is where a problem with 'y' must point.
    assert doc.nodes[("use", "y")].start == Position(5, 6)
    assert doc.nodes[("use", "x")].start == Position(1, 14)


def test_merge_of_a_scalar_is_an_error() -> None:
    assert errors("a: &s 1\nb:\n  <<: *s\n") == [
        "f.yaml:3:3: '<<' merges a mapping or a list of mappings only"
    ]


def test_duplicate_keys_are_all_reported() -> None:
    assert errors("a: 1\na: 2\nb: {c: 1, c: 2}\n") == [
        "f.yaml:2:1: duplicate key 'a'; it is already set at line 1, column 1",
        "f.yaml:3:11: duplicate key 'c'; it is already set at line 3, column 5",
    ]


def test_unknown_and_mismatched_tags() -> None:
    assert errors("a: !custom x\nb: !!int abc\nc: !!set {x}\n") == [
        "f.yaml:1:4: unsupported YAML tag '!custom'; a spec holds plain mappings, lists, "
        "strings, numbers, booleans and null",
        "f.yaml:2:4: 'abc' is not a valid !!int value",
        "f.yaml:3:4: unsupported YAML tag '!!set'; a spec holds plain mappings, lists, "
        "strings, numbers, booleans and null",
    ]


def test_explicit_str_tag_is_plain_text() -> None:
    assert parse("a: !!str 5\n") == {"a": "5"}


def test_recursive_alias_is_an_error() -> None:
    assert errors("a: &x [1, *x]\n") == [
        "f.yaml:1:4: this alias refers to a value that contains it"
    ]


def test_alias_expansion_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    assert errors("\n".join(lines) + "\n") == [
        f"f.yaml: the document expands to more than {MAX_NODES} values through aliases; "
        "a spec is much smaller than that"
    ]


def test_complex_keys_are_an_error() -> None:
    assert errors("? [a, b]\n: 1\n") == ["f.yaml:1:3: a mapping key must be a plain scalar"]


def test_control_characters_are_an_error() -> None:
    assert errors("a: 1\nb: \x07\n") == [
        "f.yaml:2:4: YAML error: special characters are not allowed"
    ]


def test_empty_stream_is_none() -> None:
    assert parse_yaml("# nothing\n", file="f.yaml") is None
