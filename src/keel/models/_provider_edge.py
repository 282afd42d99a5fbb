"""What every HTTP provider does the same way at its edge.

Both SDK-backed providers (:mod:`keel.models.openai`, :mod:`keel.models.anthropic`)
turn transport and status failures into :class:`~keel.errors.ModelUnavailable` with
the same retry semantics, and decode tool-call arguments the same forgiving way.
Keeping that here means the retry wrapper sees one behaviour whichever SDK is behind.
"""

from __future__ import annotations

import datetime
import email.utils
import importlib
import json
import math
import re
import time
from typing import Any, Protocol

from keel.errors import ModelUnavailable

# 408 is the server saying it gave up waiting, which is a timeout like any other.
_RETRYABLE_STATUS = frozenset({408, 429})

# Provider error texts sometimes echo a partly masked key ("Incorrect API key
# provided: sk-ab***yz"); secrets must never reach a log or the audit trail.
_KEY_LIKE = re.compile(r"\b(sk|key|sess)-[A-Za-z0-9_\-*.]{6,}")
_MAX_MESSAGE_CHARS = 500

RAW_ARGUMENTS_KEY = "_raw"
"""Key under which undecodable tool-call arguments are passed on, verbatim."""


class HeaderLookup(Protocol):
    """The one thing needed from an HTTP header collection: case-insensitive ``get``."""

    def get(self, key: str, /) -> str | None: ...


def parse_retry_after(headers: HeaderLookup | None, *, now: float | None = None) -> float | None:
    """Seconds to wait before retrying, from ``retry-after-ms`` or ``Retry-After``.

    ``Retry-After`` may be a number of seconds or an HTTP date. Returns ``None`` when
    no usable header is present; never returns a negative or non-finite number.
    """
    if headers is None:
        return None
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        if math.isfinite(seconds):
            return max(seconds, 0.0)
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # "-0000" parses as naive; HTTP dates are always UTC.
        when = when.replace(tzinfo=datetime.UTC)
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)


def redact(message: str, secret: str | None = None) -> str:
    """``message`` shortened, with ``secret`` and anything key-shaped masked."""
    if secret:
        message = message.replace(secret, "***")
    message = _KEY_LIKE.sub(lambda m: f"{m.group(1)}-***", message)
    if len(message) > _MAX_MESSAGE_CHARS:
        message = message[:_MAX_MESSAGE_CHARS] + "…"
    return message


def is_retryable_status(status: int) -> bool:
    """429, 408 and every 5xx are worth retrying; other statuses are the request's fault."""
    return status in _RETRYABLE_STATUS or status >= 500


def status_unavailable(
    model: str,
    status: int,
    message: str,
    *,
    headers: HeaderLookup | None = None,
    secret: str | None = None,
) -> ModelUnavailable:
    """The error for an HTTP error status from ``model``'s provider.

    A status below 400 means an error event arrived inside an otherwise successful
    (streamed) response; that is the provider failing mid-answer, so it is retryable.
    """
    retryable = status < 400 or is_retryable_status(status)
    text = redact(message, secret)
    return ModelUnavailable(
        f"{model} answered HTTP {status}: {text}",
        retryable=retryable,
        retry_after_s=parse_retry_after(headers) if retryable else None,
        details={"model": model, "status": status, "provider_message": text},
    )


def transport_unavailable(model: str, error: BaseException, *, timed_out: bool) -> ModelUnavailable:
    """The (always retryable) error for a timeout or a failed connection to ``model``."""
    what = "timed out" if timed_out else "could not be reached"
    return ModelUnavailable(
        f"{model} {what}: {type(error).__name__}",
        retryable=True,
        details={"model": model, "reason": "timeout" if timed_out else "connection"},
    )


def missing_key(model: str, variable_hint: str) -> ModelUnavailable:
    """The error for a provider model configured without an API key (never retried)."""
    return ModelUnavailable(
        f"{model} has no API key (set {variable_hint})",
        retryable=False,
        details={"model": model, "reason": "missing_api_key"},
    )


def missing_sdk(model: str, package: str) -> ModelUnavailable:
    """The error for a provider whose optional SDK is not installed (never retried)."""
    return ModelUnavailable(
        f"{model} needs the {package!r} package: install keel[{package}]",
        retryable=False,
        details={"model": model, "reason": "missing_sdk", "extra": f"keel[{package}]"},
    )


def preload(package: str) -> bool:
    """Import ``package`` if it is installed, and say whether it is.

    A missing SDK is not an error here: the model reports it, as
    :func:`missing_sdk`, when it is called.
    """
    try:
        importlib.import_module(package)
    except ImportError:
        return False
    return True


def transport_errors() -> tuple[type[BaseException], ...]:
    """The HTTP libraries' transport errors that may escape an SDK while streaming.

    Older SDK releases are built on ``httpx``, newer ones on ``httpx2``; whichever is
    importable is included.
    """
    import httpx

    found: list[type[BaseException]] = [httpx.TransportError]
    try:
        import httpx2
    except ImportError:
        return tuple(found)
    found.append(httpx2.TransportError)
    return tuple(found)


def timeout_errors() -> tuple[type[BaseException], ...]:
    """Like :func:`transport_errors`, the subset that means "timed out"."""
    import httpx

    found: list[type[BaseException]] = [httpx.TimeoutException, TimeoutError]
    try:
        import httpx2
    except ImportError:
        return tuple(found)
    found.append(httpx2.TimeoutException)
    return tuple(found)


def decode_tool_arguments(text: str | None) -> dict[str, Any]:
    """Tool-call arguments from the JSON text a model produced.

    Models sometimes emit broken JSON or a non-object. That must not crash the run:
    the text is passed on as ``{"_raw": text}`` so the tool's argument validation
    reports the problem to the model, which can then correct itself.
    """
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {RAW_ARGUMENTS_KEY: text}
    if isinstance(value, dict):
        return value
    return {RAW_ARGUMENTS_KEY: text}
