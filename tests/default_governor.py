"""Keel's default governance for tests that build agents in code: the shipped policy
pack, content rules and injection policy, the built-in PII detectors, one scripted
model candidate and a canary. Imported as ``default_governor`` (``tests/`` is on the
path through ``tests/conftest.py``)."""

from __future__ import annotations

from keel.governance.content import ContentRules
from keel.governance.governor import Governor
from keel.governance.injection import Canary, InjectionPolicy
from keel.governance.pii import PiiGuard, PiiPolicy, Tokenizer
from keel.governance.policy import EmbeddedPolicyEngine, ModelCandidate

KEY = b"test-hash-key-of-32-bytes-length"


def default_governor(
    policy: PiiPolicy | None = None,
    *,
    canary: str = "test",
    hash_key: bytes = KEY,
    tokenizer: Tokenizer | None = None,
    model_tags: tuple[str, ...] = (),
) -> Governor:
    """Keel's default governance, with ``policy`` classifying and masking PII, PII
    pseudonyms keyed by ``hash_key``, tokens kept by ``tokenizer`` (default: a fresh
    in-memory vault) and the scripted model tagged ``model_tags`` (the route policy
    wants ``pii:restricted`` for a request carrying restricted PII)."""
    return Governor(
        policy=EmbeddedPolicyEngine(),
        pii=PiiGuard(policy, hash_key=hash_key, tokenizer=tokenizer),
        injection=InjectionPolicy(),
        content=ContentRules.default(),
        models=[ModelCandidate("scripted:default", model_tags)],
        canary=Canary.new(canary),
    )
