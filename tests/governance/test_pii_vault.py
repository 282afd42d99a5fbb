"""Reversible tokenization: stable tokens, round trips, and restoring only what a caller
may see."""

from __future__ import annotations

import shelve
from pathlib import Path

import pytest

from keel.errors import UserError
from keel.governance.pii import Finding, InMemoryVault, MappingVault, Tokenizer, Vault

CARD = Finding(0, 19, "card", "4242 4242 4242 4242", canonical="4242424242424242")
EMAIL = Finding(0, 16, "email", "jane@example.com", canonical="jane@example.com")


def test_token_shape() -> None:
    token = Tokenizer().tokenize(CARD)
    assert token.startswith("\u27e6card:tok_")
    assert token.endswith("\u27e7")
    assert len(token) == len("\u27e6card:tok_\u27e7") + 16
    assert "4242" not in token


def test_same_value_same_token_within_a_tokenizer() -> None:
    tokenizer = Tokenizer()
    same_card_other_layout = Finding(
        0, 16, "card", "4242424242424242", canonical="4242424242424242"
    )
    assert tokenizer.tokenize(CARD) == tokenizer.tokenize(same_card_other_layout)
    assert tokenizer.tokenize(CARD) != tokenizer.tokenize(EMAIL)


def test_different_sessions_get_unlinkable_tokens() -> None:
    assert Tokenizer().tokenize(CARD) != Tokenizer().tokenize(CARD)


def test_a_shared_key_and_vault_keep_tokens_across_processes() -> None:
    vault = InMemoryVault()
    key = b"k" * 32
    first = Tokenizer(vault, key=key).tokenize(CARD)
    assert Tokenizer(vault, key=key).tokenize(CARD) == first
    assert Tokenizer(vault, key=key).detokenize(first, {"card"}) == CARD.text


def test_round_trip_for_allowed_types_only() -> None:
    tokenizer = Tokenizer()
    text = f"refund {tokenizer.tokenize(CARD)} and mail {tokenizer.tokenize(EMAIL)}"
    assert tokenizer.detokenize(text, {"card"}) == (
        f"refund 4242 4242 4242 4242 and mail {tokenizer.tokenize(EMAIL)}"
    )
    assert tokenizer.detokenize(text, {"card", "email"}) == (
        "refund 4242 4242 4242 4242 and mail jane@example.com"
    )
    assert tokenizer.detokenize(text, set()) == text


def test_altered_or_foreign_tokens_are_left_alone() -> None:
    tokenizer = Tokenizer()
    card_token = tokenizer.tokenize(CARD)
    relabelled = card_token.replace("card:", "email:")
    foreign = Tokenizer().tokenize(CARD)
    text = f"{relabelled} {foreign} \u27e6card:tok_0123456789abcdef\u27e7"
    assert tokenizer.detokenize(text, {"card", "email"}) == text


def test_detokenize_json_restores_every_string() -> None:
    tokenizer = Tokenizer()
    token = tokenizer.tokenize(CARD)
    args = {"card": token, "note": [f"card {token}", 3, None], token: True}
    assert tokenizer.detokenize_json(args, {"card"}) == {
        "card": CARD.text,
        "note": [f"card {CARD.text}", 3, None],
        CARD.text: True,
    }
    assert args["card"] == token  # the input is not modified


def test_first_value_stored_under_a_handle_is_kept() -> None:
    vault = MappingVault({})
    vault.put("card:tok_1", "first")
    vault.put("card:tok_1", "second")
    assert vault.get("card:tok_1") == "first"
    assert vault.get("card:tok_2") is None
    assert len(vault) == 1


def test_any_mutable_mapping_is_a_vault(tmp_path: Path) -> None:
    with shelve.open(str(tmp_path / "vault")) as shelf:
        vault = MappingVault(shelf)
        assert isinstance(vault, Vault)
        token = Tokenizer(vault).tokenize(EMAIL)
    with shelve.open(str(tmp_path / "vault")) as shelf:
        assert list(shelf.values()) == ["jane@example.com"]
        assert token[1:-1] in shelf


def test_short_keys_and_bad_type_names_are_refused() -> None:
    with pytest.raises(UserError, match="16 bytes"):
        Tokenizer(key=b"short")
    with pytest.raises(UserError, match="cannot name a token"):
        Tokenizer().tokenize(Finding(0, 1, "Bad-Type", "x"))
