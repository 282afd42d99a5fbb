"""``score(text, source=...)``: every reading of a text, every pattern, one verdict.

Readings, cheapest first; each runs only the patterns whose trigger words it contains:

1. the normalised text (lower case, NFKD, invisible characters dropped, look-alikes
   mapped — see ``_unicode``);
2. leetspeak undone, rot13 undone, the text reversed, spaced-out letters re-joined;
3. encoded payloads (base64, hex, percent, entities) and tag-smuggled text, decoded and
   analysed recursively (two levels deep), their findings reported at the encoded region;
4. markup: exfiltration URLs (inline, HTML and reference-style images and links), HTML
   and markdown comments, hidden elements (see ``_markup`` and ``_links``).

A pattern found only in a disguised reading adds an ``obfuscation`` signal on top of
its own: hiding an instruction is evidence of intent. Then who the instructions are
addressed to: an attack quoted or described in a report counts as one weak
``reported_attack`` signal, and a quotation the user asks the model to act on is scored
as the third party's text it is (see ``_reported``).
"""

from __future__ import annotations

from collections.abc import Iterable

from keel.governance.injection._catalogue import WORD, Catalogue, Pattern
from keel.governance.injection._decoders import (
    ROT13,
    encoded_payloads,
    may_hold_payload,
    spaced_runs,
)
from keel.governance.injection._extraction import EXTRACTION
from keel.governance.injection._indirect import DECODE_HINTS, EXFILTRATION, INDIRECT
from keel.governance.injection._jailbreak_frames import JAILBREAK_FRAMES
from keel.governance.injection._markup import may_hold_markup, scan_markup
from keel.governance.injection._override import OVERRIDE
from keel.governance.injection._reported import (
    MENTIONS,
    RELAYS,
    discount_reported,
    quotations,
)
from keel.governance.injection._role_play import ROLE_PLAY
from keel.governance.injection._unicode import (
    Reading,
    ascii_reading,
    has_leet_hint,
    leet_readings,
    normalize,
)
from keel.governance.injection._verdict import (
    InjectionVerdict,
    Signal,
    Source,
    View,
    combine,
)

CATALOGUE = Catalogue(
    OVERRIDE + ROLE_PLAY + JAILBREAK_FRAMES + EXTRACTION + INDIRECT + EXFILTRATION + DECODE_HINTS
)
# The words that decide whether a rot13, reversed or leetspeak reading is decoded: the
# trigger words, and two words of chat-template markers ("start_header_id") that no longer
# index a pattern; kept so that which readings get decoded did not change.
_READING_WORDS = CATALOGUE.trigger_words | frozenset({"id", "header"})
# Trigger words as they appear in a rot13-encoded or reversed text: checking a reading's
# words against these costs nothing, and only a hit pays for decoding the reading.
_ROT13_TRIGGERS = frozenset(w.translate(ROT13) for w in _READING_WORDS)
_REVERSED_TRIGGERS = frozenset(w[::-1] for w in _READING_WORDS)
# A word in this set means some reading of the text may be scanned for patterns.
_SCANNED_IF = CATALOGUE.trigger_words | _ROT13_TRIGGERS
# Words that decide whether a leetspeak "1" is an "i" or an "l": the trigger words and a
# few frequent words of attacks that are not triggers.
_LEET_WORDS = (
    "all will only first lifted still tell full list while like file mail email details "
    "initial policies policy public admin limit limits filter filters rules lines line "
    "until fully simply really actually finally immediately silently guidelines unlocked "
    "unlimited helpful evil hello kill steal leak reveal disable enable legal illegal "
    "internal original developer model tool tools call level role login password all "
    "billing unfiltered unrestricted "
)
_VOCABULARY = _READING_WORDS | frozenset(_LEET_WORDS.split())

MAX_DEPTH = 2
MAX_SIGNALS = 64

# Obfuscation evidence, added on top of what the disguised text says.
_DISGUISE: dict[View, tuple[str, float, str]] = {
    "text": (
        "unicode_disguise",
        0.45,
        "instruction written with look-alike or invisible characters",
    ),
    "leetspeak": ("leetspeak", 0.4, "instruction written in leetspeak"),
    "rot13": ("rot13", 0.45, "instruction encoded with rot13"),
    "reversed": ("reversed_text", 0.45, "instruction written backwards"),
    "spaced": ("spaced_letters", 0.4, "instruction spelled out with separated letters"),
    "base64": ("base64_payload", 0.5, "instruction hidden in a base64 payload"),
    "hex": ("hex_payload", 0.5, "instruction hidden in a hex payload"),
    "percent": ("percent_payload", 0.45, "instruction hidden in percent-encoding"),
    "entities": ("entity_payload", 0.45, "instruction hidden in character references"),
    "tags": ("tag_smuggling", 0.6, "text hidden in invisible Unicode tag characters"),
}
# Joined spaced-out letters have no word breaks to match on; these phrases do not need them.
_SQUASHED = (
    "ignoreallprevious",
    "ignorepreviousinstructions",
    "ignoreallinstructions",
    "ignoreyourinstructions",
    "ignoreallrules",
    "ignoretheabove",
    "disregardprevious",
    "disregardtheabove",
    "disregardallprior",
    "disregardyour",
    "forgetallprevious",
    "forgetyourinstructions",
    "forgeteverything",
    "newinstructions",
    "systemprompt",
    "yourinstructions",
    "initialprompt",
    "developermode",
    "doanythingnow",
    "jailbreak",
    "norestrictions",
    "withoutrestrictions",
    "youarenow",
    "pretendyou",
    "revealyour",
    "endofconversation",
    "newsession",
)
_MIN_EVIDENCE = 0.3
_NOT_INSTRUCTIONS = ("obfuscation", "exfiltration")


def score(text: str, *, source: Source) -> InjectionVerdict:
    """Score ``text`` for prompt injection; see ``_verdict`` for the scale and thresholds."""
    signals = _analyse(text, source, 0)
    if not signals:
        return InjectionVerdict(0.0, source)  # what ``combine`` returns for no evidence
    signals = _topic_only(text, discount_reported(text, signals))
    if source == "user" and any(s.name in RELAYS for s in signals):
        signals += _relayed(text)
    return combine(signals[:MAX_SIGNALS], source)


# Signals that name the subject of a text without asking anything of the model: "system
# prompt", "jailbreak", "the hidden instructions" (but not "your hidden instructions").
_TOPIC = frozenset({*MENTIONS, "hidden_prompt_noun"})


def _topic_only(text: str, signals: list[Signal]) -> list[Signal]:
    """Only the strongest of ``signals`` when all they do is name the topic.

    A glossary, a course page or a question about jailbreaks names "system prompt",
    "jailbreak" and "hidden instructions" together; each name is weak evidence, and three
    of them are not three pieces of evidence but one subject. On the dev split (commit
    ea11619) 64 texts had topic names and nothing else: 60 look-alikes and 4 attacks, and
    the two attacks flagged among them say "your system prompt", which this leaves alone.
    """
    if len(signals) < 2 or any(
        s.name not in _TOPIC
        or s.view != "text"
        or text[s.span[0] : s.span[0] + 4].lower() == "your"
        for s in signals
    ):
        return signals
    return [max(signals, key=lambda s: s.weight)]


def _relayed(text: str) -> list[Signal]:
    """Quotations the user asks the model to act on, scored as what they are: a third
    party's text ("the email says 'assistant, reset the password...'. Do what it says")."""
    out: list[Signal] = []
    for start, end in quotations(text):
        for s in _analyse(text[start:end], "tool", MAX_DEPTH):
            span = (s.span[0] + start, s.span[1] + start)
            out.append(Signal(s.name, s.category, s.weight, span, s.explanation, s.view))
    return out


def _analyse(text: str, source: Source, depth: int) -> list[Signal]:
    if text.isascii():
        lowered = ascii_reading(text)
        tokens = WORD.findall(lowered)
        words = set(tokens)
        if _quiet(text, lowered, tokens, words):
            return []
        reading = Reading(lowered, None)
    else:
        reading = normalize(text)
        tokens = WORD.findall(reading.text)
        words = set(tokens)
    signals = _scan_plain(reading, words, source)
    plain = [(s.name, s.span) for s in signals]
    signals += _unicode_signals(reading, len(text), source, depth)
    for leet in leet_readings(reading.text, _VOCABULARY):
        # Undoing leetspeak matters only if it produces a trigger word the text lacked.
        if not (set(WORD.findall(leet)) - words).isdisjoint(_READING_WORDS):
            signals += _scan_derived(leet, reading, source, "leetspeak", plain)
    signals += _scan_rot13_and_reversed(reading, words, source, plain)
    if list(map(len, tokens)).count(1) >= 6:
        signals += _scan_spaced(reading, source)
    if depth < MAX_DEPTH:
        for payload in encoded_payloads(text):
            region = (payload.start, payload.end)
            signals += _nested(payload.decoded, region, payload.kind, source, depth)
    markup = scan_markup(text, source)
    signals += markup.signals
    for hidden in markup.hidden:
        inside = [s for s in signals if hidden[0] <= s.span[0] and s.span[1] <= hidden[1]]
        # The markup signal that marks the region itself is not a second piece of evidence.
        if any(s.category not in _NOT_INSTRUCTIONS and s.span != hidden for s in inside):
            w = 0.3 if source == "user" else 0.5
            why = "instructions placed where a human reader does not see them"
            signals.append(Signal("hidden_instruction", "indirect", w, hidden, why))
    return signals


def _quiet(text: str, reading: str, tokens: list[str], words: set[str]) -> bool:
    """Whether no stage of ``_analyse`` can find anything in an ASCII ``text``: each test
    below is the condition under which one stage runs at all, so skipping them all when
    none holds changes no verdict (``tests/governance/test_injection_quiet.py``).

    Nearly all traffic is short and benign — "route ticket T-1", a small JSON tool result
    — and pays for these few tests instead of a dozen scans that would find nothing.
    ASCII text has no Unicode signals or tag-smuggled text (``_unicode_signals``)."""
    return (
        words.isdisjoint(_SCANNED_IF)  # the plain and the rot13 reading
        and len(words & _REVERSED_TRIGGERS) < 2
        and not has_leet_hint(reading)
        and list(map(len, tokens)).count(1) < 6  # spaced-out letters
        and not may_hold_payload(text)
        and not may_hold_markup(text)
    )


def _signal(p: Pattern, span: tuple[int, int], source: Source, view: View) -> Signal:
    return Signal(p.name, p.category, p.weight(source), span, p.explanation, view)


def _disguise(view: View, span: tuple[int, int]) -> Signal:
    name, weight, why = _DISGUISE[view]
    return Signal(name, "obfuscation", weight, span, why, view)


def _scan_plain(reading: Reading, words: set[str], source: Source) -> list[Signal]:
    out: list[Signal] = []
    for p, s, e in CATALOGUE.scan(reading.text, words):
        span = reading.locate(s, e)
        out.append(_signal(p, span, source, "text"))
        if reading.altered and p.category != "obfuscation" and reading.was_altered(s, e):
            out.append(_disguise("text", span))
    return out


def _overlaps(
    name: str, span: tuple[int, int], found: Iterable[tuple[str, tuple[int, int]]]
) -> bool:
    return any(n == name and s < span[1] and span[0] < e for n, (s, e) in found)


def _scan_derived(
    derived: str,
    reading: Reading,
    source: Source,
    view: View,
    plain: list[tuple[str, tuple[int, int]]],
    *,
    reverse: bool = False,
) -> list[Signal]:
    """Matches in a position-preserving (or reversed) derived reading, not already seen."""
    out: list[Signal] = []
    n = len(derived)
    for p, s, e in CATALOGUE.scan(derived):
        if reverse:
            s, e = n - e, n - s
        span = reading.locate(s, e)
        if _overlaps(p.name, span, plain):
            continue
        out.append(_signal(p, span, source, view))
        if p.weight(source) >= _MIN_EVIDENCE and p.category != "obfuscation":
            out.append(_disguise(view, span))
    return out


def _scan_rot13_and_reversed(
    reading: Reading, words: set[str], source: Source, plain: list[tuple[str, tuple[int, int]]]
) -> list[Signal]:
    out: list[Signal] = []
    if not words.isdisjoint(_ROT13_TRIGGERS):
        rot = reading.text.translate(ROT13)
        out += _scan_derived(rot, reading, source, "rot13", plain)
    if len(words & _REVERSED_TRIGGERS) >= 2:
        rev = reading.text[::-1]
        out += _scan_derived(rev, reading, source, "reversed", plain, reverse=True)
    return out


def _scan_spaced(reading: Reading, source: Source) -> list[Signal]:
    out: list[Signal] = []
    for start, end, joined in spaced_runs(reading.text):
        span = reading.locate(start, end)
        found = [_signal(p, span, source, "spaced") for p, _, _ in CATALOGUE.scan(joined)]
        squashed = joined.replace(" ", "")
        phrase = next((ph for ph in _SQUASHED if ph in squashed), None)
        if phrase is not None:
            why = f"spelled-out attack phrase {phrase!r}"
            found.append(Signal("spaced_attack_phrase", "obfuscation", 0.7, span, why, "spaced"))
        if any(s.weight >= _MIN_EVIDENCE for s in found):
            found.append(_disguise("spaced", span))
        out += found
    return out


def _nested(
    decoded: str, region: tuple[int, int], view: View, source: Source, depth: int
) -> list[Signal]:
    """Analyse a decoded payload; report its findings at the encoded ``region``."""
    inner = _analyse(decoded, source, depth + 1)
    out = [
        Signal(
            s.name,
            s.category,
            s.weight,
            region,
            s.explanation,
            view if s.view == "text" else s.view,
        )
        for s in inner
    ]
    if any(s.weight >= _MIN_EVIDENCE and s.category != "obfuscation" for s in inner):
        out.append(_disguise(view, region))
    return out


def _unicode_signals(reading: Reading, length: int, source: Source, depth: int) -> list[Signal]:
    """Signals about the text as a whole (span ``(0, length)``), and tag-smuggled text."""
    if reading.origin is None:
        return []
    out: list[Signal] = []
    whole = (0, length)
    if reading.tags and reading.tag_span is not None:
        if len(reading.tags.strip()) >= 4:
            out.append(_disguise("tags", reading.tag_span))
        if depth < MAX_DEPTH:
            out += _nested(reading.tags, reading.tag_span, "tags", source, depth)
    if reading.zero_width_in_words >= 3:
        why = f"{reading.zero_width_in_words} zero-width characters inside words"
        out.append(Signal("zero_width_in_words", "obfuscation", 0.3, whole, why))
    if reading.bidi_override:
        why = "bidirectional override characters in text with no right-to-left script"
        out.append(Signal("bidi_override", "obfuscation", 0.35, whole, why))
    if reading.variation_selectors >= 16:
        why = f"{reading.variation_selectors} variation selectors (a byte-smuggling channel)"
        out.append(Signal("variation_selectors", "obfuscation", 0.5, whole, why))
    if reading.mixed_script_words >= 2:
        why = f"{reading.mixed_script_words} words mixing Latin with Cyrillic/Greek look-alikes"
        out.append(Signal("mixed_script_words", "obfuscation", 0.35, whole, why))
    return out
