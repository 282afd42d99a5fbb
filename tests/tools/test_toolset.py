import sys
import types
from typing import Any

import pytest

from keel.errors import UserError
from keel.models.base import ToolDefinition
from keel.tools import PythonModuleSource, ToolSet, ToolSource, as_tool, tool


@tool
def search_kb(query: str) -> list[str]:
    """Search the knowledge base."""
    return [query]


@tool
def open_ticket(title: str) -> str:
    """Open a ticket."""
    return title


def test_toolset_maps_names_to_tools_in_order() -> None:
    tools = ToolSet([search_kb, open_ticket])
    assert list(tools) == ["search_kb", "open_ticket"]
    assert len(tools) == 2
    assert tools["search_kb"] is search_kb
    assert tools.get("open_ticket") is open_ticket
    assert tools.get("missing") is None
    assert "search_kb" in tools
    assert "missing" not in tools
    assert repr(tools) == "ToolSet(['search_kb', 'open_ticket'])"


def test_toolset_accepts_plain_functions() -> None:
    def ping() -> str:
        """Ping."""
        return "pong"

    tools = ToolSet([ping])
    assert tools["ping"].info.description == "Ping."


def test_toolset_is_immutable() -> None:
    tools: Any = ToolSet([search_kb])
    with pytest.raises(TypeError):
        tools["x"] = open_ticket
    with pytest.raises(AttributeError):
        tools.extra = 1


def test_duplicate_names_are_a_user_error() -> None:
    with pytest.raises(UserError) as info:
        ToolSet([search_kb, as_tool(open_ticket, name="search_kb")])
    assert str(info.value) == (
        "two tools are named 'search_kb' (FunctionTool(name='search_kb', version='1') and "
        "FunctionTool(name='search_kb', version='1')); expose one under another name with "
        "as_tool(..., name=...)"
    )


def test_definitions_are_built_once() -> None:
    tools = ToolSet([search_kb, open_ticket])
    definitions = tools.definitions()
    assert definitions == (
        ToolDefinition("search_kb", "Search the knowledge base.", search_kb.info.parameters),
        ToolDefinition("open_ticket", "Open a ticket.", open_ticket.info.parameters),
    )
    assert tools.definitions() is definitions


def _module(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


def test_module_source_lists_public_tools_once_in_order() -> None:
    def helper() -> None: ...

    module = _module(
        "keel_test_tools_a",
        search_kb=search_kb,
        helper=helper,
        open_ticket=open_ticket,
        alias=search_kb,
        _private=tool(name="private")(helper),
        CONSTANT=3,
    )
    source = PythonModuleSource(module)
    assert isinstance(source, ToolSource)
    assert source.tools() == [search_kb, open_ticket]
    assert repr(source) == "PythonModuleSource('keel_test_tools_a')"


def test_module_source_follows_dunder_all() -> None:
    module = _module(
        "keel_test_tools_b", search_kb=search_kb, open_ticket=open_ticket, __all__=["open_ticket"]
    )
    assert PythonModuleSource(module).tools() == [open_ticket]


def test_module_source_imports_a_module_by_name() -> None:
    module = _module("keel_test_tools_c", search_kb=search_kb)
    sys.modules[module.__name__] = module
    try:
        assert PythonModuleSource("keel_test_tools_c").tools() == [search_kb]
    finally:
        del sys.modules[module.__name__]
    with pytest.raises(UserError, match="cannot import tool module 'keel_no_such_module'"):
        PythonModuleSource("keel_no_such_module")


def test_toolset_from_a_source() -> None:
    module = _module("keel_test_tools_d", search_kb=search_kb, open_ticket=open_ticket)
    assert list(ToolSet(PythonModuleSource(module).tools())) == ["search_kb", "open_ticket"]
