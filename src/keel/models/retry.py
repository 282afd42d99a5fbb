"""``RetryingModel``: retries of transient model failures, and the per-call timeout.

Providers never retry on their own (their SDKs run with ``max_retries=0``); this
wrapper is the one place that decides, so every provider retries the same way:

* only a ``ModelUnavailable`` with ``retryable=True`` is retried, at most
  ``max_retries`` times;
* the wait is exponential (``initial_backoff_s`` doubling up to ``max_backoff_s``)
  with jitter between half and all of it, so clients that failed together do not
  retry together;
* a provider's ``retry_after_s`` (from ``Retry-After``) replaces that wait, capped
  at ``max_retry_after_s`` so one header cannot park a run for minutes;
* each attempt is bounded by ``timeout_s``; running past it is a retryable
  ``ModelUnavailable``.

A stream is retried only until its first event: after that the consumer has seen
output, and starting again would repeat it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from keel.errors import ModelUnavailable
from keel.models.base import Model, ModelRequest, ModelResponse, StreamEvent, stream_of

Sleep = Callable[[float], Awaitable[Any]]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait between retries; one value shared by every model of a chain."""

    initial_s: float = 0.5
    max_s: float = 8.0
    max_retry_after_s: float = 30.0


class RetryingModel:
    """Wraps ``model`` with retries and a timeout (see the module doc).

    ``name`` is the wrapped model's. When retries run out, or the error is not
    retryable, that error is raised with ``details["attempts"]`` set to the number
    of attempts made. ``sleep``
    and ``jitter`` (a ``() -> float`` in [0, 1)) are injectable for tests.
    """

    def __init__(
        self,
        model: Model,
        *,
        max_retries: int = 2,
        initial_backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        max_retry_after_s: float = 30.0,
        timeout_s: float | None = None,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._model = model
        self._max_retries = max_retries
        self._initial_backoff_s = initial_backoff_s
        self._max_backoff_s = max_backoff_s
        self._max_retry_after_s = max_retry_after_s
        self._timeout_s = timeout_s
        self._sleep = sleep
        self._jitter = jitter

    @property
    def name(self) -> str:
        return self._model.name

    @property
    def wrapped(self) -> Model:
        return self._model

    def delay_s(self, retry: int, error: ModelUnavailable) -> float:
        """How long to wait before retry number ``retry`` (1-based) after ``error``."""
        if error.retry_after_s is not None:
            return min(max(error.retry_after_s, 0.0), self._max_retry_after_s)
        backoff = min(self._initial_backoff_s * 2.0 ** (retry - 1), self._max_backoff_s)
        return backoff * (0.5 + self._jitter() / 2)

    async def request(self, request: ModelRequest) -> ModelResponse:
        """The wrapped model's answer, retried and bounded as the module describes."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._bounded(self._model.request(request))
            except ModelUnavailable as e:
                await self._before_retry(attempt, e)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """The wrapped stream, retried until its first event; ``timeout_s`` bounds the
        wait for each event."""
        attempt = 0
        while True:
            attempt += 1
            events = stream_of(self._model, request)
            try:
                first = await self._bounded(anext(events))
            except StopAsyncIteration:
                return
            except ModelUnavailable as e:
                await _close(events)
                await self._before_retry(attempt, e)
                continue
            break
        try:
            yield first
            while True:
                try:
                    event = await self._bounded(anext(events))
                except StopAsyncIteration:
                    return
                yield event
        finally:
            await _close(events)

    async def aclose(self) -> None:
        """Close the wrapped model's resources, if it holds any."""
        await _close(self._model)

    async def _bounded(self, step: Awaitable[T]) -> T:
        if self._timeout_s is None:
            return await step
        try:
            async with asyncio.timeout(self._timeout_s):
                return await step
        except TimeoutError as e:
            raise ModelUnavailable(
                f"{self.name} did not answer within {self._timeout_s:g}s",
                retryable=True,
                details={"model": self.name, "reason": "timeout", "timeout_s": self._timeout_s},
            ) from e

    async def _before_retry(self, attempt: int, error: ModelUnavailable) -> None:
        """Sleep before the next attempt, or raise ``error`` if there is none."""
        if not error.retryable or attempt > self._max_retries:
            # The same instance, so its type and traceback survive; only the count is added.
            error.details["attempts"] = attempt
            raise error
        await self._sleep(self.delay_s(attempt, error))


async def _close(thing: object) -> None:
    close = getattr(thing, "aclose", None)
    if close is not None:
        await close()
