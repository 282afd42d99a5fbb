"""A Python function's arguments as a tool: a validator and a JSON Schema for a model.

Both are built once, when a function is decorated: the per-call cost is one
pydantic validation. Every argument becomes a field of a generated pydantic model
whose *alias* is the parameter's name and whose field name is positional
(``a0``, ``a1``, ...), so a parameter may be called ``json``, ``copy``,
``model_id`` or ``_hint`` without clashing with pydantic's own attributes.
"""

from __future__ import annotations

import inspect
import json
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, PydanticUserError, ValidationError, create_model
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from keel.errors import UserError
from keel.tools._docstring import Docstring
from keel.tools.base import ToolContext

# JSON Schema keywords whose value holds sub-schemas; everything else (``default``,
# ``enum``, ``const``, ``examples``...) is data and is copied untouched, so a default
# value that happens to contain a "title" key survives the clean-up.
_SCHEMA_MAPS = frozenset({"properties", "$defs", "definitions", "patternProperties"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SCHEMA_ONE = frozenset(
    {"items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"}
)


@dataclass(frozen=True, slots=True)
class Arguments:
    """A function's arguments as a tool sees them.

    ``fields`` pairs each field of ``model`` with the parameter it fills;
    ``context_param`` names the parameter that receives the ``ToolContext``.
    """

    model: type[BaseModel]
    fields: tuple[tuple[str, str], ...]
    context_param: str | None
    parameters: dict[str, Any]

    def validate(self, arguments: Mapping[str, Any], *, tool_name: str) -> dict[str, Any]:
        """Return ``arguments`` validated and converted, keyed by parameter name.

        Parameters the model left out get their defaults. Raises ``ValueError`` whose
        message lists every problem (path and what is wrong, unexpected arguments
        included) in words a model can act on.
        """
        if not isinstance(arguments, Mapping):
            raise ValueError(
                f"Invalid arguments for tool {tool_name!r}: expected a JSON object of "
                f"arguments, got {type(arguments).__name__}."
            )
        try:
            values = self.model.model_validate(arguments).__dict__
        except ValidationError as e:
            accepted = [param for _, param in self.fields]
            raise ValueError(_message(tool_name, e.errors(), accepted)) from e
        return {param: values[field] for field, param in self.fields}


def derive_arguments(fn: Callable[..., Any], *, tool_name: str, doc: Docstring) -> Arguments:
    """Build the validator and the JSON Schema of ``fn``'s arguments.

    Raises ``UserError`` for a signature a tool cannot have: ``*args``, ``**kwargs``,
    positional-only or unannotated parameters, more than one ``ToolContext``, or a
    type pydantic cannot validate or describe in JSON Schema.
    """
    try:
        # eval_str resolves annotations written as strings (``from __future__ import
        # annotations``) in the function's own module.
        signature = inspect.signature(fn, eval_str=True)
    except Exception as e:
        raise UserError(f"tool {tool_name!r}: cannot read its signature: {e}") from e

    definitions: dict[str, Any] = {}
    fields: list[tuple[str, str]] = []
    context_param: str | None = None
    for index, (name, param) in enumerate(signature.parameters.items()):
        _check_parameter(tool_name, name, param)
        if _is_context(param.annotation):
            if context_param is not None:
                raise UserError(
                    f"tool {tool_name!r}: both {context_param!r} and {name!r} ask for the "
                    "ToolContext; keep one"
                )
            context_param = name
            continue
        field_name = f"a{index}"
        definitions[field_name] = _field(param)
        fields.append((field_name, name))

    try:
        model = create_model(
            f"{tool_name}_arguments",
            __config__=ConfigDict(extra="forbid"),
            __module__=getattr(fn, "__module__", None) or __name__,
            **definitions,
        )
        raw = model.model_json_schema()
    except PydanticUserError as e:
        raise UserError(f"tool {tool_name!r}: its argument types cannot be used: {e}") from e
    return Arguments(
        model=model,
        fields=tuple(fields),
        context_param=context_param,
        parameters=_llm_schema(raw, doc.params),
    )


def _check_parameter(tool_name: str, name: str, param: inspect.Parameter) -> None:
    where = f"tool {tool_name!r}"
    if param.kind is param.VAR_POSITIONAL:
        raise UserError(f"{where}: *{name} is not supported; declare each argument by name")
    if param.kind is param.VAR_KEYWORD:
        raise UserError(f"{where}: **{name} is not supported; declare each argument by name")
    if param.kind is param.POSITIONAL_ONLY:
        raise UserError(
            f"{where}: argument {name!r} is positional-only; tools are called with "
            "keyword arguments, remove the '/'"
        )
    if param.annotation is param.empty:
        raise UserError(
            f"{where}: argument {name!r} has no type annotation; annotate it so that its "
            "JSON Schema can be derived"
        )


def _is_context(annotation: Any) -> bool:
    if annotation is ToolContext:
        return True
    # ``ToolContext | None`` lets a function stay callable without a context in tests.
    if get_origin(annotation) in (Union, types.UnionType):
        members = set(get_args(annotation))
        return ToolContext in members and members <= {ToolContext, type(None)}
    return False


def _field(param: inspect.Parameter) -> tuple[Any, FieldInfo]:
    default = param.default
    if isinstance(default, FieldInfo):
        # ``def f(x: int = Field(3, description=...))``: the FieldInfo is the declaration;
        # pydantic merges a FieldInfo in ``Annotated`` with the one that sets the alias.
        return (Annotated[param.annotation, default], Field(alias=param.name))
    if default is param.empty:
        return (param.annotation, Field(alias=param.name))
    return (param.annotation, Field(default, alias=param.name))


def _llm_schema(raw: dict[str, Any], descriptions: dict[str, str]) -> dict[str, Any]:
    """Reshape pydantic's schema into what model providers expect of tool parameters.

    Drops ``title`` noise everywhere, always states ``required`` and
    ``additionalProperties: false`` at the top, and fills in argument descriptions
    from the docstring where the annotation gave none.
    """
    cleaned = _clean(raw)
    properties: dict[str, Any] = cleaned.get("properties", {})
    for name, prop in properties.items():
        text = descriptions.get(name)
        if text and "description" not in prop:
            prop["description"] = text
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": cleaned.get("required", []),
        "additionalProperties": False,
    }
    if "$defs" in cleaned:
        schema["$defs"] = cleaned["$defs"]
    return schema


def _clean(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _clean(v) if isinstance(v, dict) else v for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_clean(v) if isinstance(v, dict) else v for v in value]
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = _clean(value)
        else:
            out[key] = value
    return out


def _message(tool_name: str, errors: list[ErrorDetails], accepted: Sequence[str]) -> str:
    lines = [f"Invalid arguments for tool {tool_name!r}:"]
    unexpected = False
    for error in errors:
        loc = error["loc"]
        path = _path(loc)
        kind = error["type"]
        if kind == "extra_forbidden" and len(loc) == 1:
            unexpected = True
            lines.append(f"- unexpected argument {path!r}")
        elif kind == "extra_forbidden":
            lines.append(f"- {path}: unexpected field")
        elif kind == "missing":
            lines.append(f"- {path}: missing required {'argument' if len(loc) == 1 else 'field'}")
        else:
            lines.append(f"- {path or 'arguments'}: {error['msg']} (got {_shown(error['input'])})")
    if unexpected:
        lines.append(f"Accepted arguments: {', '.join(accepted) or 'none'}.")
    lines.append("Correct the arguments and call the tool again.")
    return "\n".join(lines)


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _shown(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
