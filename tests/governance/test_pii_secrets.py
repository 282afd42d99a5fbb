"""Secrets: known key formats, auth headers, assignments, PEM blocks, JWTs and the
high-entropy rule, with the look-alikes it must leave alone."""

from __future__ import annotations

import base64
import random
import string

import pytest

from keel.governance.pii import SecretDetector, is_secret_key, looks_random, shannon_entropy

ALNUM = string.ascii_letters + string.digits
rng = random.Random("secrets")


def token(n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def secrets_in(text: str, *, entropy: bool = True) -> list[tuple[str, str]]:
    results = SecretDetector(entropy=entropy).detect(text)
    for f in results:
        assert text[f.start : f.end] == f.text
    return sorted((f.text, f.detail) for f in results)


KEYS = {
    "openai_key": ["sk-proj-" + token(64, ALNUM + "_-"), "sk-" + token(48)],
    "anthropic_key": ["sk-ant-api03-" + token(93, ALNUM + "_-") + "AA"],
    "aws_access_key": ["AKIA" + token(16, string.ascii_uppercase + string.digits)],
    "github_token": ["ghp_" + token(36), "github_pat_" + token(82, ALNUM + "_")],
    "slack_token": ["xoxb-123456789012-123456789012-" + token(24)],
    "stripe_key": ["sk_live_" + token(24), "rk_test_" + token(24)],
    "google_api_key": ["AIza" + token(35, ALNUM + "_-")],
}


@pytest.mark.parametrize(
    ("kind", "key"), [(kind, key) for kind, keys in KEYS.items() for key in keys]
)
def test_known_key_formats(kind: str, key: str) -> None:
    assert secrets_in(f"the key is {key}, please rotate it", entropy=False) == [(key, kind)]


def test_known_formats_inside_longer_tokens_are_not_keys() -> None:
    assert secrets_in("xsk-" + token(40), entropy=False) == []
    assert secrets_in("AKIA" + "B" * 15, entropy=False) == []  # one character short


def test_jwt() -> None:
    def part(obj: str) -> str:
        return base64.urlsafe_b64encode(obj.encode()).rstrip(b"=").decode()

    header, payload = part('{"alg":"HS256"}'), part('{"sub":"42"}')
    jwt = f"{header}.{payload}.{token(43, ALNUM + '_-')}"
    assert secrets_in(f"token {jwt} expired") == [(jwt, "jwt")]


def test_pem_private_key_block_is_one_secret() -> None:
    body = "\n".join(token(64, ALNUM + "+/") for _ in range(4))
    pem = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----"
    assert secrets_in(f"oops:\n{pem}\nsorry") == [(pem, "private_key")]


def test_public_key_block_is_not_a_secret() -> None:
    pem = (
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"
    )
    assert secrets_in(pem, entropy=False) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Authorization: Bearer abc123def456ghi789jkl", "abc123def456ghi789jkl"),
        ("curl -H 'authorization: bearer 9f8e7d6c5b4a'", "9f8e7d6c5b4a"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ],
)
def test_auth_headers_mask_the_credential_only(text: str, value: str) -> None:
    assert [v for v, _ in secrets_in(text)] == [value]


@pytest.mark.parametrize(
    "text",
    [
        "the bearer token expired yesterday",
        "basic questions about billing",
        "Basic plan costs less",
        "Basic SGVsbG8gd29ybGQ=",  # base64, but no user:password inside
    ],
)
def test_auth_words_in_prose_are_not_credentials(text: str) -> None:
    assert secrets_in(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("password=hunter2", "hunter2"),
        ("DB_PASSWORD=s3cr3t!", "s3cr3t!"),
        ('{"client_secret": "abcDEF123"}', "abcDEF123"),
        ("api_key: 9f86d081884c7d659a2feaa0c55ad015", "9f86d081884c7d659a2feaa0c55ad015"),
        ("X-Api-Key: k3y-v4lue", "k3y-v4lue"),
        ("my password: Summer2024!", "Summer2024!"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None),
        ("passwd='letmein'", "letmein"),
        ("https://x.io/reset?token=Ab12Cd34&user=7", "Ab12Cd34&user=7"),
        ("password=p&ss)w]rd!", "p&ss)w]rd!"),
        ("Cookie: session=abc123; theme=dark", "session=abc123"),
    ],
)
def test_secret_assignments(text: str, value: str | None) -> None:
    found = secrets_in(text)
    assert len(found) == 1
    if value is not None:
        assert found[0][0] == value


@pytest.mark.parametrize(
    "text",
    [
        "Password: reset it please",  # a plain word after ':' is prose
        "max_tokens=512",
        "token_count: 12",
        "password: ********",  # already masked
        "<secret:3f2a9c1b> stays as it is",  # Keel's own pseudonym
        "\u27e6secret:tok_5e0c1d2a9b7f3e64\u27e7",  # Keel's own token
        "I forgot my password, can you reset it?",
        "key: value",
    ],
)
def test_not_secret_assignments(text: str) -> None:
    assert secrets_in(text) == []


@pytest.mark.parametrize(
    "name",
    ["password", "DB_PASSWORD", "x-api-key", "apiKey", "refresh_token", "client_secret",
     "AWS_SECRET_ACCESS_KEY", "Authorization", "cookie", "cvv", "sessionId", "private_key"],
)  # fmt: skip
def test_secret_key_names(name: str) -> None:
    assert is_secret_key(name)


@pytest.mark.parametrize(
    "name", ["max_tokens", "token_count", "tokens", "author", "passenger", "key_id", "username"]
)
def test_non_secret_key_names(name: str) -> None:
    assert not is_secret_key(name)


@pytest.mark.parametrize("n", [24, 32, 40, 64])
def test_random_keys_are_high_entropy(n: int) -> None:
    caught = sum(looks_random(token(n)) for _ in range(400))
    assert caught / 400 >= 0.95


@pytest.mark.parametrize(
    "value",
    [
        "123e4567-e89b-12d3-a456-426614174000",  # UUID
        "9fceb02d0ae598e95dc970b74767f19372d61af8",  # git SHA
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # SHA-256
        "enableNewCheckoutFlowV2ForEnterprise",  # identifier
        "BillingServiceTimeoutRetryHandler2",
        "178658486086-How-to-reset-your-password",  # URL slug
        "internationalization",  # a long word
        "AAAAAAAAAAAAAAAAAAAAAAAA1a",  # low entropy
        "aaaaaaaaaaaaaaaaaaaaaaaa",
        "1Z999AA10123456784ABCDEF",  # upper case and digits only
    ],
)
def test_look_alikes_are_not_random(value: str) -> None:
    assert not looks_random(value)
    assert secrets_in(f"see {value} here") == []


def test_entropy_rule_can_be_switched_off() -> None:
    key = token(40)
    assert secrets_in(f"key {key}") == [(key, "high_entropy")]
    assert secrets_in(f"key {key}", entropy=False) == []


def test_entropy_of_simple_strings() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abab") == pytest.approx(1.0)
    assert shannon_entropy("abcd") == pytest.approx(2.0)


def test_non_ascii_text_keeps_positions() -> None:
    key = "sk-" + token(48)
    text = f"Schlüssel für die API — {key} — bitte löschen"
    ((value, kind),) = secrets_in(text)
    assert (value, kind) == (key, "openai_key")
