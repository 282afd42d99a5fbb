"""``FallbackModel``: a chain of models tried in order until one answers.

This is graceful degradation: a spec lists a primary model and fallbacks (usually
ending with the rules model), and a run still gets an answer when a provider is
down, rate-limited or not configured. Each model that fails with
``ModelUnavailable`` is recorded as a :class:`~keel.models.base.ModelAttempt`; the
answering response carries them in ``failed_attempts`` and names the model that
answered in ``model``, so the run records both.

Retrying one model is :class:`~keel.models.retry.RetryingModel`'s job; this wrapper
moves on at the first ``ModelUnavailable`` it sees from a model (by then the
model's own retries are spent). Any other exception is a bug and propagates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence

from keel.errors import ModelUnavailable, UserError
from keel.models.base import (
    Model,
    ModelAttempt,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    stream_of,
)


class FallbackModel:
    """Tries ``models`` in order (see the module doc). ``name`` is the first model's.

    Raises ``UserError`` when ``models`` is empty, and ``ModelUnavailable`` when
    every model failed: ``details["attempts"]`` lists each attempt, ``retryable`` is
    true if any failure was, and ``retry_after_s`` is the smallest one given.
    """

    def __init__(self, models: Sequence[Model]) -> None:
        if not models:
            raise UserError("a fallback chain needs at least one model")
        self._models = tuple(models)

    @property
    def name(self) -> str:
        return self._models[0].name

    @property
    def models(self) -> tuple[Model, ...]:
        return self._models

    async def request(self, request: ModelRequest) -> ModelResponse:
        """The first answer any model in the chain gives."""
        failures: list[tuple[ModelAttempt, ModelUnavailable]] = []
        for model in self._routed(request):
            try:
                response = await model.request(request)
            except ModelUnavailable as e:
                failures.append((_attempt(model, e), e))
                continue
            return _with_attempts(response, failures)
        raise _all_failed(failures) from failures[-1][1]

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """The first model's stream that produces an event; a model that fails after
        its first event fails the stream (its output was already seen)."""
        failures: list[tuple[ModelAttempt, ModelUnavailable]] = []
        for model in self._routed(request):
            events = stream_of(model, request)
            try:
                first = await anext(events)
            except StopAsyncIteration:
                return
            except ModelUnavailable as e:
                failures.append((_attempt(model, e), e))
                await _close(events)
                continue
            try:
                event: StreamEvent | None = first
                while event is not None:
                    if event.kind == "done" and event.response is not None:
                        event = dataclasses.replace(
                            event, response=_with_attempts(event.response, failures)
                        )
                    yield event
                    event = await anext(events, None)
            finally:
                await _close(events)
            return
        raise _all_failed(failures) from failures[-1][1]

    def _routed(self, request: ModelRequest) -> tuple[Model, ...]:
        """The chain, less the models the route policy did not allow."""
        allowed = request.allowed_models
        if allowed is None:
            return self._models
        models = tuple(m for m in self._models if m.name in allowed)
        if not models:
            raise ModelUnavailable(
                "the route policy allows none of this agent's models "
                f"({', '.join(m.name for m in self._models)})"
            )
        return models

    async def aclose(self) -> None:
        """Close every model in the chain that holds resources."""
        for model in self._models:
            await _close(model)


def chain_names(model: Model) -> tuple[str, ...]:
    """The names of the models ``model`` tries, in order: through the wrappers that
    hold one model (``wrapped``: retries, pricing) and along fallback chains."""
    inner = getattr(model, "wrapped", None)
    if inner is not None:
        return chain_names(inner)
    if isinstance(model, FallbackModel):
        return tuple(name for m in model.models for name in chain_names(m))
    return (model.name,)


def _attempt(model: Model, error: ModelUnavailable) -> ModelAttempt:
    return ModelAttempt(model=model.name, error_code=error.code, message=error.message)


def _with_attempts(
    response: ModelResponse, failures: list[tuple[ModelAttempt, ModelUnavailable]]
) -> ModelResponse:
    if not failures:
        return response
    attempts = tuple(a for a, _ in failures) + response.failed_attempts
    return dataclasses.replace(response, failed_attempts=attempts)


def _all_failed(failures: list[tuple[ModelAttempt, ModelUnavailable]]) -> ModelUnavailable:
    waits = [e.retry_after_s for _, e in failures if e.retryable and e.retry_after_s is not None]
    summary = "; ".join(f"{a.model}: {a.message}" for a, _ in failures)
    return ModelUnavailable(
        f"no model could answer ({summary})",
        retryable=any(e.retryable for _, e in failures),
        retry_after_s=min(waits) if waits else None,
        details={"attempts": [a.to_dict() for a, _ in failures]},
    )


async def _close(thing: object) -> None:
    close = getattr(thing, "aclose", None)
    if close is not None:
        await close()
