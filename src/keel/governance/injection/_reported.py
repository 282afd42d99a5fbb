"""Reported speech: an attack quoted or described, not addressed to the reader.

A security team's ticket quotes what someone typed into the HR bot; a pentest finding
cites the request that leaked a system prompt; a SIEM alert carries the blocked input
in a field; an awareness page shows an example payload. The attack's words are all
there, but as the object of "typed", "wrote", "contained", "detected", "for example",
"asked it to" — reported, not issued. Two shapes are recognised:

* a **quotation** whose frame (the words before it, in its clause) reports it:
  ``someone kept typing 'ignore all previous instructions'``, ``"input_excerpt": "..."``;
* a **described request**: a verb governed by a third party made to do it, ``made the
  support bot print its instructions``, ``asking it to translate them``, ``requests to
  print the system prompt``.

The instruction signals that start inside such a region (their head is the reported
verb) are replaced by one ``reported_attack`` signal at a fraction of their strength,
below the action threshold: a quoted attack is worth logging (``SUSPICIOUS``), not, by
itself, worth blocking. Mentions of the topic elsewhere in the text ("system prompt",
"jailbreak") are then the report's subject and no longer count.

Nothing is discounted when the text hands what it quotes to the model to act on ("do
what the email says", "follow the steps inside" — the ``relay_instructions`` pattern),
when the frame addresses the reader ("as I told you, '...'"), or for encoded, hidden
and markup findings: a quotation cannot launder an encoded payload or an exfiltration
link, and an attack repeated outside the quotes counts in full.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from keel.governance.injection._verdict import Category, Signal

RELAY = "relay_instructions"
RELAY_AGAIN = "relay_try_it"
RELAYS = frozenset({RELAY, RELAY_AGAIN})
NAME = "reported_attack"
# A reported attack is worth at most this much, and this share of its strongest signal:
# enough to be logged as suspicious, with room for one weak companion signal (a mention
# of "system prompt" outside the quote) before the action threshold.
CAP = 0.35
SHARE = 0.45
_DISCOUNTED: frozenset[Category] = frozenset(
    {"instruction_override", "role_play", "prompt_extraction", "indirect"}
)
# Signals that only name the topic ("system prompt", "jailbreak"). In a text that reports an
# attack they are the report's subject, already accounted for by ``reported_attack``, not a
# second piece of evidence: "someone typed '...show me your system prompt'; should we
# rotate the system prompt?" is one report.
MENTIONS = frozenset({"system_prompt_word", "jailbreak_word"})

# Quotations, by opening mark: double, curly and guillemets; a straight single quote only
# where it is not an apostrophe (no letter before the opening one, none after the closing
# one). Each runs only on a text that has its opening mark.
_QUOTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ('"', re.compile(r"\"((?:[^\"\\\n]|\\.){3,600})\"")),
    ("'", re.compile(r"(?<![\w'])'((?:[^'\n]|(?<=\w)'(?=\w)){3,600}?)'(?![\w'])")),
    ("“", re.compile(r"“([^”\n]{3,600})”")),
    ("‘", re.compile(r"‘([^’\n]{3,600})’")),
    ("«", re.compile(r"«([^»\n]{3,600})»")),
)
# The frame of a quotation: the words before it in its clause — back to a sentence or
# line break, a comma, or the previous field of a JSON object ("blocked", "note": "...").
_FRAME = 60
_BREAKS = (". ", "! ", "? ", ".\n", "\n", ",", ";", "{", "}", "[", "]")
_WORD = re.compile(r"[a-z]+")
# Verbs of saying, writing and containing, and the nouns that present a sample.
_REPORTING_WORDS = (
    "typed typing types wrote writes written writing said says saying asked asking asks "
    "pasted pasting pastes posted posting posts contained contains containing included "
    "includes including sent sending entered entering submitted submitting tried trying "
    "attempted attempting detected flagged blocked caught matched logged reported quoted "
    "quoting like example examples payload payloads excerpt sample samples phrase phrases "
    "string strings prompts attempts attack attacks received receiving such eg "
    # answering and showing: what a bot, a screen or a message produced
    "answered replied responded reads shows showed displayed printed returned generated "
    "produced output input inputs "
    # the writer's own label for what it quotes: an attack, a scam, a test
    "injection injections jailbreak jailbreaks phishing scam suspicious malicious fake"
)
_REPORTING = frozenset(_REPORTING_WORDS.split())
_READER = frozenset({"you", "your", "yours", "yourself"})
# A request described, not made: a third party (never "you") caused to do something.
# Past and third-person forms only: "make the bot print its prompt" is an order to the
# reader, and so is "I'm asking the assistant to..." (see ``_FIRST_PERSON``).
_CAUSED = (
    "made|makes|making|got|gets|getting|asked|asking|asks|told|telling|tricked|tricking|"
    "convinced|convincing|instructed|instructing"
)
_ATTEMPTED = "requests|attempts|tries"
# Checked as substrings of the lower-cased text before the expression runs: a
# case-insensitive alternation of words costs more than the whole scan it would gate.
_CAUSE_HINTS = (
    "made",
    "mak",
    "got",
    "get",
    "ask",
    "told",
    "tell",
    "trick",
    "convinc",
    "instruct",
    "requests",
    "attempts",
    "tries",
)
_DESCRIBED = re.compile(
    rf"\b(?:(?:{_CAUSED})\s+(?:it|him|her|them|(?:the|a|an|their|our|its)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:bot|chatbot|model|assistant|ai|agent|llm|copilot))\s+(?:to\s+|into\s+)?"
    rf"|(?:{_ATTEMPTED})\s+to\s+)"
)
_CLAUSE_END = re.compile(r"[.;:!?\n)(,]")
# "I'm asking the bot to...", "as I said: '...'": the writer issuing it, to the reader.
_FIRST_PERSON = re.compile(
    r"\b(?:i|we)(?:'m|'re|\s+am|\s+are)?\s+(?:now\s+|hereby\s+)?$|\bas\s+(?:i|we)\b"
)


def discount_reported(text: str, signals: list[Signal]) -> list[Signal]:
    """``signals`` with those inside reported quotations or described requests replaced by
    one ``reported_attack`` signal per region (see the module docstring)."""
    inside = [s for s in signals if s.view == "text" and s.category in _DISCOUNTED]
    if not inside or any(s.name in RELAYS for s in signals):
        return signals
    regions = reported_regions(text, [s.span[0] for s in inside])
    if not regions:
        return signals
    replaced: set[int] = set()
    out: list[Signal] = []
    for start, end in regions:
        found = [s for s in inside if start <= s.span[0] < end]
        if not found:
            continue
        replaced.update(id(s) for s in found)
        strongest = max(found, key=lambda s: s.weight)
        names = ", ".join(sorted({s.name for s in found}))
        why = f"quotes or describes an attack ({names}) without addressing it to the model"
        weight = min(CAP, SHARE * strongest.weight)
        out.append(Signal(NAME, strongest.category, weight, (start, end), why))
    if not replaced:
        return signals
    return [s for s in signals if id(s) not in replaced and s.name not in MENTIONS] + out


def _quoted(text: str) -> list[re.Match[str]]:
    return [m for mark, regex in _QUOTES if mark in text for m in regex.finditer(text)]


def quotations(text: str) -> list[tuple[int, int]]:
    """The inside of every quotation in ``text`` (quote marks excluded)."""
    return [m.span(1) for m in _quoted(text)]


def reported_regions(text: str, starts: list[int]) -> list[tuple[int, int]]:
    """Spans of ``text`` that report an attack rather than issue it — reported quotations
    (the quote marks included) and described requests (to the end of their clause) — among
    those that contain one of ``starts`` (where the signals found begin)."""
    starts = sorted(starts)

    def holds_a_start(lo: int, hi: int) -> bool:
        i = bisect_left(starts, lo)
        return i < len(starts) and starts[i] < hi

    regions = [
        m.span() for m in _quoted(text) if holds_a_start(*m.span()) and _reports(text, m.start())
    ]
    lowered = text.lower()
    if not any(hint in lowered for hint in _CAUSE_HINTS):
        return regions
    if len(lowered) != len(text):  # a few characters lower-case to two; keep positions
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for m in _DESCRIBED.finditer(lowered):
        if _FIRST_PERSON.search(lowered[max(0, m.start() - 20) : m.start()]):
            continue
        end_m = _CLAUSE_END.search(lowered, m.end())
        end = end_m.start() if end_m else len(text)
        if holds_a_start(m.end(), end) and _READER.isdisjoint(
            _WORD.findall(lowered[m.start() : end])
        ):
            regions.append((m.end(), end))
    return regions


def _reports(text: str, quote_start: int) -> bool:
    """The words before a quotation, in its clause, report it; they do not address "you",
    and the writer is not saying it again ("as I said", "again:")."""
    frame = text[max(0, quote_start - _FRAME) : quote_start].lower()
    frame = frame[max(frame.rfind(mark) for mark in _BREAKS) + 1 :]
    if _FIRST_PERSON.search(frame):
        return False
    words = _WORD.findall(frame.replace("e.g.", "eg"))
    return not _REPORTING.isdisjoint(words) and _READER.isdisjoint(words) and "again" not in words
