import sys
import textwrap
import types
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal, Optional

import pytest
from pydantic import BaseModel, Field

from keel.errors import UserError
from keel.spec.model import ToolSettings
from keel.tools import (
    FunctionTool,
    RetryPolicy,
    Tool,
    ToolContext,
    ToolInfo,
    as_tool,
    tool,
)

CTX = ToolContext(run_id="r1", step=3, idempotency_key="r1:3", agent="helpdesk")


class Address(BaseModel):
    """A postal address."""

    street: str
    city: str = "Lisbon"


# --- decorator forms -------------------------------------------------------------


@tool
def lookup_order(order_id: str) -> dict[str, str]:
    """Look up an order
    by its number.

    Anything after the first paragraph stays out of the description.
    """
    return {"id": order_id}


def test_bare_decorator_declares_defaults_and_stays_callable() -> None:
    assert isinstance(lookup_order, FunctionTool)
    assert isinstance(lookup_order, Tool)
    assert lookup_order.info == ToolInfo(
        name="lookup_order",
        description="Look up an order by its number.",
        parameters={
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
            "additionalProperties": False,
        },
    )
    assert lookup_order.blocking is True
    assert lookup_order("A-1") == {"id": "A-1"}
    assert lookup_order.__name__ == "lookup_order"
    assert lookup_order.__doc__ is not None
    assert repr(lookup_order) == "FunctionTool(name='lookup_order', version='1')"


def test_decorator_with_arguments() -> None:
    retry = RetryPolicy(max_attempts=3, initial_backoff_s=0.01)

    @tool(
        name="open_ticket",
        version="2",
        description="Open a support ticket.",
        timeout_s=5,
        retry=retry,
        risk="write",
        idempotent=False,
        scopes=["tickets:write"],
        requires_approval=True,
        blocking=False,
    )
    def create(title: str) -> str:
        """Ignored, the description is given."""
        return title

    info = create.info
    assert (info.name, info.version, info.description) == (
        "open_ticket",
        "2",
        "Open a support ticket.",
    )
    assert (info.timeout_s, info.retry, info.risk) == (5, retry, "write")
    assert (info.idempotent, info.scopes, info.requires_approval) == (
        False,
        ("tickets:write",),
        True,
    )
    assert create.blocking is False
    assert create("x") == "x"


async def test_async_function_is_a_tool_and_not_blocking() -> None:
    @tool
    async def ping(host: str) -> str:
        return f"pong {host}"

    assert ping.blocking is False
    assert await ping("a") == "pong a"
    assert await ping.call({"host": "b"}, CTX) == "pong b"


async def test_callable_object_with_async_call_needs_a_name() -> None:
    class Search:
        async def __call__(self, query: str) -> list[str]:
            return [query]

    with pytest.raises(UserError, match=r"has no __name__; give the tool a name"):
        tool(Search())
    search = tool(name="search")(Search())
    assert search.info.parameters["properties"] == {"query": {"type": "string"}}
    assert search.info.description == ""
    assert await search.call({"query": "vpn"}, CTX) == ["vpn"]


# --- schema derivation ------------------------------------------------------------


def test_schema_from_types_defaults_optional_literal_models_and_descriptions() -> None:
    @tool
    def ship(
        order_id: int,
        address: Address,
        items: list[str],
        weight_kg: float = 1.5,
        express: bool = False,
        note: Optional[str] = None,  # noqa: UP045 - the typing spelling is part of the test
        carrier: Literal["ups", "dhl"] = "dhl",
        insured_eur: Annotated[int, Field(description="declared value", ge=0)] = 0,
        gift: str | None = None,
    ) -> None:
        """Ship an order.

        Args:
            order_id: The order's number.
            insured_eur: Overridden by the Annotated description.
            gift: A gift message.
        """

    assert ship.info.parameters == {
        "type": "object",
        "properties": {
            "order_id": {"type": "integer", "description": "The order's number."},
            "address": {"$ref": "#/$defs/Address"},
            "items": {"type": "array", "items": {"type": "string"}},
            "weight_kg": {"type": "number", "default": 1.5},
            "express": {"type": "boolean", "default": False},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "carrier": {"type": "string", "enum": ["ups", "dhl"], "default": "dhl"},
            "insured_eur": {
                "type": "integer",
                "minimum": 0,
                "default": 0,
                "description": "declared value",
            },
            "gift": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "default": None,
                "description": "A gift message.",
            },
        },
        "required": ["order_id", "address", "items"],
        "additionalProperties": False,
        "$defs": {
            "Address": {
                "description": "A postal address.",
                "type": "object",
                "properties": {
                    "street": {"type": "string"},
                    "city": {"type": "string", "default": "Lisbon"},
                },
                "required": ["street"],
            }
        },
    }


def test_no_arguments_still_states_required_and_additional_properties() -> None:
    @tool
    def now() -> str:
        return "12:00"

    assert now.info.parameters == {
        "type": "object",
        "properties": {},
        "required": [],
        "additionalProperties": False,
    }


def test_only_title_keywords_are_dropped_not_properties_or_data_named_title() -> None:
    @tool
    def rename(title: str, meta: dict[str, str] = {"title": "kept"}) -> str:  # noqa: B006
        return title

    assert rename.info.parameters["properties"] == {
        "title": {"type": "string"},
        "meta": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "default": {"title": "kept"},
        },
    }


def test_field_as_default_declares_the_argument() -> None:
    @tool
    def page(size: int = Field(20, description="rows per page", le=100)) -> int:
        return size

    assert page.info.parameters["properties"] == {
        "size": {"type": "integer", "default": 20, "maximum": 100, "description": "rows per page"}
    }
    assert page.validate({}) == {"size": 20}


def test_parameter_names_that_pydantic_reserves_are_fine() -> None:
    @tool
    def fetch(json: bool, model_id: str, copy: int = 1, _hint: str = "") -> str:
        return model_id

    assert list(fetch.info.parameters["properties"]) == ["json", "model_id", "copy", "_hint"]
    assert fetch.validate({"json": True, "model_id": "m", "_hint": "h"}) == {
        "json": True,
        "model_id": "m",
        "copy": 1,
        "_hint": "h",
    }


def test_string_annotations_are_resolved_in_the_functions_module() -> None:
    module = types.ModuleType("keel_test_future_tools")
    source = '''
        from __future__ import annotations
        from pydantic import BaseModel
        from keel.tools import ToolContext, tool

        class Filter(BaseModel):
            status: str

        @tool
        def find(filter: Filter, limit: int | None = None, ctx: ToolContext | None = None) -> int:
            """Find things."""
            return 1
    '''
    exec(compile(textwrap.dedent(source), "<future-tools>", "exec"), module.__dict__)
    sys.modules[module.__name__] = module
    try:
        find = module.find
        assert find.info.parameters["required"] == ["filter"]
        assert find.info.parameters["properties"]["filter"] == {"$ref": "#/$defs/Filter"}
        assert "ctx" not in find.info.parameters["properties"]
    finally:
        del sys.modules[module.__name__]


# --- context injection ------------------------------------------------------------


async def test_context_is_injected_and_hidden_from_the_schema() -> None:
    seen: list[ToolContext | None] = []

    @tool(blocking=False)
    def whoami(greeting: str, ctx: ToolContext) -> str:
        seen.append(ctx)
        return f"{greeting} {ctx.agent}"

    @tool
    async def optional(context: ToolContext | None = None) -> str:
        return context.idempotency_key if context else "none"

    assert whoami.info.parameters["properties"] == {"greeting": {"type": "string"}}
    assert await whoami.call(whoami.validate({"greeting": "hi"}), CTX) == "hi helpdesk"
    assert seen == [CTX]
    assert optional.info.parameters["properties"] == {}
    assert await optional.call({}, CTX) == "r1:3"
    assert await optional() == "none"


def test_the_model_cannot_pass_the_context_itself() -> None:
    @tool
    def whoami(ctx: ToolContext) -> str:
        return ctx.agent

    with pytest.raises(ValueError, match="unexpected argument 'ctx'"):
        whoami.validate({"ctx": {"agent": "admin"}})


# --- signatures that cannot be tools ------------------------------------------------


def _star_args(*ids: str) -> None: ...
def _star_kwargs(**options: str) -> None: ...
def _positional_only(order_id: str, /) -> None: ...
def _unannotated(order_id, limit: int) -> None: ...  # type: ignore[no-untyped-def]
def _two_contexts(a: ToolContext, b: ToolContext) -> None: ...
def _generator(n: int) -> Iterator[int]:
    yield n


class _Opaque:
    """A type pydantic has no schema for."""


def _arbitrary(thing: _Opaque) -> None: ...


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_star_args, "tool '_star_args': *ids is not supported; declare each argument by name"),
        (
            _star_kwargs,
            "tool '_star_kwargs': **options is not supported; declare each argument by name",
        ),
        (_positional_only, "tool '_positional_only': argument 'order_id' is positional-only"),
        (_unannotated, "tool '_unannotated': argument 'order_id' has no type annotation"),
        (_two_contexts, "tool '_two_contexts': both 'a' and 'b' ask for the ToolContext; keep one"),
        (_generator, "tool '_generator': generator functions are not supported; return a list"),
        (_arbitrary, "tool '_arbitrary': its argument types cannot be used"),
    ],
)
def test_unsupported_signatures_fail_at_decoration(fn: Any, message: str) -> None:
    with pytest.raises(UserError) as info:
        tool(fn)
    assert str(info.value).startswith(message)


def test_invalid_options_fail_at_decoration() -> None:
    with pytest.raises(UserError, match="a tool name must be 1-64 letters"):
        tool(name="look up")(lookup_order.__wrapped__)
    with pytest.raises(UserError, match="timeout_s must be positive, got 0"):
        tool(timeout_s=0)(lookup_order.__wrapped__)
    with pytest.raises(UserError, match=r"retry\.max_attempts must be at least 1"):
        tool(retry=RetryPolicy(max_attempts=0))(lookup_order.__wrapped__)
    with pytest.raises(UserError, match="blocking=True applies to sync functions only"):

        @tool(blocking=True)
        async def ping() -> None: ...


# --- validation ---------------------------------------------------------------------


class Line(BaseModel):
    sku: str
    qty: int


@tool
def order(
    customer: str, lines: list[Line], priority: Literal["low", "high"] = "low", limit: int = 10
) -> int:
    """Place an order."""
    return len(lines)


def test_validate_returns_converted_kwargs_with_defaults() -> None:
    kwargs = order.validate({"customer": "c1", "lines": [{"sku": "A", "qty": "2"}]})
    assert kwargs == {
        "customer": "c1",
        "lines": [Line(sku="A", qty=2)],
        "priority": "low",
        "limit": 10,
    }


def test_validate_lists_every_problem_with_its_path() -> None:
    with pytest.raises(ValueError, match=r"^Invalid arguments for tool 'order':") as info:
        order.validate(
            {
                "lines": [{"sku": "A", "qty": 1}, {"qty": "two", "colour": "red"}],
                "priority": "urgent",
                "limit": "x" * 80,
                "coupon": "FREE",
            }
        )
    assert str(info.value) == (
        "Invalid arguments for tool 'order':\n"
        "- customer: missing required argument\n"
        "- lines[1].sku: missing required field\n"
        "- lines[1].qty: Input should be a valid integer, unable to parse string as an integer"
        ' (got "two")\n'
        "- priority: Input should be 'low' or 'high' (got \"urgent\")\n"
        "- limit: Input should be a valid integer, unable to parse string as an integer"
        ' (got "' + "x" * 58 + "…)\n"
        "- unexpected argument 'coupon'\n"
        "Accepted arguments: customer, lines, priority, limit.\n"
        "Correct the arguments and call the tool again."
    )


def test_validate_rejects_arguments_that_are_not_an_object() -> None:
    with pytest.raises(ValueError, match="expected a JSON object") as info:
        order.validate(["c1"])  # type: ignore[arg-type]
    assert str(info.value) == (
        "Invalid arguments for tool 'order': expected a JSON object of arguments, got list."
    )


# --- as_tool ------------------------------------------------------------------------


def test_as_tool_returns_a_tool_unchanged_without_overrides() -> None:
    assert as_tool(lookup_order) is lookup_order
    assert as_tool(lookup_order, settings=ToolSettings()) is lookup_order


def test_as_tool_wraps_a_plain_function() -> None:
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    t = as_tool(add, name="plus")
    assert isinstance(t, FunctionTool)
    assert (t.info.name, t.info.description) == ("plus", "Add two numbers.")
    assert t(1, 2) == 3


def test_as_tool_applies_settings_without_mutating_the_original() -> None:
    original = lookup_order.info
    settings = ToolSettings(
        timeout_s=2,
        max_attempts=4,
        risk="financial",
        idempotent=True,
        scopes=["orders:read"],
        requires_approval=True,
    )
    t = as_tool(lookup_order, name="find_order", settings=settings)
    assert isinstance(t, FunctionTool)
    assert t is not lookup_order
    assert t.info == ToolInfo(
        name="find_order",
        description=original.description,
        parameters=original.parameters,
        timeout_s=2,
        retry=RetryPolicy(max_attempts=4),
        risk="financial",
        idempotent=True,
        scopes=("orders:read",),
        requires_approval=True,
    )
    assert lookup_order.info is original
    assert lookup_order.info.name == "lookup_order"
    assert t("A-2") == {"id": "A-2"}


class EchoTool:
    """A hand-written ``Tool`` (as an HTTP or MCP source would produce)."""

    def __init__(self) -> None:
        self.info = ToolInfo(name="echo", description="Echo.", parameters={"type": "object"})

    async def call(self, arguments: dict[str, Any], context: ToolContext) -> Any:
        return arguments

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        return dict(arguments)


async def test_as_tool_overrides_any_tool_by_wrapping_it() -> None:
    echo = EchoTool()
    t = as_tool(echo, settings=ToolSettings(timeout_s=1))
    assert isinstance(t, Tool)
    assert t.info.timeout_s == 1
    assert echo.info.timeout_s == 30
    assert t.validate({"a": 1}) == {"a": 1}
    assert await t.call({"a": 1}, CTX) == {"a": 1}
    again = as_tool(t, name="echo2")
    assert (again.info.name, again.info.timeout_s) == ("echo2", 1)
    assert again.inner is echo  # type: ignore[attr-defined]


def test_as_tool_rejects_what_is_not_a_tool() -> None:
    with pytest.raises(UserError, match="is not a tool"):
        as_tool(42)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="a tool name must be"):
        as_tool(lookup_order, name="has space")
    with pytest.raises(UserError, match="a tool name must be"):
        as_tool(EchoTool(), name="x" * 65)
