"""``PiiGuard``: masking text and JSON per destination, and tokens for allowed tools."""

from __future__ import annotations

import re

import pytest

from keel.errors import UserError
from keel.governance.pii import DESTINATIONS, PiiGuard, PiiPolicy, Tokenizer

KEY = b"test-hash-key-of-32-bytes-length"
TEXT = "I'm jane.doe@example.com, card 4242 4242 4242 4242, from 203.0.113.42, password=hunter2!"


def guard(policy: PiiPolicy | None = None) -> PiiGuard:
    return PiiGuard(policy, hash_key=KEY)


def without_tokens(text: str) -> str:
    return re.sub(r"\u27e6(\w+):tok_[0-9a-f]{16}\u27e7", r"<tok \1>", text)


def without_hashes(text: str) -> str:
    return re.sub(r"<(\w+):[0-9a-f]{8}>", r"<hash \1>", text)


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        ("model", "I'm <tok email>, card <tok card>, from 203.0.113.42, password=[SECRET]"),
        ("journal", "I'm <tok email>, card <tok card>, from 203.0.113.42, password=[SECRET]"),
        ("log", "I'm j***@example.com, card [CARD], from 203.0.113.*, password=[SECRET]"),
        ("span", "I'm <hash email>, card [CARD], from <hash ip>, password=[SECRET]"),
        ("audit", "I'm <hash email>, card <hash card>, from 203.0.113.42, password=[SECRET]"),
        (
            "output",
            "I'm jane.doe@example.com, card **** **** **** 4242, from 203.0.113.42, "
            "password=[SECRET]",
        ),
    ],
)
def test_mask_per_destination(destination: str, expected: str) -> None:
    result = guard().mask(TEXT, destination)  # type: ignore[arg-type]
    assert without_hashes(without_tokens(result.text)) == expected
    assert result.types == {"email", "card", "ip", "secret"}


def test_findings_do_not_show_values_in_their_repr() -> None:
    result = guard().mask(TEXT, "model")
    assert "hunter2" not in repr(result.findings)
    assert "4242" not in repr(result.findings)


def test_classes_of_findings() -> None:
    g = guard()
    assert g.classes(g.scan(TEXT)) == {"restricted", "confidential", "internal"}


def test_model_tokens_are_restored_only_for_an_allowed_tool() -> None:
    g = guard()
    prompt = g.mask("Refund card 4111 1111 1111 1111 to jane@example.com", "model").text
    (card_token,) = re.findall(r"\u27e6card:tok_[0-9a-f]{16}\u27e7", prompt)
    # The model answers with a tool call that quotes the token.
    args = {"card": card_token, "notify": prompt}
    allowed = g.detokenize_json(args, {"card"})
    assert allowed["card"] == "4111 1111 1111 1111"
    assert "jane@example.com" not in allowed["notify"]
    assert g.detokenize_json(args, set()) == args
    assert g.detokenize(card_token, {"email"}) == card_token


def test_same_value_same_token_in_a_session() -> None:
    g = guard()
    first = g.mask("card 4111 1111 1111 1111", "model").text
    second = g.mask("again: 4111-1111-1111-1111", "model").text
    assert first.split()[-1] == second.split()[-1]


def test_masking_is_idempotent() -> None:
    g = guard()
    for destination in DESTINATIONS:
        once = g.mask(TEXT, destination).text
        assert g.mask(once, destination).text == once, destination


def test_mask_json_walks_values_and_secret_keys() -> None:
    g = guard()
    value = {
        "user": {"email": "jane@example.com", "password": "correct horse battery staple"},
        "headers": {"Authorization": "Bearer abc", "X-Api-Key": 12345, "Accept": "json"},
        "items": [{"note": "call +44 20 7946 0958"}, ("tuple", "4111 1111 1111 1111")],
        "credentials": {"user": "bob", "pin": 1234, "enabled": True, "hint": None},
        "max_tokens": 512,
        "count": 3,
    }
    result = g.mask_json(value, "log")
    assert result.value == {
        "user": {"email": "j***@example.com", "password": "[SECRET]"},
        "headers": {"Authorization": "[SECRET]", "X-Api-Key": "[SECRET]", "Accept": "json"},
        "items": [{"note": "call +** ** **** 0958"}, ["tuple", "[CARD]"]],
        "credentials": {"user": "[SECRET]", "pin": "[SECRET]", "enabled": True, "hint": None},
        "max_tokens": 512,
        "count": 3,
    }
    paths = {(f.path, f.finding.type) for f in result.findings}
    assert (("user", "password"), "secret") in paths
    assert (("items", 1, 1), "card") in paths
    assert result.types == {"email", "secret", "phone", "card"}
    assert value["user"]["password"] == "correct horse battery staple"  # input untouched


@pytest.mark.parametrize("operator", ["redact", "hash", "tokenize"])
def test_mask_json_twice_changes_nothing(operator: str) -> None:
    policy = PiiPolicy.model_validate(
        {"overrides": {"secret": dict.fromkeys(DESTINATIONS, operator)}}
    )
    g = guard(policy)
    once = g.mask_json({"password": "hunter2", "note": "mail a@b.io"}, "audit").value
    assert once["password"] != "hunter2"
    assert g.mask_json(once, "audit").value == once


def test_hash_key_is_required_when_the_policy_hashes() -> None:
    with pytest.raises(UserError, match="hash_key"):
        PiiGuard()
    with pytest.raises(UserError, match="16 bytes"):
        PiiGuard(hash_key=b"short")
    no_hash = {d: {"restricted": "redact", "confidential": "redact"} for d in ("span", "audit")}
    no_hash["span"]["internal"] = "keep"
    PiiGuard(PiiPolicy.model_validate({"operators": no_hash}))  # needs no key


def test_unknown_destination_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown PII destination 'printer'"):
        guard().mask("x", "printer")  # type: ignore[arg-type]
    with pytest.raises(UserError):
        guard().mask_json({}, "printer")  # type: ignore[arg-type]


def test_a_given_tokenizer_is_used() -> None:
    tokenizer = Tokenizer(key=b"t" * 32)
    g = PiiGuard(hash_key=KEY, tokenizer=tokenizer)
    masked = g.mask("jane@example.com", "model").text
    assert tokenizer.detokenize(masked, {"email"}) == "jane@example.com"


def test_text_without_pii_is_returned_as_is() -> None:
    text = "The export button is greyed out since version 2.14.3."
    result = guard().mask(text, "model")
    assert result.text is text
    assert result.findings == ()


@pytest.mark.parametrize("value", ["078-05-1120", "219-09-9999"])
def test_voided_ssns_are_masked_as_restricted_not_kept_as_phones(value: str) -> None:
    # 078-05-1120 used to read as a German phone number and leave in clear; 219-09-9999
    # was not found at all. Both are SSN-shaped values in SSN context: restricted.
    g = guard()
    text = f"My SSN is {value}, please update my tax record."
    assert g.classes(g.scan(text)) == {"restricted"}
    for destination in DESTINATIONS:
        assert value not in g.mask(text, destination).text
