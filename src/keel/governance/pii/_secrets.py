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
from keel.governance.pii._runs import ascii_of

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

# (kind, a literal every match contains, an uncommon character of it or "", pattern,
# score). The whole match is the secret unless the pattern has a group named "value".
# "earer" and "asic" gate the usual spellings (Bearer, bearer, Basic, basic); an
# all-capitals BEARER is not seen. Where a literal has an uncommon character, that is
# looked for first (one memchr), the literal only where it occurs.
_TEXT_FORMATS: Final = tuple(
    (kind, gate, rare, re.compile(pattern), score)
    for kind, gate, rare, pattern, score in (
        (
            "private_key",
            "PRIVATE KEY",
            "V",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]{16,16384}?"
            r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
            1.0,
        ),
        (
            "jwt",
            "eyJ",
            "J",
            # The literal first, so that the engine looks for it instead of trying the
            # lookbehind everywhere; the lookbehind says what (?<![\w.-])eyJ said.
            r"eyJ(?<![\w.-]eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
            0.97,
        ),
        (
            "slack_webhook",
            "hooks.slack.com",
            "",
            r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}",
            0.98,
        ),
        (
            "bearer_token",
            "earer",
            "",
            r"(?i:\bbearer)[ \t]+(?P<value>[A-Za-z0-9._~+/-]*\d[A-Za-z0-9._~+/-]*=*)",
            0.9,
        ),
        (
            "basic_auth",
            "asic",
            "",
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
_OPERATORS: Final = ((b"=", "="), (b":", ":"))
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
# One of these is in every name ``is_secret_key`` accepts, once lower-cased and stripped
# of all but letters and digits (each of _SECRET_NAMES and _SECRET_NAME_SUFFIXES
# contains one; see may_name_a_secret).
_SECRET_NAME_PARTS: Final = (
    "auth", "bearer", "cookie", "credential", "cvc", "cvv", "pass", "pin", "pwd",
    "securitycode", "secret", "token", "apikey", "privatekey", "accesskey", "sessionid",
)  # fmt: skip
# One search for all of them: sixteen `in` tests on bytes cost ten times more.
_SECRET_NAME_PART: Final = re.compile("|".join(_SECRET_NAME_PARTS).encode())
_NOT_ALNUM_BYTES: Final = bytes(b for b in range(256) if not chr(b).isalnum() or b > 127)
# Texts up to this long (in ASCII bytes) are asked whether they can name a secret before
# their assignments are read.
_NAME_TEST_LENGTH: Final = 256

_HEX_LIKE: Final = re.compile(r"[0-9a-fA-F-]+")
_DIGIT: Final = re.compile(r"\d")
_WORD: Final = re.compile(r"[A-Za-z][a-z]{3,}")
_VOWELS: Final = b"aeiouyAEIOUY"
_C_LOG2_C: Final = tuple(c * math.log2(c) if c else 0.0 for c in range(257))
ENTROPY_RATIO: Final = 0.8
"""Fraction of the maximum possible entropy a token must reach to count as random."""
WORDY_RATIO: Final = 0.4
"""Share of a token covered by words above which it is an identifier, not a key."""


def is_secret_key(name: str) -> bool:
    """Whether a field name names a credential (``password``, ``X-Api-Key``,
    ``refresh_token``, ``AWS_SECRET_ACCESS_KEY``...). ``max_tokens`` and ``token_count``
    do not."""
    normal = name.lower() if name.isalnum() else _NOT_ALNUM.sub("", name.lower())
    return normal in _SECRET_NAMES or normal.endswith(_SECRET_NAME_SUFFIXES)


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``'s own character distribution."""
    n = len(value)
    if n == 0:
        return 0.0
    # -sum(p log2 p) with p = c / n, as log2(n) - sum(c log2 c) / n: one table lookup
    # a character count instead of a division and a logarithm.
    counts = Counter(value).values()
    if n < len(_C_LOG2_C):
        total = sum(map(_C_LOG2_C.__getitem__, counts))
    else:
        total = sum(c * math.log2(c) for c in counts)
    return math.log2(n) - total / n


def looks_random(token: str) -> bool:
    """The high-entropy rule described in the module docstring."""
    if len(token) < 20 or not _mixed(token):
        return False
    wordy = WORDY_RATIO * len(token)
    if _word_coverage(token, wordy) >= wordy:
        return False
    return shannon_entropy(token) >= ENTROPY_RATIO * math.log2(min(len(token), 64))


def _mixed(token: str) -> bool:
    """Whether ``token`` has upper case, lower case and digits, and is not made of hex
    digits and "-" only."""
    if not token.isascii():
        return not (
            _HEX_LIKE.fullmatch(token)
            or token.lower() == token
            or token.upper() == token
            or _DIGIT.search(token) is None
        )
    # The classes of its characters (see _CLASS_OF), from one C pass over its bytes.
    present = set(token.encode().translate(_CLASS_OF))
    return (
        not present <= _HEX_CLASSES
        and not present.isdisjoint(b"AG")
        and not present.isdisjoint(b"ag")
        and ord("0") in present
    )


def _class_of(byte: int) -> int:
    char = chr(byte)
    if "0" <= char <= "9":
        return ord("0")
    if "A" <= char <= "Z":
        return ord("A" if char <= "F" else "G")
    if "a" <= char <= "z":
        return ord("a" if char <= "f" else "g")
    return ord("-" if char == "-" else "+")


# An ASCII byte by what the rule asks of it: "0" a digit, "A" / "a" an upper / lower
# case hex letter, "G" / "g" another letter, "-" itself, "+" anything else.
_CLASS_OF: Final = bytes(_class_of(b) for b in range(256))
_HEX_CLASSES: Final = frozenset(b"0Aa-")


def _word_coverage(token: str, at_least: float = 0.0) -> int:
    """Characters of ``token`` in word-like runs: four or more letters, lower case after
    the first, at least a quarter of them vowels ("Checkout", "reset"; not "xkqzT").

    When all word-shaped runs together cover less than ``at_least``, their vowels are
    not counted and that total (an upper bound) is returned."""
    words = _WORD.findall(token)
    covered = sum(map(len, words))
    if covered < at_least:
        return covered
    # Vowels counted as what translate deletes (words are ASCII letters).
    return sum(
        len(w) for w in words if 4 * (len(w) - len(w.encode().translate(None, _VOWELS))) >= len(w)
    )


class SecretDetector:
    """Credentials in known formats, plus (when ``entropy`` is on) random-looking tokens."""

    def __init__(self, *, entropy: bool = True) -> None:
        self.entropy = entropy

    def detect(self, text: str) -> list[Finding]:
        ascii_text = ascii_of(text)
        found: list[Finding] = []
        for kind, gate, rare, pattern, score in _TEXT_FORMATS:
            if (not rare or rare in text) and gate in text:
                found.extend(_text_format(text, ascii_text, kind, pattern, score))
        # The name test reads the whole text: worth it for short texts with operators (a
        # JSON tool result), not for a long message, whose names are read where they are.
        if len(ascii_text) > _NAME_TEST_LENGTH or (
            ("=" in text or ":" in text) and may_name_a_secret(ascii_text)
        ):
            for literal, op in _OPERATORS:
                if op in text:
                    found += _assignments(text, ascii_text, ascii_text.find(literal), op, literal)
        found += _tokens(text, ascii_text, self.entropy, found)
        return found


def _text_format(
    text: str, ascii_text: bytes, kind: str, pattern: re.Pattern[str], score: float
) -> Iterator[Finding]:
    has_value = "value" in pattern.groupindex
    for m in (
        _bearers(text, ascii_text, pattern) if kind == "bearer_token" else pattern.finditer(text)
    ):
        if not has_value:
            yield Finding(m.start(), m.end(), "secret", m.group(), score, kind)
            continue
        value = m.group("value")
        if kind == "basic_auth" and not _is_basic_credential(value):
            continue
        yield Finding(m.start("value"), m.end("value"), "secret", value, score, kind)


def _bearers(text: str, ascii_text: bytes, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for the bearer pattern, which starts with
    ``(?i:\\bbearer)``: no character but the ASCII letters folds to b, e, a or r, so a
    match can only start where the lower-cased ASCII copy reads "bearer". The engine
    is asked there, instead of at every position of the text (no literal prefix to
    search for when case is ignored)."""
    lowered = ascii_text.lower()
    at = lowered.find(b"bearer")
    while at != -1:
        m = pattern.match(text, at)
        if m is None:
            at = lowered.find(b"bearer", at + 1)
        else:
            yield m
            at = lowered.find(b"bearer", m.end())


def may_hold_a_token(text: str, ascii_text: bytes) -> bool:
    """Whether ``detect`` can find anything in ``text`` other than an assignment: a run of
    twenty token characters, or the literal one of the other formats needs."""
    for _, gate, rare, _, _ in _TEXT_FORMATS:
        if (not rare or rare in text) and gate in text:
            return True
    return len(ascii_text) >= 20 and ascii_text.translate(_TOKEN_TABLE).find(_TWENTY) != -1


def may_name_a_secret(ascii_text: bytes) -> bool:
    """Whether some name in the text can be one ``is_secret_key`` accepts. An assignment's
    name is a stretch of ASCII letters, digits and ``_.-``, so its lower-cased letters and
    digits are a stretch of the whole text's (the ASCII copy, lower-cased, with all but
    letters and digits removed): a text holding none of the parts has no such name."""
    letters = ascii_text.lower().translate(None, _NOT_ALNUM_BYTES)
    return _SECRET_NAME_PART.search(letters) is not None


def _assignments(text: str, ascii_text: bytes, at: int, op: str, literal: bytes) -> list[Finding]:
    """Values assigned with ``op`` to secret-sounding names, from the operator at ``at``
    on (``literal`` is ``op`` in ASCII: operators are found by memchr in the copy)."""
    found: list[Finding] = []
    while at != -1:
        # A name right before the operator that ends in a digit ("14:30", "sha256:",
        # "2001:db8::1") is a secret's only if it is "cvv2": no need to read it.
        before = text[at - 1] if at else "2"
        name = (
            _NAME_REVERSED.match(text[at - 1 : max(0, at - 71) or None : -1])
            if at and (before == "2" or not before.isdigit())
            else None
        )
        if (
            name is not None
            and is_secret_key(name.group(1)[::-1])
            and text[at - name.end() - 1 : at - name.end()] not in _PLACEHOLDER_OPENERS
        ):
            value = _VALUE.match(text, at + 1)
            if value is not None and _plausible_value(op, value):
                s, e = value.span("value")
                found.append(Finding(s, e, "secret", value.group("value"), 0.9, "assignment"))
                at = ascii_text.find(literal, e)
                continue
        at = ascii_text.find(literal, at + 1)
    return found


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


def _tokens(text: str, ascii_text: bytes, entropy: bool, found: list[Finding]) -> list[Finding]:
    """Runs of 20+ token characters, with up to two trailing ``=``, that have a known
    format or (``entropy``) look random; none inside a finding in ``found``."""
    if len(ascii_text) < 20:
        return []
    mapped = ascii_text.translate(_TOKEN_TABLE)
    at = mapped.find(_TWENTY)
    if at == -1:
        return []
    tokens: list[Finding] = []
    n = len(mapped)
    while at != -1:
        start = mapped.rfind(b" ", 0, at) + 1
        end = mapped.find(b" ", at)
        end = n if end == -1 else end
        if text[end : end + 2] == "==":
            end += 2
        elif text[end : end + 1] == "=":
            end += 1
        at = mapped.find(_TWENTY, end)
        if found and any(start < f.end and f.start < end for f in found):
            continue  # a PEM body line or a JWT part: part of a finding made already
        token = text[start:end]
        kind, score = "high_entropy", 0.7
        if token.startswith(_TOKEN_PREFIXES):
            for fmt_kind, prefixes, pattern, fmt_score in _TOKEN_FORMATS:
                if token.startswith(prefixes) and pattern.fullmatch(token):
                    kind, score = fmt_kind, fmt_score
                    break
        if kind != "high_entropy" or (entropy and looks_random(token)):
            tokens.append(Finding(start, end, "secret", token, score, kind))
    return tokens


def _is_basic_credential(value: str) -> bool:
    """``Basic`` is a common English word; its credential decodes to ``user:password``."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded and decoded.isascii()
