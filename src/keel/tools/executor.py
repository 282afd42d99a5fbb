"""Run one tool call: validate, call under a timeout, retry, serialise, bound the size.

``execute_tool`` turns every tool problem into a ``ToolResult`` the model can read
and the loop can classify; only cancellation (and ``BaseException``s such as
``KeyboardInterrupt``) passes through, because that is the caller stopping the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from keel.errors import ErrorCode
from keel.tools.base import (
    RetryableToolError,
    RetryPolicy,
    Tool,
    ToolContext,
    ToolErrorKind,
    ToolResult,
)
from keel.tools.serialize import serialize_result
from keel.tools.truncate import truncate_utf8


async def execute_tool(
    tool: Tool,
    arguments: Mapping[str, Any],
    context: ToolContext,
    *,
    max_result_bytes: int | None = None,
) -> ToolResult:
    """Call ``tool`` with the model's ``arguments`` and return the outcome; never raises
    for a problem of the tool's.

    * Arguments that fail ``tool.validate`` give ``error_kind="invalid_arguments"``
      with ``attempts=0``: the tool is not called, and ``content`` says what to fix.
    * Each attempt is bounded by ``info.timeout_s``; running past it gives
      ``"timeout"``. A ``TimeoutError`` the tool raises itself is an ordinary failure.
    * ``RetryableToolError`` is retried per ``info.retry`` with exponential backoff,
      a timeout too when the tool is idempotent (a non-idempotent call that timed out
      may have taken effect, so it is not repeated). Retries see
      ``context.attempt`` counting up. Exhausted retries give ``"retryable"``.
    * Any other exception gives ``"fatal"`` with ``"<ExcType>: <message>"``.
    * A result is serialised with ``serialize_result``; when ``max_result_bytes`` is
      set, longer content is cut by ``truncate_utf8`` and flagged ``truncated``.
    """
    info = tool.info
    try:
        kwargs = tool.validate(arguments)
    except ValueError as e:
        return _failure(str(e), "invalid_arguments", 0, max_result_bytes)
    except Exception as e:
        return _failure(_describe(e), "fatal", 0, max_result_bytes)

    policy = info.retry
    attempt = 1
    call_context = context
    while True:
        timer = asyncio.timeout(info.timeout_s)
        try:
            async with timer:
                value = await tool.call(kwargs, call_context)
        except RetryableToolError as e:
            if attempt >= policy.max_attempts:
                message = f"{_describe(e)} (after {_times(attempt)})"
                return _failure(message, "retryable", attempt, max_result_bytes)
        except TimeoutError as e:
            if not timer.expired():
                return _failure(_describe(e), "fatal", attempt, max_result_bytes)
            if not info.idempotent or attempt >= policy.max_attempts:
                message = f"TimeoutError: tool {info.name!r} did not finish within "
                message += f"{info.timeout_s:g}s"
                if attempt > 1:
                    message += f" (after {_times(attempt)})"
                return _failure(message, "timeout", attempt, max_result_bytes)
        except Exception as e:
            return _failure(_describe(e), "fatal", attempt, max_result_bytes)
        else:
            try:
                content = serialize_result(value)
            except Exception as e:
                message = f"{_describe(e)} (the tool's result could not be serialised)"
                return _failure(message, "fatal", attempt, max_result_bytes)
            if max_result_bytes is None:
                return ToolResult(content, attempts=attempt)
            content, truncated = truncate_utf8(content, max_result_bytes)
            return ToolResult(content, attempts=attempt, truncated=truncated)
        await asyncio.sleep(backoff_s(policy, attempt))
        attempt += 1
        call_context = replace(context, attempt=context.attempt + attempt - 1)


def backoff_s(policy: RetryPolicy, failures: int) -> float:
    """Seconds to wait after the ``failures``-th failed attempt (1-based).

    ``initial_backoff_s * multiplier ** (failures - 1)``, capped at
    ``max_backoff_s``. No jitter: a replayed run waits exactly as the original did.
    """
    delay = policy.initial_backoff_s * policy.multiplier ** (failures - 1)
    return min(delay, policy.max_backoff_s)


def error_code(result: ToolResult) -> ErrorCode | None:
    """The stable error code of a failed result, ``None`` for a successful one.

    A timeout is ``TOOL_TIMEOUT``; every other failure is ``TOOL_ERROR``.
    """
    if result.ok:
        return None
    return "TOOL_TIMEOUT" if result.error_kind == "timeout" else "TOOL_ERROR"


def _failure(
    message: str, kind: ToolErrorKind, attempts: int, max_result_bytes: int | None
) -> ToolResult:
    truncated = False
    if max_result_bytes is not None:
        message, truncated = truncate_utf8(message, max_result_bytes)
    return ToolResult(
        content=message, error=message, error_kind=kind, attempts=attempts, truncated=truncated
    )


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _times(attempts: int) -> str:
    return "1 attempt" if attempts == 1 else f"{attempts} attempts"
