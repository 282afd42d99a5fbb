"""PII and secrets: detect, classify, mask, pseudonymise and tokenize.

>>> guard = PiiGuard(PiiPolicy(), hash_key=b"a key of 16+ bytes, from config")
>>> prompt = guard.mask("Refund card 4242 4242 4242 4242 for jane@example.com", "model")
>>> prompt.text
'Refund card ⟦card:tok_...⟧ for ⟦email:tok_...⟧'
>>> sorted(prompt.types)
['card', 'email']
>>> guard.mask("Refund card 4242 4242 4242 4242 for jane@example.com", "log").text
'Refund card [CARD] for j***@example.com'

The model sees tokens; a tool allowed to see cards gets the card back, nothing else:

>>> token = prompt.text.split()[2]
>>> guard.detokenize_json({"card": token, "email": prompt.text.split()[-1]}, {"card"})
{'card': '4242 4242 4242 4242', 'email': '⟦email:tok_...⟧'}

* detection — :class:`PiiScanner` over :class:`Detector` implementations held in a
  :class:`DetectorRegistry` (:func:`default_registry` has email, phone, card, IBAN,
  SSN, IP and secrets; plug-ins add more through the ``keel.pii_detectors`` entry-point
  group); overlapping findings are settled by :func:`resolve_overlaps`;
* classification — :class:`PiiPolicy` maps types to classes and, per destination,
  classes to operators (keep, redact, partial, hash, tokenize);
* masking — :class:`PiiGuard` (``scan``, ``mask``, ``mask_json``, ``detokenize``);
  tokens are kept in a :class:`Vault` through a :class:`Tokenizer`.
"""

from keel.governance.pii._checksums import (
    IBAN_LENGTHS,
    card_brand,
    iban_valid,
    luhn_valid,
    ssn_valid,
)
from keel.governance.pii._finding import (
    BUILTIN_TYPES,
    BuiltinPiiType,
    Detector,
    Finding,
    resolve_overlaps,
)
from keel.governance.pii._guard import (
    JsonFinding,
    JsonMaskResult,
    MaskResult,
    PiiGuard,
)
from keel.governance.pii._operators import keyed_hash, partial, redact
from keel.governance.pii._phone import DEFAULT_PHONE_REGIONS, PhoneDetector
from keel.governance.pii._policy import (
    DEFAULT_CLASSES,
    DEFAULT_OPERATORS,
    DESTINATIONS,
    Destination,
    Operator,
    PiiClass,
    PiiPolicy,
)
from keel.governance.pii._scanner import DetectorRegistry, PiiScanner, default_registry
from keel.governance.pii._secrets import (
    SecretDetector,
    is_secret_key,
    looks_random,
    shannon_entropy,
)
from keel.governance.pii._structured import (
    CardDetector,
    EmailDetector,
    IbanDetector,
    IpDetector,
    SsnDetector,
)
from keel.governance.pii._vault import (
    InMemoryVault,
    MappingVault,
    Tokenizer,
    Vault,
    current_vault_scope,
    token_handles,
    vault_scope,
)

__all__ = [
    "BUILTIN_TYPES",
    "DEFAULT_CLASSES",
    "DEFAULT_OPERATORS",
    "DEFAULT_PHONE_REGIONS",
    "DESTINATIONS",
    "IBAN_LENGTHS",
    "BuiltinPiiType",
    "CardDetector",
    "Destination",
    "Detector",
    "DetectorRegistry",
    "EmailDetector",
    "Finding",
    "IbanDetector",
    "InMemoryVault",
    "IpDetector",
    "JsonFinding",
    "JsonMaskResult",
    "MappingVault",
    "MaskResult",
    "Operator",
    "PhoneDetector",
    "PiiClass",
    "PiiGuard",
    "PiiPolicy",
    "PiiScanner",
    "SecretDetector",
    "SsnDetector",
    "Tokenizer",
    "Vault",
    "card_brand",
    "current_vault_scope",
    "default_registry",
    "iban_valid",
    "is_secret_key",
    "keyed_hash",
    "looks_random",
    "luhn_valid",
    "partial",
    "redact",
    "resolve_overlaps",
    "shannon_entropy",
    "ssn_valid",
    "token_handles",
    "vault_scope",
]
