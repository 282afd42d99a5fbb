"""Property-style checks over seeded random values of every type: wherever the policy
masks a type, the masked text never contains the value, and masking is stable.

(``hypothesis`` is not a dependency; a seeded ``random.Random`` drives the loop, so a
failure names its seed and repeats exactly.)
"""

from __future__ import annotations

import ipaddress
import random
import string
from collections.abc import Callable

import phonenumbers
import pytest

from keel.governance.pii import DESTINATIONS, Operator, PiiGuard, PiiPolicy, luhn_valid
from keel.governance.pii._checksums import iban_check_digits

KEY = b"property-test-hash-key-32-bytes!"
ROUNDS = 150
PROSE = [
    "Hi team,",
    "please check",
    "the number",
    "thanks!",
    "(see above)",
    "— urgent —",
    "I’ve tried twice:",
    "ref. #4471 is closed;",
]


def _digits(r: random.Random, n: int) -> str:
    return "".join(r.choice(string.digits) for _ in range(n))


def email(r: random.Random) -> str:
    local = "".join(r.choice(string.ascii_lowercase) for _ in range(r.randint(1, 12)))
    local += r.choice(["", ".x", "+tag", "_9"])
    return f"{local}@{r.choice(['example.com', 'mail.co.uk', 'sub.acme-corp.io'])}"


def phone(r: random.Random) -> str:
    """A valid number written the way its own region writes it."""
    while True:
        region, text = r.choice(
            [
                ("US", f"({r.randint(201, 989)}) {r.randint(200, 999)}-{_digits(r, 4)}"),
                ("US", f"+1 {r.randint(201, 989)} {r.randint(200, 999)} {_digits(r, 4)}"),
                ("GB", f"020 7{_digits(r, 3)} {_digits(r, 4)}"),
                ("GB", f"+44 7{r.choice('45789')}{_digits(r, 2)} {_digits(r, 6)}"),
                ("DE", f"030 {_digits(r, 8)}"),
                ("DE", f"+49 151 {_digits(r, 8)}"),
                ("FR", f"0{r.randint(1, 7)} {' '.join(_digits(r, 2) for _ in range(4))}"),
                ("FR", f"+33 6 {' '.join(_digits(r, 2) for _ in range(4))}"),
            ]
        )
        if phonenumbers.is_valid_number(phonenumbers.parse(text, region)):
            return text


def card(r: random.Random) -> str:
    prefix, length = r.choice([("4", 16), ("51", 16), ("37", 15), ("6011", 16), ("3530", 16)])
    body = prefix + _digits(r, length - len(prefix) - 1)
    digits = body + next(d for d in string.digits if luhn_valid(body + d))
    sep = r.choice(["", " ", "-"])
    return sep.join(digits[i : i + 4] for i in range(0, length, 4))


def iban(r: random.Random) -> str:
    country, bban = r.choice(
        [("DE", _digits(r, 18)), ("FR", _digits(r, 23)), ("ES", _digits(r, 20))]
    )
    compact = country + iban_check_digits(country, bban) + bban
    return r.choice([compact, " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))])


def ssn(r: random.Random) -> str:
    area = r.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"


def ip(r: random.Random) -> str:
    if r.random() < 0.5:
        return ".".join(str(r.randint(1, 254)) for _ in range(4))
    return str(ipaddress.IPv6Address(r.getrandbits(128)))


def secret(r: random.Random) -> str:
    alnum = string.ascii_letters + string.digits
    key = "".join(r.choice(alnum) for _ in range(40))
    return r.choice(
        [f"sk-{key[:48]}", f"AKIA{key[:16].upper()}", f"ghp_{key[:36]}", f"sk_live_{key}"]
    )


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "email": email,
    "phone": phone,
    "card": card,
    "iban": iban,
    "ssn": ssn,
    "ip": ip,
    "secret": secret,
}


def embed(r: random.Random, value: str) -> str:
    return f"{r.choice(PROSE)} {value}{r.choice(['', '.', ',', ' ok', ')'])} {r.choice(PROSE)}"


def policy_everywhere(operator: Operator) -> PiiPolicy:
    classes = ("restricted", "confidential", "internal", "public")
    return PiiPolicy.model_validate(
        {
            "classes": dict.fromkeys(GENERATORS, "restricted"),
            "operators": {d: dict.fromkeys(classes, operator) for d in DESTINATIONS},
            "overrides": {"secret": dict.fromkeys(DESTINATIONS, operator)},
        }
    )


@pytest.mark.parametrize("pii_type", list(GENERATORS))
def test_every_value_is_found(pii_type: str) -> None:
    r = random.Random(f"found-{pii_type}")
    g = PiiGuard(hash_key=KEY)
    for i in range(ROUNDS):
        value = GENERATORS[pii_type](r)
        text = embed(r, value)
        found = [(f.type, f.text) for f in g.scan(text)]
        assert (pii_type, value) in found, f"round {i}: {text!r} -> {found}"


@pytest.mark.parametrize("pii_type", list(GENERATORS))
@pytest.mark.parametrize("policy_name", ["default", "redact", "partial", "hash", "tokenize"])
def test_masked_text_never_contains_the_value(pii_type: str, policy_name: str) -> None:
    r = random.Random(f"mask-{pii_type}-{policy_name}")
    policy = PiiPolicy() if policy_name == "default" else policy_everywhere(policy_name)  # type: ignore[arg-type]
    g = PiiGuard(policy, hash_key=KEY)
    for i in range(ROUNDS):
        value = GENERATORS[pii_type](r)
        text = embed(r, value)
        for destination in DESTINATIONS:
            if policy.operator_for(pii_type, destination) == "keep":
                continue
            masked = g.mask(text, destination).text
            assert value not in masked, f"round {i}, {destination}: {text!r} -> {masked!r}"
            compact = value.replace(" ", "").replace("-", "")
            if pii_type in ("card", "iban", "ssn"):
                assert compact not in masked.replace(" ", "").replace("-", ""), masked
            assert g.mask(masked, destination).text == masked, "masking twice changes nothing"


def test_tokens_round_trip_for_every_type() -> None:
    r = random.Random("round-trip")
    g = PiiGuard(policy_everywhere("tokenize"), hash_key=KEY)
    for pii_type, make in GENERATORS.items():
        for _ in range(30):
            value = make(r)
            text = embed(r, value)
            masked = g.mask(text, "model").text
            assert value not in masked
            assert g.detokenize(masked, {pii_type}) == text
            other = set(GENERATORS) - {pii_type}
            assert g.detokenize(masked, other) == masked
