"""Unicode tricks: invisible characters, bidi controls, tag smuggling, homoglyphs, leetspeak.

``normalize`` turns a text into the *reading* the patterns run on: lower case, compatibility
forms folded (NFKD, so full-width ``ｉｇｎｏｒｅ`` reads ``ignore``), combining marks and
invisible characters dropped, and Cyrillic/Greek look-alikes mapped to the Latin letter
they imitate. It keeps, for every character of the reading, the index of the original
character it came from, so a signal can point at the span a human would see, and it
remembers which positions were *altered*: a pattern that only matches because of an
alteration was disguised, which is itself evidence.

ASCII text — nearly all traffic — takes a fast path: its reading is ``text.lower()``.

Escaped line breaks and tabs (``\\n``, ``\\r``, ``\\t``, as a JSON tool result carries its
text) read as two spaces, so ``"...legit?\\n\\nAI agent: ..."`` has the word ``ai`` in
it and not ``nai``; the reading keeps its length, so positions are unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Zero-width and other default-ignorable characters that render as nothing.
ZERO_WIDTH = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f"
    "\u115f\u1160\u3164\uffa0\u17b4\u17b5"
)
# Explicit directional formatting: embeddings, overrides, isolates, marks.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_BIDI_OVERRIDES = frozenset("\u202d\u202e\u2066\u2067\u2068")
_TAG_FIRST, _TAG_LAST = 0xE0000, 0xE007F
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ESCAPED_BREAK = re.compile(r"\\[nrt]")
_BLACK_FLAG = "\U0001f3f4"  # subdivision flags (England, Scotland, Wales) are tag sequences


def _is_variation_selector(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def is_invisible(ch: str) -> bool:
    """True for characters that render as nothing but a model still reads."""
    cp = ord(ch)
    return (
        ch in ZERO_WIDTH
        or ch in BIDI_CONTROLS
        or _TAG_FIRST <= cp <= _TAG_LAST
        or _is_variation_selector(cp)
    )


# Cyrillic and Greek letters (and a few IPA / letterlike ones) that are drawn like a
# Latin letter, after the Unicode confusables data restricted to what fools a reader
# of English text. Upper and lower case both: the mapping runs before lower-casing.
_CONFUSABLES_PAIRS = (
    # Cyrillic
    "аa вb еe ёe кk мm нh оo рp сc тt уy хx ѕs іi їi јj ԁd ԛq ԝw һh ӏl ɡg ьb "
    "АA ВB ЕE ЁE КK МM НH ОO РP СC ТT УY ХX ЅS ІI ЇI ЈJ ԌG ԚQ ԜW ҺH ӀI ԀD "
    # Greek
    "αa βb γy εe ζz ηn ιi κk νv οo ρp σo τt υu χx ωw ϲc ϳj "
    "ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX ϹC "
    # Latin-like symbols and IPA
    "ıi ȷj ɑa ɩi ɪi ʀr ʏy ℓl ꞵb ǀl "
    # Lisu letters, drawn as Latin capitals
    "ꓲi ꓳo ꓴu ꓐb ꓑp ꓓd ꓔt ꓗk ꓘk ꓙj ꓚc ꓛc ꓝf ꓠn ꓡl ꓢs ꓣr ꓤr ꓥa ꓦv ꓧh ꓪw ꓫx ꓬy ꓮa"
)
CONFUSABLES: dict[str, str] = {pair[0]: pair[1] for pair in _CONFUSABLES_PAIRS.split()}

_LEET_I = str.maketrans("013456789@$!|+", "oieasgtbgasilt")
_LEET_L = str.maketrans("013456789@$!|+", "oleasgtbgasilt")
_LEET_HINT = re.compile(r"[0-9@$|+](?:(?<=[a-z][0-9@$|+])|(?=[a-z]))")
# ``! | +`` count as letters only between word characters ("1gn0r3!" keeps its "!").
# Only tokens with a digit or symbol in them: the others are left alone anyway.
_LEET_WORD = re.compile(r"(?<![a-z0-9@$])(?=[a-z]*[0-9@$!|+])[a-z0-9@$]+(?:[!|+][a-z0-9@$]+)*")


@dataclass(frozen=True, slots=True)
class Reading:
    """A normalised reading of a text, with its way back to the original."""

    text: str
    origin: tuple[int, ...] | None
    """``origin[i]`` is the original index of ``text[i]``; ``None`` when they coincide."""
    altered: frozenset[int] = frozenset()
    """Reading positions whose character was mapped from a look-alike or follows a removed
    invisible character."""
    tags: str = ""
    """Text smuggled in Unicode tag characters, decoded to ASCII."""
    tag_span: tuple[int, int] | None = None
    zero_width_in_words: int = 0
    bidi_override: bool = False
    variation_selectors: int = 0
    mixed_script_words: int = 0

    def locate(self, start: int, end: int) -> tuple[int, int]:
        """The original span that produced ``text[start:end]``."""
        if self.origin is None:
            return start, end
        if not self.origin:
            return 0, 0
        last = len(self.origin) - 1
        s = self.origin[min(start, last)]
        e = self.origin[min(max(end - 1, start), last)] + 1
        return s, e

    def was_altered(self, start: int, end: int) -> bool:
        return any(start <= i < end for i in self.altered) if self.altered else False


def normalize(text: str) -> Reading:
    """The reading the patterns run on; see the module docstring."""
    if text.isascii():
        return Reading(ascii_reading(text), None)
    out: list[str] = []
    origin: list[int] = []
    altered: set[int] = set()
    tags: list[str] = []
    tag_start = tag_end = -1
    zero_width = bidi_override = variation = confusables = 0
    rtl_letters = False
    pending_invisible = False
    in_flag = False
    n = len(text)
    pos = 0
    # ASCII runs are copied whole; only the non-ASCII characters are looked at one by one.
    for m in _NON_ASCII.finditer(text):
        i = m.start()
        if i > pos:
            if pending_invisible:
                altered.add(len(origin))
                pending_invisible = False
            out.append(text[pos:i].lower())
            origin.extend(range(pos, i))
            in_flag = False
        pos = i + 1
        ch = m.group()
        cp = ord(ch)
        if _TAG_FIRST <= cp <= _TAG_LAST:
            # Flags such as England's are U+1F3F4 followed by tags: not smuggling.
            if not in_flag and 0xE0020 <= cp <= 0xE007E:
                tags.append(chr(cp - 0xE0000))
                tag_start = i if tag_start < 0 else tag_start
                tag_end = i + 1
            continue
        in_flag = ch == _BLACK_FLAG
        if ch in ZERO_WIDTH:
            if i and text[i - 1].isalpha() and i + 1 < n and text[i + 1].isalpha():
                zero_width += 1
            pending_invisible = True
            continue
        if ch in BIDI_CONTROLS:
            bidi_override += ch in _BIDI_OVERRIDES
            pending_invisible = True
            continue
        if _is_variation_selector(cp):
            variation += 1
            continue
        if not rtl_letters and unicodedata.bidirectional(ch) in ("R", "AL"):
            rtl_letters = True
        mapped = CONFUSABLES.get(ch)
        if mapped is not None:
            confusables += 1
            altered.add(len(origin))
            out.append(mapped.lower())
            origin.append(i)
            continue
        decomposed = unicodedata.normalize("NFKD", ch)
        # Compatibility forms (full-width, mathematical, circled letters) disguise text;
        # accents (canonical decomposition only) do not.
        disguised = decomposed != unicodedata.normalize("NFD", ch)
        for part in decomposed:
            if unicodedata.combining(part):
                continue
            part = CONFUSABLES.get(part, part).lower()
            if disguised:
                altered.update(range(len(origin), len(origin) + len(part)))
            out.append(part)
            origin.extend([i] * len(part))
    if pos < n:
        if pending_invisible:
            altered.add(len(origin))
        out.append(text[pos:].lower())
        origin.extend(range(pos, n))
    return Reading(
        _unescape_breaks("".join(out)),
        tuple(origin),
        frozenset(altered),
        tags="".join(tags),
        tag_span=(tag_start, tag_end) if tags else None,
        zero_width_in_words=zero_width,
        bidi_override=bool(bidi_override) and not rtl_letters,
        variation_selectors=variation,
        mixed_script_words=_mixed_script_words(text) if confusables else 0,
    )


def ascii_reading(text: str) -> str:
    """The reading of an ASCII ``text`` (``normalize(text).text``, without the ``Reading``)."""
    reading = text.lower()
    return _ESCAPED_BREAK.sub("  ", reading) if "\\" in reading else reading


def _unescape_breaks(reading: str) -> str:
    return _ESCAPED_BREAK.sub("  ", reading) if "\\" in reading else reading


def _mixed_script_words(text: str) -> int:
    """Words that mix ASCII letters with Cyrillic/Greek look-alikes (``pаypal``)."""
    count = 0
    for word in text.split():
        has_ascii = has_confusable = False
        for ch in word:
            if ch.isascii():
                has_ascii = has_ascii or ch.isalpha()
            elif ch in CONFUSABLES:
                has_confusable = True
        count += has_ascii and has_confusable
    return count


def has_leet_hint(reading: str) -> bool:
    """Whether ``reading`` has a digit or symbol next to a letter; without one,
    ``leet_readings`` is empty."""
    return _LEET_HINT.search(reading) is not None


def leet_readings(reading: str, vocabulary: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Readings with leetspeak undone inside words that mix letters and digits/symbols.

    ``1`` stands for both ``i`` and ``l``: the first reading picks, word by word, the
    choice that gives a word in ``vocabulary`` (``i`` otherwise); the second reads every
    ``1`` as ``l``. Both keep every character's position, so spans map back through the
    plain reading unchanged. Words of letters only are left alone, and so are numbers,
    unless the text is leetspeak through and through.
    """
    hints = _LEET_HINT.findall(reading)
    if not hints:
        return ()
    # In text written mostly in leetspeak, short numbers are words too ("70" is "to").
    heavy = len(hints) >= 6

    def keep(word: str) -> bool:
        if word.isalpha():
            return True
        if not any(c.isalpha() for c in word):
            return not (heavy and word.isdigit() and len(word) <= 3)
        return False

    def by_vocabulary(m: re.Match[str]) -> str:
        word = m.group()
        if keep(word):
            return word
        as_i = word.translate(_LEET_I)
        if as_i in vocabulary or "1" not in word:
            return as_i
        return next((w for w in _one_variants(word) if w in vocabulary), as_i)

    def all_l(m: re.Match[str]) -> str:
        word = m.group()
        if keep(word):
            return word
        return word.translate(_LEET_L)

    out = (_LEET_WORD.sub(by_vocabulary, reading), _LEET_WORD.sub(all_l, reading))
    return tuple(r for r in dict.fromkeys(out) if r != reading)


def _one_variants(word: str) -> list[str]:
    """Every reading of ``word`` with each ``1`` as ``i`` or ``l`` (at most 16)."""
    ones = [i for i, c in enumerate(word) if c == "1"][:4]
    base = list(word.translate(_LEET_I))
    variants: list[str] = []
    for mask in range(1 << len(ones)):
        chars = base[:]
        for bit, pos in enumerate(ones):
            if mask >> bit & 1:
                chars[pos] = "l"
        variants.append("".join(chars))
    return variants


def strip_invisible(text: str) -> str:
    """``text`` without zero-width, bidi-control, tag and variation-selector characters.

    Emoji sequences lose their joiners and flags their tags (they degrade to their
    parts); nothing visible to a reader changes otherwise.
    """
    if text.isascii():
        return text
    return "".join(ch for ch in text if ch.isascii() or not is_invisible(ch))
