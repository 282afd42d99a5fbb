import random

import pytest

from keel.tools import truncate_utf8


def test_text_that_fits_is_returned_as_is() -> None:
    assert truncate_utf8("hello", 5) == ("hello", False)
    assert truncate_utf8("é" * 10, 20) == ("é" * 10, False)
    assert truncate_utf8("", 0) == ("", False)


def test_ascii_is_cut_with_a_marker_that_fits() -> None:
    text, truncated = truncate_utf8("a" * 100, 40)
    assert (text, truncated) == ("a" * 16 + "…[truncated 84 bytes]", True)
    assert len(text.encode()) <= 40


def test_two_byte_characters_are_never_split() -> None:
    # 41 bytes leave room for 17 bytes of text: 8½ "é", so 8 are kept.
    assert truncate_utf8("é" * 50, 41) == ("é" * 8 + "…[truncated 84 bytes]", True)


def test_four_byte_characters_are_never_split() -> None:
    assert truncate_utf8("😀" * 10, 30) == ("😀…[truncated 36 bytes]", True)


def test_mixed_width_text() -> None:
    # 96 bytes; 41 leave room for 18, which ends inside the 3-byte "東" (bytes 17-19).
    text = "naïve café — 東京 " * 4
    assert truncate_utf8(text, 41) == ("naïve café — …[truncated 79 bytes]", True)


def test_limit_smaller_than_the_marker_cuts_without_it() -> None:
    assert truncate_utf8("héllo wörld", 5) == ("héll", True)
    assert truncate_utf8("héllo", 2) == ("h", True)
    assert truncate_utf8("héllo", 0) == ("", True)


def test_negative_limit_is_an_error() -> None:
    with pytest.raises(ValueError, match="max_bytes must be >= 0, got -1"):
        truncate_utf8("x", -1)


def test_any_cut_is_a_prefix_within_the_limit() -> None:
    rng = random.Random(7)
    alphabet = "aé€😀 \n"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80)))
        limit = rng.randrange(0, 200)
        out, truncated = truncate_utf8(text, limit)
        size = len(out.encode())
        assert size <= limit or not truncated
        assert truncated == (len(text.encode()) > limit)
        kept = out.split("…[truncated ")[0] if truncated else out
        assert text.startswith(kept)
