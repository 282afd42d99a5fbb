"""Classification: which class each PII type belongs to, and which operator applies to
each class at each destination.

Destinations are the places text goes: ``model`` (the prompt), ``log``, ``span``
(telemetry attributes), ``journal`` (the durable record the engine replays),
``audit`` and ``output`` (the answer that leaves Keel). Operators are:

========== ===========================================================================
keep       the value unchanged
redact     ``[EMAIL]``, ``[CARD]``...
partial    enough to recognise, not to use: ``j***@example.com``, ``****-****-****-4242``
hash       a keyed pseudonym, stable for one key: ``<email:3f2a9c1b>``
tokenize   a reversible token kept in a vault: ``⟦card:tok_5e0c1d2a9b7f3e64⟧``
========== ===========================================================================

The defaults let the model and the journal work with tokens (so a tool allowed to see
a card can get it back), keep logs and spans readable without values, make the audit
log correlatable without values, and show the end user only the tail of restricted
values. Secrets are redacted at every destination: an override for the ``secret``
type may choose ``hash`` or ``tokenize`` instead, but ``keep`` and ``partial`` are
turned into ``redact`` whatever the policy says, because a secret must not appear in
any of these places.

A spec only states what differs: every mapping given is merged over the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

PiiClass = Literal["restricted", "confidential", "internal", "public"]
Destination = Literal["model", "log", "span", "journal", "audit", "output"]
Operator = Literal["keep", "redact", "partial", "hash", "tokenize"]

PII_CLASSES: Final[tuple[PiiClass, ...]] = get_args(PiiClass)
DESTINATIONS: Final[tuple[Destination, ...]] = get_args(Destination)
OPERATORS: Final[tuple[Operator, ...]] = get_args(Operator)

DEFAULT_CLASSES: Final[Mapping[str, PiiClass]] = {
    "card": "restricted",
    "ssn": "restricted",
    "secret": "restricted",
    "iban": "restricted",
    "email": "confidential",
    "phone": "confidential",
    "ip": "internal",
}

_TOKENS: Final[dict[PiiClass, Operator]] = {
    "restricted": "tokenize",
    "confidential": "tokenize",
    "internal": "keep",
    "public": "keep",
}
DEFAULT_OPERATORS: Final[Mapping[Destination, Mapping[PiiClass, Operator]]] = {
    "model": _TOKENS,
    "journal": _TOKENS,
    "log": {
        "restricted": "redact",
        "confidential": "partial",
        "internal": "partial",
        "public": "keep",
    },
    "span": {
        "restricted": "redact",
        "confidential": "hash",
        "internal": "hash",
        "public": "keep",
    },
    "audit": {
        "restricted": "hash",
        "confidential": "hash",
        "internal": "keep",
        "public": "keep",
    },
    "output": {
        "restricted": "partial",
        "confidential": "keep",
        "internal": "keep",
        "public": "keep",
    },
}
DEFAULT_OVERRIDES: Final[Mapping[str, Mapping[Destination, Operator]]] = {
    "secret": dict.fromkeys(DESTINATIONS, "redact"),
}
_NEVER_FOR_SECRETS: Final = frozenset({"keep", "partial"})


class PiiPolicy(BaseModel):
    """Which operator applies to a PII type at a destination.

    ``classes`` maps types to classes; a type not listed (one a plug-in detector
    reports) is ``default_class``. ``operators`` maps each destination's classes to
    operators. ``overrides`` sets the operator for one type at some destinations,
    regardless of its class. All three are merged over the defaults.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    classes: dict[str, PiiClass] = Field(default_factory=lambda: dict(DEFAULT_CLASSES))
    default_class: PiiClass = Field(
        default="confidential",
        description="class of a type not listed in 'classes' (e.g. from a plug-in detector)",
    )
    operators: dict[Destination, dict[PiiClass, Operator]] = Field(
        default_factory=lambda: {d: dict(ops) for d, ops in DEFAULT_OPERATORS.items()}
    )
    overrides: dict[str, dict[Destination, Operator]] = Field(
        default_factory=lambda: {t: dict(ops) for t, ops in DEFAULT_OVERRIDES.items()}
    )

    @model_validator(mode="before")
    @classmethod
    def _merge_over_defaults(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        merged = dict(data)
        if isinstance(data.get("classes"), Mapping):
            merged["classes"] = {**DEFAULT_CLASSES, **data["classes"]}
        if isinstance(data.get("operators"), Mapping):
            merged["operators"] = _merge_nested(DEFAULT_OPERATORS, data["operators"])
        if isinstance(data.get("overrides"), Mapping):
            merged["overrides"] = _merge_nested(DEFAULT_OVERRIDES, data["overrides"])
        return merged

    def class_of(self, pii_type: str) -> PiiClass:
        return self.classes.get(pii_type, self.default_class)

    def operator_for(self, pii_type: str, destination: Destination) -> Operator:
        """The operator for ``pii_type`` at ``destination`` (see the module docstring)."""
        override = self.overrides.get(pii_type)
        if override is not None and destination in override:
            operator = override[destination]
        else:
            operator = self.operators[destination][self.class_of(pii_type)]
        if pii_type == "secret" and operator in _NEVER_FOR_SECRETS:
            return "redact"
        return operator

    def uses(self, operator: Operator) -> bool:
        """Whether the policy names ``operator`` anywhere (so needs what it needs: a key
        for ``hash``, a vault for ``tokenize``)."""
        tables: list[dict[Any, Operator]] = [*self.operators.values(), *self.overrides.values()]
        return any(operator in table.values() for table in tables)


def _merge_nested(defaults: Mapping[Any, Mapping[Any, Any]], given: Mapping[Any, Any]) -> Any:
    merged: dict[str, Any] = {k: dict(v) for k, v in defaults.items()}
    for key, value in given.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged
