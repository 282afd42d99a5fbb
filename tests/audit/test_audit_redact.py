"""``redact`` held to a plain statement of its rules (property test) and a few fixed cases."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from keel.audit.redact import REDACTED, is_secret_key, redact, redact_text

SECRET = "sk-proj-" + "A1b2" * 6


def reference(value: Any, depth: int = 0) -> Any:
    """The rules, written plainly: what ``redact`` must return."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if depth >= 32:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            redact_text(str(k)): REDACTED if is_secret_key(str(k)) else reference(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [reference(v, depth + 1) for v in value]
    return redact_text(str(value))


texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["password", "api_key", "X-Auth-Token", "ticket_id", "Bearer abcdefgh123"]),
    st.builds(lambda a, b: a + SECRET + b, st.text(max_size=5), st.text(max_size=5)),
)
keys = st.one_of(texts, st.integers(), st.booleans(), st.none())
leaves = st.one_of(texts, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(keys, inner, max_size=4),
        st.dictionaries(keys, inner, max_size=3).map(MappingProxyType),
        st.tuples(inner, inner),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_redact_follows_its_rules(value: Any) -> None:
    assert redact(value) == reference(value)


def test_short_and_long_values_under_a_plain_key() -> None:
    args = {"ticket_id": "T-1", "note": f"use {SECRET} here", 7: "x", "token": "short"}
    assert redact(args) == {
        "ticket_id": "T-1",
        "note": f"use {REDACTED} here",
        "7": "x",
        "token": REDACTED,
    }
    assert SECRET in args["note"]  # the input is not changed


def test_a_secret_shaped_key_is_masked_and_deep_values_are_replaced() -> None:
    assert redact({SECRET: "prod"}) == {REDACTED: "prod"}
    deep: Any = "x"
    for _ in range(40):
        deep = {"k": deep}
    out = redact(deep)
    for _ in range(32):
        out = out["k"]
    assert out == REDACTED
