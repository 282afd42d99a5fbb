"""docs/spec.md documents every field of every spec model, with its real default.

The models are found by walking ``AgentSpec`` through pydantic's ``model_fields``
(into lists, mappings and unions); fields are named by their YAML key (the alias).
Each model has a section whose heading ends with ``(ClassName)`` holding a table
with one row per field: ``| `key` | type | default | meaning |``.
"""

from __future__ import annotations

import json
import types
from typing import Any, Union, get_args, get_origin

from doc_pages import DOCS, code_span, sections, table_rows
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from keel.spec import AgentSpec

SPEC_MD = DOCS / "spec.md"


def spec_models() -> list[type[BaseModel]]:
    """AgentSpec and every model reachable from its fields, in discovery order."""
    found: list[type[BaseModel]] = []

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in found:
                found.append(annotation)
                for field in annotation.model_fields.values():
                    visit(field.annotation)
            return
        if get_origin(annotation) in (Union, types.UnionType, list, dict, tuple):
            for arg in get_args(annotation):
                visit(arg)

    visit(AgentSpec)
    return found


def yaml_key(name: str, field: FieldInfo) -> str:
    return field.alias or name


def expected_default(field: FieldInfo) -> str:
    """The default column as the page must write it."""
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
        return "`{}`" if isinstance(value, BaseModel) else f"`{json.dumps(value)}`"
    if field.default is PydanticUndefined:
        return "required"
    return f"`{json.dumps(field.default)}`"


def _section_rows(model: type[BaseModel]) -> dict[str, tuple[int, list[str]]]:
    text = SPEC_MD.read_text()
    matches = [s for s in sections(text) if s.title.endswith(f"({model.__name__})")]
    assert len(matches) == 1, f"docs/spec.md needs one section headed '… ({model.__name__})'"
    return {code_span(cells[0]) or "": (line, cells) for line, cells in table_rows(matches[0].body)}


def test_the_walk_finds_every_section_of_the_spec() -> None:
    names = {m.__name__ for m in spec_models()}
    assert {"AgentSpec", "ModelRef", "Rule", "RuleCall", "ToolSettings", "Limits"} <= names
    assert len(names) == 23


def test_every_field_is_documented_with_its_default() -> None:
    for model in spec_models():
        rows = _section_rows(model)
        keys = {yaml_key(n, f): f for n, f in model.model_fields.items()}
        missing = set(keys) - set(rows)
        unknown = set(rows) - set(keys)
        assert not missing, f"{model.__name__}: fields missing from docs/spec.md: {missing}"
        assert not unknown, f"{model.__name__}: docs/spec.md documents no such field: {unknown}"
        for key, field in keys.items():
            line, cells = rows[key]
            assert cells[2] == expected_default(field), (
                f"docs/spec.md:{line}: default of {model.__name__}.{key} is "
                f"{expected_default(field)}, not {cells[2]}"
            )


def test_fields_are_listed_in_model_order() -> None:
    for model in spec_models():
        rows = _section_rows(model)
        keys = [yaml_key(n, f) for n, f in model.model_fields.items()]
        assert sorted(rows, key=lambda k: rows[k][0]) == keys, model.__name__
