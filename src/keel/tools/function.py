"""Python functions as tools: the ``@tool`` decorator, ``FunctionTool`` and ``as_tool``.

``@tool`` reads everything a model needs from the function itself (name, docstring,
typed signature) once, at import time, and fails there with a ``UserError`` when the
function cannot be a tool; a run never discovers a broken tool halfway through.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, overload

from keel.errors import UserError
from keel.tools._arguments import Arguments, derive_arguments
from keel.tools._docstring import parse_docstring
from keel.tools.base import RetryPolicy, Risk, Tool, ToolContext, ToolInfo

P = ParamSpec("P")
R = TypeVar("R")

# The strictest rule among providers (OpenAI, Anthropic): a name valid here is valid everywhere.
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_RISKS: frozenset[str] = frozenset({"read", "write", "financial", "irreversible"})


class FunctionTool(Generic[P, R]):
    """A Python function exposed as a ``Tool``.

    Calling the object calls the original function unchanged, so tools stay
    unit-testable as plain functions. ``call`` is what the executor uses: it injects
    the ``ToolContext``, awaits async functions, and runs sync functions in a worker
    thread unless they were declared ``blocking=False``. ``__wrapped__`` is the
    original function (set by ``functools.update_wrapper``, like ``__name__``).
    """

    __wrapped__: Callable[P, R]
    __name__: str

    def __init__(
        self,
        fn: Callable[P, R],
        *,
        info: ToolInfo,
        arguments: Arguments,
        blocking: bool,
        is_async: bool,
    ) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        # Typed loosely once here so ``call`` can pass validated keyword arguments.
        self._target: Callable[..., Any] = fn
        self._info = info
        self._arguments = arguments
        self._blocking = blocking
        self._is_async = is_async

    @property
    def info(self) -> ToolInfo:
        return self._info

    @property
    def blocking(self) -> bool:
        """Whether a sync function runs in a worker thread (``False`` for async functions)."""
        return self._blocking

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._fn(*args, **kwargs)

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Return the validated keyword arguments, or raise ``ValueError`` saying what to fix."""
        return self._arguments.validate(arguments, tool_name=self._info.name)

    async def call(self, arguments: dict[str, Any], context: ToolContext) -> Any:
        """Run the function with already-validated ``arguments``; its exceptions propagate."""
        if self._arguments.context_param is not None:
            arguments = {**arguments, self._arguments.context_param: context}
        if self._is_async:
            return await self._target(**arguments)
        if self._blocking:
            return await asyncio.to_thread(self._target, **arguments)
        return self._target(**arguments)

    def with_info(self, info: ToolInfo) -> FunctionTool[P, R]:
        """Return a copy declaring ``info`` instead; this tool is left unchanged."""
        _check_info(info)
        clone = copy.copy(self)
        clone._info = info
        return clone

    def __repr__(self) -> str:
        return f"FunctionTool(name={self._info.name!r}, version={self._info.version!r})"


@overload
def tool(fn: Callable[P, R], /) -> FunctionTool[P, R]: ...


@overload
def tool(
    *,
    name: str | None = None,
    version: str | None = None,
    description: str | None = None,
    timeout_s: float | None = None,
    retry: RetryPolicy | None = None,
    risk: Risk | None = None,
    idempotent: bool | None = None,
    scopes: Sequence[str] | None = None,
    requires_approval: bool | None = None,
    blocking: bool | None = None,
) -> Callable[[Callable[P, R]], FunctionTool[P, R]]: ...


def tool(
    fn: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    version: str | None = None,
    description: str | None = None,
    timeout_s: float | None = None,
    retry: RetryPolicy | None = None,
    risk: Risk | None = None,
    idempotent: bool | None = None,
    scopes: Sequence[str] | None = None,
    requires_approval: bool | None = None,
    blocking: bool | None = None,
) -> FunctionTool[P, R] | Callable[[Callable[P, R]], FunctionTool[P, R]]:
    """Make a sync or async function a tool; use as ``@tool`` or ``@tool(...)``.

    ``name`` defaults to the function's name and ``description`` to the first
    paragraph of its docstring; argument descriptions come from
    ``Annotated[..., Field(description=...)]`` or the docstring's ``Args:`` section.
    A parameter annotated ``ToolContext`` receives the call's context and is not
    shown to the model. Options left out take ``ToolInfo``'s defaults.

    ``blocking`` applies to sync functions and defaults to ``True``: the function
    runs in a worker thread so its timeout holds and the event loop stays free.
    Declare ``blocking=False`` only for a pure, fast function that may run on the
    event loop (its timeout then cannot interrupt it).

    Raises ``UserError`` when the function cannot be a tool (``*args``,
    ``**kwargs``, a positional-only or unannotated parameter, a generator, a type
    with no JSON Schema) or an option is out of range.
    """
    options: dict[str, Any] = {
        k: v
        for k, v in {
            "version": version,
            "timeout_s": timeout_s,
            "retry": retry,
            "risk": risk,
            "idempotent": idempotent,
            "scopes": None if scopes is None else tuple(scopes),
            "requires_approval": requires_approval,
        }.items()
        if v is not None
    }

    def decorate(f: Callable[P, R]) -> FunctionTool[P, R]:
        return _function_tool(
            f, name=name, description=description, blocking=blocking, options=options
        )

    return decorate if fn is None else decorate(fn)


def _function_tool(
    fn: Callable[P, R],
    *,
    name: str | None,
    description: str | None,
    blocking: bool | None,
    options: dict[str, Any],
) -> FunctionTool[P, R]:
    if not callable(fn):
        raise UserError(f"@tool needs a function, got {type(fn).__name__}")
    tool_name = name or getattr(fn, "__name__", None)
    if not tool_name:
        raise UserError(f"{fn!r} has no __name__; give the tool a name with @tool(name=...)")
    if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
        raise UserError(f"tool {tool_name!r}: generator functions are not supported; return a list")
    # The second test catches an object whose class defines ``async def __call__``.
    is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)
    if is_async and blocking:
        raise UserError(
            f"tool {tool_name!r}: blocking=True applies to sync functions only; "
            "an async function always runs on the event loop"
        )
    # A partial or callable object carries its class's docstring, not the tool's.
    own_doc = inspect.getdoc(fn) if inspect.isfunction(fn) or inspect.ismethod(fn) else None
    doc = parse_docstring(own_doc)
    arguments = derive_arguments(fn, tool_name=tool_name, doc=doc)
    info = ToolInfo(
        name=tool_name,
        description=doc.summary if description is None else description,
        parameters=arguments.parameters,
        **options,
    )
    _check_info(info)
    return FunctionTool(
        fn,
        info=info,
        arguments=arguments,
        blocking=False if is_async else blocking is not False,
        is_async=is_async,
    )


def _check_info(info: ToolInfo) -> None:
    where = f"tool {info.name!r}"
    if not _NAME.match(info.name):
        raise UserError(
            f"{where}: a tool name must be 1-64 letters, digits, '_' or '-' "
            "(the rule model providers apply)"
        )
    if not info.timeout_s > 0:
        raise UserError(f"{where}: timeout_s must be positive, got {info.timeout_s}")
    if info.retry.max_attempts < 1:
        raise UserError(f"{where}: retry.max_attempts must be at least 1")
    if info.risk not in _RISKS:
        raise UserError(f"{where}: risk must be one of {sorted(_RISKS)}, got {info.risk!r}")


class ToolOverrides(Protocol):
    """Per-agent settings that replace a tool's own declaration; ``None`` keeps it.

    ``keel.spec.ToolSettings`` has this shape; the protocol keeps ``keel.tools`` free
    of a dependency on the spec package.
    """

    @property
    def timeout_s(self) -> float | None: ...
    @property
    def max_attempts(self) -> int | None: ...
    @property
    def risk(self) -> Risk | None: ...
    @property
    def idempotent(self) -> bool | None: ...
    @property
    def scopes(self) -> Sequence[str] | None: ...
    @property
    def requires_approval(self) -> bool | None: ...


@dataclass(frozen=True, slots=True)
class _ConfiguredTool:
    """Any ``Tool`` under a replaced ``ToolInfo``; calls and validation go to ``inner``."""

    inner: Tool
    info: ToolInfo

    async def call(self, arguments: dict[str, Any], context: ToolContext) -> Any:
        return await self.inner.call(arguments, context)

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        return self.inner.validate(arguments)


def as_tool(
    obj: Tool | Callable[..., Any],
    *,
    name: str | None = None,
    settings: ToolOverrides | None = None,
) -> Tool:
    """Return ``obj`` as a ``Tool``, renamed to ``name`` and with ``settings`` applied.

    ``obj`` may be a ``FunctionTool``, any object implementing ``Tool``, or a plain
    function (made a tool with ``@tool``'s defaults). Overrides produce a new tool
    whose ``info`` is a replaced copy; ``obj`` itself is never changed, and is
    returned as is when there is nothing to override. ``settings.max_attempts``
    sets ``info.retry.max_attempts``. Raises ``UserError`` for anything else or an
    invalid override.
    """
    base: Tool
    if isinstance(obj, Tool):
        base = obj
    elif callable(obj):
        base = tool(name=name)(obj)
    else:
        raise UserError(f"{obj!r} is not a tool: expected a @tool function or a Tool object")
    info = _overridden(base.info, name=name, settings=settings)
    if info is base.info:
        return base
    if isinstance(base, FunctionTool):
        return base.with_info(info)
    _check_info(info)
    inner = base.inner if isinstance(base, _ConfiguredTool) else base
    return _ConfiguredTool(inner, info)


def _overridden(info: ToolInfo, *, name: str | None, settings: ToolOverrides | None) -> ToolInfo:
    changes: dict[str, Any] = {}
    if name is not None and name != info.name:
        changes["name"] = name
    if settings is not None:
        if settings.timeout_s is not None:
            changes["timeout_s"] = settings.timeout_s
        if settings.max_attempts is not None:
            changes["retry"] = replace(info.retry, max_attempts=settings.max_attempts)
        if settings.risk is not None:
            changes["risk"] = settings.risk
        if settings.idempotent is not None:
            changes["idempotent"] = settings.idempotent
        if settings.scopes is not None:
            changes["scopes"] = tuple(settings.scopes)
        if settings.requires_approval is not None:
            changes["requires_approval"] = settings.requires_approval
    return replace(info, **changes) if changes else info
