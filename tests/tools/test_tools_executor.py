import asyncio
import dataclasses
import datetime
import enum
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from keel.tools import (
    RetryableToolError,
    RetryPolicy,
    ToolContext,
    ToolInfo,
    ToolResult,
    backoff_s,
    error_code,
    execute_tool,
    tool,
)

CTX = ToolContext(run_id="r1", step=2, idempotency_key="r1:2", agent="helpdesk")
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff_s=0.001, max_backoff_s=0.002)


# --- success, threads and the event loop ----------------------------------------------


async def test_async_tool_runs_and_its_result_is_json() -> None:
    @tool
    async def lookup(ticket_id: str) -> dict[str, str]:
        return {"id": ticket_id, "queue": "network"}

    result = await execute_tool(lookup, {"ticket_id": "T-1"}, CTX)
    assert result == ToolResult(content='{"id":"T-1","queue":"network"}', attempts=1)
    assert error_code(result) is None


async def test_sync_tool_runs_in_a_worker_thread_unless_declared_non_blocking() -> None:
    @tool
    def blocking() -> str:
        return threading.current_thread().name

    @tool(blocking=False)
    def inline() -> str:
        return threading.current_thread().name

    loop_thread = threading.current_thread().name
    assert (await execute_tool(blocking, {}, CTX)).content != loop_thread
    assert (await execute_tool(inline, {}, CTX)).content == loop_thread


# --- invalid arguments ------------------------------------------------------------------


async def test_invalid_arguments_never_execute_the_tool() -> None:
    calls: list[int] = []

    @tool
    def refund(order_id: str, amount: float) -> str:
        calls.append(1)
        return "ok"

    result = await execute_tool(refund, {"order_id": "A", "amount": "lots", "note": 1}, CTX)
    message = (
        "Invalid arguments for tool 'refund':\n"
        "- amount: Input should be a valid number, unable to parse string as a number"
        ' (got "lots")\n'
        "- unexpected argument 'note'\n"
        "Accepted arguments: order_id, amount.\n"
        "Correct the arguments and call the tool again."
    )
    assert result == ToolResult(
        content=message, error=message, error_kind="invalid_arguments", attempts=0
    )
    assert error_code(result) == "TOOL_ERROR"
    assert calls == []


async def test_a_validate_that_crashes_is_fatal() -> None:
    class Broken:
        info = ToolInfo(name="broken", description="", parameters={"type": "object"})

        async def call(self, arguments: dict[str, Any], context: ToolContext) -> Any:
            return None

        def validate(self, arguments: Any) -> dict[str, Any]:
            raise KeyError("schema")

    result = await execute_tool(Broken(), {}, CTX)
    assert (result.error_kind, result.content, result.attempts) == (
        "fatal",
        "KeyError: 'schema'",
        0,
    )


# --- timeouts ---------------------------------------------------------------------------


async def test_async_tool_past_its_timeout() -> None:
    @tool(timeout_s=0.05)
    async def slow() -> str:
        await asyncio.sleep(5)
        return "late"

    started = time.perf_counter()
    result = await execute_tool(slow, {}, CTX)
    assert time.perf_counter() - started < 1
    message = "TimeoutError: tool 'slow' did not finish within 0.05s"
    assert result == ToolResult(content=message, error=message, error_kind="timeout", attempts=1)
    assert error_code(result) == "TOOL_TIMEOUT"


async def test_sync_tool_past_its_timeout_does_not_block_the_loop() -> None:
    release = threading.Event()

    @tool(timeout_s=0.05)
    def stuck() -> str:
        release.wait(5)
        return "late"

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    beat = asyncio.create_task(ticker())
    try:
        result = await execute_tool(stuck, {}, CTX)
    finally:
        beat.cancel()
        release.set()  # let the abandoned worker thread finish
    assert result.error_kind == "timeout"
    assert ticks >= 3  # the loop kept running while the thread was stuck


async def test_timeout_raised_by_the_tool_itself_is_fatal_not_a_timeout() -> None:
    @tool
    async def upstream() -> str:
        raise TimeoutError("upstream read timed out")

    result = await execute_tool(upstream, {}, CTX)
    assert (result.error_kind, result.content) == ("fatal", "TimeoutError: upstream read timed out")


async def test_idempotent_tool_is_retried_after_a_timeout() -> None:
    attempts: list[int] = []

    @tool(timeout_s=0.05, idempotent=True, retry=FAST_RETRY)
    async def search(ctx: ToolContext) -> str:
        attempts.append(ctx.attempt)
        if len(attempts) == 1:
            await asyncio.sleep(5)
        return "found"

    result = await execute_tool(search, {}, CTX)
    assert result == ToolResult(content="found", attempts=2)
    assert attempts == [1, 2]


async def test_non_idempotent_tool_is_not_retried_after_a_timeout() -> None:
    attempts: list[int] = []

    @tool(timeout_s=0.05, idempotent=False, retry=FAST_RETRY)
    async def charge() -> str:
        attempts.append(1)
        await asyncio.sleep(5)
        return "charged"

    result = await execute_tool(charge, {}, CTX)
    assert (result.error_kind, result.attempts, attempts) == ("timeout", 1, [1])


async def test_idempotent_tool_that_keeps_timing_out_reports_its_attempts() -> None:
    @tool(timeout_s=0.02, idempotent=True, retry=FAST_RETRY)
    async def search() -> str:
        await asyncio.sleep(5)
        return "found"

    result = await execute_tool(search, {}, CTX)
    assert result.content == (
        "TimeoutError: tool 'search' did not finish within 0.02s (after 3 attempts)"
    )
    assert (result.error_kind, result.attempts) == ("timeout", 3)


# --- retries and failures -----------------------------------------------------------------


async def test_retryable_error_then_success() -> None:
    seen: list[int] = []

    @tool(retry=FAST_RETRY)
    async def flaky(ctx: ToolContext) -> str:
        seen.append(ctx.attempt)
        if len(seen) == 1:
            raise RetryableToolError("503 from upstream")
        return "ok"

    result = await execute_tool(flaky, {}, CTX)
    assert result == ToolResult(content="ok", attempts=2)
    assert seen == [1, 2]


async def test_retries_count_on_from_the_contexts_attempt() -> None:
    seen: list[int] = []

    @tool(retry=FAST_RETRY, blocking=False)
    def flaky(ctx: ToolContext) -> str:
        seen.append(ctx.attempt)
        raise RetryableToolError("busy")

    await execute_tool(flaky, {}, dataclasses.replace(CTX, attempt=2))
    assert seen == [2, 3, 4]


async def test_exhausted_retries() -> None:
    calls: list[int] = []

    class Busy(RetryableToolError):
        """A subclass keeps its own name in the result."""

    @tool(retry=FAST_RETRY)
    def flaky() -> str:
        calls.append(1)
        raise Busy("rate limited")

    result = await execute_tool(flaky, {}, CTX)
    message = "Busy: rate limited (after 3 attempts)"
    assert result == ToolResult(content=message, error=message, error_kind="retryable", attempts=3)
    assert error_code(result) == "TOOL_ERROR"
    assert len(calls) == 3


async def test_retryable_error_without_a_retry_policy_is_reported_once() -> None:
    @tool
    async def flaky() -> str:
        raise RetryableToolError("busy")

    result = await execute_tool(flaky, {}, CTX)
    assert (result.content, result.attempts) == ("RetryableToolError: busy (after 1 attempt)", 1)


async def test_other_exceptions_are_fatal_without_traceback_or_retry() -> None:
    calls: list[int] = []

    @tool(retry=FAST_RETRY)
    def divide(a: int, b: int) -> float:
        calls.append(1)
        return a / b

    result = await execute_tool(divide, {"a": 1, "b": 0}, CTX)
    message = "ZeroDivisionError: division by zero"
    assert result == ToolResult(content=message, error=message, error_kind="fatal", attempts=1)
    assert calls == [1]


async def test_exception_without_message_shows_its_type() -> None:
    @tool
    async def odd() -> None:
        raise LookupError

    assert (await execute_tool(odd, {}, CTX)).content == "LookupError"


async def test_cancellation_passes_through() -> None:
    started = asyncio.Event()

    @tool
    async def wait() -> None:
        started.set()
        await asyncio.sleep(5)

    task = asyncio.create_task(execute_tool(wait, {}, CTX))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_backoff_is_exponential_and_capped() -> None:
    policy = RetryPolicy(max_attempts=6, initial_backoff_s=0.2, max_backoff_s=1.0, multiplier=2)
    assert [backoff_s(policy, n) for n in range(1, 6)] == [0.2, 0.4, 0.8, 1.0, 1.0]


# --- results ------------------------------------------------------------------------------


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    at: datetime.date


class Invoice(BaseModel):
    number: str
    total: Decimal
    issued: datetime.datetime


@pytest.mark.parametrize(
    ("value", "content"),
    [
        ("plain text, ünïcode", "plain text, ünïcode"),
        ({"a": 1, "b": [1, 2]}, '{"a":1,"b":[1,2]}'),
        ([1, "two", None], '[1,"two",null]'),
        (None, "null"),
        (42, "42"),
        (True, "true"),
        ({"name": "Zoë"}, '{"name":"Zoë"}'),
        (
            Invoice(number="I-1", total=Decimal("9.90"), issued=datetime.datetime(2024, 5, 1, 12)),
            '{"number":"I-1","total":"9.90","issued":"2024-05-01T12:00:00"}',
        ),
        (
            [Invoice(number="I-2", total=Decimal(1), issued=datetime.datetime(2024, 1, 1))],
            '[{"number":"I-2","total":"1","issued":"2024-01-01T00:00:00"}]',
        ),
        (Point(1, datetime.date(2024, 2, 29)), '{"x":1,"at":"2024-02-29"}'),
        (
            {"id": uuid.UUID(int=1), "amount": Decimal("0.10"), "colour": Colour.RED},
            '{"id":"00000000-0000-0000-0000-000000000001","amount":"0.10","colour":"red"}',
        ),
        ({"tags": {"b", "a"}, "raw": b"bytes"}, '{"tags":["a","b"],"raw":"bytes"}'),
        (datetime.timedelta(minutes=1), "60.0"),
    ],
)
async def test_results_are_serialised(value: Any, content: str) -> None:
    @tool
    async def give() -> Any:
        return value

    assert await execute_tool(give, {}, CTX) == ToolResult(content=content)


async def test_unserialisable_result_is_fatal() -> None:
    @tool
    async def give() -> object:
        return object()

    result = await execute_tool(give, {}, CTX)
    assert result.error_kind == "fatal"
    assert result.content == (
        "TypeError: Object of type object is not JSON serializable"
        " (the tool's result could not be serialised)"
    )


async def test_result_over_the_byte_limit_is_truncated_and_flagged() -> None:
    @tool
    async def dump() -> str:
        return "é" * 100

    result = await execute_tool(dump, {}, CTX, max_result_bytes=64)
    assert result == ToolResult(content="é" * 20 + "…[truncated 160 bytes]", truncated=True)
    fits = await execute_tool(dump, {}, CTX, max_result_bytes=200)
    assert fits == ToolResult(content="é" * 100)
