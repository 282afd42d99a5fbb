"""Masking secrets out of values before they are written to the audit log.

ARCHITECTURE.md: secrets never appear in the audit log. Two rules, applied to
nested JSON values (tool arguments):

* a value under a key that names a secret — password, passphrase, secret, token,
  API key, access or private key, authorization, credential, cookie — is replaced
  whole, whatever it is;
* inside any string, text shaped like a credential (``sk-…`` provider keys, GitHub,
  AWS, Slack and Google keys, bearer tokens, JWTs, PEM private keys) is replaced.

PII masking by the spec's classification rules belongs to ``keel.governance``; it
runs before this, on the same values.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final

REDACTED: Final = "[REDACTED]"
_MAX_DEPTH = 32

_SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "authorization",
    "credential",
    "cookie",
)

_SECRET_VALUE = re.compile(
    "|".join(
        (
            r"\bsk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_\-]{16,}",
            r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}",
            r"\bgithub_pat_[A-Za-z0-9_]{20,}",
            r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
            r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",
            r"\bAIza[0-9A-Za-z_\-]{35}",
            r"\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*",
            r"(?i:\bbearer\s+)[A-Za-z0-9._~+/\-]{8,}=*",
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
        )
    )
)


_NOT_ALNUM = re.compile(r"[^a-z0-9]")
# No credential pattern above matches fewer characters than this.
_SHORTEST_SECRET = 15


@functools.lru_cache(maxsize=4096)
def is_secret_key(name: str) -> bool:
    """True if a field called ``name`` holds a secret (``api_key``, ``X-Auth-Token``…)."""
    normalized = _NOT_ALNUM.sub("", name.lower())
    return any(part in normalized for part in _SECRET_KEY_PARTS)


def redact_text(text: str) -> str:
    """``text`` with every credential-shaped substring replaced by ``[REDACTED]``."""
    if len(text) < _SHORTEST_SECRET:
        return text
    return _SECRET_VALUE.sub(REDACTED, text)


def redact(value: Any, *, _depth: int = 0) -> Any:
    """A copy of a JSON-like value with secrets masked; the input is not changed.

    Values nested deeper than 32 levels are replaced whole: nothing unexamined
    is written.
    """
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if _depth >= _MAX_DEPTH:
        return REDACTED
    if isinstance(value, Mapping):
        # Keys are written too: a credential used as a key ({"sk-…": "prod"}) is masked.
        return {
            redact_text(str(k)): REDACTED if is_secret_key(str(k)) else redact(v, _depth=_depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v, _depth=_depth + 1) for v in value]
    # Anything else (bytes, objects) is written as a masked string, never raw.
    return redact_text(str(value))
