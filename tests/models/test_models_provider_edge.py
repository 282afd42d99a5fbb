"""The pieces every HTTP provider shares: Retry-After, redaction, tool arguments."""

from __future__ import annotations

import email.utils

from keel.models._provider_edge import (
    decode_tool_arguments,
    parse_retry_after,
    redact,
    status_unavailable,
)

NOW = 1_700_000_000.0


def test_retry_after_in_every_form() -> None:
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "1200", "retry-after": "9"}) == 1.2
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=NOW) == 30.0
    naive = email.utils.formatdate(NOW + 10)  # "-0000": UTC without saying so
    assert parse_retry_after({"retry-after": naive}, now=NOW) == 10.0
    past = email.utils.formatdate(NOW - 30, usegmt=True)
    assert parse_retry_after({"retry-after": past}, now=NOW) == 0.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({"retry-after": "-3"}) == 0.0
    assert parse_retry_after({}) is None
    assert parse_retry_after(None) is None


def test_status_classification() -> None:
    assert status_unavailable("m", 429, "x", headers={"retry-after": "1"}).retry_after_s == 1.0
    assert status_unavailable("m", 408, "x").retryable
    assert status_unavailable("m", 503, "x").retryable
    assert status_unavailable("m", 200, "error event mid-stream").retryable
    assert not status_unavailable("m", 404, "x").retryable
    assert status_unavailable("m", 400, "x", headers={"retry-after": "1"}).retry_after_s is None


def test_secrets_are_redacted_and_messages_bounded() -> None:
    text = redact("Incorrect API key provided: sk-abc123***wxyz and my-secret", "my-secret")
    assert "abc123" not in text
    assert "my-secret" not in text
    assert len(redact("x" * 5000)) <= 501


def test_tool_arguments_never_crash() -> None:
    assert decode_tool_arguments('{"a": 1}') == {"a": 1}
    assert decode_tool_arguments("") == {}
    assert decode_tool_arguments(None) == {}
    assert decode_tool_arguments("{broken") == {"_raw": "{broken"}
    assert decode_tool_arguments("[1, 2]") == {"_raw": "[1, 2]"}
