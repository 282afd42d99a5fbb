"""Classification: classes per type, operators per destination and class, merging over
the defaults, and the rule that secrets never appear."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from keel.governance.pii import DEFAULT_CLASSES, DESTINATIONS, PiiPolicy


def test_default_classes() -> None:
    policy = PiiPolicy()
    assert {t: policy.class_of(t) for t in DEFAULT_CLASSES} == {
        "card": "restricted",
        "ssn": "restricted",
        "secret": "restricted",
        "iban": "restricted",
        "email": "confidential",
        "phone": "confidential",
        "ip": "internal",
    }
    assert policy.class_of("person") == "confidential"  # a plug-in's type


def test_default_operators() -> None:
    policy = PiiPolicy()
    table = {
        d: {t: policy.operator_for(t, d) for t in ("card", "email", "ip")} for d in DESTINATIONS
    }
    assert table == {
        "model": {"card": "tokenize", "email": "tokenize", "ip": "keep"},
        "journal": {"card": "tokenize", "email": "tokenize", "ip": "keep"},
        "log": {"card": "redact", "email": "partial", "ip": "partial"},
        "span": {"card": "redact", "email": "hash", "ip": "hash"},
        "audit": {"card": "hash", "email": "hash", "ip": "keep"},
        "output": {"card": "partial", "email": "keep", "ip": "keep"},
    }


def test_secrets_are_redacted_everywhere_by_default() -> None:
    policy = PiiPolicy()
    assert {policy.operator_for("secret", d) for d in DESTINATIONS} == {"redact"}


def test_given_mappings_merge_over_the_defaults() -> None:
    policy = PiiPolicy.model_validate(
        {
            "classes": {"ip": "confidential", "person": "restricted"},
            "operators": {"model": {"confidential": "keep"}},
        }
    )
    assert policy.class_of("card") == "restricted"  # default kept
    assert policy.class_of("ip") == "confidential"
    assert policy.class_of("person") == "restricted"
    assert policy.operator_for("email", "model") == "keep"
    assert policy.operator_for("card", "model") == "tokenize"  # default kept
    assert policy.operator_for("email", "log") == "partial"  # other destinations untouched


def test_overrides_set_one_type_regardless_of_class() -> None:
    policy = PiiPolicy.model_validate({"overrides": {"phone": {"model": "redact"}}})
    assert policy.operator_for("phone", "model") == "redact"
    assert policy.operator_for("email", "model") == "tokenize"
    assert policy.operator_for("secret", "model") == "redact"  # default override kept


def test_secrets_may_be_hashed_or_tokenized_but_never_kept_or_partial() -> None:
    policy = PiiPolicy.model_validate(
        {
            "classes": {"secret": "public"},
            "overrides": {
                "secret": {"model": "tokenize", "audit": "hash", "log": "keep", "output": "partial"}
            },
        }
    )
    assert policy.operator_for("secret", "model") == "tokenize"
    assert policy.operator_for("secret", "audit") == "hash"
    assert policy.operator_for("secret", "log") == "redact"
    assert policy.operator_for("secret", "output") == "redact"


def test_uses_reports_the_operators_named() -> None:
    assert PiiPolicy().uses("hash")
    no_hash = PiiPolicy.model_validate(
        {
            "operators": {
                d: {"restricted": "redact", "confidential": "redact", "internal": "redact"}
                for d in DESTINATIONS
            }
        }
    )
    assert not no_hash.uses("hash")
    assert not no_hash.uses("tokenize")


@pytest.mark.parametrize(
    "data",
    [
        {"classes": {"card": "secretish"}},
        {"operators": {"printer": {"restricted": "redact"}}},
        {"operators": {"model": {"restricted": "shred"}}},
        {"unknown_field": 1},
    ],
)
def test_invalid_policies_are_rejected(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PiiPolicy.model_validate(data)


def test_policy_is_frozen() -> None:
    with pytest.raises(ValidationError):
        PiiPolicy().default_class = "public"  # type: ignore[misc]
