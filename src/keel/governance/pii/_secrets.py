"""Credentials: known API-key and token formats, auth headers, secret assignments, and
high-entropy strings that look machine-generated.

One regex pass collects *tokens*: runs of 20+ characters of the base64 / base64url
alphabet (``A-Z a-z 0-9 + / _ -``, then up to two ``=``). Most keys are such a token,
so each token is tried against the known formats (OpenAI, Anthropic, AWS, GitHub,
Slack, Stripe, Google) and otherwise against the entropy rule:

* it mixes upper case, lower case and digits — random keys do, prose mostly does not;
* it is not made mostly of words: runs of four or more letters that read like words
  (lower case after the first letter, a quarter of them vowels) cover less than 40 %
  of it — ``enableNewCheckoutFlowV2`` and URL slugs are identifiers;
* its Shannon entropy reaches 80 % of the most a string of its length can have over
  that alphabet (``log2(min(len, 64))``): about 3.5 bits per character at 20, 4.8 at 64;
* hex-only tokens (UUIDs, git SHAs, SHA-256 digests, request ids) are never flagged by
  entropy alone: in support conversations they are identifiers far more often than
  credentials. A hex secret is still caught when it is assigned to a secret-sounding
  name (``api_key=...``) or sits under such a JSON key (see ``mask_json``).

Formats that are not one token are searched for directly, each only when a literal it
must contain is present: PEM private-key blocks, JWTs (three dot-separated parts),
Slack webhooks, ``Bearer`` / ``Basic`` credentials, and assignments to secret-sounding
names (``password=...``, ``"client_secret": "..."``, ``X-Api-Key: ...``).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Final

from keel.governance.pii._finding import Finding

# (kind, literal prefixes, pattern the whole token must match, score)
_TOKEN_FORMATS: Final = tuple(
    (kind, prefixes, re.compile(pattern), score)
    for kind, prefixes, pattern, score in (
        ("anthropic_key", ("sk-ant-",), r"sk-ant-[A-Za-z0-9]{2,8}-[A-Za-z0-9_-]{32,}", 0.99),
        ("openai_key", ("sk-",), r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}", 0.99),
        ("openai_key", ("sk-",), r"sk-[A-Za-z0-9]{20,}", 0.9),
        ("aws_access_key", ("AKIA", "ASIA", "ABIA", "ACCA"), r"A[A-Z]{3}[0-9A-Z]{16}", 0.98),
        ("github_token", ("gh",), r"gh[pousr]_[A-Za-z0-9]{36,251}", 0.99),
        ("github_token", ("github_pat_",), r"github_pat_[A-Za-z0-9_]{22,255}", 0.99),
        ("slack_token", ("xox",), r"xox[abposre]-[A-Za-z0-9-]{10,250}", 0.98),
        ("stripe_key", ("sk_", "rk_"), r"[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}", 0.99),
        ("google_api_key", ("AIza",), r"AIza[0-9A-Za-z_-]{35}", 0.98),
    )
)
_TOKEN_PREFIXES: Final = tuple({p for _, prefixes, _, _ in _TOKEN_FORMATS for p in prefixes})

# (kind, a literal every match contains, pattern, score). The whole match is the
# secret unless the pattern has a group named "value". "earer" and "asic" gate the
# usual spellings (Bearer, bearer, Basic, basic); an all-capitals BEARER is not seen.
_TEXT_FORMATS: Final = tuple(
    (kind, gate, re.compile(pattern), score)
    for kind, gate, pattern, score in (
        (
            "private_key",
            "PRIVATE KEY",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]{16,16384}?"
            r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
            1.0,
        ),
        (
            "jwt",
            "eyJ",
            r"(?<![\w.-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
            0.97,
        ),
        (
            "slack_webhook",
            "hooks.slack.com",
            r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}",
            0.98,
        ),
        (
            "bearer_token",
            "earer",
            r"(?i:\bbearer)[ \t]+(?P<value>[A-Za-z0-9._~+/-]*\d[A-Za-z0-9._~+/-]*=*)",
            0.9,
        ),
        (
            "basic_auth",
            "asic",
            r"(?i:\bbasic)[ \t]+(?P<value>[A-Za-z0-9+/]{6,}={0,2})(?![\w+/=])",
            0.9,
        ),
    )
)

# Assignments are found from their operator: the name before it is read backwards
# (matched against the reversed text), the value after it forwards, up to a space,
# quote, comma, semicolon or angle bracket. A password may contain "&", ")" or "]", so
# those do not end it: "token=abc&user=7" masks "abc&user=7", more than needed
# rather than less.
_NAME_REVERSED: Final = re.compile(r"[ \t]*[\"']?([A-Za-z0-9_.-]{1,64})")
# "<secret:3f2a9c1b>" and "⟦secret:tok_…⟧" are Keel's own masks, not assignments, and
# neither is what Keel put after one ("password=[SECRET]").
_PLACEHOLDER_OPENERS: Final = frozenset({"<", "\u27e6"})
_KEEL_MASK: Final = re.compile(
    r"\[[A-Z][A-Z0-9_]*\]|<[a-z][a-z0-9_]*:[0-9a-f]{8}>|\u27e6[a-z][a-z0-9_]*:tok_[0-9a-f]{16}\u27e7"
)
_VALUE: Final = re.compile(r"""[ \t]*(?P<quote>["']?)(?P<value>[^\s"',;<>]{3,256})""")

# Names whose values are credentials whatever they look like, compared lower-cased with
# everything but letters and digits removed ("X-Api-Key" -> "xapikey").
_SECRET_NAMES: Final = frozenset(
    {
        "auth", "authorization", "bearer", "cookie", "setcookie", "credential",
        "credentials", "cvc", "cvv", "cvv2", "pass", "passcode", "pin", "pwd",
        "securitycode",
    }
)  # fmt: skip
_SECRET_NAME_SUFFIXES: Final = (
    "password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey",
    "accesskey", "secretkey", "sessionid", "credentials",
)  # fmt: skip
_NOT_ALNUM: Final = re.compile(r"[^a-z0-9]")

_HEX_LIKE: Final = re.compile(r"[0-9a-fA-F-]+")
_DIGIT: Final = re.compile(r"\d")
_WORD: Final = re.compile(r"[A-Za-z][a-z]{3,}")
_VOWELS: Final = frozenset("aeiouyAEIOUY")
ENTROPY_RATIO: Final = 0.8
"""Fraction of the maximum possible entropy a token must reach to count as random."""
WORDY_RATIO: Final = 0.4
"""Share of a token covered by words above which it is an identifier, not a key."""


def is_secret_key(name: str) -> bool:
    """Whether a field name names a credential (``password``, ``X-Api-Key``,
    ``refresh_token``, ``AWS_SECRET_ACCESS_KEY``...). ``max_tokens`` and ``token_count``
    do not."""
    normal = _NOT_ALNUM.sub("", name.lower())
    return normal in _SECRET_NAMES or normal.endswith(_SECRET_NAME_SUFFIXES)


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``'s own character distribution."""
    n = len(value)
    if n == 0:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def looks_random(token: str) -> bool:
    """The high-entropy rule described in the module docstring."""
    if len(token) < 20 or _HEX_LIKE.fullmatch(token):
        return False
    if token.lower() == token or token.upper() == token or _DIGIT.search(token) is None:
        return False
    if _word_coverage(token) >= WORDY_RATIO * len(token):
        return False
    return shannon_entropy(token) >= ENTROPY_RATIO * math.log2(min(len(token), 64))


def _word_coverage(token: str) -> int:
    """Characters of ``token`` in word-like runs: four or more letters, lower case after
    the first, at least a quarter of them vowels ("Checkout", "reset"; not "xkqzT")."""
    return sum(len(w) for w in _WORD.findall(token) if 4 * sum(c in _VOWELS for c in w) >= len(w))


class SecretDetector:
    """Credentials in known formats, plus (when ``entropy`` is on) random-looking tokens."""

    def __init__(self, *, entropy: bool = True) -> None:
        self.entropy = entropy

    def detect(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        for kind, gate, pattern, score in _TEXT_FORMATS:
            if gate in text:
                found.extend(_text_format(text, kind, pattern, score))
        for op in "=:":
            if op in text:
                found.extend(_assignments(text, op))
        tokens = list(_tokens(text, self.entropy))
        if tokens and found:
            # A PEM body line or a JWT part is part of the finding already made.
            tokens = [t for t in tokens if not any(_overlap(t, f) for f in found)]
        return found + tokens


def _text_format(text: str, kind: str, pattern: re.Pattern[str], score: float) -> Iterator[Finding]:
    has_value = "value" in pattern.groupindex
    for m in pattern.finditer(text):
        if not has_value:
            yield Finding(m.start(), m.end(), "secret", m.group(), score, kind)
            continue
        value = m.group("value")
        if kind == "basic_auth" and not _is_basic_credential(value):
            continue
        yield Finding(m.start("value"), m.end("value"), "secret", value, score, kind)


def _assignments(text: str, op: str) -> Iterator[Finding]:
    at = text.find(op)
    while at != -1:
        name = _NAME_REVERSED.match(text[at - 1 : max(0, at - 71) or None : -1]) if at else None
        if (
            name is not None
            and is_secret_key(name.group(1)[::-1])
            and text[at - name.end() - 1 : at - name.end()] not in _PLACEHOLDER_OPENERS
        ):
            value = _VALUE.match(text, at + 1)
            if value is not None and _plausible_value(op, value):
                s, e = value.span("value")
                yield Finding(s, e, "secret", value.group("value"), 0.9, "assignment")
                at = text.find(op, e)
                continue
        at = text.find(op, at + 1)


def _plausible_value(op: str, m: re.Match[str]) -> bool:
    """``password=x`` is always an assignment. After ``:`` the value must not be a plain
    word ("Password: reset it please"): it needs a digit or a symbol. Masks such as
    ``****``, and Keel's own (``[SECRET]``, ``<secret:…>``, tokens), are not secrets."""
    value = m.group("value")
    if not value.strip("*xX•.-_") or _KEEL_MASK.match(m.string, m.start("value")):
        return False
    return op == "=" or bool(m.group("quote")) or not value.isalpha()


# Tokens are found by mapping token characters to "a" and the rest (non-ASCII ones
# first become "?", keeping positions) to " " with bytes.translate, at memory speed,
# and searching for twenty "a"s.
_TOKEN_CHARS: Final = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-"
)
_TOKEN_TABLE: Final = bytes(ord("a") if i in _TOKEN_CHARS else ord(" ") for i in range(256))
_TWENTY: Final = b"a" * 20


def _token_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the runs of 20+ token characters, with up to two trailing ``=``."""
    mapped = text.encode("ascii", "replace").translate(_TOKEN_TABLE)
    n = len(mapped)
    at = mapped.find(_TWENTY)
    while at != -1:
        start = mapped.rfind(b" ", 0, at) + 1
        end = mapped.find(b" ", at)
        end = n if end == -1 else end
        if text[end : end + 2] == "==":
            end += 2
        elif text[end : end + 1] == "=":
            end += 1
        yield start, end
        at = mapped.find(_TWENTY, end)


def _tokens(text: str, entropy: bool) -> Iterator[Finding]:
    for start, end in _token_spans(text):
        token = text[start:end]
        kind, score = "high_entropy", 0.7
        if token.startswith(_TOKEN_PREFIXES):
            for fmt_kind, prefixes, pattern, fmt_score in _TOKEN_FORMATS:
                if token.startswith(prefixes) and pattern.fullmatch(token):
                    kind, score = fmt_kind, fmt_score
                    break
        if kind != "high_entropy" or (entropy and looks_random(token)):
            yield Finding(start, end, "secret", token, score, kind)


def _overlap(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end


def _is_basic_credential(value: str) -> bool:
    """``Basic`` is a common English word; its credential decodes to ``user:password``."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded and decoded.isascii()
