"""The tools an agent may call, by name, and the Python-module ``ToolSource``."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import ModuleType
from typing import Any

from keel.errors import UserError
from keel.models.base import ToolDefinition
from keel.tools.base import Tool
from keel.tools.function import FunctionTool, as_tool


class ToolSet(Mapping[str, Tool]):
    """An immutable mapping of tool name to ``Tool``, in the order given.

    Plain functions are accepted and made tools with ``as_tool``. Two tools with the
    same name raise ``UserError``: a model could not tell them apart.
    ``get(name)`` returns ``None`` for an unknown name.
    """

    __slots__ = ("_definitions", "_tools")

    def __init__(self, tools: Iterable[Tool | Callable[..., Any]] = ()) -> None:
        by_name: dict[str, Tool] = {}
        for item in tools:
            t = as_tool(item)
            name = t.info.name
            if name in by_name:
                raise UserError(
                    f"two tools are named {name!r} ({by_name[name]!r} and {t!r}); "
                    "expose one under another name with as_tool(..., name=...)"
                )
            by_name[name] = t
        self._tools = by_name
        self._definitions: tuple[ToolDefinition, ...] | None = None

    def __getitem__(self, name: str) -> Tool:
        return self._tools[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tools)

    def __len__(self) -> int:
        return len(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def definitions(self) -> tuple[ToolDefinition, ...]:
        """What the model is told about each tool, in order; computed once."""
        if self._definitions is None:
            self._definitions = tuple(t.info.definition() for t in self._tools.values())
        return self._definitions

    def __repr__(self) -> str:
        return f"ToolSet({list(self._tools)!r})"


class PythonModuleSource:
    """The ``@tool`` functions of a Python module, as a ``ToolSource``.

    Lists the module's public ``FunctionTool`` attributes (its ``__all__`` when it
    has one, otherwise every name not starting with ``_``) in definition order; a
    tool bound to two names is listed once. A module name is imported on
    construction; ``UserError`` if that fails.
    """

    def __init__(self, module: ModuleType | str) -> None:
        if isinstance(module, str):
            try:
                module = importlib.import_module(module)
            except ImportError as e:
                raise UserError(f"cannot import tool module {module!r}: {e}") from e
        self.module = module

    def tools(self) -> list[Tool]:
        namespace = vars(self.module)
        public = getattr(self.module, "__all__", None)
        names = list(public) if public is not None else [n for n in namespace if n[0] != "_"]
        found: list[Tool] = []
        for name in names:
            obj = namespace.get(name)
            if isinstance(obj, FunctionTool) and not any(obj is t for t in found):
                found.append(obj)
        return found

    def __repr__(self) -> str:
        return f"PythonModuleSource({self.module.__name__!r})"
