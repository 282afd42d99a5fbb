"""``StreamGuard``: what of a streamed answer may leave, and when.

The central property: whatever the delta boundaries, every prefix the guard has
released is a prefix of the answer masked whole, and released plus ``finish`` is
exactly that answer. So no partial value (half a card number, the start of an e-mail
address) ever leaves unmasked.
"""

from __future__ import annotations

import random

import pytest

from default_governor import default_governor
from keel.governance.governor import Governor
from keel.governance.pii import PiiPolicy
from keel.governance.stream_guard import HOLD_BACK_CHARS, MIN_RELEASE_CHARS, StreamGuard

CARD = "4242 4242 4242 4242"
EMAIL = "jane.doe@example.com"
PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
    "-----END PRIVATE KEY-----"
)
SENTENCES = (
    f"Your card {CARD} was charged twice. ",
    f"Write to {EMAIL} and we will refund it. ",
    "Call +1 415 555 0100 between nine and five. ",
    "The IBAN on file is DE89 3704 0044 0532 0130 00 as before. ",
    "password=hunter2xyz was reset for you. ",
    "Use Bearer abc123def456ghi789jkl0 for the test account. ",
    "Your SSN: 123-45-6789 stays on file. ",
    f"The key you pasted was\n{PEM}\nand it is now revoked. ",
    "Nothing sensitive in this sentence at all, just a longer explanation of the steps. ",
    "Token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXRlc3Q expired. ",
)


def whole(gov: Governor, text: str) -> str:
    """The answer as ``Governor.release`` lets it leave (vault tokens restored, masked)."""
    restored = gov.pii.detokenize(text, {"card", "email", "phone", "iban", "ssn", "secret", "ip"})
    return gov.pii.mask(restored, "output").text


def stream(guard: StreamGuard, deltas: list[str], want: str | None = None) -> list[str]:
    """Feed ``deltas``; each release is checked against ``want`` as it happens."""
    released: list[str] = []
    for delta in deltas:
        released.append(guard.feed(delta))
        if want is not None:
            assert want.startswith("".join(released)), "released text is not the answer's prefix"
    return released


def split(text: str, rng: random.Random, most: int) -> list[str]:
    pieces, i = [], 0
    while i < len(text):
        n = rng.randint(1, most)
        pieces.append(text[i : i + n])
        i += n
    return pieces


@pytest.mark.parametrize("seed", range(40))
def test_released_text_is_always_a_prefix_of_the_answer_masked_whole(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(SENTENCES) for _ in range(8))
    policies = [None, PiiPolicy(operators={"output": {"confidential": "redact"}})]
    gov = default_governor(policies[seed % 2])
    want = whole(gov, text)
    guard = StreamGuard(gov)
    released = stream(guard, split(text, rng, rng.choice([1, 3, 8, 40])), want)
    assert "".join(released) + guard.finish() == want
    assert guard.stopped is None


def test_a_card_number_split_across_deltas_never_leaves_in_part() -> None:
    gov = default_governor()
    text = f"Here is the card you asked about: {CARD}. " + "More words follow here. " * 6
    guard = StreamGuard(gov)
    released = stream(guard, [text[i : i + 4] for i in range(0, len(text), 4)])
    out = "".join(released)
    assert "**** **** **** 4242" in out
    assert "4242 4242" not in out
    assert "".join(released) + guard.finish() == whole(gov, text)


def test_an_email_split_across_deltas_never_leaves_in_part() -> None:
    gov = default_governor(PiiPolicy(operators={"output": {"confidential": "redact"}}))
    text = f"Please write to {EMAIL} today. " + "Then wait for our answer, please. " * 6
    guard = StreamGuard(gov)
    for i in range(0, len(text), 3):
        piece = guard.feed(text[i : i + 3])
        for fragment in ("jane", "doe@", "example.com"):
            assert fragment not in piece
    assert EMAIL not in guard.released + guard.finish()


def test_the_end_of_an_unfinished_answer_is_held_back() -> None:
    guard = StreamGuard(default_governor())
    text = "word " * 40
    released = "".join(stream(guard, [text]))
    assert len(text) - len(released) >= HOLD_BACK_CHARS
    assert released + guard.finish() == text


def test_a_run_of_characters_without_spaces_is_held_whole() -> None:
    # Longer than the hold-back window, so only the run rule keeps it back.
    guard = StreamGuard(default_governor())
    word = "x" * (HOLD_BACK_CHARS * 2)
    intro = "An introduction long enough to be released. "
    released = "".join(stream(guard, [intro, *word]))
    assert released
    assert intro.startswith(released)
    assert released + guard.finish() == intro + word


def test_a_pem_block_is_held_until_it_ends() -> None:
    gov = default_governor()
    text = f"The key was\n{PEM}\nand is revoked now. " + "Follow-up words here. " * 5
    guard = StreamGuard(gov)
    before_end = text.index("-----END")
    released = "".join(stream(guard, [text[:before_end]]))
    assert "-----BEGIN" not in released
    assert "MIIE" not in released
    rest = "".join(stream(guard, [text[before_end:]]))
    assert "MIIE" not in released + rest + guard.finish()


def test_vault_tokens_split_across_deltas_are_restored_then_masked() -> None:
    gov = default_governor()
    # What the model saw and quotes back: the card as a vault token.
    token = gov.pii.mask(f"card {CARD}", "model").text.removeprefix("card ")
    assert token.startswith("\u27e6card:tok_")
    text = f"I refunded the card {token} as you asked. " + "Anything else I can do? " * 5
    guard = StreamGuard(gov)
    released = stream(guard, [text[i : i + 5] for i in range(0, len(text), 5)])
    out = "".join(released) + guard.finish()
    assert out == whole(gov, text)
    assert "**** **** **** 4242" in out
    assert "\u27e6" not in out


def test_a_leaked_canary_stops_the_stream_before_it_leaves() -> None:
    gov = default_governor()
    assert gov.canary is not None
    text = "Sure, here is my reference. " * 3 + f"It is {gov.canary.token} of course. " * 3
    guard = StreamGuard(gov)
    released = "".join(stream(guard, [text[i : i + 6] for i in range(0, len(text), 6)]))
    assert guard.stopped == "canary"
    assert gov.canary.body not in released


def test_a_blocked_content_rule_stops_the_stream() -> None:
    gov = default_governor()
    text = "To finish the check, please reply with your password now. " + "More text. " * 10
    guard = StreamGuard(gov)
    released = "".join(stream(guard, [text[i : i + 4] for i in range(0, len(text), 4)]))
    assert guard.stopped == "content rules: credentials_solicitation"
    assert "password" not in released


def test_restricted_pii_that_output_keeps_stops_the_stream() -> None:
    gov = default_governor(PiiPolicy(operators={"output": {"restricted": "keep"}}))
    text = "Your account is fine and the refund is on its way. " + f"Card {CARD}. " * 5
    guard = StreamGuard(gov)
    released = "".join(stream(guard, [text[i : i + 7] for i in range(0, len(text), 7)]))
    assert guard.stopped == "unmasked card in the answer"
    assert "4242" not in released
    assert released.startswith("Your account is fine")


def test_without_a_governor_every_delta_leaves_at_once() -> None:
    guard = StreamGuard(None)
    assert guard.feed("card 4242 ") == "card 4242 "
    assert guard.feed("4242") == "4242"
    assert guard.finish() == ""


def test_releases_come_in_pieces_of_a_few_words() -> None:
    guard = StreamGuard(default_governor())
    text = "one two three four five six seven eight nine ten " * 6
    released = [r for r in stream(guard, [w + " " for w in text.split()]) if r]
    assert len(released) > 3
    assert all(len(r) >= MIN_RELEASE_CHARS for r in released)
