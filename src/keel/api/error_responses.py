"""Errors as HTTP answers: the envelope, its status from the one table, its headers.

Used by the application's exception handlers (``keel.api.app``) and by the run
creation path that answers without FastAPI (``keel.api.run_creation``), so both
answer the same error the same way.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import JSONResponse

from keel.api.auth import WWW_AUTHENTICATE
from keel.api.context import current
from keel.api.envelope import STATUS, envelope
from keel.errors import ErrorCode, KeelError, RateLimited

log = logging.getLogger(__name__)


def error_response(
    code: ErrorCode, message: str, details: dict[str, Any] | None = None, **headers: str
) -> JSONResponse:
    body = envelope(code, message, current().trace_id, details)
    return JSONResponse(body, status_code=STATUS[code], headers=headers or None)


def keel_error_response(exc: KeelError) -> JSONResponse:
    """The answer to ``exc``: ``Retry-After`` when rate limited, ``WWW-Authenticate``
    when unauthenticated; an ``INTERNAL`` one is logged with its trace id."""
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["retry-after"] = str(max(1, round(exc.retry_after_s + 0.5)))
    if exc.code == "UNAUTHENTICATED":
        headers["www-authenticate"] = WWW_AUTHENTICATE
    if exc.code == "INTERNAL":
        log.error("internal error (trace %s): %s", current().trace_id, exc.message)
    return error_response(exc.code, exc.message, exc.details, **headers)
